"""The reward model: any ``AutoModelForSequenceClassification`` with one output, plus the few
structural facts the trainer needs (where the embeddings and the layer stack are).

The reward is computed by :class:`RewardModule` rather than by the model's own ``forward`` for two
reasons, both classic reward-model traps:

* decoders must read the reward at the *last real token*; we take that index from the attention
  mask (right or left padding alike) and pass position ids derived from the mask, so scores do not
  depend on the padding side or on the other sequences in the batch;
* with the bottom ``N`` layers frozen, their output is computed once and cached; the module can then
  start the forward pass at layer ``N`` from the cached hidden states.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch
from torch import nn

from supportrm.model.render import Kind


@dataclass
class Structure:
    """Where the parts of a sequence-classification model live."""

    kind: Kind
    model: nn.Module  # the transformers model (PEFT's injected base model when LoRA is used)
    base: nn.Module  # e.g. model.bert / model.model
    layers_owner: nn.Module  # holds the layer ModuleList
    layers_attr: str
    embed_owner: nn.Module
    embed_attr: str
    #: Names of the top modules that are always trained and saved (head, pooler).
    head_names: tuple[str, ...]

    @property
    def layers(self) -> nn.ModuleList:
        return getattr(self.layers_owner, self.layers_attr)  # type: ignore[no-any-return]

    @property
    def embeddings(self) -> nn.Module:
        return getattr(self.embed_owner, self.embed_attr)  # type: ignore[no-any-return]

    def head_module(self) -> nn.Linear:
        name = self.head_names[0]
        mod = getattr(self.model, name)
        # PEFT wraps modules_to_save; the trainable copy is the one used in forward.
        inner = getattr(mod, "modules_to_save", None)
        if inner is not None:
            mod = inner["default"]
        assert isinstance(mod, nn.Linear)
        return mod


def unwrap(model: nn.Module) -> nn.Module:
    """The transformers model inside DDP / accelerate / PEFT wrappers."""
    while True:
        if hasattr(model, "module") and isinstance(model.module, nn.Module):
            model = model.module
        elif hasattr(model, "get_base_model"):
            model = cast(Any, model).get_base_model()
        else:
            return model


def structure_of(model: nn.Module) -> Structure:
    inner = unwrap(model)
    prefix = getattr(inner, "base_model_prefix", "")
    base = getattr(inner, prefix, None)
    if base is None:
        raise ValueError(f"{type(inner).__name__}: no base model at attribute {prefix!r}")
    if hasattr(base, "embeddings") and hasattr(getattr(base, "encoder", None), "layer"):
        heads = tuple(n for n in ("classifier", "score") if hasattr(inner, n))
        return Structure("encoder", inner, base, base.encoder, "layer", base, "embeddings", heads)
    if hasattr(base, "layers") and hasattr(base, "embed_tokens"):
        heads = tuple(n for n in ("score", "classifier") if hasattr(inner, n))
        return Structure("decoder", inner, base, base, "layers", base, "embed_tokens", heads)
    raise ValueError(
        f"{type(inner).__name__} is not supported: expected an encoder with "
        "`embeddings` + `encoder.layer` (BERT family) or a decoder with `embed_tokens` + `layers` "
        "(Llama family)"
    )


class _Passthrough(nn.Module):
    """Stands in for BERT's embedding block when the input is already a hidden state."""

    def forward(self, inputs_embeds: torch.Tensor | None = None, **_: Any) -> torch.Tensor:
        assert inputs_embeds is not None
        return inputs_embeds


@contextlib.contextmanager
def _swapped(owner: nn.Module, attr: str, value: nn.Module) -> Iterator[None]:
    old = owner._modules[attr]
    owner._modules[attr] = value
    try:
        yield
    finally:
        owner._modules[attr] = old


class _Stop(Exception):
    pass


def position_ids_from_mask(mask: torch.Tensor) -> torch.Tensor:
    """0, 1, 2, ... over the real tokens whatever the padding side (pads get 0)."""
    return (mask.long().cumsum(-1) - 1).clamp(min=0)


