"""`supportrm eval`: score a data file with a checkpoint (or every seed of a run) and audit it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from supportrm.config import options_from_model, resolve_config
from supportrm.evaluate.config import EvalConfig


@click.command("eval")
@click.option(
    "--config", "config_file", type=click.Path(exists=True, dir_okay=False), help="YAML file."
)
@options_from_model(EvalConfig)
def eval_cmd(config_file: str | None, **values: Any) -> None:
    """Evaluate a reward model: accuracy with CIs, diagnostics, verdict (docs/metrics.md).

    Writes metrics.json (and scores.jsonl) into --out and prints a summary table. With --strict
    the exit status is 1 when any model is degenerate or below a target.
    """
    from pydantic import ValidationError

    try:
        cfg = resolve_config(EvalConfig, config_file, values)
    except ValidationError as exc:
        raise click.UsageError(_validation_message(exc)) from exc
    if cfg.missing():
        raise click.UsageError(f"missing required option(s): {', '.join(cfg.missing())}")
    assert cfg.model is not None and cfg.out is not None  # for mypy: checked just above
    from supportrm.cli.launch import main_process_output

    # Under accelerate launch/torchrun the processes share the scoring; the main one writes.
    with main_process_output(Path(cfg.out)) as (main, out):
        _evaluate(cfg.model_copy(update={"out": out}), echo=click.echo if main else _quiet)


def _quiet(*_: Any, **__: Any) -> None:
    pass


def _evaluate(cfg: EvalConfig, echo: Any) -> None:
    assert cfg.model is not None and cfg.out is not None
    from supportrm.evaluate.metrics import Targets
    from supportrm.evaluate.runs import evaluate_model, format_summary

    try:
        targets = Targets(overall=cfg.target_overall, per_category=cfg.target_category)
        result = evaluate_model(
            cfg.model,
            cfg.data,
            cfg.out,
            targets=targets,
            n_bootstrap=cfg.n_bootstrap,
            seed=cfg.bootstrap_seed,
            on_error=cfg.on_error,
        )
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if cfg.ood_data:
        from supportrm.evaluate.sources import (
            evaluate_source,
            format_sources,
            headline,
            resolve_sources,
        )

        try:
            sources = {
                name: evaluate_source(
                    cfg.model, name, path, Path(cfg.out) / "sources" / name, targets=targets
                )
                for name, path in resolve_sources(cfg.ood_data).items()
            }
        except (FileNotFoundError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        echo(format_sources({"sources": sources, "headline": headline(sources)}))
    data = result.get("data") or {}
    if data.get("n_skipped"):
        echo(f"skipped {data['n_skipped']} invalid record(s) of {data['n_read']} (--on-error skip)")
    echo(format_summary(result))
    echo(f"metrics: {Path(cfg.out) / 'metrics.json'}")
    if cfg.strict and not result["verdict"]["pass"]:
        echo("--strict: verdict FAIL (degenerate or below target)", err=True)
        raise SystemExit(1)


def _validation_message(exc: Any) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        parts.append(f"--{loc.replace('_', '-')}: {err['msg']}")
    return "; ".join(parts)
