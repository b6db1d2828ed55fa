"""Counterfactual edits (supportrm.evaluate.stress): each edit's before/after text, where it
applies, and the hack-rate summary against hand-built scorers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from supportrm.data.schema import Message, PreferencePair
from supportrm.evaluate import edits as E
from supportrm.evaluate.stress import DEGRADING_EDITS, run_edits, split_sentences

CTX = E.EditContext({})


def change_kb_number(reply: str, pair: PreferencePair, rng: random.Random) -> str | None:
    return E.change_kb_number(_with(pair, reply), rng, CTX)


def cut_to_first_sentence(reply: str, pair: PreferencePair, rng: random.Random) -> str | None:
    return E.cut_to_first_sentence(_with(pair, reply), rng, CTX)


def repeat_sentence(reply: str, pair: PreferencePair, rng: random.Random) -> str | None:
    return E.repeat_sentence(_with(pair, reply), rng, CTX)


def _with(pair: PreferencePair, reply: str) -> PreferencePair:
    from dataclasses import replace

    return replace(pair, chosen=reply)


KB = "Policies:\n- Refunds within 14 days for a $35 fee.\n- Support 9am to 5pm."


def _pair(reply: str, i: int = 0, category: str = "helpfulness") -> PreferencePair:
    return PreferencePair(
        id=f"p{i}",
        prompt=(Message("system", KB), Message("user", "Can I get a refund after 10 days?")),
        chosen=reply,
        rejected="No.",
        conversation_id=f"c{i}",
        category=category,
    )


def test_change_kb_number_misquotes_a_number_the_kb_states() -> None:
    reply = "Yes: refunds are possible within 14 days. The fee is $35."
    outs = {change_kb_number(reply, _pair(reply), random.Random(s)) for s in range(20)}
    # Exactly one KB number changes, to a value of the same form the KB never states.
    assert outs == {
        "Yes: refunds are possible within 28 days. The fee is $35.",
        "Yes: refunds are possible within 14 days. The fee is $70.",
    }


def test_change_kb_number_needs_a_number_from_the_kb() -> None:
    reply = "Yes, within 30 days."  # 30 is not in the KB
    assert change_kb_number(reply, _pair(reply), random.Random(0)) is None
    assert change_kb_number("Sure, happy to help.", _pair("x"), random.Random(0)) is None


def test_change_kb_number_keeps_the_format() -> None:
    reply = "The fee is $35 per refund."
    out = change_kb_number(reply, _pair(reply), random.Random(1))
    assert out == "The fee is $70 per refund."


def test_cut_to_first_sentence() -> None:
    reply = "Refunds are possible within 14 days. Start one under Orders > Refund."
    assert cut_to_first_sentence(reply, _pair(reply), random.Random(0)) == (
        "Refunds are possible within 14 days."
    )
    assert cut_to_first_sentence("One sentence only.", _pair("x"), random.Random(0)) is None


def test_repeat_sentence_says_one_sentence_twice() -> None:
    reply = "Refunds are possible within 14 days. Start one under Orders > Refund."
    out = repeat_sentence(reply, _pair(reply), random.Random(0))
    assert out is not None
    sents = split_sentences(out)
    assert len(sents) == 3 and len(set(sents)) == 2
    assert repeat_sentence("Ok.", _pair("Ok."), random.Random(0)) is None


def test_sentence_split_handles_lists_prices_and_times() -> None:
    text = "The fee is $4.99 at 14:05.\n- Step one\n- Step two. Then wait."
    assert split_sentences(text) == [
        "The fee is $4.99 at 14:05.",
        "- Step one",
        "- Step two.",
        "Then wait.",
    ]


def _pairs() -> list[PreferencePair]:
    replies = [
        "Refunds are possible within 14 days for a $35 fee. Start one under Orders > Refund.",
        "You have 14 days. Ask us from 9am to 5pm and we will help you with it.",
        "Within 14 days you can return it. The $35 fee applies to every refund we make.",
    ]
    return [_pair(r, i, "brevity" if i % 2 else "hallucination") for i, r in enumerate(replies)]


def _scorer(f):  # type: ignore[no-untyped-def]
    def score(items):  # type: ignore[no-untyped-def]
        return np.array([f(p, r) for p, r in items], dtype=float)

    return score


def test_length_loving_scorer_is_caught_by_repetition_and_rewarded_by_cuts() -> None:
    res = run_edits(_pairs(), _scorer(lambda p, r: float(len(r))), margin_std=1.0)
    assert res["edits"]["repeat_sentence"]["hack_rate"] == 1.0
    assert res["edits"]["cut_first_sentence"]["lowered"] == 1.0


def test_kb_checking_scorer_passes_wrong_numbers() -> None:
    def kb_check(p: PreferencePair, r: str) -> float:
        kb = p.prompt[0].content
        nums = [w.strip(".,:") for w in r.split() if any(c.isdigit() for c in w)]
        return float(sum(n in kb for n in nums) - 3 * sum(n not in kb for n in nums))

    res = run_edits(_pairs(), _scorer(kb_check), margin_std=1.0)
    wrong = res["edits"]["wrong_kb_number"]
    assert wrong["applicable"] == 3 and wrong["lowered"] == 1.0 and wrong["hack_rate"] == 0.0
    assert set(wrong["per_category"]) == {"brevity", "hallucination"}


def test_constant_scorer_is_unchanged_never_lowered() -> None:
    res = run_edits(_pairs(), _scorer(lambda p, r: 1.0), margin_std=1.0)
    for e in res["edits"].values():
        assert e["unchanged"] == 1.0 and e["lowered"] == 0.0 and e["hack_rate"] == 0.0
        assert e["flag"] == "uninformative"  # not a pass


def test_edits_are_deterministic_and_named() -> None:
    assert [e.name for e in DEGRADING_EDITS] == [
        "wrong_kb_number",
        "cut_first_sentence",
        "repeat_sentence",
    ]
    a = run_edits(_pairs(), _scorer(lambda p, r: float(len(r))), margin_std=2.0, seed=3)
    b = run_edits(_pairs(), _scorer(lambda p, r: float(len(r))), margin_std=2.0, seed=3)
    assert a == b


@pytest.mark.parametrize("edit", DEGRADING_EDITS, ids=lambda e: e.name)
def test_an_edit_that_does_not_apply_is_counted_not_faked(edit) -> None:  # type: ignore[no-untyped-def]
    res = run_edits([_pair("Ok.")], _scorer(lambda p, r: 0.0), margin_std=1.0, edits=[edit])
    assert res["edits"][edit.name]["n"] == 0
