"""Shortcut audit: the measurements catch planted shortcuts, and the shipped data passes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from supportrm.data.embedded import dataset_path
from supportrm.data.load import load_pairs
from supportrm.data.schema import PreferencePair
from supportrm.data.synth import audit
from supportrm.evaluate import dataset_audit


@pytest.fixture(scope="module", params=["support-pairs-v1", "support-pairs-v2"])
def shipped(request: pytest.FixtureRequest) -> list[PreferencePair]:
    return list(load_pairs(dataset_path(request.param)).pairs)


def test_ngram_audit_flags_a_planted_stock_sentence(
    make_pair: Callable[..., PreferencePair],
) -> None:
    pairs = []
    for i in range(100):
        chosen, rejected = f"Reply {i}.", f"Reply {i + 1000}."
        if i < 10:  # a stock phrase marking the chosen reply in 10% of pairs
            chosen += " We value you greatly."
        pairs.append(make_pair(i, chosen=chosen, rejected=rejected))
    res = audit.ngram_giveaways(pairs)
    assert not res["pass"]
    flagged = {v["ngram"] for v in res["violations"]}
    assert flagged == {
        "we",
        "value",
        "you",
        "greatly",
        "we value",
        "value you",
        "you greatly",
        "we value you",
        "value you greatly",
    }
    assert res["top"][0]["precision"] == 1.0 and res["top"][0]["marks"] == "chosen"
    assert res["top"][0]["coverage"] == 0.1


def test_ngram_audit_ignores_phrases_used_on_both_sides(
    make_pair: Callable[..., PreferencePair],
) -> None:
    pairs = []
    for i in range(200):
        c, r = f"Reply {i}.", f"Reply {i + 1000}."
        if i % 2:
            c += " Hope that helps."
        else:
            r += " Hope that helps."
        pairs.append(make_pair(i, chosen=c, rejected=r))
    res = audit.ngram_giveaways(pairs, top=10_000)
    row = next(x for x in res["top"] if x["ngram"] == "hope that helps")
    assert row["coverage"] == 1.0 and row["precision"] == 0.5 and row["net"] == 0.0
    assert res["pass"]


def test_length_table_counts(make_pair: Callable[..., PreferencePair]) -> None:
    pairs = [
        make_pair(0, chosen="long reply here", rejected="short"),
        make_pair(1, chosen="short", rejected="long reply here"),
        make_pair(2, chosen="same", rejected="size"),
    ]
    t = audit.length_table(pairs)
    assert (t["chosen_longer"], t["chosen_shorter"], t["equal"]) == (0.3333, 0.3333, 0.3333)


def test_refusal_rule_detects_an_always_declining_chosen(
    make_pair: Callable[..., PreferencePair],
) -> None:
    pairs = [
        make_pair(i, category="refusals", chosen="Sorry, I can't do that.", rejected="Sure, done.")
        for i in range(20)
    ]
    res = audit.refusal_rules(pairs)
    assert res["regex"]["prefer_decline"] == 1.0 and not res["pass"]


def test_shipped_data_meets_the_bars(shipped: list[PreferencePair]) -> None:
    assert audit.length_table(shipped)["pass"]
    assert audit.ngram_giveaways(shipped)["pass"]
    assert audit.refusal_rules(shipped)["pass"]
    assert audit.facts_in_prompt(shipped)["pass"]
    ceiling = audit.noise_ceiling(shipped)
    assert 0.85 <= ceiling["ceiling"] <= 0.92
    for row in ceiling["per_category"].values():
        assert row["ceiling"] >= 0.8
    if shipped[0].metadata["generator"] == "support-pairs-v2":
        # v2 holds every category to the length bar, not only the pooled set
        assert audit.length_bars(shipped)["pass"]


def test_response_only_model_cannot_solve_hallucination(shipped: list[PreferencePair]) -> None:
    hall = [p for p in shipped if p.category == "hallucination"]
    res = dataset_audit.response_only_hallucination(hall[:1200], hall[1200:], folds=3)
    assert res["pass"], res
    if hall[0].metadata["generator"] == "support-pairs-v2":  # v2's stricter bar
        assert res["train_split_model_on_val"]["accuracy_ties_half"] <= audit.RESPONSE_ONLY_MAX
