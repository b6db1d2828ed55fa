"""Plain-text tables of ``stress.json`` (the CLI's output; the report has its own section)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _ci(ci: list[float] | None) -> str:
    return "" if not ci else f"[{100 * ci[0]:.0f}, {100 * ci[1]:.0f}]"


def stress_rows(result: Mapping[str, Any]) -> list[list[str]]:
    """One row per edit: name, kind, n, rate [CI], mean Δ (margin sd), flag."""
    rows = []
    for name, e in result["stress"]["edits"].items():
        if e["kind"] == "degrading":
            rate, ci, delta = (
                e.get("hack_rate"),
                e.get("hack_rate_ci"),
                e.get("mean_delta_in_margin_std"),
            )
            what = "raised (hack rate)"
        else:
            rate, ci, delta = (
                e.get("flip_rate"),
                e.get("flip_rate_ci"),
                e.get("mean_abs_delta_in_margin_std"),
            )
            what = "pairs flipped"
        rows.append(
            [name, e["kind"], str(e.get("n", 0)), f"{_pct(rate)} {_ci(ci)}".strip(), what,
             "n/a" if delta is None else f"{delta:+.2f}", e.get("flag", "n/a")]
        )  # fmt: skip
    return rows


def bon_rows(bon: Mapping[str, Any]) -> list[list[str]]:
    """One row per (n, picker): P(gold best), mean gold rank, mean gold quality."""
    rows = []
    for n, per in bon["by_n"].items():
        for picker, v in per.items():
            rows.append([n, picker, _pct(v["p_gold_best"]), f"{v['mean_gold_rank']:.2f}",
                         f"{v['mean_gold_quality']:.2f}"])  # fmt: skip
    return rows


def format_stress(result: Mapping[str, Any]) -> str:
    head = ["edit", "kind", "n", "rate [95% CI]", "of", "mean Δ (margin sd)", "flag"]
    lines = [f"stress tests of {result['model']} ({result['reward']}):"]
    lines += _table(head, stress_rows(result))
    bon = result.get("best_of_n")
    if bon:
        tau = bon.get("kendall_tau_mean")
        lines.append(
            f"best-of-n on {bon['n_used']} fresh conversations "
            f"(Kendall tau reward vs gold: {'n/a' if tau is None else f'{tau:.2f}'}):"
        )
        lines += _table(
            ["n", "picker", "P(gold best)", "mean gold rank", "mean gold"], bon_rows(bon)
        )
    return "\n".join(lines)


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return ["  " + fmt.format(*head)] + ["  " + fmt.format(*r) for r in rows]
