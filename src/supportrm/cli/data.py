"""`supportrm data ...`: check, split (this module) and synth (`cli/synth.py`).

Thin wrappers over :mod:`supportrm.data`: option parsing, output, exit codes. Exit status is 0 when
the data is usable, 1 when it is invalid (any bad record under ``--on-error raise``, no loadable
record under ``--on-error skip``, or a file that cannot be read), 2 for usage errors (click).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from supportrm.cli.synth import synth
from supportrm.data.errors import DataValidationError
from supportrm.data.load import DEFAULT_MAX_CHARS, LoadResult, load_pairs
from supportrm.data.schema import DEFAULT_CATEGORIES

#: How many skipped records / warnings the text output lists (all of them are in --rejects / --json).
_SHOW = 20


def parse_categories(values: Sequence[str]) -> list[str] | None:
    """``--categories a,b --categories c`` -> [a, b, c]; ``any`` -> None (every category allowed)."""
    if not values:
        return list(DEFAULT_CATEGORIES)
    cats = [c.strip() for v in values for c in v.split(",") if c.strip()]
    if any(c.lower() == "any" for c in cats):
        return None
    return cats


def parse_val_size(text: str) -> int | float:
    """``1000`` -> 1000 (pairs); ``0.1`` -> 0.1 (a fraction)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise click.BadParameter(f"expected an integer or a fraction, got {text!r}") from None


def _load_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--on-error",
            type=click.Choice(["raise", "skip"]),
            default="raise",
            show_default=True,
            help="raise: fail listing every bad record. skip: leave bad records out and write them "
            "with their reasons to --rejects.",
        ),
        click.option(
            "--rejects",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Where to write rejected records (JSONL). Default with --on-error skip: "
            "<input name>.rejects.jsonl in the current directory.",
        ),
        click.option(
            "--categories",
            multiple=True,
            help="Allowed categories, comma-separated or repeated; 'any' allows every category. "
            f"[default: {','.join(DEFAULT_CATEGORIES)}]",
        ),
        click.option(
            "--max-chars",
            type=click.IntRange(min=1),
            default=DEFAULT_MAX_CHARS,
            show_default=True,
            help="Longest text accepted in one message or response.",
        ),
        click.option(
            "--allow-empty-response",
            is_flag=True,
            help="Accept empty chosen/rejected replies (e.g. Anthropic HH, where silence is "
            "sometimes the preferred answer).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _default_rejects(file: Path) -> Path:
    name = file.name
    for suffix in reversed(file.suffixes):
        name = name[: -len(suffix)]
    return Path(f"{name}.rejects.jsonl")


def _load(
    file: Path,
    on_error: str,
    rejects: Path | None,
    categories: Sequence[str],
    max_chars: int,
    allow_empty_response: bool,
    as_json: bool = False,
) -> tuple[LoadResult, Path | None]:
    if on_error == "skip" and rejects is None:
        rejects = _default_rejects(file)
    try:
        result = load_pairs(
            file,
            on_error="skip" if on_error == "skip" else "raise",
            categories=parse_categories(categories),
            max_chars=max_chars,
            rejects_path=rejects,
            allow_empty_response=allow_empty_response,
        )
    except DataValidationError as exc:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "ok": False,
                        "file": str(file),
                        "read": exc.n_read,
                        "errors": [e.to_dict() for e in exc.errors],
                    },
                    indent=2,
                    ensure_ascii=True,
                )
            )
        else:
            click.echo(str(exc), err=True)
            if rejects is not None and exc.n_read is not None:
                click.echo(f"rejected records written to {rejects}", err=True)
        sys.exit(1)
    if result.n_loaded == 0:
        click.echo(f"{file}: no valid records (read {result.n_read})", err=True)
        for s in result.skipped[:_SHOW]:
            click.echo(f"  {s.location}: {s.reason}", err=True)
        sys.exit(1)
    return result, rejects


def _list_skipped(records: Sequence[Any], header: str) -> None:
    """``header``, then the first records with their reasons, on stderr (nothing if none)."""
    if not records:
        return
    click.echo(header, err=True)
    for s in records[:_SHOW]:
        click.echo(f"  {s.location}: {s.reason}", err=True)
    if len(records) > _SHOW:
        click.echo(f"  ... and {len(records) - _SHOW} more", err=True)


