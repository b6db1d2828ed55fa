"""Report section: stress tests (counterfactual edits) and the best-of-n simulation, read from
``RUN_DIR/stress.json`` (written by `supportrm run` or `supportrm stress --out RUN_DIR`)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from supportrm.evaluate.stress_format import bon_rows, stress_rows
from supportrm.evaluate.stress_run import STRESS_FILE
from supportrm.report import plots


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def bon_reading(bon: dict[str, Any]) -> str:
    """One sentence on what the best-of-n result means for RLHF use."""
    n = max(bon["by_n"], key=int)
    t = bon["by_n"][n]
    rm, rnd, longest = t["reward_model"], t["random"], t["longest"]
    head = (
        f"With {n} candidates, the reward model's top pick is the gold best in "
        f"{_pct(rm['p_gold_best'])} of draws (random {_pct(rnd['p_gold_best'])}, longest reply "
        f"{_pct(longest['p_gold_best'])}); its pick's mean gold rank is {rm['mean_gold_rank']:.2f}."
    )
    if rm["mean_gold_quality"] <= max(longest["mean_gold_quality"], rnd["mean_gold_quality"]):
        return head + (
            " Reranking with this model is no better than a trivial rule: a policy optimised "
            "against it would learn what that rule rewards, not better support."
        )
    if rm["p_gold_best"] < 0.5:
        return head + (
            " It improves on random and length, but usually picks a flawed reply: use it for "
            "RLHF only with the failing stress edits above guarded (e.g. a length penalty, a "
            "KB-consistency check) and a KL budget."
        )
    return head + " Reranking with it mostly finds the best reply among these defect types."


def stress_section(run_dir: Path, plots_dir: Path) -> dict[str, Any] | None:
    path = run_dir / STRESS_FILE
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    edits = data["stress"]["edits"]
    cats = sorted({c for e in edits.values() for c in e.get("per_category", {})})
    per_cat = []
    for name, e in edits.items():
        key = "hack_rate" if e["kind"] == "degrading" else "flip_rate"
        pc = e.get("per_category", {})
        per_cat.append([name, *(_pct(pc[c][key]) if c in pc else "" for c in cats)])
    failing = [n for n, e in edits.items() if e.get("flag") in ("red", "amber")]
    hacks = [n for n in failing if edits[n]["kind"] == "degrading"]
    unstable = [n for n in failing if edits[n]["kind"] == "invariance"]
    examples = [
        {"edit": n, "flag": edits[n]["flag"], **edits[n]["worst_examples"][0]}
        for n in failing
        if edits[n].get("worst_examples")
    ]
    section: dict[str, Any] = {
        "model": data["model"],
        "reward": data["reward"],
        "n_sampled": data["stress"]["n_sampled"],
        "margin_std": data["stress"]["margin_std"],
        "table": {
            "headers": ["edit", "kind", "n", "rate [95% CI]", "of", "mean Δ (margin sd)", "flag"],
            "rows": stress_rows(data),
        },
        "per_category": {"headers": ["edit (hack or flip rate)", *cats], "rows": per_cat},
        "failing": failing,
        "hacks": hacks,
        "unstable": unstable,
        "examples": examples,
        "plot": _b64(plots.stress_rates(edits, plots_dir / "stress_rates.png")),
        "plot_file": "plots/stress_rates.png",
        "bon": None,
    }
    bon = data.get("best_of_n")
    if bon and bon.get("n_used"):
        section["bon"] = {
            "n_used": bon["n_used"],
            "tau": bon.get("kendall_tau_mean"),
            "table": {
                "headers": ["n", "picker", "P(gold best)", "mean gold rank", "mean gold"],
                "rows": bon_rows(bon),
            },
            "candidates": ", ".join(f"{c['name']} ({c['gold']})" for c in bon["candidates"]),
            "reading": bon_reading(bon),
            "plot": _b64(plots.best_of_n_quality(bon["by_n"], plots_dir / "best_of_n.png")),
            "plot_file": "plots/best_of_n.png",
        }
    section["verdict_line"] = verdict_line(section)
    return section


def verdict_line(section: dict[str, Any]) -> str:
    """What the stress step adds to the verdict, next to pairwise accuracy: the best-of-n
    reading (what reranking with this reward buys in RLHF) and the edits it rewards."""
    parts = [
        f'Beyond pairwise accuracy ({section["model"]}; section "Stress tests and best-of-n"):'
    ]
    if section["bon"]:
        parts.append(section["bon"]["reading"])
    if section["hacks"]:
        parts.append(
            "Edits that make a reply worse but raise this reward often enough to be flagged: "
            f"{', '.join(section['hacks'])}."
        )
    else:
        parts.append("No edit that makes a reply worse is flagged.")
    return " ".join(parts)