def last_token_index(mask: torch.Tensor) -> torch.Tensor:
    """Index of the last real token in each row, for right *or* left padding."""
    length = mask.shape[1]
    return length - 1 - mask.long().flip(-1).argmax(-1)


class RewardModule(nn.Module):
    """Scalar reward ``r(x)`` for a batch of sequences; the thing DDP wraps and the loss calls."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model  # transformers model or PEFT model around it

    @property
    def structure(self) -> Structure:
        return structure_of(self.model)

    def forward(
        self,
        attention_mask: torch.Tensor | None = None,
        input_ids: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        hidden: torch.Tensor | None = None,
        start_layer: int = 0,
        position_ids: torch.Tensor | None = None,
        last_index: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Rewards of a padded batch (``attention_mask``), or of a packed one: decoders only, one
        row of concatenated sequences whose ``position_ids`` restart at 0 for each sequence, no
        mask, and ``last_index`` the position of each sequence's last token in the row."""
        st = self.structure
        if last_index is not None:
            return self._packed(st, input_ids, position_ids, last_index)
        assert attention_mask is not None, "a padded batch needs its attention_mask"
        pos = position_ids_from_mask(attention_mask)
        with contextlib.ExitStack() as stack:
            if hidden is not None:
                stack.enter_context(
                    _swapped(st.layers_owner, st.layers_attr, st.layers[start_layer:])
                )
                if st.kind == "encoder":
                    stack.enter_context(_swapped(st.embed_owner, st.embed_attr, _Passthrough()))
            if st.kind == "encoder":
                kwargs: dict[str, Any] = {"attention_mask": attention_mask, "position_ids": pos}
                if token_type_ids is not None:
                    kwargs["token_type_ids"] = token_type_ids
                if hidden is not None:
                    kwargs["inputs_embeds"] = hidden
                else:
                    kwargs["input_ids"] = input_ids
                out = self.model(**kwargs)
                return out.logits[:, 0]
            base_kwargs: dict[str, Any] = {
                "attention_mask": attention_mask,
                "position_ids": pos,
                "use_cache": False,
            }
            if hidden is not None:
                base_kwargs["inputs_embeds"] = hidden
            else:
                base_kwargs["input_ids"] = input_ids
            h = st.base(**base_kwargs).last_hidden_state
        idx = last_token_index(attention_mask)
        last = h[torch.arange(h.shape[0], device=h.device), idx]
        return st.head_module()(last)[:, 0]

    def _packed(
        self,
        st: Structure,
        input_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        last_index: torch.Tensor,
    ) -> torch.Tensor:
        # Without a mask, transformers reads sequence boundaries from the restarting position ids:
        # flash attention runs its variable-length kernel, sdpa/eager get a block-diagonal causal
        # mask (same result, but the full square is computed: packing pays only under flash).
        if st.kind != "decoder" or input_ids is None or position_ids is None:
            raise ValueError("packed batches need a decoder, input_ids and position_ids")
        h = st.base(input_ids=input_ids, position_ids=position_ids, use_cache=False)
        return st.head_module()(h.last_hidden_state[0, last_index])[:, 0]

    @torch.no_grad()
    def hidden_after(
        self,
        n_layers: int,
        attention_mask: torch.Tensor,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Hidden states after the embeddings and the first ``n_layers`` layers (the cache input)."""
        st = self.structure
        target = st.embeddings if n_layers == 0 else st.layers[n_layers - 1]
        captured: list[torch.Tensor] = []

        def hook(_m: nn.Module, _inp: Any, output: Any) -> None:
            captured.append(output[0] if isinstance(output, tuple) else output)
            raise _Stop

        handle = target.register_forward_hook(hook)
        try:
            self.forward(attention_mask, input_ids=input_ids, token_type_ids=token_type_ids)
        except _Stop:
            pass
        finally:
            handle.remove()
        if not captured:
            raise RuntimeError("hidden-state capture hook did not fire")
        return captured[0]


# -- building -------------------------------------------------------------------------------


def load_config(path: str | Path, *, dropout: bool) -> Any:
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(str(path))
    config.num_labels = 1
    if not dropout:
        # Dropout makes the two sides of a pair see different noise and slows training ~2x on
        # CPU (measured, docs/training.md); off unless asked for.
        for key, value in list(vars(config).items()):
            if "dropout" in key and isinstance(value, float):
                setattr(config, key, 0.0)
        if hasattr(config, "classifier_dropout"):
            config.classifier_dropout = 0.0
    return config


def init_head(model: nn.Module, generator: torch.Generator | None = None) -> None:
    """Reward head ~ N(0, 1/sqrt(d+1)), bias 0: unit-scale initial rewards, no tie at start."""
    st = structure_of(model)
    head = st.head_module()
    d = head.in_features
    with torch.no_grad():
        head.weight.normal_(0.0, 1.0 / math.sqrt(d + 1), generator=generator)
        if head.bias is not None:
            head.bias.zero_()


def ensure_pad_token(tokenizer: Any, model: nn.Module | None = None) -> dict[str, Any]:
    """Give the tokenizer a pad token that never occurs inside a real sequence.

    Plain transformers reads a decoder's reward at the rightmost token that is not the pad token,
    so a pad equal to a token the template uses (``<|im_end|>``, ``<|eot_id|>``, EOS) silently
    moves the read-out. Preference: an existing unused special token; else add ``<|pad|>`` and
    resize the embeddings. Returns what was done (stored in the checkpoint).
    """
    used = _template_token_ids(tokenizer)
    info: dict[str, Any] = {"original_pad_token": tokenizer.pad_token}
    if tokenizer.pad_token_id is not None and tokenizer.pad_token_id not in used:
        info["action"] = "kept"
    else:
        candidates = [
            "<|finetune_right_pad_id|>",
            "<|pad|>",
            "<pad>",
            "[PAD]",
            "<|endoftext|>",
            "<unk>",
        ]
        vocab = tokenizer.get_vocab()
        chosen = next((c for c in candidates if c in vocab and vocab[c] not in used), None)
        if chosen is not None:
            tokenizer.pad_token = chosen
            info["action"] = f"reused existing token {chosen!r}"
        else:
            tokenizer.add_special_tokens({"pad_token": "<|pad|>"})
            info["action"] = "added '<|pad|>'"
            if model is not None:
                cast(Any, unwrap(model)).resize_token_embeddings(len(tokenizer))
    if model is not None:
        inner: Any = unwrap(model)
        inner.config.pad_token_id = tokenizer.pad_token_id
        text_cfg = getattr(inner.config, "get_text_config", None)
        if text_cfg is not None:
            text_cfg().pad_token_id = tokenizer.pad_token_id
    info["pad_token"] = tokenizer.pad_token
    info["pad_token_id"] = tokenizer.pad_token_id
    return info


def _template_token_ids(tokenizer: Any) -> set[int]:
    """Token ids that appear in a rendered sample conversation (or EOS/BOS without a template)."""
    ids: set[int] = set()
    for tok in (tokenizer.eos_token_id, tokenizer.bos_token_id):
        if tok is not None:
            ids.add(int(tok))
    if getattr(tokenizer, "chat_template", None):
        msgs = [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "u"},
            {"role": "assistant", "content": "a"},
            {"role": "user", "content": "u"},
            {"role": "assistant", "content": "a"},
        ]
        try:
            rendered = tokenizer.apply_chat_template(msgs, tokenize=False)
        except Exception:  # templates that reject a system turn
            rendered = tokenizer.apply_chat_template(msgs[1:], tokenize=False)
        ids.update(int(i) for i in tokenizer(rendered, add_special_tokens=False)["input_ids"])
    return ids


def model_kind(path: str | Path) -> Kind:
    """Encoder or decoder, from the config alone (no weights loaded)."""
    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(str(path))
    encoders = {"bert", "roberta", "deberta", "deberta-v2", "distilbert", "electra", "xlm-roberta"}
    if cfg.model_type in encoders or cfg.model_type.endswith("bert"):
        return "encoder"
    return "decoder"


def load_reward_model(
    path: str | Path,
    *,
    dropout: bool = False,
    seed: int | None = None,
    init_head_weights: bool = True,
    torch_dtype: torch.dtype = torch.float32,
    attn_implementation: str | None = None,
    load_in_4bit: bool = False,
) -> tuple[nn.Module, Any, dict[str, Any]]:
    """Load base model + tokenizer for reward modelling; returns (model, tokenizer, pad info).
    ``attn_implementation`` (e.g. "flash_attention_2") goes to transformers; None: its default.
    ``load_in_4bit``: NF4 base weights via bitsandbytes (QLoRA; CUDA only), head in float32."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    config = load_config(path, dropout=dropout)
    extra: dict[str, Any] = {}
    if attn_implementation is not None:
        extra["attn_implementation"] = attn_implementation
    if load_in_4bit:
        extra["quantization_config"] = four_bit_config()
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized: classifier" is expected here
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            str(path), config=config, dtype=torch_dtype, **extra
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    tokenizer.padding_side = "right"
    pad_info = ensure_pad_token(tokenizer, model)
    if init_head_weights:
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        init_head(model, gen)
    return model, tokenizer, pad_info


def four_bit_config() -> Any:
    """bitsandbytes NF4 with bf16 compute and double quantisation (the QLoRA recipe); the reward
    head stays unquantised. Refuses clearly where it cannot run."""
    import importlib.util

    from transformers import BitsAndBytesConfig

    if not torch.cuda.is_available():
        raise ValueError(
            "load_in_4bit (QLoRA) needs a CUDA GPU; bitsandbytes 4-bit does not train on CPU"
        )
    if importlib.util.find_spec("bitsandbytes") is None:
        raise ValueError("load_in_4bit (QLoRA) needs bitsandbytes: pip install bitsandbytes")
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=torch.bfloat16,
        bnb_4bit_use_double_quant=True,
        llm_int8_skip_modules=["score", "classifier"],
    )


