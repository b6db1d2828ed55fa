"""Generator v1 (support-pairs-v1, kept byte-identical): determinism, the shipped file, structure
and category rules. Generator v2 has tests/test_synth_v2.py."""

from __future__ import annotations

import gzip
import hashlib
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from supportrm.cli import main
from supportrm.data.embedded import (
    DEFAULT_N,
    DEFAULT_SEED,
    content_sha256,
    dataset_info,
    dataset_path,
)
from supportrm.data.io import write_pairs
from supportrm.data.load import load_pairs
from supportrm.data.schema import DEFAULT_CATEGORIES
from supportrm.data.split import split_pairs
from supportrm.data.synth import content, generate, generate_drafts
from supportrm.data.synth.industries import INDUSTRIES, INTENT_ITEMS
from supportrm.data.synth.spec import fill, mentions
from supportrm.data.synth.voices import VOICES, speak

V1 = "support-pairs-v1"


@pytest.fixture(scope="module")
def shipped() -> list:
    return list(load_pairs(dataset_path(V1)).pairs)


@pytest.fixture(scope="module")
def drafts() -> list:
    return generate_drafts(1000, 7)


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz", tmp_path / "c.jsonl.gz"
    write_pairs(generate(100, 3), a)
    write_pairs(generate(100, 3), b)
    write_pairs(generate(100, 4), c)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_pairs_do_not_depend_on_dataset_size() -> None:
    # Each pair has its own random stream: a smaller dataset is a subset of a larger one.
    small = {p.id: p for p in generate(50, 0)}
    large = {p.id: p for p in generate(100, 0)}
    assert set(small) <= set(large)
    for pid, pair in small.items():
        assert pair.to_record() == large[pid].to_record()


