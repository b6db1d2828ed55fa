"""Results: held-out accuracy per seed and category beside baselines, other metrics, the
length split, cross-seed agreement and accuracy by annotator agreement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from supportrm.data.schema import NO_CATEGORY
from supportrm.report.format import ci_str, num, pct, table
from supportrm.report.run import RunData


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
            "temperature T (fitted on dev)",
            lambda m: num(m["calibration_tempered"]["temperature"], 3),
        ),
        mrow("ECE of sigmoid(margin / T)", lambda m: num(m["calibration_tempered"]["ece"])),
        mrow("Brier of sigmoid(margin / T)", lambda m: num(m["calibration_tempered"]["brier"])),
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
        agreement = table(
            ["annotator agreement", "n", "strict accuracy", "95% CI"],
            [
                [b["bucket"], b["n"], pct(b["strict"]), ci_str(b.get("strict_ci"))]
                for b in wm["agreement"]["buckets"]
            ]
            + [["missing", wm["agreement"]["n_missing"], "", ""]],
        )
    return {
        "accuracy": table(headers, rows),
        "other": table(other_headers, other),
        "length": table(
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
