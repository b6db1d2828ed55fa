"""Degenerate-model detector, multi-seed aggregation and `supportrm eval` (with fake scorers)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from supportrm.evaluate import aggregate, compute_metrics
from supportrm.evaluate import degenerate as D
from supportrm.evaluate.metrics import Targets

CATS = ["helpfulness", "tone", "refusals", "hallucination", "brevity"]


def table(kind: str, n: int = 600, seed: int = 0, shared: np.ndarray | None = None) -> list[dict]:
    """Score tables of three fake models on the same pairs: constant, noise, trained-like."""
    r = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        if kind == "constant":
            cs = rs = 0.123
        elif kind == "noise":
            cs, rs = r.normal(0, 1, 2)
        else:  # trained: margin ~ N(1.5, 1) on top of a per-pair offset
            rs = r.normal(0, 1)
            extra = 0.0 if shared is None else shared[i]
            cs = rs + r.normal(1.5, 1.0) + extra
        rows.append(
            {
                "id": f"p{i}",
                "category": CATS[i % 5],
                "conversation_id": f"c{i}",
                "chosen_score": float(cs),
                "rejected_score": float(rs),
                "chosen_tokens": int(r.integers(10, 200)),
                "rejected_tokens": int(r.integers(10, 200)),
                "chosen_chars": 100,
                "rejected_chars": 90,
                "truncated": False,
                "agreement": None,
            }
        )
    return rows


GROWING = [{"step": s, "score_std": v} for s, v in ((10, 0.3), (20, 0.9), (30, 1.4))]


def fired(rows, **kw) -> set[str]:
    return {c.name for c in D.check(rows, **kw).fired}


def test_constant_model_fires():
    rep = D.check(table("constant"), history=GROWING)
    assert rep.degenerate
    names = {c.name for c in rep.fired}
    assert {"score_std", "tie_rate", "loss_near_chance", "category_constant"} <= names
    assert "reward std" in rep.summary()


def test_noise_model_fires():
    rep = D.check(table("noise"), history=GROWING)
    assert rep.degenerate
    assert "loss_near_chance" in {c.name for c in rep.fired}  # noise loses more than ln 2
    assert "score_std" not in {c.name for c in rep.fired}  # its scores do vary


def test_trained_model_stays_quiet():
    rep = D.check(table("trained"), history=GROWING)
    assert not rep.degenerate, rep.summary()
    assert {c.name for c in rep.checks} == {
        "score_std",
        "tie_rate",
        "loss_near_chance",
        "chance_accuracy",
        "category_constant",
        "collapse",
    }
    assert all(not c.skipped for c in rep.checks)


def test_one_constant_category_fires_only_category_rule():
    rows = table("trained", n=1000)
    for row in rows:
        if row["category"] == "tone":
            row["chosen_score"] = row["rejected_score"] = 0.5
    names = fired(rows, history=GROWING)
    assert names == {"category_constant", "tie_rate"} or names == {"category_constant"}
    rep = D.check(rows)
    cc = next(c for c in rep.checks if c.name == "category_constant")
    assert "tone" in cc.detail and cc.value["tone"]["std"] == 0.0


def test_tie_rate_threshold():
    rows = table("trained", n=400)
    for row in rows[:24]:  # 6% ties, spread over categories
        row["rejected_score"] = row["chosen_score"]
    assert "tie_rate" in fired(rows)
    assert "tie_rate" not in fired(rows, thresholds=D.Thresholds(max_tie_rate=0.07))


def test_loss_rule_boundary():
    # All pairs with the same delta d: loss = log(1 + exp(-d)).
    def rows_with_loss(loss: float) -> list[dict]:
        d = -math.log(math.exp(loss) - 1.0)
        return [
            {
                "id": str(i),
                "category": None,
                "chosen_score": d + 0.01 * i,
                "rejected_score": 0.01 * i,
            }
            for i in range(50)
        ]

    assert "loss_near_chance" in fired(rows_with_loss(math.log(2) - 0.004))
    assert "loss_near_chance" not in fired(rows_with_loss(math.log(2) - 0.006))


def test_collapse_over_history():
    collapsing = [{"step": s, "score_std": v} for s, v in ((10, 1.0), (20, 0.5), (30, 0.2))]
    assert "collapse" in fired(table("trained"), history=collapsing)
    assert "collapse" not in fired(table("trained"), history=GROWING)
    rep = D.check(table("trained"), history=None)
    col = next(c for c in rep.checks if c.name == "collapse")
    assert col.skipped and not col.fired


def test_compute_metrics_embeds_detector_and_fails_verdict():
    m = compute_metrics(table("constant"))
    assert len(m["degenerate"]["checks"]) == 6
    assert m["verdict"]["pass"] is False and m["verdict"]["degenerate"] is True
    json.dumps(m, allow_nan=False)


# ---------------------------------------------------------------------------- aggregate


def test_aggregate_against_numpy():
    shared = np.random.default_rng(9).normal(0, 2, 600)
    rows = {s: table("trained", seed=s, shared=shared) for s in (0, 1, 2)}
    ms = {s: compute_metrics(r) for s, r in rows.items()}
    agg = aggregate(ms, rows=rows)
    accs = [ms[s]["accuracy"]["strict"] for s in (0, 1, 2)]
    assert agg["overall"]["strict"]["mean"] == pytest.approx(np.mean(accs))
    assert agg["overall"]["strict"]["std"] == pytest.approx(np.std(accs, ddof=1))
    assert agg["worst_seed"]["seed"] == int(np.argmin(accs))
    tone = [ms[s]["per_category"]["tone"]["accuracy"]["strict"] for s in (0, 1, 2)]
    assert agg["per_category"]["tone"]["min"] == pytest.approx(min(tone))
    d = {s: np.array([x["chosen_score"] - x["rejected_score"] for x in r]) for s, r in rows.items()}
    corr = agg["delta_correlation"]
    assert corr["n_common"] == 600
    assert corr["pearson"]["matrix"][0][1] == pytest.approx(np.corrcoef(d[0], d[1])[0, 1])
    assert corr["spearman"]["matrix"][1][2] == pytest.approx(stats.spearmanr(d[1], d[2]).statistic)
    assert agg["verdict"]["pass"] is True
    assert [p["seed"] for p in agg["per_seed"]] == [0, 1, 2]


def test_aggregate_verdict_uses_every_seed():
    good = {s: compute_metrics(table("trained", seed=s)) for s in (0, 1)}
    bad = compute_metrics(table("noise", seed=2))
    agg = aggregate({**good, 2: bad})
    assert agg["verdict"]["pass"] is False
    assert agg["verdict"]["seeds_failing"] == [2]
    assert agg["verdict"]["seeds_passing"] == [0, 1]
    assert agg["worst_seed"]["seed"] == 2
    assert agg["delta_correlation"] is None  # no rows given


def test_aggregate_targets_from_seeds():
    m = compute_metrics(table("trained"), targets=Targets(0.95, 0.9))
    agg = aggregate({0: m})
    assert agg["verdict"]["targets"]["overall"] == 0.95
    assert agg["overall"]["strict"]["std"] == 0.0


# ---------------------------------------------------------------------------- supportrm eval


class FakeScorer:
    """Scores like a trained model (chosen higher, by content length) or a constant model."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.last_stats = {"n_input": 0, "identical_after_truncation": 0}

    def score_pairs(self, pairs):
        rows = []
        r = np.random.default_rng(0)
        for p in pairs:
            if self.kind == "constant":
                cs = rs = 1.0
            else:
                rs = float(r.normal())
                cs = rs + float(r.normal(2.0, 1.0))
            rows.append(
                {
                    "id": p.id,
                    "category": p.category,
                    "conversation_id": p.conversation_id,
                    "chosen_score": cs,
                    "rejected_score": rs,
                    "chosen_tokens": len(p.chosen.split()),
                    "rejected_tokens": len(p.rejected.split()),
                    "chosen_chars": len(p.chosen),
                    "rejected_chars": len(p.rejected),
                    "truncated": False,
                    "agreement": None,
                }
            )
        self.last_stats["n_input"] = len(pairs)
        return rows


