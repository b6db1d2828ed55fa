"""Rendering and truncation: system message and reply kept, identical-after-truncation counted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.data.schema import Message, PreferencePair
from supportrm.model.render import FIXED_DATE_STRING, Renderer, plain_conversation
from supportrm.model.testing import tiny_tokenizer


@pytest.fixture(scope="module")
def bert_tok():
    from transformers import AutoTokenizer

    from supportrm.model.resolve import packaged_minilm_path

    return AutoTokenizer.from_pretrained(str(packaged_minilm_path()))


def _pair(user_turns: int, chosen: str, rejected: str, pid: str = "x") -> PreferencePair:
    msgs = [Message("system", "alpha policy words")]
    for i in range(user_turns):
        msgs.append(Message("user", f"question number {i} " + "filler " * 5))
        msgs.append(Message("assistant", f"answer number {i}"))
    msgs.append(Message("user", "final question"))
    return PreferencePair(pid, tuple(msgs), chosen, rejected, conversation_id=pid)


def test_plain_template() -> None:
    text = plain_conversation(
        [Message("system", "s"), Message("user", "u"), Message("assistant", "a")]
    )
    assert text == "System: s\nUser: u\nAssistant: a"


def test_encoder_keeps_system_and_reply_under_left_truncation(bert_tok) -> None:
    r = Renderer(bert_tok, "encoder", 48)
    pair = _pair(6, "the chosen reply", "another reply")
    res = r.encode_pairs([pair])
    enc = res.pairs[0].chosen
    assert len(enc.input_ids) == 48 and enc.truncated
    text = bert_tok.decode(enc.input_ids)
    assert text.startswith("[CLS] system : alpha policy words")
    assert text.endswith("[SEP] the chosen reply [SEP]")
    assert "final question" in text  # the most recent turn survives
    assert "question number 0" not in text  # the oldest turn was cut
    # token types: conversation 0, reply 1
    assert enc.token_type_ids is not None
    assert enc.token_type_ids[0] == 0 and enc.token_type_ids[-1] == 1
    assert res.n_truncated == 1


def test_untruncated_matches_tokenizer_pair_encoding(bert_tok) -> None:
    r = Renderer(bert_tok, "encoder", 256)
    pair = _pair(1, "a reply", "b reply")
    enc = r.encode_pairs([pair]).pairs[0].chosen
    conv = plain_conversation(pair.prompt)
    ref = bert_tok(conv, "a reply")
    assert enc.input_ids == list(ref["input_ids"])
    assert enc.token_type_ids == list(ref["token_type_ids"])
    assert not enc.truncated


def test_identical_after_truncation_is_counted_and_excluded(bert_tok) -> None:
    r = Renderer(bert_tok, "encoder", 32)
    long_common = "word " * 60
    pairs = [
        _pair(0, long_common + "good ending", long_common + "bad ending", "p0"),  # same after cut
        _pair(0, "same", "same", "p1"),  # identical already
        _pair(0, "short good", "short bad", "p2"),
    ]
    res = r.encode_pairs(pairs)
    assert res.identical_after_truncation == [0, 1]
    assert res.identical_before_truncation == [1]
    assert [ep.index for ep in res.pairs] == [2]


def test_decoder_chat_template_left_truncation() -> None:
    tok = tiny_tokenizer(chat_template=True)
    r = Renderer(tok, "decoder", 120)
    pair = _pair(8, "the chosen reply", "no")
    enc = r.encode_pairs([pair]).pairs[0].chosen
    text = tok.decode(enc.input_ids)
    assert len(enc.input_ids) <= 120 and enc.truncated
    assert text.startswith("<|im_start|>system\nalpha policy words<|im_end|>")
    assert text.endswith("<|im_start|>assistant\nthe chosen reply<|im_end|>\n")
    assert "question number 0" not in text


def test_decoder_without_template_uses_plain_and_eos() -> None:
    tok = tiny_tokenizer(chat_template=False)
    r = Renderer(tok, "decoder", 256)
    assert r.template_name == "plain"
    enc = r.encode_pairs([_pair(0, "yes", "no")]).pairs[0].chosen
    text = tok.decode(enc.input_ids)
    assert text.endswith("Assistant: yes<|im_end|>")
    assert enc.input_ids[-1] == tok.eos_token_id


def test_chat_template_gets_fixed_date(tmp_path: Path) -> None:
    tok = tiny_tokenizer(chat_template=True)
    tok.chat_template = "Today: {{ date_string }}\n" + tok.chat_template
    r = Renderer(tok, "decoder", 256)
    head, middle, tail = r.text_parts((Message("user", "hi"),), "yo")
    assert (head + middle).startswith(f"Today: {FIXED_DATE_STRING}")
    assert tail.startswith("yo")


def test_reply_token_counts(bert_tok) -> None:
    r = Renderer(bert_tok, "encoder", 256)
    ep = r.encode_pairs([_pair(0, "one two three", "four")]).pairs[0]
    assert ep.chosen.reply_tokens == 3 and ep.rejected.reply_tokens == 1
