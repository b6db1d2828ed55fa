"""Results on a second, independent source beside the held-out split.

The held-out split comes from the same source as the training pairs (for the embedded data: the
same generator), so it cannot show what a policy will meet once it drifts away from that
distribution. A second source (by default the shipped hand-written set, ``support-handwritten-v1``
test half) is scored by every seed and by the seed ensemble, and compared with the held-out
figures: a gap wider than both confidence intervals is a warning in the report and the verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from supportrm import run_files
from supportrm.evaluate.ensemble import disagreement_buckets, ensemble_table
from supportrm.evaluate.metrics import MIN_BOOTSTRAP, Targets, compute_metrics
from supportrm.evaluate.runs import evaluate_model, load_pairs_by_id, seed_dirs
from supportrm.evaluate.scoretable import ScoreTable, read_score_table
from supportrm.run_files import SeedMetrics, SourcesFile, SourceSummary

#: Token budget for second sources (their conversations can be longer than the training data's);
#: never below the training ``max_length``, never above the model's positions.
SOURCE_MAX_LENGTH = 512
#: Where :func:`evaluate_sources` writes its summary in a run directory.
SOURCES_FILE = "sources.json"
#: ``--ood-data`` values with a meaning of their own.
HANDWRITTEN = "handwritten"
NONE = "none"


def resolve_sources(values: list[str] | tuple[str, ...]) -> dict[str, Path]:
    """``--ood-data`` values -> {name: file}. ``handwritten`` is the shipped hand-written test
    half; ``none`` (alone) turns second-source evaluation off."""
    from supportrm.data.embedded import handwritten_path

    if [v.lower() for v in values] == [NONE]:
        return {}
    out: dict[str, Path] = {}
    for v in values:
        if v.lower() == NONE:
            raise ValueError("--ood-data none cannot be combined with other files")
        path = handwritten_path("test") if v.lower() == HANDWRITTEN else Path(v)
        if not path.exists():
            raise FileNotFoundError(f"--ood-data {v}: no such file")
        name = "handwritten-test" if v.lower() == HANDWRITTEN else _name(path)
        if name in out:
            name = f"{name}-{len(out)}"
        out[name] = path
    return out


def _name(path: Path) -> str:
    stem = path.name
    for suffix in (".gz", ".jsonl", ".json", ".parquet", ".csv", ".ndjson", ".pq"):
        stem = stem.removesuffix(suffix)
    return stem or "second-source"


def evaluate_source(
    model: str | Path,
    name: str,
    data: Path,
    out_dir: str | Path,
    *,
    targets: Targets | None = None,
    n_bootstrap: int = MIN_BOOTSTRAP,
    seed: int = 0,
    scorer_factory: Callable[[Path], Any] | None = None,
) -> dict[str, Any]:
    """Score ``data`` with every seed of ``model`` (a run or a checkpoint) and with their
    ensemble; write everything under ``out_dir`` and return the summary for ``metrics.json``."""
    out_dir = Path(out_dir)
    result = evaluate_model(
        model,
        data,
        out_dir,
        targets=targets,
        n_bootstrap=n_bootstrap,
        seed=seed,
        scorer_factory=scorer_factory,
        max_length=SOURCE_MAX_LENGTH,
    )
    tables = _seed_tables(out_dir, result)
    pairs, _info = load_pairs_by_id(data)
    ens_table, spread = ensemble_table(tables)
    ens = compute_metrics(
        ens_table, targets=targets, n_bootstrap=n_bootstrap, seed=seed, pairs=pairs
    )
    ens["seed_disagreement"] = disagreement_buckets(ens_table, spread)
    run_files.write(out_dir / "ensemble" / "metrics.json", ens, SeedMetrics)
    summary = {
        "name": name,
        "path": str(data),
        "n_pairs": len(pairs),
        "per_seed": _per_seed(result),
        "ensemble": _brief(ens),
    }
    run_files.write(out_dir / "summary.json", summary, SourceSummary)
    return summary


def _seed_tables(out_dir: Path, result: Mapping[str, Any]) -> dict[int, ScoreTable]:
    dirs = seed_dirs(out_dir)
    if dirs:
        return {s: read_score_table(d / "scores.jsonl") for s, d in dirs.items()}
    seed = result.get("seed")
    return {int(seed) if seed is not None else 0: read_score_table(out_dir / "scores.jsonl")}


def _brief(m: Mapping[str, Any]) -> dict[str, Any]:
    """The figures the report and the verdict use from one model's metrics."""
    return {
        "n": m["n"],
        "strict": m["accuracy"]["strict"],
        "strict_ci": m["accuracy"].get("strict_ci"),
        "tie_rate": m["accuracy"]["tie_rate"],
        "categories": {c: b["accuracy"]["strict"] for c, b in m["per_category"].items()},
        "category_ci": {c: b["accuracy"].get("strict_ci") for c, b in m["per_category"].items()},
        "ece": m["calibration"]["ece"],
        "length_spearman": m["length_bias"]["spearman_reward_tokens"]["rho"],
        "verdict": {
            "pass": m["verdict"]["pass"],
            "failing": m["verdict"]["failing"],
            "degenerate": m["verdict"].get("degenerate", False),
        },
    }


def _per_seed(result: Mapping[str, Any]) -> dict[str, Any]:
    if "per_seed" in result:  # several seeds: the aggregate names each seed's metrics file
        out = {}
        for p in result["per_seed"]:
            out[str(p["seed"])] = {
                "n": p["n"],
                "strict": p["strict"],
                "strict_ci": p["strict_ci"],
                "tie_rate": p["tie_rate"],
                "categories": p["categories"],
                "category_ci": p["category_ci"],
                "ece": p["ece"],
                "verdict": {
                    "pass": p["pass"],
                    "failing": p["failing"],
                    "degenerate": p["degenerate"],
                },
            }
        return out
    return {str(result.get("seed")): _brief(result)}