def test_shipped_file_regenerates_byte_identical(tmp_path: Path) -> None:
    info = dataset_info(V1)
    assert info["n"] == DEFAULT_N and info["seed"] == DEFAULT_SEED
    path = dataset_path(V1)
    assert content_sha256(path) == info["sha256_content"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == info["sha256_file"]
    out = tmp_path / "regen.jsonl.gz"
    write_pairs(generate(DEFAULT_N, DEFAULT_SEED), out)
    assert out.read_bytes() == path.read_bytes()


def test_shipped_dataset_counts_and_split(shipped: list) -> None:
    assert len(shipped) == 8000
    assert Counter(p.category for p in shipped) == dict.fromkeys(DEFAULT_CATEGORIES, 1600)
    assert len({p.id for p in shipped}) == 8000
    split = split_pairs(shipped, 1000, 0)
    assert Counter(p.category for p in split.val) == dict.fromkeys(DEFAULT_CATEGORIES, 200)


def test_shipped_file_passes_validation_without_warnings() -> None:
    res = load_pairs(dataset_path(V1))
    assert res.n_read == 8000 and not res.skipped and not res.warnings


def test_conversation_structure(shipped: list) -> None:
    user_turns = Counter()
    for p in shipped:
        roles = [m.role for m in p.prompt]
        assert roles[0] == "system" and roles[-1] == "user"
        assert all(r in ("user", "assistant") for r in roles[1:])
        kb_lines = [ln for ln in p.prompt[0].content.splitlines() if ln.startswith("- ")]
        assert 2 <= len(kb_lines) <= 6, p.id
        assert p.metadata["company"] in p.prompt[0].content
        user_turns[roles.count("user")] += 1
        assert p.chosen.strip() and p.rejected.strip() and p.chosen != p.rejected
        assert "{" not in p.chosen + p.rejected + "".join(m.content for m in p.prompt)
    assert set(user_turns) <= {1, 2, 3, 4}
    multi = sum(v for k, v in user_turns.items() if k > 1) / len(shipped)
    assert 0.25 <= multi <= 0.42


def test_breadth(shipped: list) -> None:
    assert len(INDUSTRIES) >= 12
    assert len({p.metadata["industry"] for p in shipped}) >= 12
    assert len({(p.metadata["industry"], p.metadata["intent"]) for p in shipped}) >= 60
    assert {p.metadata["voice"] for p in shipped} == set(VOICES)


def test_every_spoken_fact_value_is_stated_in_the_kb_line() -> None:
    """A reply that states a fact may only use values the KB line shows (else "sticks to the KB"
    would be false for the chosen reply)."""
    rng = random.Random(0)
    for ind in INDUSTRIES:
        facts = [i.fact for i in ind.intents] + list(ind.extra_facts)
        for fact in facts:
            for _ in range(5):
                vals = fact.draw(rng)
                kb = fill(fact.kb, vals)
                for say in fact.say:
                    used = set(re.findall(r"\{(\w+)\}", say))
                    assert used <= set(re.findall(r"\{(\w+)\}", fact.kb)), (fact.key, say)
                    for slot in used:
                        assert mentions(kb, vals[slot]), (fact.key, slot)


def test_intent_items_refer_to_real_intents() -> None:
    keys = {i.key for ind in INDUSTRIES for i in ind.intents}
    assert set(INTENT_ITEMS) <= keys


def test_v1_content_file_with_a_broken_field_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "content_v1"
    shutil.copytree(content.CONTENT_DIR, root)
    assert len(content.load_industries(root)) == len(INDUSTRIES)  # the untouched copy loads
    path = root / "industries" / "retail.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["intents"][1]["say"] = "one string where a list of phrasings belongs"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(content.ContentError) as err:
        content.load_industries(root)
    assert str(path) in str(err.value)
    assert "intents.1.say" in str(err.value)
    # A placeholder that no slot or conversation field fills is refused too.
    phrases = root / "phrases.yaml"
    data = yaml.safe_load(phrases.read_text(encoding="utf-8"))
    data["warm_open"] = [t.replace("{topic}", "{topik}") for t in data["warm_open"]]
    phrases.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(content.ContentError, match=r"phrases\.yaml: warm_open: .*topik"):
        content.load_phrases(root)


def test_category_rules_on_generator_drafts(drafts: list) -> None:
    by = {c: [d for d in drafts if d.category == c] for c in DEFAULT_CATEGORIES}
    for d in by["tone"]:  # same substance, lengths within 25%
        assert 0.8 <= len(d.worse) / len(d.better) <= 1.25
    for d in by["brevity"]:  # padded reply 1.8x-4x longer, and it contains the concise answer
        assert 1.8 <= len(d.worse) / len(d.better) <= 4.0
    help_shorter = sum(len(d.better) < len(d.worse) for d in by["helpfulness"])
    assert help_shorter >= len(by["helpfulness"]) / 3
    must = sum(d.meta["subtype"].startswith("must_decline") for d in by["refusals"])
    assert 0.4 <= must / len(by["refusals"]) <= 0.6
    for d in by["hallucination"]:
        assert d.better != d.worse
        assert abs(len(d.better) - len(d.worse)) / max(len(d.better), len(d.worse)) < 0.45


def test_hallucination_changed_value_is_contradicted_by_the_kb(drafts: list) -> None:
    checked = 0
    for d in drafts:
        if d.category != "hallucination" or d.meta["subtype"] != "value_changed":
            continue
        system = d.prompt[0].content
        wrong = d.meta["wrong"]
        assert mentions(d.worse, wrong)
        if not d.meta["borrowed_from_kb"]:
            assert not mentions(system, wrong) and not mentions(d.better, wrong)
        checked += 1
    assert checked > 50


def test_label_noise_is_recorded_and_moderate(shipped: list) -> None:
    kept = sum(p.metadata["generator_preferred"] == "chosen" for p in shipped) / len(shipped)
    assert 0.85 <= kept <= 0.92
    for p in shipped[:500]:
        m = p.metadata
        assert m["n_annotators"] in (3, 5)
        assert m["votes_chosen"] * 2 > m["n_annotators"]
        assert m["agreement"] == round(m["votes_chosen"] / m["n_annotators"], 3)


@pytest.mark.parametrize("voice", VOICES)
def test_voices_render_the_question(voice: str) -> None:
    rng = random.Random(1)
    out = speak("can I still return the jacket I bought?", voice, rng)
    assert out.strip()
    if voice != "typos":  # typos may garble any word
        assert "jacket" in out.lower()


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_cli_synth_writes_data_and_sidecar(tmp_path: Path, version: str) -> None:
    out = tmp_path / "d.jsonl.gz"
    args = ["data", "synth", "--n", "25", "--seed", "1", "--version", version, "--out", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "wrote 25 pairs" in res.output
    pairs = load_pairs(out).pairs
    assert len(pairs) == 25
    assert {p.metadata["generator"] for p in pairs} == {f"support-pairs-{version}"}
    side = (tmp_path / "d.json").read_text()
    assert content_sha256(out) in side
    assert f"--version {version}" in side
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 25
