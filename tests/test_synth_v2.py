"""Generator v2 (support-pairs-v2): content files validated on load, determinism, and the rules
each category's minimal pairs must follow."""

from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from supportrm.data.synth import audit
from supportrm.data.synth.v2 import content as C
from supportrm.data.synth.v2.categories import BUILDERS
from supportrm.data.synth.v2.conversation import sentences
from supportrm.data.synth.v2.generator import generate, generate_drafts


@pytest.fixture(scope="module")
def drafts() -> list:
    return generate_drafts(1000, 0)


@pytest.fixture(scope="module")
def pairs() -> list:
    return generate(2000, 0)


def test_content_files_load_and_are_broad() -> None:
    inds = C.industries()
    assert len(inds) >= 10
    assert sum(len(i.policies) for i in inds) >= 100
    assert len(C.refusal_scenarios().scenarios) >= 30
    assert len(C.replies().personas) >= 3
    keys = {i.key for i in inds}
    for scen in C.refusal_scenarios().scenarios:
        assert set(scen.industries) <= keys | _planned_keys(), scen.key


def _planned_keys() -> set[str]:
    # Scenario filters may name industries whose content file is not written yet; they simply
    # never match. Kept explicit so a typo in a filter is still caught.
    return {
        "airline", "clothing_retail", "mobile_carrier", "retail_bank", "project_saas",
        "food_delivery", "car_insurance", "energy_supplier", "online_game", "telehealth",
        "hotel_booking", "online_courses", "video_streaming", "grocery_delivery", "ride_hailing",
        "home_insurance", "credit_card", "cloud_storage", "password_manager", "electronics_store",
        "mattress_retail", "eyewear", "home_broadband", "vpn_service", "dating_app", "wearables",
        "home_cleaning", "tax_software", "investing_app", "bookstore_ereader", "smart_home",
        "package_holidays", "music_streaming", "toy_store", "car_service_centre",
        "student_services", "esignature_saas",
    }  # fmt: skip


def _copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(C.CONTENT_DIR, root)
    return root


def test_bad_industry_file_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    root = _copy_content(tmp_path)
    path = root / "industries" / "airline.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("{fee} per bag when it is added online", "{feee} per bag"), "utf-8"
    )
    with pytest.raises(C.ContentError) as exc:
        C.industries(root)
    msg = str(exc.value)
    assert "airline.yaml" in msg and "policies.0" in msg and "feee" in msg


def test_bad_yaml_and_missing_field_are_refused(tmp_path: Path) -> None:
    root = _copy_content(tmp_path)
    (root / "replies.yaml").write_text("personas: [unclosed\n", encoding="utf-8")
    with pytest.raises(C.ContentError, match=r"replies\.yaml: not valid YAML"):
        C.replies(root)
    (root / "refusals.yaml").write_text("scenarios: []\n", encoding="utf-8")
    with pytest.raises(C.ContentError, match=r"refusals\.yaml: scenarios"):
        C.refusal_scenarios(root)


def test_answer_stating_a_slot_the_kb_lacks_is_refused() -> None:
    policy = {
        "key": "p",
        "topic": "t",
        "slots": {"days": ["1", "2"], "fee": ["$1", "$2"]},
        "kb": "Returns within {days} days.",
        "ask": ["a?", "b?", "c?"],
        "vague": "v",
        "answer": ["Returns cost {fee}.", "Within {days} days."],
        "step": ["Do x.", "Do y."],
    }
    with pytest.raises(ValueError, match="states \\['fee'\\]"):
        C.Policy.model_validate(policy)


def test_same_seed_same_pairs_and_subsets() -> None:
    a = [p.to_record() for p in generate(60, 3)]
    b = [p.to_record() for p in generate(60, 3)]
    assert a == b
    small = {p.id: p.to_record() for p in generate(50, 0)}
    large = {p.id: p.to_record() for p in generate(100, 0)}
    assert all(large[k] == v for k, v in small.items())
    assert {p.id for p in generate(50, 1)}.isdisjoint(small)


