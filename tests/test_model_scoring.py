"""A saved checkpoint loads with plain transformers and gives the training scores (LoRA too)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.model.render import Renderer
from supportrm.model.scoring import RewardScorer, pad_batch
from supportrm.model.testing import tiny_bert, tiny_llama, toy_pairs
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config

SCORE_FIELDS = {
    "id",
    "category",
    "conversation_id",
    "chosen_score",
    "rejected_score",
    "chosen_tokens",
    "rejected_tokens",
    "chosen_chars",
    "rejected_chars",
    "truncated",
    "agreement",
}


@pytest.mark.parametrize(("kind", "extra"), [("bert", {}), ("llama", {"lora_r": 4})])
def test_reload_with_plain_transformers(kind: str, extra: dict, tmp_path: Path) -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = (tiny_bert if kind == "bert" else tiny_llama)(tmp_path / kind)
    pairs = toy_pairs(40)
    cfg = tiny_config(path, tmp_path, epochs=1, **extra)
    train_seeds(cfg, pairs[:30], pairs[30:], cfg.out, log=lambda *_: None)
    ckpt = cfg.out / "seed-0" / "checkpoint"
    assert (ckpt / "model.safetensors").exists() and (ckpt / "supportrm.json").exists()
    rows = [
        json.loads(x) for x in (cfg.out / "seed-0" / "val_scores.jsonl").read_text().splitlines()
    ]
    assert rows and set(rows[0]) == SCORE_FIELDS

    # 1) our scorer on the checkpoint
    scorer = RewardScorer.from_pretrained(ckpt)
    again = scorer.score_pairs(pairs[30:])
    assert [r["id"] for r in again] == [r["id"] for r in rows]
    for key in ("chosen_score", "rejected_score"):
        np.testing.assert_allclose(
            [r[key] for r in again], [r[key] for r in rows], atol=1e-5, rtol=0
        )

    # 2) plain transformers, nothing from supportrm but the token ids
    model = AutoModelForSequenceClassification.from_pretrained(str(ckpt)).eval()
    tok = AutoTokenizer.from_pretrained(str(ckpt))
    meta = json.loads((ckpt / "supportrm.json").read_text())
    norm = meta["reward_normalization"]  # reward mean/std on the training split, for RLHF
    assert norm["n_rewards"] == 60 and norm["split"] == "train" and norm["std"] > 0
    renderer = Renderer(tok, meta["render"]["kind"], meta["render"]["max_length"])
    seqs = [e for ep in renderer.encode_pairs(pairs[30:]).pairs for e in (ep.chosen, ep.rejected)]
    with torch.no_grad():
        batch = pad_batch(seqs, tok)  # right padding, as plain HF expects
        plain = model(**batch).logits[:, 0].numpy()
    expected = np.array([v for r in rows for v in (r["chosen_score"], r["rejected_score"])])
    np.testing.assert_allclose(plain, expected, atol=1e-5, rtol=0)
    assert model.config.pad_token_id == tok.pad_token_id
    if kind == "llama":
        assert not any("lora" in k for k in model.state_dict())


def test_score_conversations_and_exclusion_counts(tmp_path: Path) -> None:
    path = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(6)
    pairs[2].rejected = pairs[2].chosen
    cfg = tiny_config(path, tmp_path, epochs=1, max_length=64)
    train_seeds(cfg, pairs, pairs[:3], cfg.out, log=lambda *_: None)
    scorer = RewardScorer.from_pretrained(cfg.out / "seed-0")  # seed folder accepted too
    rows = scorer.score_pairs(pairs, batch_size=4)
    assert len(rows) == 5
    assert scorer.last_stats["identical_after_truncation"] == 1
    assert scorer.last_stats["excluded_ids"] == [pairs[2].id]
    s = scorer.score_conversations([p.prompt for p in pairs], [p.chosen for p in pairs])
    assert s.shape == (6,)
    assert s[0] == pytest.approx(rows[0]["chosen_score"], abs=1e-5)
    run = json.loads((cfg.out / "run.json").read_text())
    assert run["dropped"]["identical_after_truncation"]["train"] == 1
    assert run["dropped"]["identical_after_truncation"]["val"] == 1
