"""Reward read-out: padding side, batch composition, pad-token traps, head init, layer split."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.model.backbone import (
    RewardModule,
    ensure_pad_token,
    last_token_index,
    load_reward_model,
    structure_of,
)
from supportrm.model.render import Renderer
from supportrm.model.scoring import pad_batch
from supportrm.model.testing import tiny_bert, tiny_llama, tiny_tokenizer, toy_pairs


@pytest.fixture(scope="module", params=["bert", "llama"])
def tiny(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    path = tiny_bert(folder) if request.param == "bert" else tiny_llama(folder)
    model, tok, info = load_reward_model(path, seed=0)
    kind = structure_of(model).kind
    return RewardModule(model).eval(), tok, Renderer(tok, kind, 96), info


def _left_pad(batch: dict[str, torch.Tensor], pad_id: int) -> dict[str, torch.Tensor]:
    out = {k: torch.zeros_like(v) for k, v in batch.items()}
    out["input_ids"].fill_(pad_id)
    lengths = batch["attention_mask"].sum(-1)
    n = batch["input_ids"].shape[1]
    for i, k in enumerate(lengths.tolist()):
        for key in out:
            out[key][i, n - k :] = batch[key][i, :k]
    return out


def test_padding_side_and_batch_size_invariance(tiny) -> None:
    module, tok, renderer, _ = tiny
    seqs = [e for ep in renderer.encode_pairs(toy_pairs(8)).pairs for e in (ep.chosen, ep.rejected)]
    lens = {len(s.input_ids) for s in seqs}
    assert len(lens) > 1  # the test needs real padding
    with torch.no_grad():
        right = pad_batch(seqs, tok)
        r_right = module(**right)
        r_left = module(**_left_pad(right, tok.pad_token_id))
        r_single = torch.cat([module(**pad_batch([s], tok)) for s in seqs])
        r_half = torch.cat(
            [module(**pad_batch(seqs[i : i + 3], tok)) for i in range(0, len(seqs), 3)]
        )
    if structure_of(module.model).kind == "decoder":
        # Encoders read the reward at [CLS] (position 0), so they are always right-padded
        # (load_reward_model and RewardScorer set padding_side="right"); decoders must be
        # invariant to the padding side.
        torch.testing.assert_close(r_left, r_right, atol=1e-5, rtol=0)
    assert tok.padding_side == "right"
    torch.testing.assert_close(r_single, r_right, atol=1e-5, rtol=0)
    torch.testing.assert_close(r_half, r_right, atol=1e-5, rtol=0)
    assert r_right.std() > 0


def test_start_from_hidden_equals_full_forward(tiny) -> None:
    module, tok, renderer, _ = tiny
    seqs = [ep.chosen for ep in renderer.encode_pairs(toy_pairs(5)).pairs]
    b = pad_batch(seqs, tok)
    with torch.no_grad():
        full = module(**b)
        for n in range(0, len(structure_of(module.model).layers) + 1):
            h = module.hidden_after(n, b["attention_mask"], b["input_ids"], b.get("token_type_ids"))
            part = module(
                b["attention_mask"], token_type_ids=b.get("token_type_ids"), hidden=h, start_layer=n
            )
            torch.testing.assert_close(part, full, atol=1e-6, rtol=0)


def test_last_token_index_right_and_left() -> None:
    mask = torch.tensor([[1, 1, 1, 0], [0, 0, 1, 1], [1, 1, 1, 1]])
    assert last_token_index(mask).tolist() == [2, 3, 3]


def test_head_init_scale(tmp_path: Path) -> None:
    path = tiny_bert(tmp_path / "b", hidden=64)
    model, _, _ = load_reward_model(path, seed=3)
    head = structure_of(model).head_module()
    std = head.weight.std().item()
    expected = 1 / (64 + 1) ** 0.5
    assert 0.6 * expected < std < 1.4 * expected
    assert head.bias is None or torch.all(head.bias == 0)
    model2, _, _ = load_reward_model(path, seed=3)
    assert torch.equal(structure_of(model2).head_module().weight, head.weight)


def test_dropout_off_by_default(tmp_path: Path) -> None:
    path = tiny_bert(tmp_path / "b")
    model, _, _ = load_reward_model(path)
    assert all(m.p == 0 for m in model.modules() if isinstance(m, torch.nn.Dropout))
    model_d, _, _ = load_reward_model(path, dropout=True)
    assert any(m.p > 0 for m in model_d.modules() if isinstance(m, torch.nn.Dropout))


def test_pad_equal_to_end_of_turn_is_replaced(tmp_path: Path) -> None:
    path = tiny_llama(tmp_path / "l", pad="<|im_end|>")
    model, tok, info = load_reward_model(path)
    assert tok.pad_token != "<|im_end|>" and tok.pad_token_id != tok.eos_token_id
    assert model.config.pad_token_id == tok.pad_token_id
    assert info["original_pad_token"] == "<|im_end|>"
    # The pad never occurs inside a rendered sequence, so "rightmost non-pad" == last real token.
    renderer = Renderer(tok, "decoder", 96)
    for ep in renderer.encode_pairs(toy_pairs(6)).pairs:
        assert tok.pad_token_id not in ep.chosen.input_ids


def test_missing_pad_token_is_set(tmp_path: Path) -> None:
    path = tiny_llama(tmp_path / "l", pad=None)
    model, tok, _ = load_reward_model(path)
    assert tok.pad_token_id is not None
    assert model.config.pad_token_id == tok.pad_token_id


def test_pad_added_when_no_unused_special_token() -> None:
    tok = tiny_tokenizer(chat_template=True, pad=None)
    # Make the only spare candidate a token the template uses, so a new token must be added.
    tok.chat_template = "<|endoftext|>" + tok.chat_template
    n_before = len(tok)
    info = ensure_pad_token(tok)
    assert info["action"] == "added '<|pad|>'"
    assert tok.pad_token == "<|pad|>" and len(tok) == n_before + 1
