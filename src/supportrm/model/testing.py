"""Tiny randomly initialised models for tests and smoke runs (no network, < 1 s to build).

* :func:`tiny_bert` reuses the packaged MiniLM tokenizer with a 2-4 layer, 32-wide BERT.
* :func:`tiny_llama` trains a small byte-level BPE tokenizer in memory and gives it a ChatML chat
  template whose end-of-turn token is also EOS (the SmolLM2/Qwen situation that makes pad-token
  handling matter).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHATML_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_CORPUS = [
    "hello how can I help you today with your order refund account password",
    "I am sorry to hear that, let me check the tracking number for you right away",
    "thanks, the package never arrived and I want my money back please",
    "system you are a helpful, polite customer support assistant for an online shop",
    "user assistant I cannot share personal data but I can reset the login link",
] * 4


def tiny_bert(out_dir: Path, *, layers: int = 3, hidden: int = 32, seed: int = 0) -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from supportrm.model.resolve import packaged_minilm_path

    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(str(packaged_minilm_path()))
    cfg = BertConfig(  # type: ignore[call-arg]
        vocab_size=tok.vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        intermediate_size=hidden * 2,
        max_position_embeddings=256,
        num_labels=1,
    )
    model = BertForSequenceClassification(cfg)
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    return Path(out_dir)


def tiny_tokenizer(*, chat_template: bool = True, pad: str | None = None) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_CORPUS, trainer)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        unk_token="<|endoftext|>",
    )
    if pad is not None:
        tok.pad_token = pad
    if chat_template:
        tok.chat_template = CHATML_TEMPLATE
    return tok


def tiny_llama(
    out_dir: Path,
    *,
    layers: int = 3,
    hidden: int = 32,
    seed: int = 0,
    chat_template: bool = True,
    pad: str | None = "<|im_end|>",
    arch: str = "llama",
) -> Path:
    """A Llama-shaped decoder whose pad token defaults to the end-of-turn token (the trap).
    ``arch="qwen2"`` builds the same shape as a Qwen2 model (biased q/k/v projections)."""
    import torch
    from transformers import (
        LlamaConfig,
        LlamaForSequenceClassification,
        Qwen2Config,
        Qwen2ForSequenceClassification,
    )

    classes = {
        "llama": (LlamaConfig, LlamaForSequenceClassification),
        "qwen2": (Qwen2Config, Qwen2ForSequenceClassification),
    }
    config_cls, model_cls = classes[arch]
    torch.manual_seed(seed)
    tok = tiny_tokenizer(chat_template=chat_template, pad=pad)
    cfg = config_cls(  # type: ignore[call-arg]
        vocab_size=len(tok),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        num_labels=1,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    model = model_cls(cfg)
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    return Path(out_dir)


def toy_pairs(n: int, seed: int = 0) -> list[Any]:
    """Learnable toy pairs: the chosen reply is polite and on topic, the rejected one is not."""
    import random

    from supportrm.data.schema import Message, PreferencePair

    rng = random.Random(seed)
    cats = ["helpfulness", "tone", "refusals", "hallucination", "brevity"]
    topics = ["refund", "order", "password", "account", "package", "tracking number"]
    out = []
    for i in range(n):
        t = rng.choice(topics)
        turns = [Message("system", "you are a polite support assistant")]
        for _ in range(rng.randint(0, 2)):
            turns.append(Message("user", f"please help with my {rng.choice(topics)}"))
            turns.append(Message("assistant", "sure, let me check"))
        turns.append(Message("user", f"my {t} has a problem, " + "please " * rng.randint(0, 6)))
        good = f"I am sorry to hear that, let me check your {t} right away."
        bad = rng.choice(["no.", f"your {t} is not my problem", "figure it out yourself"])
        out.append(
            PreferencePair(
                id=f"p{i}",
                prompt=tuple(turns),
                chosen=good,
                rejected=bad,
                conversation_id=f"c{i}",
                category=cats[i % len(cats)],
            )
        )
    return out
