"""Limitations and recommendations, each derived from a number in the run (the thresholds are
here and in docs/metrics.md, "Report thresholds")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from supportrm.data.schema import NO_CATEGORY
from supportrm.evaluate.normalization import load_reward_normalization
from supportrm.evaluate.runs import seed_dirs
from supportrm.report.format import num, pct
from supportrm.report.run import RunData

LENGTH_RHO_WARN = 0.2
LENGTH_GAP_WARN = 0.15
ECE_WARN = 0.05
SEED_STD_WARN = 0.02
SEED_CORR_WARN = 0.8


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
    tempered = [m.get("calibration_tempered") for m in run.seed_metrics.values()]
    if tempered and all(tempered):
        eces = [t["ece"] for t in tempered if t]
        what = "sigmoid(margin / T), T fitted on dev and stored in supportrm.json,"
        advice = (
            "Read probabilities only through the stored temperature, and refit it on pairs "
            "from the deployment distribution before trusting them there."
        )
    else:
        eces = [m["calibration"]["ece"] for m in run.seed_metrics.values()]
        what = "sigmoid(margin)"
        advice = (
            "Fine for PPO (only reward differences matter), but train with a dev split "
            "(--dev-size > 0) so a temperature is fitted before reading it as a probability."
        )
    if eces and max(eces) > ECE_WARN:
        recs.append(
            f"P(chosen) = {what} is miscalibrated on the held-out pairs (ECE up to "
            f"{max(eces):.3f} > {ECE_WARN}). {advice}"
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