@pytest.fixture
def eval_inputs(tmp_path):
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text("{}")
    data = tmp_path / "pairs.jsonl"
    with open(data, "w") as fh:
        for i in range(120):  # no category, no id: eval must still work
            fh.write(
                json.dumps(
                    {
                        "prompt": [{"role": "user", "content": f"Where is my order {i}?"}],
                        "chosen": [{"role": "assistant", "content": f"It ships today ({i})."}],
                        "rejected": [{"role": "assistant", "content": f"No idea {i}."}],
                    }
                )
                + "\n"
            )
    return ckpt, data, tmp_path / "out"


@pytest.mark.parametrize(("kind", "code"), [("trained", 0), ("constant", 1)])
def test_eval_cli_strict_exit(eval_inputs, monkeypatch, kind, code):
    from supportrm.cli import main
    from supportrm.evaluate import runs

    monkeypatch.setattr(runs, "_default_scorer", lambda ckpt: FakeScorer(kind))
    ckpt, data, out = eval_inputs
    args = ["eval", "--model", str(ckpt), "--data", str(data), "--out", str(out), "--strict"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == code, res.output
    assert "overall" in res.output and "verdict:" in res.output
    m = json.loads((out / "metrics.json").read_text())
    assert m["n"] == 120 and m["has_categories"] is False
    assert m["data"]["n_read"] == 120 and m["data"]["n_not_scored"] == 0
    assert (out / "scores.jsonl").exists()
    if kind == "constant":
        assert len(m["degenerate"]["checks"]) == 6
        assert "degenerate: YES" in res.output
    # Without --strict a failing model still exits 0 (the numbers are the output).
    res2 = CliRunner().invoke(main, args[:-1])
    assert res2.exit_code == 0, res2.output


def test_eval_run_dir_all_seeds(eval_inputs, monkeypatch):
    from supportrm.cli import main
    from supportrm.evaluate import runs

    monkeypatch.setattr(runs, "_default_scorer", lambda ckpt: FakeScorer("trained"))
    ckpt, data, out = eval_inputs
    run = ckpt.parent / "run"
    for s in (0, 1):
        (run / f"seed-{s}" / "checkpoint").mkdir(parents=True)
        (run / f"seed-{s}" / "checkpoint" / "config.json").write_text("{}")
    res = CliRunner().invoke(
        main, ["eval", "--model", str(run), "--data", str(data), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    agg = json.loads((out / "metrics.json").read_text())
    assert agg["seeds"] == [0, 1]
    assert (out / "seed-1" / "metrics.json").exists()
    assert "worst seed" in res.output


def test_eval_cli_errors(tmp_path):
    from supportrm.cli import main

    res = CliRunner().invoke(main, ["eval", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "--model" in res.output
    (tmp_path / "m").mkdir()
    res = CliRunner().invoke(main, ["eval", "--model", str(tmp_path / "m"), "--out", str(tmp_path)])
    assert res.exit_code != 0 and "neither a checkpoint" in res.output


def test_eval_with_real_scorer_on_tiny_checkpoint(tmp_path, monkeypatch):
    """The real RewardScorer on a tiny random-init BERT: scoring, score table and metrics end to
    end (no claim about the untrained model's quality)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from supportrm.evaluate.runs import evaluate_model
    from supportrm.model.testing import tiny_bert

    ckpt = tiny_bert(tmp_path / "ckpt")
    data = tmp_path / "pairs.jsonl"
    with open(data, "w") as fh:
        for i in range(30):
            rec = {
                "prompt": [{"role": "user", "content": f"Where is my order {i}?"}],
                "chosen": [{"role": "assistant", "content": f"It ships today, order {i}."}],
                "rejected": [{"role": "assistant", "content": "No idea."}],
                "category": CATS[i % 2],
            }
            fh.write(json.dumps(rec) + "\n")
    m = evaluate_model(ckpt, data, tmp_path / "out")
    assert m["n"] == 30 and set(m["per_category"]) == set(CATS[:2])
    assert m["data"]["scoring"]["n_scored"] == 30
    rows = [json.loads(x) for x in (tmp_path / "out" / "scores.jsonl").read_text().splitlines()]
    assert all(r["chosen_tokens"] > 0 and r["chosen_chars"] > 0 for r in rows)
    assert len(m["degenerate"]["checks"]) == 6


HH = "../shared/data/real/hh-rlhf-harmless-base-test.jsonl.gz"


def test_eval_on_real_hh_pairs_without_category(tmp_path, monkeypatch):
    """Real implicit-prompt data (Anthropic HH, no category) through load -> score -> metrics."""
    from pathlib import Path

    from supportrm.evaluate import runs

    hh = Path(__file__).resolve().parents[1] / HH
    if not hh.exists():
        pytest.skip(f"{hh} not present")
    monkeypatch.setattr(runs, "_default_scorer", lambda ckpt: FakeScorer("trained"))
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text("{}")
    m = runs.evaluate_model(ckpt, hh, tmp_path / "out")  # 4 empty replies: excluded and named
    assert m["data"]["n_excluded"] == 4 == len(m["data"]["excluded"])
    assert m["data"]["excluded"][0].endswith("hh-rlhf-harmless-base-test.jsonl.gz:87")
    assert m["data"]["n_read"] == 2312
    assert m["data"]["n_loaded"] + m["data"]["n_skipped"] == 2312
    assert m["n"] == m["data"]["n_loaded"] > 2000
    assert m["has_categories"] is False and list(m["per_category"]) == ["(none)"]
    assert m["length_bias"]["spearman_reward_chars"]["n"] == 2 * m["n"]


def test_eval_run_dir_defaults_to_its_validation_split(tmp_path):
    from supportrm.evaluate.runs import evaluate_model
    from supportrm.report.synthetic import make_synthetic_run

    run = make_synthetic_run(tmp_path / "run", seeds=(0, 1), n_val=50, n_train=50)
    agg = evaluate_model(run, None, tmp_path / "out", scorer_factory=lambda c: FakeScorer("x"))
    assert agg["seeds"] == [0, 1]
    assert agg["data"]["path"].endswith("split/val.jsonl.gz") and agg["data"]["n_loaded"] == 50
    assert agg["delta_correlation"]["n_common"] == 50
    seed1 = json.loads((tmp_path / "out" / "seed-1" / "metrics.json").read_text())
    assert seed1["checkpoint"].endswith("seed-1/checkpoint")
    assert seed1["errors"] is not None and seed1["n"] == 50


def test_collapse_is_judged_at_the_kept_checkpoint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """L2: the score std fell after the kept step; the kept model did not collapse. A run whose
    kept step is the last one did."""
    from supportrm.evaluate.runs import evaluate_run
    from supportrm.evaluate.scoretable import write_score_table

    history = [{"step": s, "score_std": v} for s, v in ((10, 1.0), (20, 1.0), (30, 0.01))]
    for kept, expect in ((20, False), (30, True)):
        seed_dir = tmp_path / f"kept-{kept}" / "seed-0"
        write_score_table(table("trained"), seed_dir / "val_scores.jsonl")
        (seed_dir / "history.jsonl").write_text("".join(json.dumps(h) + "\n" for h in history))
        training = {"kept_step": kept, "selection": "lowest dev loss", "best_dev_loss": 0.5,
                    "total_steps": 30, "seed": 0}  # fmt: skip
        (seed_dir / "metrics.json").write_text(json.dumps({"training": training}))
        evaluate_run(seed_dir.parent)
        m = json.loads((seed_dir / "metrics.json").read_text())
        col = next(c for c in m["degenerate"]["checks"] if c["name"] == "collapse")
        assert col["fired"] is expect, kept
