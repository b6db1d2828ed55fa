"""Evaluation of whole runs and checkpoints: the library behind ``supportrm eval`` and ``run``.

* :func:`evaluate_run` recomputes per-seed and aggregated metrics from the score tables already in
  a run directory (no model needed).
* :func:`evaluate_model` scores a data file with a checkpoint (or every seed checkpoint of a run)
  through :class:`supportrm.model.scoring.RewardScorer`, then computes the same metrics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from supportrm import run_files
from supportrm.evaluate.degenerate import Thresholds, history_until
from supportrm.evaluate.metrics import MIN_BOOTSTRAP, Targets, compute_metrics
from supportrm.evaluate.multiseed import aggregate
from supportrm.evaluate.scoretable import (
    ScoreTable,
    as_table,
    read_jsonl,
    read_score_table,
    write_score_table,
)
from supportrm.evaluate.temperature import load_temperature, tempered_calibration
from supportrm.files import atomic_write_json
from supportrm.run_files import RunMetrics, SeedMetrics

SEED_DIR = re.compile(r"^seed-(\d+)$")


def write_json(obj: Any, path: str | Path) -> Path:
    """Atomic JSON write (a reader never sees half a metrics file)."""
    return atomic_write_json(path, obj)


def seed_dirs(run_dir: str | Path) -> dict[int, Path]:
    """``seed-<S>`` folders of a run directory, by seed."""
    run_dir = Path(run_dir)
    out = {}
    if run_dir.is_dir():
        for p in run_dir.iterdir():
            m = SEED_DIR.match(p.name)
            if m and p.is_dir():
                out[int(m.group(1))] = p
    return dict(sorted(out.items()))


def read_history(seed_dir: Path) -> list[dict[str, Any]] | None:
    path = seed_dir / "history.jsonl"
    return read_jsonl(path) if path.exists() else None


def load_pairs_by_id(
    path: str | Path, on_error: Literal["raise", "skip"] = "raise"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """id -> PreferencePair of a data file, plus load counts. Category validation is off: eval
    must work on any supported file, with or without categories. ``on_error="skip"`` drops
    invalid records and counts them (``n_skipped``) instead of raising. Records with an empty
    reply are excluded and named (``n_excluded``, ``excluded``) in both modes."""
    from supportrm.data.load import load_pairs

    res = load_pairs(path, on_error=on_error, categories=None)
    pairs = list(res.pairs)
    info = {
        "path": str(path),
        "format": res.format,
        "n_read": res.n_read,
        "n_loaded": len(pairs),
        "n_skipped": len(res.skipped),
        "n_excluded": res.n_excluded,
        "excluded": [s.location for s in res.skipped if s.excluded],
    }
    return {p.id: p for p in pairs}, info


def _val_pairs(run_dir: Path) -> dict[str, Any] | None:
    """Texts for error examples; a run without a readable split still gets metrics."""
    path = run_dir / "split" / "val.jsonl.gz"
    if not path.exists():
        return None
    try:
        return load_pairs_by_id(path)[0]
    except (OSError, ValueError):  # texts are optional: an unreadable split keeps the numbers
        return None


def evaluate_run(
    run_dir: str | Path,
    *,
    targets: Targets | None = None,
    n_bootstrap: int = MIN_BOOTSTRAP,
    seed: int = 0,
    thresholds: Thresholds | None = None,
    write: bool = True,
) -> dict[str, Any]:
    """Metrics for every ``seed-<S>/val_scores.jsonl`` of a run, written next to it, and the
    aggregate written to ``RUN_DIR/metrics.json``. Returns the aggregate (with ``seed_metrics``
    not included: read the per-seed files for those)."""
    run_dir = Path(run_dir)
    dirs = {s: d for s, d in seed_dirs(run_dir).items() if (d / "val_scores.jsonl").exists()}
    if not dirs:
        raise FileNotFoundError(f"{run_dir}: no seed-<S>/val_scores.jsonl found")
    pairs = _val_pairs(run_dir)
    per_seed: dict[int, dict[str, Any]] = {}
    tables: dict[int, ScoreTable] = {}
    for s, d in dirs.items():
        tables[s] = read_score_table(d / "val_scores.jsonl")
        per_seed[s] = compute_metrics(
            tables[s],
            targets=targets,
            n_bootstrap=n_bootstrap,
            seed=seed,
            history=_history_to_kept(d),
            pairs=pairs,
            thresholds=thresholds,
        )
        per_seed[s]["seed"] = s
        temperature = load_temperature(d / "checkpoint")
        if temperature is not None:
            per_seed[s]["calibration_tempered"] = tempered_calibration(tables[s].delta, temperature)
        old = d / "metrics.json"
        if old.exists():
            # Keep what other stages recorded there (e.g. the trainer's "training" block).
            try:
                previous = json.loads(old.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                previous = {}
            if isinstance(previous, dict):
                for k, v in previous.items():
                    per_seed[s].setdefault(k, v)
        if write:
            run_files.write(d / "metrics.json", per_seed[s], SeedMetrics)
    agg = aggregate(per_seed, rows=tables, targets=targets)
    if write:
        run_files.write(run_dir / "metrics.json", agg, RunMetrics)
    return agg


def _history_to_kept(seed_dir: Path) -> list[dict[str, Any]] | None:
    """The training history up to the kept checkpoint: the collapse rule judges that model."""
    history = read_history(seed_dir)
    try:
        training = json.loads((seed_dir / "metrics.json").read_text(encoding="utf-8"))["training"]
        kept = int(training["kept_step"])
    except (OSError, ValueError, KeyError, TypeError):
        return history
    return history_until(history, kept) if history is not None else None


def _is_checkpoint(path: Path) -> bool:
    return (path / "config.json").exists()


def resolve_checkpoints(model: str | Path) -> dict[int | None, Path]:
    """A checkpoint folder -> {None: it}; a run directory -> {seed: seed-<S>/checkpoint}."""
    path = Path(model)
    if _is_checkpoint(path):
        m = SEED_DIR.match(path.parent.name)
        return {int(m.group(1)) if m else None: path}
    found: dict[int | None, Path] = {}
    for s, d in seed_dirs(path).items():
        if _is_checkpoint(d / "checkpoint"):
            found[s] = d / "checkpoint"
    if not found:
        raise FileNotFoundError(
            f"{path}: neither a checkpoint (no config.json) nor a run directory with "
            "seed-<S>/checkpoint folders"
        )
    return found


def _default_scorer(checkpoint: Path, max_length: int | None = None) -> Any:
    from supportrm.model.scoring import RewardScorer  # heavy (torch): import only when scoring

    return RewardScorer.from_pretrained(checkpoint, max_length=max_length)


def _score_seeds_together(
    ckpts: Mapping[int | None, Path], pairs: Sequence[Any], max_length: int | None
) -> list[tuple[list[dict[str, Any]], dict[str, Any]]] | None:
    """Every seed's rows and counts, their shared frozen bottom layers run once
    (:mod:`supportrm.model.ensemble`); None (score seed by seed) unless there are several seeds
    all trained with frozen bottom layers: only then are they loaded at once."""
    from supportrm.model.checkpoint import read_meta  # heavy (torch): only when scoring

    if len(ckpts) < 2 or not all(
        int(read_meta(c).get("freeze_layers") or 0) > 0 for c in ckpts.values()
    ):
        return None
    from supportrm.model.ensemble import score_pairs_together

    scorers = [_default_scorer(c, max_length) for c in ckpts.values()]
    return score_pairs_together(scorers, pairs)


def evaluate_model(
    model: str | Path,
    data: str | Path | None,
    out_dir: str | Path,
    *,
    targets: Targets | None = None,
    n_bootstrap: int = MIN_BOOTSTRAP,
    seed: int = 0,
    thresholds: Thresholds | None = None,
    scorer_factory: Callable[[Path], Any] | None = None,
    on_error: Literal["raise", "skip"] = "raise",
    max_length: int | None = None,
) -> dict[str, Any]:
    """Score ``data`` with a checkpoint or every seed of a run; write scores and metrics to
    ``out_dir``. With one checkpoint the result is its metrics; with several seeds it is the
    aggregate (per-seed metrics under ``out_dir/seed-<S>/``).

    ``data`` defaults to the run's held-out split (``split/val.jsonl.gz``) when ``model`` is a
    run directory. ``scorer_factory(checkpoint)`` replaces the real scorer (tests): it returns an
    object with ``score_pairs(pairs) -> rows`` (and optionally ``last_stats``) or a callable.
    ``max_length`` overrides the checkpoint's training ``max_length`` (clamped to the model's
    positions), e.g. to score a second source with longer conversations without truncating them.
    """
    out_dir = Path(out_dir)
    ckpts = resolve_checkpoints(model)
    if data is None:
        run_dir = Path(model) if not _is_checkpoint(Path(model)) else Path(model).parent.parent
        data = run_dir / "split" / "val.jsonl.gz"
        if not data.exists():
            raise FileNotFoundError(f"no --data given and {data} does not exist")
    pairs_by_id, data_info = load_pairs_by_id(data, on_error)
    pairs = list(pairs_by_id.values())
    if not pairs:
        raise ValueError(f"{data}: no pairs loaded")
    if scorer_factory is not None:
        factory = scorer_factory
    elif max_length is None:
        factory = _default_scorer
    else:
        factory = lambda ckpt: _default_scorer(ckpt, max_length)  # noqa: E731
    results: dict[int | None, dict[str, Any]] = {}
    tables: dict[int, ScoreTable] = {}
    together = _score_seeds_together(ckpts, pairs, max_length) if scorer_factory is None else None
    for i, (s, ckpt) in enumerate(ckpts.items()):
        if together is not None:
            rows, stats = together[i]
        else:
            scorer = factory(ckpt)
            rows = scorer.score_pairs(pairs) if hasattr(scorer, "score_pairs") else scorer(pairs)
            stats = getattr(scorer, "last_stats", None) or {}
        scoring_stats = {k: v for k, v in stats.items() if k != "excluded_ids"}
        table = as_table(rows)
        dest = out_dir if len(ckpts) == 1 else out_dir / f"seed-{s}"
        history = read_history(ckpt.parent) if s is not None else None
        metrics = compute_metrics(
            table,
            targets=targets,
            n_bootstrap=n_bootstrap,
            seed=seed,
            history=history,
            pairs=pairs_by_id,
            thresholds=thresholds,
        )
        metrics["seed"] = s
        metrics["checkpoint"] = str(ckpt)
        metrics["data"] = {
            **data_info,
            "n_scored": len(table),
            # Pairs identical after truncation are not scored (architecture.md); count them.
            "n_not_scored": len(pairs) - len(table),
            "scoring": scoring_stats,
        }
        write_score_table(table, dest / "scores.jsonl")
        run_files.write(dest / "metrics.json", metrics, SeedMetrics)
        results[s] = metrics
        tables[s if s is not None else 0] = table
    if len(results) == 1:
        return next(iter(results.values()))
    agg = aggregate({int(s): m for s, m in results.items() if s is not None}, rows=tables)
    agg["data"] = data_info
    run_files.write(out_dir / "metrics.json", agg, RunMetrics)
    return agg


def format_summary(metrics: Mapping[str, Any]) -> str:
    """A plain-text table of a metrics dict (single model) or an aggregate (several seeds)."""
    if "per_seed" in metrics:
        return _format_aggregate(metrics)
    return _format_single(metrics)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _ci(ci: Sequence[float] | None) -> str:
    return "-" if not ci else f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def _format_single(m: Mapping[str, Any]) -> str:
    v = m["verdict"]
    lines = [
        f"{'group':<16}{'n':>6}  {'strict':>7}  {'95% CI':>14}  {'ties=.5':>7}  {'ties':>6}"
        f"  {'target':>7}  result",
    ]

    def row(name: str, acc: Mapping[str, Any], target: str, ok: bool | None) -> str:
        res = "-" if ok is None else ("PASS" if ok else "FAIL")
        return (
            f"{name:<16}{acc['n']:>6}  {_pct(acc['strict']):>7}  {_ci(acc.get('strict_ci')):>14}"
            f"  {_pct(acc['ties_half']):>7}  {_pct(acc['tie_rate']):>6}  {target:>7}  {res}"
        )

    lines.append(
        row("overall", m["accuracy"], f">{_pct(v['overall']['target'])}", v["overall"]["pass"])
    )
    for cat, block in m["per_category"].items():
        c = v["categories"].get(cat)
        lines.append(
            row(
                cat,
                block["accuracy"],
                f">={_pct(c['target'])}" if c else "-",
                c["pass"] if c else None,
            )
        )
    cal = m["calibration"]
    lb = m["length_bias"]
    rho = lb["spearman_reward_tokens"]["rho"]
    tempered = m.get("calibration_tempered")
    if tempered:
        lines.append(
            f"temperature {tempered['temperature']:.3f} (fitted on dev): ECE "
            f"{tempered['ece']:.3f}, Brier {tempered['brier']:.3f} after"
        )
    lines.append(
        f"calibration: ECE {cal['ece']:.3f}, Brier {cal['brier']:.3f}, BT loss {cal['bt_loss']:.4f};"
        f" length bias: Spearman(reward, tokens) {'-' if rho is None else f'{rho:+.2f}'},"
        f" longer-wins {_pct(lb['longer_wins']['strict'])}"
    )
    deg = m["degenerate"]
    lines.append(
        "degenerate: " + ("YES - " + deg["summary"] if deg["degenerate"] else "no rule fired")
    )
    lines.append("verdict: " + ("PASS" if v["pass"] else "FAIL (" + ", ".join(_why(v)) + ")"))
    return "\n".join(lines)


def _why(v: Mapping[str, Any]) -> list[str]:
    why = [f"below target: {f}" for f in v.get("failing", [])]
    if v.get("degenerate"):
        why.append("degenerate")
    return why


def _format_aggregate(a: Mapping[str, Any]) -> str:
    cats = list(a["per_category"])
    head = f"{'seed':<6}{'strict':>8}  {'95% CI':>14}  {'ties':>6}" + "".join(
        f"  {c[:12]:>12}" for c in cats
    )
    lines = [head]
    for p in a["per_seed"]:
        lines.append(
            f"{p['seed']:<6}{_pct(p['strict']):>8}  {_ci(p['strict_ci']):>14}  "
            f"{_pct(p['tie_rate']):>6}"
            + "".join(f"  {_pct(p['categories'].get(c)):>12}" for c in cats)
            + ("  PASS" if p["pass"] else "  FAIL" + (" (degenerate)" if p["degenerate"] else ""))
        )
    o = a["overall"]["strict"]
    lines.append(
        f"{'mean':<6}{_pct(o['mean']):>8}  {'± ' + _pct(o['std']):>14}  {'':>6}"
        + "".join(f"  {_pct(a['per_category'][c]['mean']):>12}" for c in cats)
    )
    eces = [
        f"seed {p['seed']} {p['ece']:.3f}"
        + (
            f" -> {p['ece_tempered']:.3f} (T {p['temperature']:.2f})"
            if p.get("ece_tempered") is not None
            else ""
        )
        for p in a["per_seed"]
        if p.get("ece") is not None
    ]
    if eces:
        lines.append("ECE (-> after the dev-fitted temperature): " + "; ".join(eces))
    v = a["verdict"]
    lines.append(
        f"worst seed: {a['worst_seed']['seed']} ({_pct(a['worst_seed']['strict'])}); "
        f"verdict ({v['rule']}): " + ("PASS" if v["pass"] else f"FAIL, seeds {v['seeds_failing']}")
    )
    return "\n".join(lines)
