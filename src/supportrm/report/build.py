"""Build the methodology report of a run directory: ``report.html`` (self-contained) and
``report.md`` (+ ``plots/*.png``), for a post-training team deciding on RLHF use.

Sections, in this order (the template and :data:`SECTIONS` agree): verdict, data, method,
results, diagnostics, error examples, limitations and recommendations, reproducibility.

Everything is read from the run directory (``docs/architecture.md``); files written by other
stages are read defensively: a missing or differently-shaped field is shown as "not recorded",
never a crash, because a report that fails to build hides exactly the problems it should show.
"""

from __future__ import annotations

import base64
import datetime as _dt
import gzip
import hashlib
import json
import math
import platform
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from supportrm.evaluate.metrics import Targets
from supportrm.evaluate.multiseed import aggregate
from supportrm.evaluate.runs import evaluate_run, read_history, seed_dirs, write_json
from supportrm.evaluate.scoretable import NO_CATEGORY, ScoreTable, read_jsonl, read_score_table
from supportrm.report.sources import read_sources, sources_section

SECTIONS: tuple[tuple[str, str], ...] = (
    ("verdict", "Verdict"),
    ("sources", "Held-out vs. a second source"),
    ("data", "Data"),
    ("method", "Method"),
    ("results", "Results"),
    ("diagnostics", "Diagnostics"),
    ("errors", "Error examples"),
    ("limitations", "Limitations and recommendations"),
    ("reproducibility", "Reproducibility"),
)

#: Where baselines computed by ``supportrm baselines`` / ``bench/`` may be found.
BASELINE_GLOBS = ("baselines*.json", "bench/results/baselines*.json")

# Thresholds that turn numbers into recommendations (documented in docs/metrics.md).
LENGTH_RHO_WARN = 0.2
LENGTH_GAP_WARN = 0.15
ECE_WARN = 0.05
SEED_STD_WARN = 0.02
SEED_CORR_WARN = 0.8


@dataclass
class ReportPaths:
    html: Path
    md: Path
    plots: list[Path] = field(default_factory=list)
    model_cards: list[Path] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# formatting helpers


def pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f}%"