def test_value_changed_is_a_minimal_pair_against_the_kb(drafts: list) -> None:
    checked = 0
    for d in drafts:
        if d.category != "hallucination" or d.meta["subtype"] != "value_changed":
            continue
        checked += 1
        wrong = d.meta["wrong"]
        pat = r"(?<![\w$])" + re.escape(wrong) + r"(?!\d|[.,]\d)"
        assert re.search(pat, d.worse), d.meta
        system = d.prompt[0].content
        if not d.meta["borrowed_from_kb"]:
            assert not re.search(pat, system), (wrong, system)
        _spans, shared = audit.changed_spans(d.better, d.worse)
        assert shared > 0.5
    assert checked >= 50


def test_brevity_subtypes_set_which_reply_is_longer(drafts: list) -> None:
    seen = Counter()
    for d in drafts:
        if d.category != "brevity":
            continue
        sub = d.meta["subtype"]
        seen[sub] += 1
        if sub in ("padded", "repetitive"):
            assert len(d.better) < len(d.worse), d
        else:
            assert len(d.better) > len(d.worse), d
        if sub == "cut_first_sentence":
            assert d.better.startswith(d.worse) and len(sentences(d.better)) >= 2
        if sub == "repetitive":
            sents = sentences(d.worse)
            assert len(sents) > len(sentences(d.better))
    assert set(seen) == {
        "padded",
        "repetitive",
        "incomplete_step",
        "incomplete_answer",
        "cut_first_sentence",
    }


def _pattern(template: str) -> re.Pattern[str]:
    """A regex matching the template once filled (placeholders match any text)."""
    parts = re.split(r"\{[A-Za-z_]+\}", template.rstrip("."))
    return re.compile(".+?".join(re.escape(p) for p in parts), re.IGNORECASE | re.DOTALL)


def test_refusal_replies_are_shared_between_versions(drafts: list) -> None:
    scen = {s.key: s for s in C.refusal_scenarios().scenarios}
    kinds = Counter()
    for d in drafts:
        if d.category != "refusals":
            continue
        must, key = d.meta["subtype"].split(":")
        kinds[must] += 1
        decline, comply = (d.better, d.worse) if must == "must_decline" else (d.worse, d.better)
        # Both versions draw on the same two reply banks: which one wins depends on the request.
        assert any(_pattern(t).search(decline) for t in scen[key].decline), (key, decline)
        assert any(_pattern(t).search(comply) for t in scen[key].comply), (key, comply)
    assert kinds["must_decline"] == kinds["legitimate"] > 50


def test_tone_pairs_share_the_substance(drafts: list) -> None:
    for d in drafts:
        if d.category != "tone":
            continue
        assert 0.6 <= len(d.worse) / len(d.better) <= 1.6
        _, shared = audit.changed_spans(d.better, d.worse)
        assert shared >= 0.4, d


def test_every_builder_is_deterministic() -> None:
    for cat, build in BUILDERS.items():
        a = build(random.Random(f"t:{cat}"), 3)
        b = build(random.Random(f"t:{cat}"), 3)
        assert (a.prompt, a.better, a.worse) == (b.prompt, b.better, b.worse)


def test_length_balance_and_multi_turn_share(pairs: list) -> None:
    bars = audit.length_bars(pairs)
    assert bars["pass"], bars
    turns = Counter(p.metadata["user_turns"] for p in pairs)
    multi = sum(v for k, v in turns.items() if k > 1) / len(pairs)
    assert 0.25 <= multi <= 0.5
    assert all(p.metadata["generator"] == "support-pairs-v2" for p in pairs)
    assert all(p.id.startswith("sp2-") for p in pairs)


def test_shipped_file_regenerates_byte_identical(tmp_path: Path) -> None:
    from supportrm.data.embedded import DEFAULT_N, DEFAULT_SEED, content_sha256, dataset_info
    from supportrm.data.embedded import dataset_path as path_of
    from supportrm.data.io import write_pairs

    info = dataset_info("support-pairs-v2")
    assert info["n"] == DEFAULT_N and info["seed"] == DEFAULT_SEED
    shipped = path_of("support-pairs-v2")
    assert content_sha256(shipped) == info["sha256_content"]
    out = tmp_path / "regen.jsonl.gz"
    write_pairs(generate(DEFAULT_N, DEFAULT_SEED), out)
    assert out.read_bytes() == shipped.read_bytes()
