"""Report section: the held-out split (same source as training) beside second sources (by
default the hand-written set), per seed and for the seed ensemble, with the gap and what it
means for a policy that will drift away from the training distribution."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from supportrm.evaluate.sources import SOURCES_FILE
from supportrm.report.format import ci_str, pct
from supportrm.run_files import SourcesFile, read


def read_sources(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / SOURCES_FILE
    if not path.exists():
        return None
    data: dict[str, Any] = read(path, SourcesFile).model_dump(mode="json", by_alias=True)
    return data


def _label(name: str) -> str:
    if name == "held-out":
        return "held-out (same source as training)"
    if name.startswith("handwritten"):
        return f"{name} (hand-written: a different source)"
    return f"{name} (second source)"


def sources_section(run_dir: Path, targets: Mapping[str, float]) -> dict[str, Any] | None:
    """Tables and plain-words reading of ``sources.json``; None when the run has none."""
    data = read_sources(run_dir)
    if not data:
        return None
    sources: dict[str, Any] = data["sources"]
    cats = sorted({c for s in sources.values() for c in s["ensemble"]["categories"]})
    rows = []
    for name, s in sources.items():
        entries = [(f"seed {k}", v) for k, v in s["per_seed"].items()]
        entries.append(("ensemble (mean reward)", s["ensemble"]))
        for model, r in entries:
            verdict = r["verdict"]
            rows.append(
                [
                    _label(name),
                    model,
                    str(r["n"]),
                    f"{pct(r['strict'])} {ci_str(r.get('strict_ci'))}",
                    *(pct(r["categories"].get(c)) for c in cats),
                    f"{r['ece']:.3f}" if r.get("ece") is not None else "n/a",
                    "PASS" if verdict["pass"] else "FAIL",
                ]
            )
    gaps = []
    warnings = []
    for name, g in data.get("source_gaps", {}).items():
        gaps.append(
            [
                name,
                pct(g["held_out"]),
                pct(g["second_source"]),
                f"{100 * g['gap']:+.1f}",
                "yes" if g["beyond_ci"] else "no",
            ]
        )
        if g["beyond_ci"]:
            warnings.append(
                f"The ensemble scores {100 * g['gap']:.1f} points lower on {name} than on the "
                "held-out split, more than both 95% intervals allow. The held-out split comes "
                "from the same source as the training pairs, so its accuracy overstates what "
                "this reward model knows: on conversations that look different (another "
                "company, other phrasing, the kind of replies an RLHF policy produces once it "
                "drifts from its starting point) expect the lower figure, and test on your own "
                "traffic before optimising a policy against it."
            )
    bar = (
        f"above {pct(targets.get('overall'))} overall and at least "
        f"{pct(targets.get('per_category'))} in every category, for every seed"
    )
    return {
        "headline": data.get("headline", ""),
        "all_pass": bool(data.get("all_sources_pass")),
        "bar": bar,
        "table": {
            "headers": ["source", "model", "n", "strict accuracy [95% CI]", *cats, "ECE", "bar"],
            "rows": rows,
        },
        "gaps": {
            "headers": [
                "second source",
                "held-out (ensemble)",
                "second source (ensemble)",
                "gap (points)",
                "beyond both CIs",
            ],
            "rows": gaps,
        }
        if gaps
        else None,
        "warnings": warnings,
        "disagreement": _disagreement(run_dir),
    }


def _disagreement(run_dir: Path) -> dict[str, Any] | None:
    """Held-out ensemble accuracy by tercile of the seeds' margin spread: the uncertainty signal
    a deployment can use (route pairs the seeds disagree on to a human or a stronger judge)."""
    path = run_dir / "ensemble" / "metrics.json"
    if not path.exists():
        return None
    buckets = json.loads(path.read_text(encoding="utf-8")).get("seed_disagreement") or []
    if not buckets:
        return None
    names = ["seeds agree most", "middle", "seeds disagree most"]
    rows = [
        [
            names[i] if len(buckets) == 3 else str(i + 1),
            str(b["n"]),
            f"{b['spread_min']:.3f}-{b['spread_max']:.3f}",
            pct(b["accuracy"]),
        ]
        for i, b in enumerate(buckets)
    ]
    return {
        "headers": [
            "held-out pairs (terciles)",
            "n",
            "across-seed std of the margin",
            "ensemble strict accuracy",
        ],
        "rows": rows,
    }