def freeze_bottom(model: nn.Module, n_layers: int, *, freeze_embeddings: bool = True) -> None:
    """Freeze the embeddings and the first ``n_layers`` layers (their outputs can be cached)."""
    st = structure_of(model)
    if n_layers < 0 or n_layers > len(st.layers):
        raise ValueError(f"freeze_layers={n_layers} but the model has {len(st.layers)} layers")
    if freeze_embeddings or n_layers > 0:
        for p in st.embeddings.parameters():
            p.requires_grad_(False)
    for layer in st.layers[:n_layers]:
        for p in layer.parameters():
            p.requires_grad_(False)


def apply_lora(
    model: nn.Module, *, r: int, alpha: float, dropout: float, first_layer: int
) -> nn.Module:
    """LoRA on every linear layer of the trainable (unfrozen) layers; head always trained."""
    from peft import LoraConfig, get_peft_model

    st = structure_of(model)
    targets: list[str] = []
    names = {id(m): n for n, m in st.model.named_modules()}
    for layer in st.layers[first_layer:]:
        for mod in layer.modules():
            if isinstance(mod, nn.Linear):
                targets.append(names[id(mod)])
    save = list(st.head_names)
    if st.kind == "encoder" and getattr(st.base, "pooler", None) is not None:
        save.append("pooler")
    cfg = LoraConfig(
        r=r,
        lora_alpha=alpha,  # type: ignore[arg-type]
        lora_dropout=dropout,
        target_modules=targets,
        modules_to_save=save,
    )
    return get_peft_model(st.model, cfg)  # type: ignore[arg-type]


def merged_copy(model: nn.Module) -> nn.Module:
    """A plain transformers model (LoRA merged) for saving; the training model is untouched."""
    import copy

    m: Any = copy.deepcopy(model)
    if hasattr(m, "merge_and_unload"):
        m = m.merge_and_unload()
    return unwrap(m)
