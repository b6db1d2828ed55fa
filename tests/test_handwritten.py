"""The shipped hand-written set (support-handwritten-v1): valid, balanced, halves disjoint, and
exactly the files its sidecar describes."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from supportrm.data.embedded import _embedded_dir, content_sha256, handwritten_path
from supportrm.data.load import load_pairs
from supportrm.data.schema import DEFAULT_CATEGORIES


@pytest.fixture(scope="module")
def halves() -> dict:
    return {h: list(load_pairs(handwritten_path(h)).pairs) for h in ("dev", "test")}


def test_halves_validate_and_are_stratified(halves: dict) -> None:
    for h, pairs in halves.items():
        assert len(pairs) == 200, h
        assert Counter(p.category for p in pairs) == dict.fromkeys(DEFAULT_CATEGORIES, 40)


def test_halves_share_no_pair_conversation_or_text(halves: dict) -> None:
    dev, test = halves["dev"], halves["test"]
    assert {p.id for p in dev}.isdisjoint(p.id for p in test)
    assert {p.conversation_id for p in dev}.isdisjoint(p.conversation_id for p in test)
    assert {(p.chosen, p.rejected) for p in dev}.isdisjoint((p.chosen, p.rejected) for p in test)


def test_every_pair_has_a_rationale_and_the_set_is_varied(halves: dict) -> None:
    pairs = halves["dev"] + halves["test"]
    assert all(p.metadata.get("rationale", "").strip() for p in pairs)
    assert all(p.metadata.get("author") == "hand-written" for p in pairs)
    multi = sum(sum(m.role == "user" for m in p.prompt) > 1 for p in pairs)
    assert multi / len(pairs) >= 0.25
    assert len({p.metadata["industry"] for p in pairs}) >= 20
    longer = sum(len(p.chosen) > len(p.rejected) for p in pairs) / len(pairs)
    assert 0.4 <= longer <= 0.6


def test_sidecar_matches_the_files() -> None:
    side = json.loads((_embedded_dir() / "support-handwritten-v1.json").read_text())
    for h in ("dev", "test"):
        assert side["halves"][h]["sha256_content"] == content_sha256(handwritten_path(h))
    with pytest.raises(ValueError):
        handwritten_path("train")  # type: ignore[arg-type]