def _report_problems(result: LoadResult, rejects: Path | None) -> None:
    """Skipped records and warnings, on stderr after the main output."""
    excluded = [s for s in result.skipped if s.excluded]
    invalid = [s for s in result.skipped if not s.excluded]
    _list_skipped(
        excluded,
        f"excluded {len(excluded)} records with an empty reply (kept out of the data; "
        "--allow-empty-response keeps them)" + (f"; also in {rejects}" if rejects else ""),
    )
    _list_skipped(
        invalid,
        f"skipped {len(invalid)} invalid of {result.n_read} records; each with its reasons "
        f"in {rejects}",
    )
    if result.warnings:
        click.echo(f"{len(result.warnings)} warning(s) on loaded records:", err=True)
        for w in result.warnings[:_SHOW]:
            click.echo(f"  {w}", err=True)
        if len(result.warnings) > _SHOW:
            click.echo(f"  ... and {len(result.warnings) - _SHOW} more (see --json)", err=True)


@click.group("data")
def data() -> None:
    """Load, validate, split and synthesise preference data."""


@data.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_load_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def check(
    file: Path,
    on_error: str,
    rejects: Path | None,
    categories: tuple[str, ...],
    max_chars: int,
    allow_empty_response: bool,
    as_json: bool,
) -> None:
    """Validate FILE (.jsonl/.json/.parquet/.csv, optionally .gz) and print a summary."""
    from supportrm.data.summary import render_summary, summarise

    result, rejects = _load(
        file, on_error, rejects, categories, max_chars, allow_empty_response, as_json
    )
    summary = summarise(result.pairs)
    if as_json:
        payload = {
            "ok": True,
            "file": str(file),
            "format": result.format,
            **result.counts(),
            "options": result.options,
            "skipped_records": [s.to_dict() | {"record": None} for s in result.skipped],
            "warnings": [w.to_dict() for w in result.warnings],
            "extra_fields": result.extra_fields,
            "summary": summary,
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=True))
        return
    click.echo(f"{file} ({result.format})")
    if result.extra_fields:
        fields = ", ".join(f"{k} ({v})" for k, v in result.extra_fields.items())
        click.echo(f"extra fields kept in metadata: {fields}")
    click.echo(render_summary(summary, result.counts()))
    _report_problems(result, rejects)


@data.command("split")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--val-size",
    required=True,
    help="Validation pairs: an integer (e.g. 1000) or a fraction (e.g. 0.125).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the split.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for train/val files and manifest.json.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "parquet", "csv", "json"]),
    default="jsonl",
    show_default=True,
    help="Output format (jsonl is written gzipped: train.jsonl.gz).",
)
@_load_options
def split(
    file: Path,
    val_size: str,
    seed: int,
    out: Path,
    fmt: str,
    on_error: str,
    rejects: Path | None,
    categories: tuple[str, ...],
    max_chars: int,
    allow_empty_response: bool,
) -> None:
    """Split FILE into train and val, stratified by category and grouped by conversation."""
    from supportrm.data.hashing import hash_file
    from supportrm.data.split import split_pairs, write_split

    size = parse_val_size(val_size)
    result, rejects = _load(file, on_error, rejects, categories, max_chars, allow_empty_response)
    try:
        res = split_pairs(result.pairs, size, seed)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--val-size") from exc
    paths = write_split(
        res,
        out,
        fmt,  # type: ignore[arg-type]
        extra={
            "source": {
                "path": str(file),
                "sha256": hash_file(file),
                "format": result.format,
                **result.counts(),
                "load_options": result.options,
            }
        },
    )
    m = res.manifest
    click.echo(
        f"train: {m['n_train']} pairs -> {paths['train']}\n"
        f"val:   {m['n_val']} pairs -> {paths['val']} (target {m['val_target']})\n"
        f"manifest: {paths['manifest']}"
    )
    click.echo(f"  {'category':<16}{'total':>7}{'train':>7}{'val':>6}{'target':>8}")
    for cat, d in m["categories"].items():
        click.echo(f"  {cat:<16}{d['total']:>7}{d['train']:>7}{d['val']:>6}{d['val_target']:>8}")
    _report_problems(result, rejects)
    if m["max_abs_deviation"] > 1:
        click.echo(
            f"warning: a category is {m['max_abs_deviation']} pairs off its validation target "
            "(conversations too large to split exactly)",
            err=True,
        )


data.add_command(synth)
