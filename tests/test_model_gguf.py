"""``--model file.gguf``: a tiny Llama GGUF written here with the ``gguf`` package goes through
``resolve_base_model`` -> dequantised float32 safetensors cache -> ``load_reward_model``.

The file is written the way llama.cpp's ``convert_hf_to_gguf.py`` writes a Llama: llama.cpp tensor
names (from ``gguf``'s own name map), q/k rows permuted for its rotary layout (transformers
reverse-permutes them on load), a byte-level BPE ("gpt2") vocabulary with merges, token types,
special-token ids and a chat template in the metadata. Building it from a random ``LlamaConfig``
model lets the test compare every dequantised weight with the original, so a wrong name mapping,
a missing reverse-permute or a dtype change fails here. No network, a few seconds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gguf
from safetensors import safe_open

from supportrm.model.backbone import RewardModule, load_reward_model, structure_of
from supportrm.model.render import Renderer
from supportrm.model.resolve import resolve_base_model
from supportrm.model.scoring import pad_batch
from supportrm.model.testing import CHATML_TEMPLATE, tiny_tokenizer, toy_pairs

N_HEAD, N_KV_HEAD, HIDDEN, FFN, LAYERS = 4, 2, 32, 64, 2
F32, F16 = gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16
Q8_0, Q4_1 = gguf.GGMLQuantizationType.Q8_0, gguf.GGMLQuantizationType.Q4_1


def _llama_cpp_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's ``LlamaModel.permute`` for q/k rows (the inverse of transformers' reverse)."""
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def write_tiny_llama_gguf(
    path: Path, *, ggml_type: gguf.GGMLQuantizationType = F32, tied: bool = False, seed: int = 0
) -> tuple[dict[str, torch.Tensor], Any]:
    """Write a tiny Llama GGUF; returns (the weights transformers should load back, tokenizer).

    2-D weights are stored as ``ggml_type``, norms always as F32 (as llama.cpp does). For a
    quantised type the expected weights are gguf's own dequantisation of what was written. The
    pad token is the end-of-turn token, like SmolLM2's GGUF: the trap ``ensure_pad_token`` fixes.
    """
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tok = tiny_tokenizer(chat_template=True, pad=None)
    cfg = LlamaConfig(  # type: ignore[call-arg]
        vocab_size=len(tok),
        hidden_size=HIDDEN,
        intermediate_size=FFN,
        num_hidden_layers=LAYERS,
        num_attention_heads=N_HEAD,
        num_key_value_heads=N_KV_HEAD,
        max_position_embeddings=512,
        rms_norm_eps=1e-6,
        tie_word_embeddings=tied,
    )
    model = LlamaForCausalLM(cfg)
    # Norms start at exactly 1.0; random ones make a mis-mapped norm visible.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.uniform_(0.5, 1.5)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    w = gguf.GGUFWriter(str(path), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA])
    w.add_name("tiny-llama")
    w.add_context_length(512)
    w.add_embedding_length(HIDDEN)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FFN)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_KV_HEAD)
    w.add_rope_dimension_count(HIDDEN // N_HEAD)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tok.convert_ids_to_tokens(list(range(len(tok)))))
    specials = set(tok.all_special_ids)
    w.add_token_types(
        [
            gguf.TokenType.CONTROL if i in specials else gguf.TokenType.NORMAL
            for i in range(len(tok))
        ]
    )
    merges = json.loads(tok.backend_tokenizer.to_str())["model"]["merges"]
    w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in merges])
    w.add_bos_token_id(tok.bos_token_id)
    w.add_eos_token_id(tok.eos_token_id)
    w.add_unk_token_id(tok.unk_token_id)
    w.add_pad_token_id(tok.eos_token_id)  # <|im_end|>, as in SmolLM2
    w.add_chat_template(CHATML_TEMPLATE)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, LAYERS)
    expected: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        if tied and key == "lm_head.weight":
            continue  # llama.cpp writes no output.weight for tied embeddings
        gguf_name = names.get_name(key, try_suffixes=(".weight", ".bias"))
        assert gguf_name is not None, key
        data = tensor.numpy()
        kind = ggml_type if data.ndim == 2 else F32
        if kind in (Q8_0, Q4_1):
            blocks = gguf.quants.quantize(data, kind)
            expected[key] = torch.from_numpy(gguf.quants.dequantize(blocks, kind).copy())
        elif kind == F16:
            expected[key] = tensor.half().float()
        else:
            expected[key] = tensor
        if key.endswith("self_attn.q_proj.weight"):
            data = _llama_cpp_permute(data, N_HEAD)
        elif key.endswith("self_attn.k_proj.weight"):
            data = _llama_cpp_permute(data, N_KV_HEAD)
        if kind in (Q8_0, Q4_1):
            # Row permutation commutes with per-row block quantisation, so `expected` holds.
            w.add_tensor(gguf_name, gguf.quants.quantize(data, kind), raw_dtype=kind)
        elif kind == F16:
            w.add_tensor(gguf_name, np.ascontiguousarray(data, dtype=np.float16))
        else:
            w.add_tensor(gguf_name, np.ascontiguousarray(data, dtype=np.float32))
    if tied:
        expected["lm_head.weight"] = expected["model.embed_tokens.weight"]
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return expected, tok


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("SUPPORTRM_CACHE", str(root))
    return root


def _saved_tensors(folder: Path) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    for f in sorted(folder.glob("*.safetensors")):
        with safe_open(str(f), framework="pt") as st:
            for k in st.keys():  # noqa: SIM118 - safe_open is not a mapping
                out[k] = st.get_tensor(k)
    return out


