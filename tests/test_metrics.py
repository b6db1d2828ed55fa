"""Metrics against independent computations: hand-worked arrays, scipy, sklearn, pure Python."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from supportrm.evaluate import metrics as M
from supportrm.evaluate.normalization import (
    load_reward_normalization,
    reward_normalization,
    save_reward_normalization,
)
from supportrm.evaluate.scoretable import NO_CATEGORY, ScoreTable, ScoreTableError

CATS = ["helpfulness", "tone", "refusals", "hallucination", "brevity"]


def make_rows(deltas, *, cats=None, ct=None, rt=None, agreement=None, base=None):
    rows = []
    for i, d in enumerate(deltas):
        b = 0.0 if base is None else float(base[i])
        rows.append(
            {
                "id": f"p{i}",
                "category": None if cats is None else cats[i],
                "conversation_id": f"c{i}",
                "chosen_score": b + float(d),
                "rejected_score": b,
                "chosen_tokens": None if ct is None else int(ct[i]),
                "rejected_tokens": None if rt is None else int(rt[i]),
                "chosen_chars": None if ct is None else int(ct[i]) * 4,
                "rejected_chars": None if rt is None else int(rt[i]) * 4,
                "truncated": False,
                "agreement": None if agreement is None else agreement[i],
            }
        )
    return rows


def random_rows(n=500, seed=0, shift=1.0):
    r = np.random.default_rng(seed)
    return make_rows(
        r.normal(shift, 1.0, n),
        cats=[CATS[i % 5] for i in range(n)],
        ct=r.integers(5, 300, n),
        rt=r.integers(5, 300, n),
        base=r.normal(0, 1, n),
    )


# ---------------------------------------------------------------------------- accuracy


def test_accuracy_three_ways_hand_worked():
    # correct, wrong, exact tie, tiny positive (tie), tiny negative (tie), correct
    delta = np.array([1.0, -1.0, 0.0, 5e-7, -2e-7, 2.0])
    a = M.accuracy_three_ways(delta)
    assert a["n"] == 6
    assert a["strict"] == pytest.approx(2 / 6)
    assert a["ties_half"] == pytest.approx((2 + 0.5 * 3) / 6)
    assert a["tie_rate"] == pytest.approx(3 / 6)
    assert a["n_ties"] == 3


def test_tie_boundary_is_strict_less_than():
    a = M.accuracy_three_ways(np.array([1e-6, -1e-6, 0.999e-6]))
    # |delta| == 1e-6 is not a tie; 0.999e-6 is.
    assert a["n_ties"] == 1
    assert a["strict"] == pytest.approx(1 / 3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(-5, 5), st.just(0.0), st.floats(-1e-7, 1e-7)),
        min_size=1,
        max_size=60,
    )
)
def test_ties_never_count_as_correct(deltas):
    d = np.array(deltas)
    a = M.accuracy_three_ways(d)
    n_right = sum(1 for x in deltas if x > 0 and abs(x) >= M.TIE_EPS)
    n_tie = sum(1 for x in deltas if abs(x) < M.TIE_EPS)
    assert a["strict"] == pytest.approx(n_right / len(deltas))
    assert a["ties_half"] == pytest.approx((n_right + 0.5 * n_tie) / len(deltas))
    assert a["strict"] <= a["ties_half"] <= a["strict"] + 0.5 * a["tie_rate"] + 1e-12


# ---------------------------------------------------------------------------- bootstrap


def test_bootstrap_ci_coverage_on_known_bernoulli():
    """95% percentile-bootstrap CIs of a Bernoulli(0.7) mean (n=200) cover 0.7 about 95% of the
    time. 200 independent samples: coverage outside [0.89, 0.99] is a > 4-sigma event."""
    p, n, reps = 0.7, 200, 200
    rng = np.random.default_rng(12345)
    covered = 0
    for k in range(reps):
        x = (rng.random(n) < p).astype(float)
        lo, hi = M.bootstrap_ci(x, seed=k)
        covered += lo <= p <= hi
    assert 0.89 <= covered / reps <= 0.99


def test_bootstrap_ci_close_to_wald_interval_and_seeded():
    x = (np.random.default_rng(1).random(1000) < 0.8).astype(float)
    lo, hi = M.bootstrap_ci(x, seed=3)
    m = x.mean()
    half = 1.96 * math.sqrt(m * (1 - m) / x.size)
    assert lo == pytest.approx(m - half, abs=0.006)
    assert hi == pytest.approx(m + half, abs=0.006)
    assert M.bootstrap_ci(x, seed=3) == (lo, hi)  # seeded: reproducible
    assert M.bootstrap_ci(x, seed=4) != (lo, hi)


def test_bootstrap_rejects_too_few_resamples_and_handles_degenerate():
    with pytest.raises(ValueError, match="2000"):
        M.bootstrap_ci(np.ones(10), n_resamples=500)
    assert M.bootstrap_ci(np.ones(10)) == (1.0, 1.0)
    assert M.bootstrap_ci(np.ones(1)) is None


# ---------------------------------------------------------------------------- calibration


def test_ece_hand_worked():
    d = math.log(9.0)  # sigmoid = 0.9
    cal = M.calibration(np.array([d, d, -d]))
    # Both orientations: p=0.9 with labels (1, 1, 0) and p=0.1 with labels (0, 0, 1).
    # Each bin: |observed - predicted| = |2/3 - 0.9| = |1/3 - 0.1| = 7/30, weight 1/2 each.
    assert cal["ece"] == pytest.approx(7 / 30)
    assert cal["brier"] == pytest.approx((2 * 0.01 + 0.81) / 3)
    assert cal["bt_loss"] == pytest.approx((2 * math.log(1 / 0.9) + math.log(10)) / 3)


def test_ece_of_constant_model_is_zero_and_brier_quarter():
    cal = M.calibration(np.zeros(50))
    assert cal["ece"] == pytest.approx(0.0)
    assert cal["brier"] == pytest.approx(0.25)
    assert cal["bt_loss"] == pytest.approx(math.log(2))


def test_calibration_matches_sklearn():
    delta = np.random.default_rng(0).normal(0.8, 1.5, 700)
    cal = M.calibration(delta)
    prob, label = M.symmetrised(delta)
    assert cal["brier"] == pytest.approx(brier_score_loss(label, prob))
    # One-sided form: every label is "chosen"; same Brier by symmetry.
    assert cal["brier"] == pytest.approx(
        brier_score_loss(np.ones_like(delta), 1 / (1 + np.exp(-delta)))
    )
    true, pred = calibration_curve(label, prob, n_bins=10, strategy="uniform")
    bins = [b for b in cal["reliability"] if b["count"]]
    assert [b["observed"] for b in bins] == pytest.approx(list(true))
    assert [b["mean_predicted"] for b in bins] == pytest.approx(list(pred))
    counts = np.array([b["count"] for b in bins])
    ece = float(np.sum(counts / counts.sum() * np.abs(true - pred)))
    assert cal["ece"] == pytest.approx(ece)


# ---------------------------------------------------------------------------- distribution


def test_describe_and_overlap():
    x = np.array([1.0, 2.0, 2.0, 3.0, 10.0])
    d = M.describe(x)
    assert d["mean"] == pytest.approx(x.mean())
    assert d["std"] == pytest.approx(x.std())
    assert (d["min"], d["max"]) == (1.0, 10.0)
    assert d["median"] == pytest.approx(np.median(x))
    assert d["q25"] == pytest.approx(np.quantile(x, 0.25))
    assert d["n_distinct"] == 4
    assert M.n_distinct(np.array([0.5, 0.5 + 1e-9, 0.6])) == 2
    a = np.random.default_rng(0).normal(0, 1, 400)
    assert M.histogram_overlap(a, a) == pytest.approx(1.0)
    assert M.histogram_overlap(np.zeros(5), np.ones(5)) == pytest.approx(0.0)
    assert M.histogram_overlap(np.zeros(5), np.zeros(5)) == 1.0


# ---------------------------------------------------------------------------- length bias


def test_spearman_matches_scipy_and_rank_pearson():
    rows = random_rows(300, seed=2)
    t = ScoreTable.from_rows(rows)
    lb = M.length_bias(t)
    rewards = np.concatenate([t.chosen, t.rejected])
    toks = np.concatenate([t.chosen_tokens, t.rejected_tokens])
    ref = stats.spearmanr(rewards, toks)
    assert lb["spearman_reward_tokens"]["rho"] == pytest.approx(ref.statistic)
    # Independent: Pearson correlation of average ranks.
    rp = np.corrcoef(stats.rankdata(rewards), stats.rankdata(toks))[0, 1]
    assert lb["spearman_reward_tokens"]["rho"] == pytest.approx(rp)
    chars = np.concatenate([t.chosen_chars, t.rejected_chars])
    assert lb["spearman_reward_chars"]["rho"] == pytest.approx(
        stats.spearmanr(rewards, chars).statistic
    )


def test_spearman_detects_length_bias():
    r = np.random.default_rng(0)
    ct, rt = r.integers(10, 400, 400), r.integers(10, 400, 400)
    rows = make_rows(0.01 * (ct - rt), ct=ct, rt=rt, base=0.01 * rt)  # reward = 0.01 * tokens
    lb = M.length_bias(ScoreTable.from_rows(rows))
    assert lb["spearman_reward_tokens"]["rho"] == pytest.approx(1.0, abs=1e-4)
    assert lb["split"]["chosen_longer"]["accuracy"] == 1.0
    assert lb["split"]["chosen_shorter"]["accuracy"] == 0.0


def test_per_category_and_length_splits_match_pure_python():
    rows = random_rows(503, seed=5, shift=0.7)
    m = M.compute_metrics(rows)
    for cat in CATS:
        sub = [r for r in rows if r["category"] == cat]
        right = [r["chosen_score"] - r["rejected_score"] >= M.TIE_EPS for r in sub]
        block = m["per_category"][cat]
        assert block["accuracy"]["n"] == len(sub)
        assert block["accuracy"]["strict"] == pytest.approx(sum(right) / len(sub))
        lo, hi = block["accuracy"]["strict_ci"]
        assert lo <= block["accuracy"]["strict"] <= hi
        longer = [
            ok
            for r, ok in zip(sub, right, strict=True)
            if r["chosen_tokens"] > r["rejected_tokens"]
        ]
        shorter = [
            ok
            for r, ok in zip(sub, right, strict=True)
            if r["chosen_tokens"] < r["rejected_tokens"]
        ]
        sp = block["length"]["split"]
        assert sp["chosen_longer"]["n"] == len(longer)
        assert sp["chosen_longer"]["accuracy"] == pytest.approx(sum(longer) / len(longer))
        assert sp["chosen_shorter"]["accuracy"] == pytest.approx(sum(shorter) / len(shorter))
        lw = [r["chosen_chars"] > r["rejected_chars"] for r in sub]
        assert block["length"]["longer_wins"]["strict"] == pytest.approx(sum(lw) / len(sub))
    assert m["accuracy"]["n"] == 503


# ---------------------------------------------------------------------------- verdict, errors


def test_verdict_uses_targets_and_every_category():
    n = 100
    cats = [CATS[i % 5] for i in range(5 * n)]
    # tone: 60% right, others 90% right -> overall 84% > 72%, but tone < 65%.
    deltas = []
    for i, c in enumerate(cats):
        k = i // 5
        deltas.append(1.0 if k < (60 if c == "tone" else 90) else -1.0)
    m = M.compute_metrics(make_rows(deltas, cats=cats))
    v = m["verdict"]
    assert v["overall"]["pass"] is True
    assert v["categories"]["tone"]["pass"] is False
    assert v["meets_targets"] is False and v["pass"] is False
    assert v["failing"] == ["tone"]
    m2 = M.compute_metrics(make_rows(deltas, cats=cats), targets=M.Targets(0.72, 0.55))
    assert m2["verdict"]["pass"] is True
    # exactly at the bar: overall must EXCEED 72%, a category may EQUAL 65%.
    at = M.verdict({"strict": 0.72, "n": 10}, {}, M.Targets())
    assert at["overall"]["pass"] is False


def test_data_without_category():
    m = M.compute_metrics(make_rows(np.linspace(-1, 3, 200)))
    assert list(m["per_category"]) == [NO_CATEGORY]
    assert m["has_categories"] is False
    assert m["verdict"]["categories"] == {}
    assert m["verdict"]["pass"] is True
    json.dumps(m, allow_nan=False)  # JSON-ready, no NaN


def test_confident_errors_sorted_with_texts():
    deltas = [1.0, -0.5, -3.0, -1.0, 2.0, -2.0]
    rows = make_rows(deltas, cats=["tone"] * 6)
    pairs = {
        f"p{i}": {"prompt": [{"role": "user", "content": f"q{i}"}], "chosen": "A", "rejected": "B"}
        for i in range(6)
    }
    m = M.compute_metrics(rows, pairs=pairs, top_k_errors=3)
    errs = m["errors"]["tone"]
    assert [e["id"] for e in errs] == ["p2", "p5", "p3"]
    assert errs[0]["prompt"] == "user: q2" and errs[0]["chosen"] == "A"


def test_agreement_buckets():
    ag = [0.5, 0.55, 0.7, 0.8, 1.0, None]
    m = M.compute_metrics(make_rows([1, -1, 1, 1, -1, 1], agreement=ag))
    b = {x["bucket"]: x for x in m["agreement"]["buckets"]}
    assert b["[0.0, 0.6)"]["n"] == 2 and b["[0.0, 0.6)"]["strict"] == 0.5
    assert b["[0.6, 0.8)"]["n"] == 1
    assert b["[0.8, 1.0]"]["n"] == 2 and b["[0.8, 1.0]"]["strict"] == 0.5
    assert m["agreement"]["n_missing"] == 1
    assert M.compute_metrics(make_rows([1, -1]))["agreement"] is None


# ---------------------------------------------------------------------------- score table


def test_score_table_errors_name_row_and_field():
    rows = [
        {"id": "a", "chosen_score": 1.0, "rejected_score": 0.0},
        {"id": "b", "chosen_score": float("nan"), "rejected_score": 0.0},
        {"id": "a", "chosen_score": 1.0, "rejected_score": 0.0},
        {"id": "c", "rejected_score": 0.0},
    ]
    with pytest.raises(ScoreTableError) as e:
        ScoreTable.from_rows(rows, source="val_scores.jsonl")
    msg = str(e.value)
    assert "3 invalid" in msg
    assert "val_scores.jsonl: row 2" in msg and "non-finite" in msg
    assert "row 3: field id: duplicate" in msg
    assert "row 4: missing field(s) chosen_score" in msg
    with pytest.raises(ValueError, match="empty"):
        M.compute_metrics([])


def test_score_table_roundtrip(tmp_path):
    from supportrm.evaluate.scoretable import read_score_table, write_score_table

    rows = random_rows(20)
    p = write_score_table(rows, tmp_path / "s.jsonl")
    t = read_score_table(p)
    assert t.to_rows()[3] == rows[3]
    (tmp_path / "bad.jsonl").write_text('{"id": "x"}\n{oops\n')
    with pytest.raises(ScoreTableError, match=r"bad.jsonl:2"):
        read_score_table(tmp_path / "bad.jsonl")


# ---------------------------------------------------------------------------- normalisation


def test_reward_normalization_saved_in_checkpoint(tmp_path):
    rows = random_rows(50)
    stats_ = reward_normalization(rows)
    all_r = [r["chosen_score"] for r in rows] + [r["rejected_score"] for r in rows]
    assert stats_["mean"] == pytest.approx(np.mean(all_r))
    assert stats_["std"] == pytest.approx(np.std(all_r))
    assert stats_["n_rewards"] == 100
    assert reward_normalization([1.0, 3.0])["std"] == pytest.approx(1.0)
    (tmp_path / "supportrm.json").write_text(json.dumps({"render": {"kind": "encoder"}}))
    save_reward_normalization(tmp_path, stats_)
    meta = json.loads((tmp_path / "supportrm.json").read_text())
    assert meta["render"] == {"kind": "encoder"}  # other keys kept
    assert load_reward_normalization(tmp_path) == stats_
    with pytest.raises(ValueError):
        reward_normalization([1.0, float("inf")])


def test_compute_and_save_with_a_scorer(tmp_path):
    from supportrm.evaluate.normalization import compute_and_save

    class Scorer:
        def score_pairs(self, pairs):
            return make_rows([1.0] * len(pairs), base=[float(p) for p in pairs])

    stats_ = compute_and_save(tmp_path, [0, 1, 2, 3], scorer=Scorer())
    # rewards: chosen = base + 1, rejected = base -> {0,1,2,3} and {1,2,3,4}
    assert stats_["mean"] == pytest.approx(2.0) and stats_["n_rewards"] == 8
    assert load_reward_normalization(tmp_path)["std"] == pytest.approx(
        np.std([0, 1, 2, 3, 1, 2, 3, 4])
    )


def test_ci_resamples_conversations_when_they_hold_several_pairs() -> None:
    """L5: 40 conversations of 10 pairs each, all right or all wrong: the pair bootstrap treats
    400 independent pairs and is far too narrow; the conversation bootstrap is not."""
    from supportrm.evaluate.accuracy import accuracy_block

    rng = np.random.default_rng(0)
    conv_right = rng.random(40) < 0.7
    delta = np.repeat(np.where(conv_right, 1.0, -1.0), 10)
    groups = [f"c{i}" for i in range(40) for _ in range(10)]
    by_pair = accuracy_block(delta, n_bootstrap=2000, seed=0)
    by_conv = accuracy_block(delta, n_bootstrap=2000, seed=0, groups=groups)
    assert by_pair["ci_unit"] == "pair" and by_conv["ci_unit"] == "conversation"
    assert by_conv["strict"] == by_pair["strict"]
    width = {k: b["strict_ci"][1] - b["strict_ci"][0] for k, b in (("pair", by_pair), ("conv", by_conv))}  # fmt: skip
    assert width["conv"] > 2 * width["pair"]
    # one pair per conversation: the same interval as the pair bootstrap, to the digit
    single = accuracy_block(delta, n_bootstrap=2000, seed=0, groups=[str(i) for i in range(400)])
    assert single == by_pair