def compare(held_out: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """Gap between held-out and second-source accuracy of the ensemble, and whether it is wider
    than both 95% intervals (the intervals do not overlap)."""
    a, b = held_out["strict"], second["strict"]
    ca, cb = held_out.get("strict_ci"), second.get("strict_ci")
    beyond = bool(ca and cb and (cb[1] < ca[0] or ca[1] < cb[0]))
    return {"held_out": a, "second_source": b, "gap": a - b, "beyond_ci": beyond}


def headline(sources: Mapping[str, Mapping[str, Any]]) -> str:
    """'PASS on held-out, FAIL on handwritten-test: hallucination 55.0%' (every seed counts)."""
    parts = []
    for name, s in sources.items():
        failing: dict[str, float] = {}
        passed = True
        for seed_res in s["per_seed"].values():
            v = seed_res["verdict"]
            passed &= bool(v["pass"])
            for f in v["failing"]:
                acc = seed_res["strict"] if f == "overall" else seed_res["categories"].get(f)
                if acc is not None:
                    failing[f] = min(failing.get(f, 1.0), acc)
        word = "PASS" if passed else "FAIL"
        detail = ", ".join(f"{k} {100 * v:.1f}%" for k, v in failing.items())
        parts.append(f"{word} on {name}" + (f": {detail}" if detail else ""))
    return ", ".join(parts)


def held_out_summary(
    run_dir: str | Path,
    aggregate: Mapping[str, Any],
    *,
    targets: Targets | None = None,
    n_bootstrap: int = MIN_BOOTSTRAP,
    seed: int = 0,
) -> dict[str, Any]:
    """The held-out split in the same shape as :func:`evaluate_source` (per seed + ensemble)."""
    run_dir = Path(run_dir)
    tables = {
        s: read_score_table(d / "val_scores.jsonl")
        for s, d in seed_dirs(run_dir).items()
        if (d / "val_scores.jsonl").exists()
    }
    ens_table, spread = ensemble_table(tables)
    ens = compute_metrics(ens_table, targets=targets, n_bootstrap=n_bootstrap, seed=seed)
    ens["seed_disagreement"] = disagreement_buckets(ens_table, spread)
    run_files.write(run_dir / "ensemble" / "metrics.json", ens, SeedMetrics)
    return {
        "name": "held-out",
        "path": str(run_dir / "split" / "val.jsonl.gz"),
        "n_pairs": len(ens_table),
        "per_seed": _per_seed(aggregate),
        "ensemble": _brief(ens),
    }


def evaluate_sources(
    run_dir: str | Path,
    aggregate: Mapping[str, Any],
    ood_data: list[str] | tuple[str, ...],
    *,
    targets: Targets | None = None,
    n_bootstrap: int = MIN_BOOTSTRAP,
    seed: int = 0,
    scorer_factory: Callable[[Path], Any] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The held-out split plus every second source, each per seed and as the seed ensemble, with
    the gaps and the headline verdict; written to ``RUN_DIR/sources.json`` (read by the report)."""
    run_dir = Path(run_dir)
    sources: dict[str, Any] = {
        "held-out": held_out_summary(
            run_dir, aggregate, targets=targets, n_bootstrap=n_bootstrap, seed=seed
        )
    }
    for name, path in resolve_sources(ood_data).items():
        log(f"scoring second source {name} ({path})")
        sources[name] = evaluate_source(
            run_dir,
            name,
            path,
            run_dir / "sources" / name,
            targets=targets,
            n_bootstrap=n_bootstrap,
            seed=seed,
            scorer_factory=scorer_factory,
        )
    held = sources["held-out"]["ensemble"]
    result = {
        "sources": sources,
        "source_gaps": {
            name: compare(held, s["ensemble"]) for name, s in sources.items() if name != "held-out"
        },
        "headline": headline(sources),
        "all_sources_pass": all(
            all(r["verdict"]["pass"] for r in s["per_seed"].values()) for s in sources.values()
        ),
    }
    typed = run_files.write(run_dir / SOURCES_FILE, result, SourcesFile)
    return typed.model_dump(mode="json", by_alias=True)


def format_sources(result: Mapping[str, Any]) -> str:
    """Plain-text table: each source, each seed and the ensemble, overall and per category."""
    sources = result.get("sources") or {}
    if not sources:
        return ""
    cats = sorted({c for s in sources.values() for c in s["ensemble"]["categories"]})
    head = f"{'source':<20}{'model':<10}{'overall':>8}" + "".join(f"  {c[:12]:>12}" for c in cats)
    lines = [head]
    for name, s in sources.items():
        rows = [(f"seed {k}", v) for k, v in s["per_seed"].items()] + [("ensemble", s["ensemble"])]
        for label, r in rows:
            lines.append(
                f"{name[:19]:<20}{label:<10}{_pct(r['strict']):>8}"
                + "".join(f"  {_pct(r['categories'].get(c)):>12}" for c in cats)
            )
    for name, g in (result.get("source_gaps") or {}).items():
        warn = "  WARNING: wider than both 95% CIs" if g["beyond_ci"] else ""
        lines.append(f"gap held-out - {name} (ensemble): {100 * g['gap']:+.1f} points{warn}")
    lines.append("headline: " + result.get("headline", ""))
    return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"