@pytest.mark.parametrize(
    ("ggml_type", "tied"),
    [(F32, False), (F16, False), (Q8_0, False), (Q4_1, True)],
    ids=["f32", "f16", "q8_0", "q4_1-tied(SmolLM2-like)"],
)
def test_gguf_dequantised_weights_equal_originals(
    tmp_path: Path, cache: Path, ggml_type: gguf.GGMLQuantizationType, tied: bool
) -> None:
    gguf_path = tmp_path / "tiny.gguf"
    expected, _ = write_tiny_llama_gguf(gguf_path, ggml_type=ggml_type, tied=tied)
    folder = resolve_base_model(gguf_path)
    assert folder.parent == cache / "models"
    assert (folder / "config.json").exists()
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "llama" and config["num_hidden_layers"] == LAYERS
    assert config["tie_word_embeddings"] is tied
    saved = _saved_tensors(folder)
    assert saved, "no safetensors written"
    # Tied weights are saved once; every other tensor must be there.
    assert set(expected) - set(saved) <= ({"lm_head.weight"} if tied else set())
    for key, tensor in saved.items():
        assert tensor.dtype == torch.float32, key  # the cache is float32 whatever the file held
        # Exact: dequantisation and q/k reverse-permutation are lossless re-arrangements of what
        # was written, so any difference is a bug (wrong permute, wrong name, rounding).
        assert torch.equal(tensor, expected[key]), key


def test_gguf_cache_reused_and_reward_model_loads(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gguf_path = tmp_path / "tiny.gguf"
    expected, original_tok = write_tiny_llama_gguf(gguf_path)
    folder = resolve_base_model(str(gguf_path))
    files = {p.name for p in folder.iterdir()}
    assert "config.json" in files and "tokenizer.json" in files
    assert any(name.endswith(".safetensors") for name in files)
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "temp dirs left"
    stamp = (folder / "config.json").stat().st_mtime_ns

    # A second call must reuse the folder, never dequantise again.
    from transformers import AutoModelForCausalLM

    def boom(*_: Any, **__: Any) -> None:
        raise AssertionError("dequantised again although the cache is warm")

    with monkeypatch.context() as m:
        m.setattr(AutoModelForCausalLM, "from_pretrained", boom)
        assert resolve_base_model(gguf_path) == folder
    assert (folder / "config.json").stat().st_mtime_ns == stamp

    # A file rewritten in place (new mtime) is a different model: new folder.
    st = gguf_path.stat()
    os.utime(gguf_path, (st.st_atime, st.st_mtime + 5))
    assert resolve_base_model(gguf_path) != folder

    model, tok, info = load_reward_model(folder, seed=0)
    structure = structure_of(model)
    assert structure.kind == "decoder"
    embeddings = cast(torch.nn.Embedding, structure.embeddings).weight
    # The backbone is the GGUF's (only the reward head is new); the pad token reuses an existing
    # id, so the vocabulary is not resized.
    assert torch.equal(embeddings, expected["model.embed_tokens.weight"])
    # The tokenizer rebuilt from the GGUF metadata tokenizes like the one that wrote it.
    text = "hello <|im_start|>user\nmy refund please<|im_end|>"
    assert (
        tok(text, add_special_tokens=False)["input_ids"]
        == original_tok(text, add_special_tokens=False)["input_ids"]
    )
    assert tok.chat_template == CHATML_TEMPLATE
    # The GGUF's pad is <|im_end|> (EOS, used by the template): it must be replaced by an unused
    # special token, and the model config must agree.
    assert info["original_pad_token"] == "<|im_end|>"
    assert tok.pad_token == "<|endoftext|>" and tok.pad_token_id != tok.eos_token_id
    assert cast(Any, model).config.pad_token_id == tok.pad_token_id
    renderer = Renderer(tok, "decoder", 96)
    seqs = [e for ep in renderer.encode_pairs(toy_pairs(4)).pairs for e in (ep.chosen, ep.rejected)]
    assert all(tok.pad_token_id not in s.input_ids for s in seqs)
    assert len({len(s.input_ids) for s in seqs}) > 1  # real padding below
    module = RewardModule(model).eval()
    with torch.no_grad():
        batch = module(**pad_batch(seqs, tok))
        single = torch.cat([module(**pad_batch([s], tok)) for s in seqs])
    assert torch.isfinite(batch).all() and batch.std() > 0
    torch.testing.assert_close(batch, single, atol=1e-5, rtol=0)


@pytest.mark.parametrize("damage", ["random-bytes", "truncated-header", "truncated-tensors"])
def test_corrupt_gguf_error_names_the_file(tmp_path: Path, cache: Path, damage: str) -> None:
    good = tmp_path / "good.gguf"
    write_tiny_llama_gguf(good)
    raw = good.read_bytes()
    bad = tmp_path / f"{damage}.gguf"
    if damage == "random-bytes":
        bad.write_bytes(np.random.default_rng(0).bytes(4096))
    elif damage == "truncated-header":
        bad.write_bytes(raw[:3000])  # inside the vocabulary
    else:
        bad.write_bytes(raw[: len(raw) - 20_000])  # metadata intact, tensor data cut short
    with pytest.raises(ValueError) as err:
        resolve_base_model(bad)
    assert str(bad) in str(err.value)  # which --model file is bad, whatever transformers said
    # Nothing half-written is left in the cache, and a later good file still works.
    models = cache / "models"
    leftovers = sorted(p.name for p in models.iterdir()) if models.exists() else []
    assert leftovers == [], "half-written cache entries left behind"
    assert (resolve_base_model(good) / "config.json").exists()
