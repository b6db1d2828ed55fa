"""Baselines: accuracy bookkeeping against hand-worked arrays, antisymmetry, the embedding path on a
tiny random encoder, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from supportrm.cli import main
from supportrm.data.io import write_pairs
from supportrm.data.schema import PreferencePair
from supportrm.data.synth import generate
from supportrm.evaluate import baselines as B


def test_score_deltas_counts_ties_strictly_and_as_half(
    make_pair: Callable[..., PreferencePair],
) -> None:
    pairs = [make_pair(i, category="tone" if i < 2 else "brevity") for i in range(4)]
    res = B.score_deltas([1.0, 0.0, -2.0, 3.0], pairs)
    assert res["n"] == 4
    assert res["accuracy"] == 0.5  # the tie counts as wrong
    assert res["accuracy_ties_half"] == 0.625
    assert res["tie_rate"] == 0.25
    assert res["per_category"]["tone"]["accuracy_ties_half"] == 0.75
    assert res["per_category"]["brevity"]["accuracy"] == 0.5
    with pytest.raises(ValueError, match="3 deltas for 4 pairs"):
        B.score_deltas([1.0, 2.0, 3.0], pairs)


def test_length_rules(make_pair: Callable[..., PreferencePair]) -> None:
    pairs = [
        make_pair(0, chosen="a longer reply", rejected="short"),
        make_pair(1, chosen="tiny", rejected="a longer reply"),
        make_pair(2, chosen="same", rejected="size"),
    ]
    longer = B.score_deltas(B.length_deltas(pairs, "longer"), pairs)
    shorter = B.score_deltas(B.length_deltas(pairs, "shorter"), pairs)
    assert longer["accuracy"] == shorter["accuracy"] == pytest.approx(1 / 3)
    assert longer["tie_rate"] == pytest.approx(1 / 3)


def _marked(
    make_pair: Callable[..., PreferencePair], n: int, offset: int = 0
) -> list[PreferencePair]:
    """Chosen replies say 'refund within N days', rejected ones are vague; words shared otherwise."""
    out = []
    for i in range(n):
        j = i + offset
        c = f"Your order {j % 7} qualifies, the refund arrives within {3 + j % 4} days."
        r = f"Your order {j % 7} is noted, somebody may look into it at some point."
        out.append(make_pair(j, chosen=c, rejected=r, category="helpfulness"))
    return out


def test_tfidf_learns_a_real_signal_and_is_antisymmetric(
    make_pair: Callable[..., PreferencePair],
) -> None:
    train, test = _marked(make_pair, 80), _marked(make_pair, 30, offset=100)
    for with_prompt in (False, True):
        d, info = B.tfidf_deltas(train, test, with_prompt=with_prompt, cs=(1.0,))
        assert (d > 0).all() and info["C"] == 1.0
        swapped = [
            PreferencePair(p.id, p.prompt, p.rejected, p.chosen, p.conversation_id, p.category)
            for p in test
        ]
        d2, _ = B.tfidf_deltas(train, swapped, with_prompt=with_prompt, cs=(1.0,))
        np.testing.assert_allclose(d2, -d, atol=1e-12)


def test_pair_features_use_the_prompt(make_pair: Callable[..., PreferencePair]) -> None:
    """Only the prompt says which reply is right (its number must match): replies alone are
    balanced, so the response-only model is at chance and the pair model is not."""
    from supportrm.data.schema import Message

    pairs = []
    for i in range(300):
        right, wrong = ("14", "30") if i % 2 else ("30", "14")
        prompt = (
            Message("system", f"KB: refunds within {right} days."),
            Message("user", "refund?"),
        )
        pairs.append(
            PreferencePair(
                f"q{i}",
                prompt,
                f"Refunds within {right} days.",
                f"Refunds within {wrong} days.",
                f"c{i}",
                "hallucination",
            )
        )
    train, test = pairs[:200], pairs[200:]
    d_pair, _ = B.tfidf_deltas(train, test, with_prompt=True, cs=(10.0,))
    d_resp, _ = B.tfidf_deltas(train, test, with_prompt=False, cs=(10.0,))
    assert (d_pair > 0).mean() == 1.0
    assert B.score_deltas(d_resp, test)["accuracy_ties_half"] == pytest.approx(0.5, abs=0.1)


def test_embedding_baseline_on_a_tiny_random_encoder(tmp_path: Path) -> None:
    from supportrm.model.testing import tiny_bert

    model_dir = tiny_bert(tmp_path / "tiny", layers=2, hidden=32)
    pairs = generate(60, 5)
    emb = B.embed_texts([p.chosen for p in pairs[:5]], model_dir, batch_size=2)
    assert emb.shape == (5, 32)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-5)
    # Batching and length-sorting do not change an embedding.
    one = B.embed_texts([pairs[3].chosen], model_dir)
    np.testing.assert_allclose(one[0], emb[3], atol=1e-5)
    d, info = B.embedding_deltas(pairs[:40], pairs[40:], model_path=model_dir, cs=(1.0,))
    assert d.shape == (20,) and info["C"] == 1.0


def test_run_baselines_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown baseline"):
        B.run_baselines([], [], names=["longer_wins", "gpt"])


def test_cli_baselines_writes_json(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    write_pairs(generate(150, 2), data)
    out = tmp_path / "res.json"
    res = CliRunner().invoke(
        main,
        ["baselines", "--data", str(data), "--val-size", "50", "--no-embedding", "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text())
    assert set(report["baselines"]) == {
        "longer_wins",
        "shorter_wins",
        "tfidf_pair",
        "tfidf_response",
    }
    split = dict(report["split"])
    assert split.pop("val_hash").startswith("sha256:")  # how the report matches it to a run
    assert split == {"val_size": 50, "seed": 0, "n_train": 100, "n_val": 50}
    from supportrm.run_files import BaselinesFile, read

    assert read(out, BaselinesFile).split.n_val == 50  # the typed file the report reads
    assert report["command"].startswith("supportrm baselines")
    assert report["environment"]["versions"]["scikit-learn"]
    for r in report["baselines"].values():
        assert r["n"] == 50 and set(r["per_category"]) <= {
            "helpfulness",
            "tone",
            "refusals",
            "hallucination",
            "brevity",
        }
    assert "| longer_wins |" in res.output