def ci_str(ci: Sequence[float] | None) -> str:
    return "n/a" if not ci else f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def num(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return "n/a"
        return f"{x:.{digits}g}" if abs(x) < 1e-3 and x != 0 else f"{x:.{digits}f}"
    if isinstance(x, list | tuple):
        return ", ".join(num(v, digits) for v in x)
    if isinstance(x, dict):
        return json.dumps(x, default=str)
    return str(x)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    return {"headers": list(headers), "rows": [[str(c) for c in r] for r in rows]}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _find(obj: Any, pred: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, value) of every key in a nested dict whose name satisfies ``pred``."""
    out: list[tuple[str, Any]] = []
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            p = f"{prefix}.{k}" if prefix else str(k)
            if pred(str(k).lower()):
                out.append((p, v))
            else:
                out += _find(v, pred, p)
    return out


def _first(obj: Any, *paths: str) -> Any:
    for p in paths:
        cur = obj
        for part in p.split("."):
            if isinstance(cur, Mapping) and part in cur:
                cur = cur[part]
            else:
                cur = None
                break
        if cur is not None:
            return cur
    return None


def _find_flat(obj: Any, pred: Any) -> list[list[str]]:
    """Like :func:`_find`, with dict values expanded into one row per leaf."""
    rows: list[list[str]] = []
    for p, v in _find(obj, pred):
        for k, x in _flatten(v, p):
            if isinstance(x, list) and (not x or len(x) > 5):
                rows.append([k, f"{len(x)} item(s)"])  # e.g. excluded pair ids: a count
            else:
                rows.append([k, num(x)])
    return rows


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(obj, Mapping):
        out: list[tuple[str, Any]] = []
        for k, v in obj.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    return [(prefix, obj)]


# --------------------------------------------------------------------------------------------
# reading the run


@dataclass
class RunData:
    run_dir: Path
    config: dict[str, Any]
    run_json: dict[str, Any]
    manifest: dict[str, Any]
    seed_metrics: dict[int, dict[str, Any]]
    agg: dict[str, Any]
    tables: dict[int, ScoreTable]
    histories: dict[int, list[dict[str, Any]]]
    steps: dict[int, list[dict[str, Any]]]
    timings: dict[int, dict[str, Any]] = field(default_factory=dict)


def load_run(
    run_dir: str | Path, *, targets: Targets | None = None, recompute: bool = False
) -> RunData:
    """Read everything the report needs; (re)compute metrics from the score tables when they are
    missing, from an older schema, or when ``recompute``/``targets`` is given."""
    run_dir = Path(run_dir)
    dirs = {s: d for s, d in seed_dirs(run_dir).items() if (d / "val_scores.jsonl").exists()}
    if not dirs:
        raise FileNotFoundError(
            f"{run_dir}: no seed-<S>/val_scores.jsonl; is this a run directory written by "
            "'supportrm train'?"
        )
    metrics = {s: _read_json(d / "metrics.json") for s, d in dirs.items()}
    stale = any(not isinstance(m, dict) or "schema_version" not in m for m in metrics.values())
    # The trainer computes metrics without the pair texts; the report's error examples need them.
    no_text = (run_dir / "split" / "val.jsonl.gz").exists() and any(
        isinstance(m, dict)
        and any(items and "prompt" not in items[0] for items in (m.get("errors") or {}).values())
        for m in metrics.values()
    )
    agg = _read_json(run_dir / "metrics.json")
    if (
        recompute
        or targets is not None
        or stale
        or no_text
        or not (isinstance(agg, dict) and "per_seed" in agg)
    ):
        evaluate_run(run_dir, targets=targets)
        metrics = {s: _read_json(d / "metrics.json") for s, d in dirs.items()}
        agg = _read_json(run_dir / "metrics.json")
    tables = {s: read_score_table(d / "val_scores.jsonl") for s, d in dirs.items()}
    good = {s: m for s, m in metrics.items() if isinstance(m, dict)}
    if len(good) > 1 and not (isinstance(agg, dict) and agg.get("delta_correlation")):
        # The trainer aggregates without the score tables; add the cross-seed correlation.
        agg = aggregate(good, rows=tables, targets=targets)
        write_json(agg, run_dir / "metrics.json")
    elif not isinstance(agg, dict) or "per_seed" not in agg:
        agg = aggregate(good, rows=tables, targets=targets)
    timings = {s: _read_json(d / "timing.json") for s, d in dirs.items()}
    histories = {s: read_history(d) or [] for s, d in dirs.items()}
    steps = {
        s: (read_jsonl(d / "steps.jsonl") if (d / "steps.jsonl").exists() else [])
        for s, d in dirs.items()
    }
    return RunData(
        run_dir=run_dir,
        config=_read_yaml(run_dir / "config.yaml") or {},
        run_json=_read_json(run_dir / "run.json") or {},
        manifest=_read_json(run_dir / "split" / "manifest.json") or {},
        seed_metrics=good,
        timings={s: t for s, t in timings.items() if isinstance(t, dict)},
        agg=agg,
        tables=tables,
        histories=histories,
        steps=steps,
    )


def split_summary(run_dir: Path) -> dict[str, Any] | None:
    """Counts per split and category and leakage checks, computed from the split files."""
    paths = {k: run_dir / "split" / f"{k}.jsonl.gz" for k in ("train", "val")}
    if not all(p.exists() for p in paths.values()):
        return None
    recs: dict[str, list[dict[str, Any]]] = {}
    for k, p in paths.items():
        with gzip.open(p, "rt", encoding="utf-8") as fh:
            recs[k] = [json.loads(line) for line in fh if line.strip()]

    def key(r: Mapping[str, Any], fields: Sequence[str]) -> str:
        return hashlib.sha256(
            json.dumps([r.get(f) for f in fields], sort_keys=True, default=str).encode()
        ).hexdigest()

    conv = {k: {str(r.get("conversation_id")) for r in v} for k, v in recs.items()}
    trip = {k: {key(r, ("prompt", "chosen", "rejected")) for r in v} for k, v in recs.items()}
    prompts = {k: {key(r, ("prompt",)) for r in v} for k, v in recs.items()}
    ids = {k: {str(r.get("id")) for r in v} for k, v in recs.items()}
    cats = {k: Counter(r.get("category") or NO_CATEGORY for r in v) for k, v in recs.items()}
    return {
        "n": {k: len(v) for k, v in recs.items()},
        "categories": cats,
        "leakage": [
            ("conversation_id in both train and val", len(conv["train"] & conv["val"])),
            ("identical pair (prompt, chosen, rejected) in both", len(trip["train"] & trip["val"])),
            ("identical prompt in both", len(prompts["train"] & prompts["val"])),
            ("pair id in both", len(ids["train"] & ids["val"])),
        ],
        "sha256": {k: _sha256(p) for k, p in paths.items()},
    }


# --------------------------------------------------------------------------------------------
# baselines (written by another stage; shape read defensively)


def _acc_value(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, Mapping):
        for k in ("strict", "accuracy", "acc", "value", "mean"):
            if k in v:
                return _acc_value(v[k])
    return None


def _baseline_entries(obj: Any) -> dict[str, dict[str, float | None]]:
    """name -> {"overall": acc, <category>: acc} from a baselines JSON of any reasonable shape."""
    body = obj
    if isinstance(obj, Mapping):
        for k in ("baselines", "results", "methods", "models"):
            if k in obj:
                body = obj[k]
                break
    items: list[tuple[str, Any]] = []
    if isinstance(body, Mapping):
        items = [(str(k), v) for k, v in body.items() if isinstance(v, Mapping)]
    elif isinstance(body, list):
        for e in body:
            if isinstance(e, Mapping):
                name = e.get("name") or e.get("baseline") or e.get("method")
                if name:
                    items.append((str(name), e))
    out: dict[str, dict[str, float | None]] = {}
    for name, e in items:
        overall = None
        for k in ("overall", "accuracy", "strict", "val_accuracy", "acc"):
            if k in e:
                overall = _acc_value(e[k])
                if overall is not None:
                    break
        cats = e.get("per_category") or e.get("categories") or {}
        if overall is None and not cats:
            continue
        accs: dict[str, float | None] = {"overall": overall}
        if isinstance(cats, Mapping):
            for c, v in cats.items():
                accs[str(c)] = _acc_value(v)
        out[name] = accs
    return out


def _hash_leaves(obj: Any) -> list[tuple[str, str]]:
    """(path, value) of every string leaf whose path mentions a hash or sha."""
    return [
        (p, v)
        for p, v in _flatten(obj)
        if isinstance(v, str) and ("hash" in p.lower() or "sha" in p.lower())
    ]


def _split_identity(run: RunData) -> dict[str, Any]:
    """What identifies this run's held-out set: the content hash of the validation pairs
    (``manifest.hashes.val``), the val file's sha256 and the manifest file's sha256."""
    man_path = run.run_dir / "split" / "manifest.json"
    val_hashes = {
        v for p, v in _hash_leaves(run.manifest) + _hash_leaves(run.run_json) if "val" in p.lower()
    }
    if man_path.exists():
        val_hashes.add(_sha256(man_path))
    split_seed = _first(run.config, "split_seed")
    if split_seed is None:
        split_seed = _first(run.manifest, "seed", "split_seed")
    return {
        "val_hashes": val_hashes,
        "split_seed": split_seed,
        "val_size": _first(run.manifest, "n_val", "val_size") or _first(run.config, "val_size"),
    }


def find_baselines(
    run: RunData, extra: Sequence[Path] = ()
) -> tuple[dict[str, dict[str, float | None]], list[str]]:
    """Baselines computed on the same split (matched by manifest hash, else by split seed and
    validation size). Returns the baselines and a note per file considered."""
    candidates: list[Path] = list(extra)
    for base in (run.run_dir, Path.cwd()):
        for pattern in BASELINE_GLOBS:
            candidates += sorted(base.glob(pattern))
    seen: set[Path] = set()
    ident = _split_identity(run)
    found: dict[str, dict[str, float | None]] = {}
    notes: list[str] = []
    for path in candidates:
        rp = path.resolve()
        if rp in seen or not path.exists():
            continue
        seen.add(rp)
        obj = _read_json(path)
        if obj is None:
            notes.append(f"{path}: unreadable JSON, skipped")
            continue
        leaves = _hash_leaves(obj)
        seed = _first(obj, "split.seed", "split.split_seed", "split_seed", "seed")
        vsize = _first(obj, "split.val_size", "split.n_val", "val_size", "n_val")
        if ident["val_hashes"] & {v for _, v in leaves}:
            why = "same held-out pairs (hash)"
        elif any("val" in p.lower() for p, _ in leaves):
            notes.append(f"{path}: computed on different held-out pairs (val hash), not shown")
            continue
        elif seed is not None and vsize is not None and ident["split_seed"] is not None:
            try:
                same = int(seed) == int(ident["split_seed"]) and float(vsize) == float(
                    ident["val_size"]
                )
            except (TypeError, ValueError):
                same = False
            if not same:
                notes.append(
                    f"{path}: split seed/size {seed}/{vsize} differ from this run's "
                    f"{ident['split_seed']}/{ident['val_size']}, not shown"
                )
                continue
            why = f"same split seed {seed} and validation size {vsize}"
        else:
            notes.append(f"{path}: split not recorded, not shown")
            continue
        entries = _baseline_entries(obj)
        if not entries:
            notes.append(f"{path}: no recognisable baseline accuracies, skipped")
            continue
        for name, accs in entries.items():
            found.setdefault(name, accs)
        notes.append(f"{path}: {len(entries)} baseline(s) shown ({why})")
    return found, notes


# --------------------------------------------------------------------------------------------
# sections


def verdict_section(run: RunData) -> dict[str, Any]:
    agg = run.agg
    v = agg["verdict"]
    t = v["targets"]
    bar = (
        f"the user's bar: strict accuracy above {pct(t['overall'], 0)} overall and at least "
        f"{pct(t['per_category'], 0)} in every category"
    )
    seeds: list[str] = []
    lines: list[str] = []
    for p in agg["per_seed"]:
        cats = {c: a for c, a in p["categories"].items() if c != NO_CATEGORY and a is not None}
        worst_cat = min(cats, key=lambda c: cats[c]) if cats else None
        bits = [f"overall {pct(p['strict'])}"]
        if worst_cat:
            bits.append(f"lowest category {worst_cat} {pct(cats[worst_cat])}")
        detail = [*bits[:1], f"95% CI {ci_str(p['strict_ci'])}", *bits[1:]]
        status = "meets it" if p["meets_targets"] else "does NOT meet it"
        if p["degenerate"]:
            status += " and is DEGENERATE"
        tail = f" (below target: {', '.join(p['failing'])})" if p["failing"] else ""
        seeds.append(f"seed {p['seed']} {status} ({', '.join(bits)})")
        lines.append(f"seed {p['seed']} {status}: {', '.join(detail)}{tail}")
    n = agg["n_seeds"]
    o = agg["overall"]["strict"]
    seeds_word = "seed" if n == 1 else "seeds"
    k = len(v["seeds_failing"])
    head = (
        f"PASS: {'the' if n == 1 else f'all {n}'} {seeds_word} {'meets' if n == 1 else 'meet'} "
        f"{bar}, and none is degenerate"
        if v["pass"]
        else f"FAIL: {k} of {n} {seeds_word} fall short of {bar}, or are degenerate"
    )
    sentence = (
        f"{head}. " + "; ".join(seeds) + f". Mean overall accuracy {pct(o['mean'])} ± "
        f"{pct(o['std'])} (std over seeds); worst seed {agg['worst_seed']['seed']}."
    )
    passed = bool(v["pass"])
    sources = read_sources(run.run_dir)
    if sources:
        # A pass on the same-source split alone is never the headline: state the bar on every
        # source, then the held-out details.
        passed = passed and bool(sources["all_sources_pass"])
        sentence = f"{'PASS' if passed else 'FAIL'} overall ({sources['headline']}). " + (
            "Held-out split: " + sentence
        )
    deg = {
        s: m["degenerate"]["summary"]
        for s, m in run.seed_metrics.items()
        if m.get("degenerate", {}).get("degenerate")
    }
    return {
        "pass": passed,
        "sentence": sentence,
        "bar": bar,
        "seed_lines": lines,
        "degenerate": deg,
        "rule": v["rule"],
    }


def data_section(run: RunData) -> dict[str, Any]:
    rj, cfg = run.run_json, run.config
    candidates = [
        _first(rj, p) for p in ("data_file", "data.path", "data.source", "data_path", "data")
    ] + [_first(cfg, "data")]
    source = next((c for c in candidates if isinstance(c, str | Path) and str(c)), None)
    source_text = (
        str(source) if source else "embedded support-pairs-v1 (synthetic; docs/data-card.md)"
    )
    recorded = []
    for key in ("data", "data_load"):
        if isinstance(rj.get(key), Mapping):
            recorded += [[f"{key}.{k}", num(v)] for k, v in _flatten(rj[key])]
    split = split_summary(run.run_dir)
    rows: list[list[Any]] = []
    leakage = []
    if split:
        cats = sorted(set(split["categories"]["train"]) | set(split["categories"]["val"]))
        for c in cats:
            rows.append(
                [c, split["categories"]["train"].get(c, 0), split["categories"]["val"].get(c, 0)]
            )
        rows.append(["total", split["n"]["train"], split["n"]["val"]])
        leakage = [[what, n, "ok" if n == 0 else "LEAK"] for what, n in split["leakage"]]
    dropped: list[list[Any]] = _find_flat(
        rj, lambda k: any(w in k for w in ("dropped", "skipped", "excluded", "identical"))
    )
    for s, m in run.seed_metrics.items():
        if m.get("n_truncated"):
            dropped.append(
                [
                    f"seed {s}: held-out pairs truncated to max_length (kept, flagged)",
                    m["n_truncated"],
                ]
            )
    manifest_rows = [[k, num(v)] for k, v in _flatten(run.manifest)][:40]
    return {
        "source": source_text,
        "counts": _table(["category", "train", "val"], rows) if rows else None,
        "split_text": (
            f"split seed {num(_first(cfg, 'split_seed'))}, validation size "
            f"{num(_first(cfg, 'val_size'))}; grouped by conversation_id, stratified by category"
        ),
        "leakage": _table(["check (computed from split/*.jsonl.gz)", "overlap", "result"], leakage)
        if leakage
        else None,
        "dropped": _table(["what", "count"], dropped) if dropped else None,
        "recorded": _table(["run.json field", "value"], recorded) if recorded else None,
        "manifest": _table(["manifest field", "value"], manifest_rows) if manifest_rows else None,
    }


def method_section(run: RunData) -> dict[str, Any]:
    cfg, rj = run.config, run.run_json
    base = _first(cfg, "model", "base_model", "model_name_or_path") or _first(rj, "model")
    lora = _first(cfg, "lora_r")
    head = (
        "a linear score head on the base model's sequence representation "
        "(AutoModelForSequenceClassification, num_labels=1), initialised N(0, 1/sqrt(d+1))"
    )
    loss = "Bradley-Terry: mean of -log sigmoid(r_chosen - r_rejected - margin)"
    cc = _first(cfg, "center_rewards_coefficient")
    if cc:
        loss += f" + {cc} * mean((r_chosen + r_rejected)^2) (reward centering)"
    tuning = (f"LoRA r={lora}" if lora else "full fine-tuning of the unfrozen layers") + (
        f", bottom {cfg.get('freeze_layers')} layers + embeddings frozen"
        if isinstance(cfg.get("freeze_layers"), int) and cfg.get("freeze_layers", 0) > 0
        else ""
    )
    seeds = run.agg.get("seeds")
    wall = _find_flat(rj, lambda k: "wall" in k or k.endswith("_seconds"))
    for s, t in sorted(run.timings.items()):
        wall += [[f"seed-{s}/timing.json: {k}", num(v)] for k, v in _flatten(t)]
    for s, m in sorted(run.seed_metrics.items()):
        tr = m.get("training")
        if isinstance(tr, Mapping):
            wall += [[f"seed-{s} training: {k}", num(v)] for k, v in _flatten(tr) if k != "seed"]
    compute = _find_flat(rj, lambda k: k in ("machine", "device", "devices", "hardware", "threads"))
    hp = [[k, num(v)] for k, v in _flatten(cfg)]
    from supportrm.evaluate.normalization import load_reward_normalization

    norm_rows = []
    for s, d in seed_dirs(run.run_dir).items():
        stats = load_reward_normalization(d / "checkpoint") if (d / "checkpoint").is_dir() else None
        norm_rows.append(
            [
                f"seed {s}",
                f"mean {stats['mean']:.4f}, std {stats['std']:.4f} on the "
                f"{stats.get('split', 'train')} split (n = {stats.get('n_rewards')})"
                if stats
                else "not recorded in checkpoint/supportrm.json",
            ]
        )
    return {
        "rows": _table(
            ["item", "value"],
            [
                ["base model", num(base)],
                ["head", head],
                ["loss", loss],
                ["tuning", tuning],
                ["seeds", num(seeds)],
            ],
        ),
        "hyperparameters": _table(["config key", "value"], hp) if hp else None,
        "normalization": _table(["reward normalisation (for RLHF)", "value"], norm_rows)
        if norm_rows
        else None,
        "compute": _table(["run.json field", "value"], compute) if compute else None,
        "wall": _table(["recorded field", "value"], wall) if wall else None,
    }


def results_section(
    run: RunData, baselines: Mapping[str, Mapping[str, float | None]]
) -> dict[str, Any]:
    agg = run.agg
    per_seed = agg["per_seed"]
    t = agg["verdict"]["targets"]
    cats = sorted({c for p in per_seed for c in p["categories"]})
    groups = ["overall", *cats]
    headers = ["group", "n", *[f"seed {p['seed']}" for p in per_seed], "mean ± std", "target"]
    headers += [f"{b} (baseline)" for b in baselines]
    rows = []
    any_metrics = next(iter(run.seed_metrics.values()))
    for g in groups:
        if g == "overall":
            n = any_metrics["accuracy"]["n"]
            cells = [
                f"{pct(p['strict'])} {ci_str(p['strict_ci'])} {'✓' if p['strict'] is not None and p['strict'] > t['overall'] else '✗'}"
                for p in per_seed
            ]
            spread = agg["overall"]["strict"]
            target = f"> {pct(t['overall'], 0)}"
        else:
            n = any_metrics["per_category"].get(g, {}).get("accuracy", {}).get("n", "n/a")
            cells = []
            for p in per_seed:
                a = p["categories"].get(g)
                mark = (
                    ""
                    if g == NO_CATEGORY
                    else (" ✓" if a is not None and a >= t["per_category"] else " ✗")
                )
                cells.append(f"{pct(a)} {ci_str(p['category_ci'].get(g))}{mark}")
            spread = agg["per_category"].get(g, {})
            target = (
                "(not held to a target)" if g == NO_CATEGORY else f">= {pct(t['per_category'], 0)}"
            )
        row = [g, n, *cells, f"{pct(spread.get('mean'))} ± {pct(spread.get('std'))}", target]
        row += [pct(b.get(g)) for b in baselines.values()]
        rows.append(row)
    other_headers = ["metric", *[f"seed {p['seed']}" for p in per_seed]]
    ms = [run.seed_metrics[p["seed"]] for p in per_seed]

    def mrow(label: str, getter: Any) -> list[str]:
        out = [label]
        for m in ms:
            try:
                out.append(getter(m))
            except (KeyError, TypeError):
                out.append("n/a")
        return out

    other = [
        mrow(
            "accuracy, ties as 0.5",
            lambda m: f"{pct(m['accuracy']['ties_half'])} {ci_str(m['accuracy']['ties_half_ci'])}",
        ),
        mrow("tie rate", lambda m: pct(m["accuracy"]["tie_rate"])),
        mrow("held-out BT loss (ln 2 = 0.693)", lambda m: num(m["calibration"]["bt_loss"], 4)),
        mrow("ECE (10 bins)", lambda m: num(m["calibration"]["ece"])),
        mrow("Brier score", lambda m: num(m["calibration"]["brier"])),
        mrow(
            "Spearman(reward, tokens)",
            lambda m: num(m["length_bias"]["spearman_reward_tokens"]["rho"]),
        ),
        mrow(
            "Spearman(reward, chars)",
            lambda m: num(m["length_bias"]["spearman_reward_chars"]["rho"]),
        ),
        mrow(
            "accuracy when chosen is longer",
            lambda m: (
                f"{pct(m['length_bias']['split']['chosen_longer']['accuracy'])} (n={m['length_bias']['split']['chosen_longer']['n']})"
            ),
        ),
        mrow(
            "accuracy when chosen is shorter",
            lambda m: (
                f"{pct(m['length_bias']['split']['chosen_shorter']['accuracy'])} (n={m['length_bias']['split']['chosen_shorter']['n']})"
            ),
        ),
        mrow(
            "longer-wins rule on the same pairs",
            lambda m: pct(m["length_bias"]["longer_wins"]["strict"]),
        ),
        mrow("chosen/rejected histogram overlap", lambda m: num(m["scores"]["histogram_overlap"])),
        mrow("score std (all rewards)", lambda m: num(m["scores"]["all"]["std"])),
    ]
    # Length split per category, worst seed (where problems show first).
    worst = agg["worst_seed"]["seed"]
    wm = run.seed_metrics[worst]
    length_rows = []
    for c, b in wm["per_category"].items():
        sp = b["length"]["split"]
        length_rows.append(
            [
                c,
                f"{pct(sp['chosen_longer']['accuracy'])} (n={sp['chosen_longer']['n']})",
                f"{pct(sp['chosen_shorter']['accuracy'])} (n={sp['chosen_shorter']['n']})",
                pct(b["length"]["longer_wins"]["strict"]),
                pct(b["accuracy"]["strict"]),
                num(b["length"]["spearman_reward_tokens"]["rho"]),
            ]
        )
    corr = agg.get("delta_correlation")
    corr_text = None
    if corr and corr.get("pearson"):
        corr_text = (
            f"Cross-seed agreement on {corr['n_common']} shared pairs: mean Pearson correlation of "
            f"margins {num(corr['pearson']['mean_offdiag'])} (min {num(corr['pearson']['min_offdiag'])}), "
            f"mean Spearman {num(corr['spearman']['mean_offdiag'])}."
        )
    agreement = None
    if wm.get("agreement"):
        agreement = _table(
            ["annotator agreement", "n", "strict accuracy", "95% CI"],
            [
                [b["bucket"], b["n"], pct(b["strict"]), ci_str(b.get("strict_ci"))]
                for b in wm["agreement"]["buckets"]
            ]
            + [["missing", wm["agreement"]["n_missing"], "", ""]],
        )
    return {
        "accuracy": _table(headers, rows),
        "other": _table(other_headers, other),
        "length": _table(
            [
                "category",
                "acc. chosen longer",
                "acc. chosen shorter",
                "longer-wins",
                "model",
                "Spearman(reward, tokens)",
            ],
            length_rows,
        ),
        "worst_seed": worst,
        "correlation": corr_text,
        "agreement": agreement,
        "n_bootstrap": any_metrics.get("n_bootstrap"),
    }


def degenerate_table(run: RunData) -> dict[str, Any]:
    """One row per rule, one column per seed: what was observed and whether the rule fired."""
    seeds = sorted(run.seed_metrics)
    rules: dict[str, dict[str, Any]] = {}
    for s in seeds:
        for c in run.seed_metrics[s]["degenerate"]["checks"]:
            row = rules.setdefault(c["name"], {"rule": c["rule"], "cells": {}})
            state = "skipped" if c.get("skipped") else ("FIRED" if c["fired"] else "ok")
            row["cells"][s] = f"{state}: {c['detail']}"
    return _table(
        ["rule", "fires when", *[f"seed {s}" for s in seeds]],
        [
            [name, r["rule"], *[r["cells"].get(s, "n/a") for s in seeds]]
            for name, r in rules.items()
        ],
    )


def errors_section(run: RunData) -> dict[str, Any]:
    seed = run.agg["worst_seed"]["seed"]
    m = run.seed_metrics[seed]
    groups = []
    for cat, items in m.get("errors", {}).items():
        groups.append({"category": cat, "items": items[:3]})
    return {"seed": seed, "groups": groups}


def limitations_section(run: RunData, data: Mapping[str, Any]) -> dict[str, Any]:
    """Recommendations derived from the numbers (thresholds at the top of this module)."""
    agg = run.agg
    t = agg["verdict"]["targets"]
    recs: list[str] = []
    lims: list[str] = []
    for s, m in run.seed_metrics.items():
        if m["degenerate"]["degenerate"]:
            recs.append(
                f"Seed {s} is degenerate ({m['degenerate']['summary']}). Do not use it for RLHF; "
                "check the learning rate, the loss and the data before retraining."
            )
    for c, b in agg["per_category"].items():
        if c == NO_CATEGORY:
            continue
        cis = [p["category_ci"].get(c) for p in agg["per_seed"]]
        lows = [ci[0] for ci in cis if ci]
        if b["min"] is not None and b["min"] < t["per_category"]:
            recs.append(
                f"Category '{c}' is below the {pct(t['per_category'], 0)} bar in at least one seed "
                f"(worst seed {b['worst_seed']}: {pct(b['min'])}). Add or clean training pairs "
                f"for '{c}' before RLHF use; the policy will exploit this gap."
            )
        elif lows and min(lows) < t["per_category"]:
            lims.append(
                f"Category '{c}' passes on the point estimate but its 95% CI reaches down to "
                f"{pct(min(lows))}, below the bar: more held-out pairs are needed to be sure."
            )
    o = agg["overall"]["strict"]
    if o["min"] is not None and o["min"] <= t["overall"]:
        recs.append(
            f"Overall accuracy is at or below {pct(t['overall'], 0)} in at least one seed "
            f"(worst {pct(o['min'])}). Train longer, try a larger base model or more data."
        )
    if o["std"] is not None and o["std"] > SEED_STD_WARN:
        recs.append(
            f"Accuracy varies across seeds (std {pct(o['std'])} > {pct(SEED_STD_WARN, 0)}): "
            "ensemble the seeds or pick a more stable configuration; never report the best seed."
        )
    corr = agg.get("delta_correlation") or {}
    pear = (corr.get("pearson") or {}).get("mean_offdiag")
    if pear is not None and pear < SEED_CORR_WARN:
        recs.append(
            f"Seeds disagree on the size of the preference (mean margin correlation {pear:.2f} < "
            f"{SEED_CORR_WARN}): rewards are not stable; an ensemble mean is safer for RLHF."
        )
    # The accuracy gap is the test of length bias: Spearman(reward, length) is also high for a
    # perfect model when chosen replies happen to be longer, so alone it is only a caveat.
    for s, m in run.seed_metrics.items():
        lb = m["length_bias"]
        rho = lb["spearman_reward_tokens"]["rho"]
        gap = lb["split"]["gap"]
        if gap is not None and abs(gap) > LENGTH_GAP_WARN:
            recs.append(
                f"Seed {s} shows length bias: accuracy is {pct(abs(gap))} "
                f"{'higher' if gap > 0 else 'lower'} when the chosen reply is the longer one "
                f"(Spearman(reward, tokens) {num(rho)}). An RL policy can exploit this by padding "
                "or trimming replies: add length-balanced pairs or a length penalty."
            )
            break
        if rho is not None and abs(rho) > LENGTH_RHO_WARN:
            share = lb["split"]["chosen_longer"]["n"] / max(1, m["n"])
            lims.append(
                f"Rewards correlate with reply length (seed {s}: Spearman {num(rho)}), while the "
                f"chosen reply is the longer one in {pct(share)} of held-out pairs, so part of "
                "the correlation is in the labels; the accuracy split by length shows no gap "
                f"above {pct(LENGTH_GAP_WARN, 0)}."
            )
            break
    eces = [m["calibration"]["ece"] for m in run.seed_metrics.values()]
    if eces and max(eces) > ECE_WARN:
        recs.append(
            f"P(chosen) = sigmoid(margin) is miscalibrated (ECE up to {max(eces):.3f} > {ECE_WARN}). "
            "Fine for PPO (only reward differences matter), but fit a temperature on held-out data "
            "before reading the sigmoid as a probability (e.g. for best-of-n thresholds)."
        )
    ntr = sum(int(m.get("n_truncated") or 0) for m in run.seed_metrics.values())
    if ntr:
        lims.append(
            f"{ntr} held-out pair scorings (summed over seeds) were truncated to max_length; "
            "their scores ignore part of the conversation."
        )
    src = str(data.get("source", "")).lower()
    if any(w in src for w in ("synthetic", "embedded", "support-pairs")):
        lims.append(
            "The data is synthetic (template-generated support conversations): accuracy on real "
            "traffic will be lower. Validate on a sample of real, human-labelled pairs first."
        )
    lims.append(
        "Held-out accuracy measures agreement with the labels on pairs from the same distribution "
        "as training; it does not show robustness to a policy that searches for high-reward "
        "replies (reward hacking). Monitor the reward model against human spot checks during RLHF."
    )
    lims.append(
        "Confidence intervals resample held-out pairs only; they do not include seed-to-seed "
        "variation, which the per-seed columns show."
    )
    from supportrm.evaluate.normalization import load_reward_normalization

    missing = [
        s
        for s, d in seed_dirs(run.run_dir).items()
        if (d / "checkpoint").is_dir() and load_reward_normalization(d / "checkpoint") is None
    ]
    if missing:
        recs.append(
            f"Reward normalisation stats (train-split mean/std) are missing for seed(s) "
            f"{', '.join(map(str, missing))}: compute them with "
            "supportrm.evaluate.normalization.compute_and_save(checkpoint, train_pairs) so the "
            "RL loop can whiten rewards from the first batch."
        )
    if not recs:
        recs.append(
            "No blocking issue found by the checks above. Use the reward normalisation stats in "
            "each checkpoint's supportrm.json to whiten rewards in the RL loop."
        )
    return {"recommendations": recs, "limitations": lims}


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("supportrm", "torch", "transformers", "numpy", "scipy", "matplotlib", "jinja2"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def reproducibility_section(
    run: RunData, data: Mapping[str, Any], report_cmd: str
) -> dict[str, Any]:
    rj = run.run_json
    cmds = [
        num(v) if not isinstance(v, list) else " ".join(map(str, v))
        for _, v in _find(rj, lambda k: k in ("command", "argv", "cmd", "commands"))
    ]
    rd = run.run_dir
    cmds += [
        f"supportrm train --config {rd}/config.yaml --out {rd}",
        f"supportrm eval --model {rd} --data {rd}/split/val.jsonl.gz --out {rd}/eval",
        report_cmd,
    ]
    hashes = _find_flat(rj, lambda k: "sha" in k or "hash" in k)
    split = split_summary(rd)
    if split:
        hashes += [[f"split/{k}.jsonl.gz (sha256)", v] for k, v in split["sha256"].items()]
    for s, d in seed_dirs(rd).items():
        p = d / "val_scores.jsonl"
        if p.exists():
            hashes.append([f"seed-{s}/val_scores.jsonl (sha256)", _sha256(p)])
    run_versions = [[p, num(v)] for p, v in _flatten(_first(rj, "versions") or {})]
    return {
        "commands": cmds,
        "config_yaml": yaml.safe_dump(run.config, sort_keys=False)
        if run.config
        else "(no config.yaml)",
        "versions_run": _table(["library (training)", "version"], run_versions)
        if run_versions
        else None,
        "versions_report": _table(["library (report)", "version"], list(_versions().items())),
        "hashes": _table(["file", "hash"], hashes) if hashes else None,
        "run_json": json.dumps(rj, indent=2, default=str)[:20000] if rj else "(no run.json)",
    }


# --------------------------------------------------------------------------------------------
# plots and rendering


def make_plots(
    run: RunData, plots_dir: Path, baselines: Mapping[str, Mapping[str, float | None]]
) -> list[dict[str, Any]]:
    from supportrm.report import plots

    worst = run.agg["worst_seed"]["seed"]
    t = run.agg["verdict"]["targets"]
    out: list[dict[str, Any]] = []

    def add(key: str, title: str, path: Path | None, caption: str) -> None:
        if path is None:
            out.append({"key": key, "title": title, "file": None, "caption": caption, "b64": None})
            return
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        out.append(
            {
                "key": key,
                "title": title,
                "file": f"plots/{path.name}",
                "caption": caption,
                "b64": b64,
            }
        )

    add(
        "accuracy",
        "Accuracy per category vs target and baselines",
        plots.category_accuracy(
            run.agg["per_seed"],
            t["overall"],
            t["per_category"],
            baselines,
            plots_dir / "accuracy.png",
        ),
        "Strict accuracy with 95% bootstrap CIs per seed; red lines are the targets; hatched bars "
        "are baselines on the same split.",
    )
    add(
        "scores",
        "Score histograms: chosen vs rejected",
        plots.score_histograms(run.tables[worst], plots_dir / "scores.png", seed=worst),
        f"Seed {worst} (worst seed). Well separated histograms = the model distinguishes the "
        "replies; identical histograms or a single spike = degenerate.",
    )
    add(
        "margin",
        "Margin distribution",
        plots.margin_distribution(run.tables, plots_dir / "margin.png"),
        "reward(chosen) - reward(rejected) per held-out pair, all seeds. Mass left of 0 = errors; "
        "a spike at 0 = ties.",
    )
    add(
        "reliability",
        "Reliability diagram",
        plots.reliability_diagram(run.tables, plots_dir / "reliability.png"),
        "Predicted P = sigmoid(margin) vs observed frequency, each pair in both orientations; "
        "points on the diagonal = calibrated.",
    )
    add(
        "length",
        "Reward vs length per category",
        plots.length_scatter(run.tables[worst], plots_dir / "length.png", seed=worst),
        f"Seed {worst}. A visible upward trend means longer replies get higher rewards "
        "regardless of content (length bias).",
    )
    add(
        "training",
        "Training curves",
        plots.training_curves(run.steps, run.histories, plots_dir / "training.png"),
        "Training loss (moving average), held-out loss (dashed: ln 2 = chance), held-out accuracy "
        "and held-out reward std (a falling std signals collapse).",
    )
    return out


def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("supportrm.report", "templates"),
        # Escape HTML only: Markdown output must keep "<", ">" and quotes as typed.
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def build_context(
    run: RunData, plots_dir: Path, *, baseline_paths: Sequence[Path] = (), report_cmd: str = ""
) -> dict[str, Any]:
    baselines, baseline_notes = find_baselines(run, baseline_paths)
    data = data_section(run)
    return {
        "title": f"Reward model report: {run.run_dir.name}",
        "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "run_dir": str(run.run_dir),
        "sections": SECTIONS,
        "verdict": verdict_section(run),
        "sources": sources_section(run.run_dir, run.agg["verdict"]["targets"]),
        "data": data,
        "method": method_section(run),
        "results": results_section(run, baselines),
        "baseline_notes": baseline_notes,
        "plots": make_plots(run, plots_dir, baselines),
        "degenerate": degenerate_table(run),
        "errors": errors_section(run),
        "limitations": limitations_section(run, data),
        "repro": reproducibility_section(
            run, data, report_cmd or f"supportrm report {run.run_dir}"
        ),
    }


def build_report(
    run_dir: str | Path,
    *,
    out_dir: str | Path | None = None,
    targets: Targets | None = None,
    recompute: bool = False,
    baseline_paths: Sequence[str | Path] = (),
    model_cards: bool = True,
) -> ReportPaths:
    """Write ``report.html``, ``report.md`` and ``plots/*.png`` (default: into the run directory)
    and a model card ``README.md`` into every seed checkpoint. Returns the paths."""
    run = load_run(run_dir, targets=targets, recompute=recompute)
    out = Path(out_dir) if out_dir else run.run_dir
    plots_dir = out / "plots"
    ctx = build_context(run, plots_dir, baseline_paths=[Path(p) for p in baseline_paths])
    env = _env()
    html = env.get_template("report.html.j2").render(**ctx)
    md = env.get_template("report.md.j2").render(**ctx)
    out.mkdir(parents=True, exist_ok=True)
    html_path, md_path = out / "report.html", out / "report.md"
    for path, text in ((html_path, html), (md_path, md)):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    cards: list[Path] = []
    if model_cards:
        from supportrm.report.model_card import write_model_card

        for s, d in seed_dirs(run.run_dir).items():
            ckpt = d / "checkpoint"
            if ckpt.is_dir() and s in run.seed_metrics:
                cards.append(
                    write_model_card(
                        ckpt, run.seed_metrics[s], run.config, aggregate_metrics=run.agg, seed=s
                    )
                )
    return ReportPaths(
        html=html_path,
        md=md_path,
        plots=[plots_dir / Path(p["file"]).name for p in ctx["plots"] if p["file"]],
        model_cards=cards,
    )
