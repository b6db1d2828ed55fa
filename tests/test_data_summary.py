"""`summarise`: the numbers on a hand-checked example, and the text rendering."""

from __future__ import annotations

from collections.abc import Callable

from supportrm.data.schema import Message, PreferencePair
from supportrm.data.summary import render_summary, summarise


def test_summary_numbers(make_pair: Callable[..., PreferencePair]) -> None:
    shared = (Message("user", "same question"),)
    pairs = [
        make_pair(0, category="tone", chosen="long answer", rejected="short"),  # chosen longer
        make_pair(1, category="tone", chosen="ab", rejected="abcd"),  # rejected longer
        make_pair(2, category="tone", chosen="abc", rejected="xyz", prompt=shared),  # equal
        make_pair(3, category="brevity", chosen="a", rejected="bb", prompt=shared),
        make_pair(4, category=None, chosen="hello there", rejected="hi", prompt=shared),
    ]
    s = summarise(pairs)
    assert s["n_pairs"] == 5 and s["n_conversations"] == 5
    assert s["categories"] == {"(none)": 1, "brevity": 1, "tone": 3}
    assert s["duplicate_prompts"] == {
        "distinct_prompts": 3,
        "repeated_prompts": 1,
        "pairs_with_repeated_prompt": 3,
        "max_pairs_per_prompt": 3,
    }
    tone = s["per_category"]["tone"]
    assert (tone["chosen_longer"], tone["equal_length"], tone["rejected_longer"]) == (
        0.3333,
        0.3333,
        0.3333,
    )
    assert s["per_category"]["brevity"]["chosen_longer"] == 0.0
    assert s["chosen_longer"]["chosen_longer"] == 0.4
    assert s["lengths"]["chosen_chars"]["min"] == 1 and s["lengths"]["chosen_chars"]["max"] == 11
    assert s["lengths"]["chosen_chars"]["p50"] == 3.0
    text = render_summary(s, {"read": 6, "loaded": 5, "skipped": 1})
    assert "records read: 6   loaded: 5   skipped: 1" in text
    assert "duplicate prompts: 1 prompts occur in more than one pair (3 pairs" in text
    assert " 33.3%" in text


def test_summary_of_nothing() -> None:
    s = summarise([])
    assert s["n_pairs"] == 0 and s["categories"] == {}
    assert "pairs: 0" in render_summary(s)
