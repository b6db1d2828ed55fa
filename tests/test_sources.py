"""Second-source evaluation (supportrm.evaluate.sources): every seed and the seed ensemble on
another source beside the held-out split, the gap, and a headline that never passes on the
same-source split alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from supportrm.data.embedded import handwritten_path
from supportrm.evaluate import Targets, evaluate_run
from supportrm.evaluate.ensemble import ensemble_table
from supportrm.evaluate.scoretable import ScoreTable
from supportrm.evaluate.sources import (
    SOURCES_FILE,
    evaluate_sources,
    format_sources,
    resolve_sources,
)
from supportrm.report import build_report
from supportrm.report.synthetic import make_synthetic_run


class FakeScorer:
    """Right on every pair except the hallucination ones (a model that never checks facts)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def score_pairs(self, pairs: list[Any]) -> list[dict[str, Any]]:
        rows = []
        for i, p in enumerate(pairs):
            good = p.category != "hallucination" or (i + self.seed) % 4 == 0
            margin = 1.0 + 0.1 * self.seed if good else -1.0
            rows.append(
                {
                    "id": p.id,
                    "category": p.category,
                    "conversation_id": p.conversation_id,
                    "chosen_score": margin,
                    "rejected_score": 0.0,
                    "chosen_tokens": len(p.chosen) // 4,
                    "rejected_tokens": len(p.rejected) // 4,
                }
            )
        return rows


def factory(ckpt: Path) -> FakeScorer:
    return FakeScorer(int(ckpt.parent.name.split("-")[1]))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    run_dir = make_synthetic_run(tmp_path_factory.mktemp("s") / "run", seeds=(0, 1), n_val=300)
    agg = evaluate_run(run_dir)
    result = evaluate_sources(
        run_dir, agg, ["handwritten"], scorer_factory=factory, log=lambda m: None
    )
    return run_dir, result


def test_every_seed_and_the_ensemble_on_each_source(run: tuple[Path, dict[str, Any]]) -> None:
    run_dir, result = run
    src = result["sources"]
    assert list(src) == ["held-out", "handwritten-test"]
    hw = src["handwritten-test"]
    assert set(hw["per_seed"]) == {"0", "1"} and hw["n_pairs"] == 200
    # hallucination right in a quarter of pairs: 30 of 40 wrong, the rest right
    for r in hw["per_seed"].values():
        assert r["categories"]["hallucination"] == pytest.approx(0.25)
        assert r["categories"]["tone"] == 1.0
        assert not r["verdict"]["pass"] and "hallucination" in r["verdict"]["failing"]
    assert (run_dir / "sources" / "handwritten-test" / "ensemble" / "metrics.json").exists()
    assert json.loads((run_dir / SOURCES_FILE).read_text()) == json.loads(json.dumps(result))


def test_headline_names_the_failing_source_and_category(run: tuple[Path, dict[str, Any]]) -> None:
    _, result = run
    assert "FAIL on handwritten-test: overall" in result["headline"] or (
        "FAIL on handwritten-test: hallucination" in result["headline"]
    )
    assert "hallucination 25.0%" in result["headline"]
    assert result["all_sources_pass"] is False
    assert "handwritten-test" in format_sources(result)


def test_report_never_headlines_a_same_source_pass(run: tuple[Path, dict[str, Any]]) -> None:
    run_dir, _ = run
    paths = build_report(run_dir)
    md = paths.md.read_text()
    assert "## Held-out vs. a second source" in md
    verdict = md.split("## Verdict", 1)[1].split("##", 1)[0]
    assert "FAIL overall" in verdict and "handwritten-test" in verdict


def test_gap_beyond_both_intervals_is_flagged() -> None:
    from supportrm.evaluate.sources import compare

    wide = compare(
        {"strict": 0.9, "strict_ci": [0.88, 0.92]}, {"strict": 0.7, "strict_ci": [0.64, 0.76]}
    )
    assert wide["beyond_ci"] and wide["gap"] == pytest.approx(0.2)
    near = compare(
        {"strict": 0.8, "strict_ci": [0.77, 0.83]}, {"strict": 0.78, "strict_ci": [0.72, 0.84]}
    )
    assert not near["beyond_ci"]


def test_ensemble_is_the_mean_reward_on_common_pairs() -> None:
    def table(ids: list[str], c: list[float]) -> ScoreTable:
        return ScoreTable.from_rows(
            [
                {"id": i, "chosen_score": x, "rejected_score": 0.0}
                for i, x in zip(ids, c, strict=True)
            ]
        )

    ens, spread = ensemble_table(
        {0: table(["a", "b", "c"], [1.0, -1.0, 2.0]), 1: table(["b", "a"], [3.0, 0.0])}
    )
    assert ens.ids == ["a", "b"]
    assert list(ens.chosen) == [0.5, 1.0] and list(spread) == [0.5, 2.0]


def test_resolve_sources_aliases_and_errors(tmp_path: Path) -> None:
    assert resolve_sources(["handwritten"]) == {"handwritten-test": handwritten_path("test")}
    assert resolve_sources(["none"]) == {}
    f = tmp_path / "mine.jsonl.gz"
    f.write_bytes(b"")
    assert resolve_sources([str(f)]) == {"mine": f}
    with pytest.raises(FileNotFoundError, match="no such file"):
        resolve_sources([str(tmp_path / "missing.jsonl")])
    with pytest.raises(ValueError, match="cannot be combined"):
        resolve_sources(["none", str(f)])


def test_targets_apply_to_second_sources(tmp_path: Path) -> None:
    run_dir = make_synthetic_run(tmp_path / "r", seeds=(0,), n_val=200)
    agg = evaluate_run(run_dir)
    lax = Targets(overall=0.1, per_category=0.2)
    res = evaluate_sources(
        run_dir, agg, ["handwritten"], targets=lax, scorer_factory=factory, log=lambda m: None
    )
    assert res["sources"]["handwritten-test"]["per_seed"]["0"]["verdict"]["pass"]
