"""Turn a preference pair into the two token sequences the reward model scores.

Why the care: the reward is read from a fixed position (the ``[CLS]`` pooler for encoders, the last
real token for decoders), so the reply must survive truncation and the conversation is cut from the
*left* (oldest turns first) while the system message, which sets the assistant's policy, is kept.

Two layouts:

* **encoder** (BERT, MiniLM, DeBERTa, no chat template): a text pair
  ``[CLS] conversation [SEP] reply [SEP]`` where the conversation uses :data:`PLAIN_TEMPLATE`.
* **decoder** (Llama, Qwen2, Gemma, SmolLM): the tokenizer's chat template when it has one (rendered
  with a fixed ``date_string`` so no wall-clock date leaks in), else the same plain template with
  the reply appended and the end-of-sequence token last.

Each sequence is built from three separately tokenized parts, ``head`` (special tokens + system
message), ``middle`` (the other turns, the part that may be cut from the left) and ``tail`` (the
reply and closing special tokens), so truncation never splits the kept parts.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from supportrm.data.schema import Message, PreferencePair

Kind = Literal["encoder", "decoder"]

#: Plain template for tokenizers without a chat template (documented in docs/training.md).
PLAIN_ROLE_NAMES = {"system": "System", "user": "User", "assistant": "Assistant"}
PLAIN_TURN_SEPARATOR = "\n"
#: A fixed date handed to chat templates that print one (Llama 3.x): renders must not depend on
#: the day the model is trained or evaluated.
FIXED_DATE_STRING = "01 Jan 2025"


def plain_conversation(messages: Sequence[Message]) -> str:
    """``System: ...\\nUser: ...\\nAssistant: ...`` (one line per turn, newlines kept inside)."""
    return PLAIN_TURN_SEPARATOR.join(
        f"{PLAIN_ROLE_NAMES.get(m.role, m.role.capitalize())}: {m.content}" for m in messages
    )


@dataclass
class Encoded:
    """One tokenized sequence (a conversation + one reply)."""

    input_ids: list[int]
    token_type_ids: list[int] | None
    truncated: bool
    #: Length of the reply alone in model tokens (before any truncation): the score table's
    #: ``chosen_tokens`` / ``rejected_tokens``.
    reply_tokens: int
    #: Length the whole sequence would have without truncation (special tokens included).
    full_tokens: int = 0


@dataclass
class EncodedPair:
    index: int
    chosen: Encoded
    rejected: Encoded

    @property
    def truncated(self) -> bool:
        return self.chosen.truncated or self.rejected.truncated

    @property
    def max_len(self) -> int:
        return max(len(self.chosen.input_ids), len(self.rejected.input_ids))


@dataclass
class EncodeResult:
    pairs: list[EncodedPair]
    #: Indices (into the input list) of pairs whose two sequences are token-identical after
    #: rendering and truncation: they carry no preference signal and are excluded, never scored.
    identical_after_truncation: list[int] = field(default_factory=list)
    #: Of those, the ones that were already identical before truncation (chosen == rejected text).
    identical_before_truncation: list[int] = field(default_factory=list)
    n_truncated: int = 0


def _encode_plain(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    if not texts:
        return []
    out = tokenizer(texts, add_special_tokens=False)["input_ids"]
    return [list(x) for x in out]


@dataclass
class _PairTemplate:
    """Special tokens a tokenizer wraps around a text pair, found by encoding two probe words."""

    pre: list[int]
    mid: list[int]
    post: list[int]
    type_a: int
    type_b: int
    has_types: bool


def _pair_template(tokenizer: Any) -> _PairTemplate:
    a_ids = _encode_plain(tokenizer, ["hello"])[0]
    b_ids = _encode_plain(tokenizer, ["world"])[0]
    enc = tokenizer("hello", "world", add_special_tokens=True)
    ids = list(enc["input_ids"])
    ia = _find_sub(ids, a_ids, 0)
    ib = _find_sub(ids, b_ids, ia + len(a_ids))
    if ia < 0 or ib < 0:
        raise ValueError(
            f"cannot derive the text-pair layout of tokenizer {type(tokenizer).__name__}: "
            f"encoding ('hello', 'world') gave {ids}"
        )
    tt = enc.get("token_type_ids")
    has_types = tt is not None
    return _PairTemplate(
        pre=ids[:ia],
        mid=ids[ia + len(a_ids) : ib],
        post=ids[ib + len(b_ids) :],
        type_a=int(tt[ia]) if has_types else 0,
        type_b=int(tt[ib]) if has_types else 0,
        has_types=has_types,
    )


def _find_sub(seq: list[int], sub: list[int], start: int) -> int:
    n = len(sub)
    for i in range(start, len(seq) - n + 1):
        if seq[i : i + n] == sub:
            return i
    return -1


class Renderer:
    """Renders and tokenizes pairs for one tokenizer, one model kind and one ``max_length``.

    The same renderer is used in training, in validation and by :class:`RewardScorer`, and its
    settings are saved in the checkpoint (``supportrm.json``) so scores are reproducible.
    """

    def __init__(self, tokenizer: Any, kind: Kind, max_length: int) -> None:
        if max_length < 8:
            raise ValueError(f"max_length must be at least 8, got {max_length}")
        self.tokenizer = tokenizer
        self.kind = kind
        self.max_length = int(max_length)
        self.use_chat_template = kind == "decoder" and bool(
            getattr(tokenizer, "chat_template", None)
        )
        self._pair = _pair_template(tokenizer) if kind == "encoder" else None
        #: Held around every use of the tokenizer: a fast (Rust) tokenizer raises "Already
        #: borrowed" when two threads call it at once (scoring from a server's threads).
        self.lock = threading.RLock()

    @property
    def template_name(self) -> str:
        if self.kind == "encoder":
            return "plain-text-pair"
        return "chat-template" if self.use_chat_template else "plain"

    # -- text parts -------------------------------------------------------------------------
    def _chat(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        text = self.tokenizer.apply_chat_template(
            messages,
            tokenize=False,
            add_generation_prompt=add_generation_prompt,
            date_string=FIXED_DATE_STRING,
        )
        return str(text)

    def text_parts(self, prompt: Sequence[Message], reply: str) -> tuple[str, str, str]:
        """(head, middle, tail) strings: the system message, the other turns, the reply."""
        system = [m for m in prompt[:1] if m.role == "system"]
        rest = list(prompt[len(system) :])
        if self.kind == "encoder":
            head = plain_conversation(system)
            middle = plain_conversation(rest)
            if head and middle:
                head += PLAIN_TURN_SEPARATOR
            return head, middle, reply
        if self.use_chat_template:
            msgs = [m.to_dict() for m in prompt]
            full = self._chat([*msgs, {"role": "assistant", "content": reply}], False)
            before_reply = self._chat(msgs, True)
            if not full.startswith(before_reply):
                # Templates that re-render earlier turns differently once a reply follows
                # (rare): fall back to keeping the whole rendering as one unit.
                return "", full[: len(full) - len(reply)], full[len(full) - len(reply) :]
            head = self._chat([m.to_dict() for m in system], False) if system else ""
            if not before_reply.startswith(head):
                head = ""
            return head, before_reply[len(head) :], full[len(before_reply) :]
        # Decoder without a chat template: plain template, reply last, then EOS.
        head = plain_conversation(system)
        turns = plain_conversation(rest)
        middle = (PLAIN_TURN_SEPARATOR if head else "") + turns + PLAIN_TURN_SEPARATOR
        middle += f"{PLAIN_ROLE_NAMES['assistant']}: "
        eos = self.tokenizer.eos_token or ""
        return head, middle, reply + eos

    # -- tokenization -----------------------------------------------------------------------
    def encode_many(self, items: Sequence[tuple[Sequence[Message], str]]) -> list[Encoded]:
        """Tokenize (conversation, reply) items with left truncation of the conversation."""
        with self.lock:
            return self._encode_many(items)

    def _encode_many(self, items: Sequence[tuple[Sequence[Message], str]]) -> list[Encoded]:
        parts = [self.text_parts(p, r) for p, r in items]
        heads = _encode_plain(self.tokenizer, [p[0] for p in parts])
        middles = _encode_plain(self.tokenizer, [p[1] for p in parts])
        tails = _encode_plain(self.tokenizer, [p[2] for p in parts])
        if self.kind == "decoder" and not self.use_chat_template:
            bos = self.tokenizer.bos_token_id
            if bos is not None and getattr(self.tokenizer, "add_bos_token", False):
                heads = [[bos, *h] for h in heads]
        if self.kind == "encoder":
            reply_lens = [len(t) for t in tails]
        else:
            reply_lens = [len(x) for x in _encode_plain(self.tokenizer, [r for _p, r in items])]
        return [
            self._assemble(h, m, t, n)
            for h, m, t, n in zip(heads, middles, tails, reply_lens, strict=True)
        ]

    def _assemble(
        self, head: list[int], middle: list[int], tail: list[int], reply_tokens: int
    ) -> Encoded:
        if self.kind == "encoder":
            assert self._pair is not None
            pt = self._pair
            n_special = len(pt.pre) + len(pt.mid) + len(pt.post)
            full = n_special + len(head) + len(middle) + len(tail)
            budget = self.max_length - n_special
            truncated = False
            # The reply may use at most the budget minus a small conversation share; when it
            # alone is longer, its end is cut (the reward is read at [CLS], not at the end).
            min_conv = min(len(head) + len(middle), max(budget // 4, 0))
            if len(tail) > budget - min_conv:
                tail = tail[: budget - min_conv]
                truncated = True
            conv_budget = budget - len(tail)
            head, middle, cut = _left_truncate(head, middle, conv_budget)
            truncated = truncated or cut
            a = head + middle
            ids = pt.pre + a + pt.mid + tail + pt.post
            types = None
            if pt.has_types:
                types = [pt.type_a] * (len(pt.pre) + len(a) + len(pt.mid)) + [pt.type_b] * (
                    len(tail) + len(pt.post)
                )
            return Encoded(ids, types, truncated, reply_tokens, full)
        full = len(head) + len(middle) + len(tail)
        budget = self.max_length
        truncated = False
        min_conv = min(len(head) + len(middle), max(budget // 4, 0))
        if len(tail) > budget - min_conv:
            # Keep the end of the reply: a decoder reads the reward at the last token.
            tail = tail[len(tail) - (budget - min_conv) :]
            truncated = True
        head, middle, cut = _left_truncate(head, middle, budget - len(tail))
        return Encoded(head + middle + tail, None, truncated or cut, reply_tokens, full)

    def encode_pairs(self, pairs: Sequence[PreferencePair]) -> EncodeResult:
        """Encode every pair; count (and leave out) pairs identical after truncation."""
        items: list[tuple[Sequence[Message], str]] = []
        for p in pairs:
            items.append((p.prompt, p.chosen))
            items.append((p.prompt, p.rejected))
        encoded = self.encode_many(items)
        result = EncodeResult(pairs=[])
        for i, p in enumerate(pairs):
            c, r = encoded[2 * i], encoded[2 * i + 1]
            if c.input_ids == r.input_ids:
                result.identical_after_truncation.append(i)
                if p.chosen == p.rejected:
                    result.identical_before_truncation.append(i)
                continue
            ep = EncodedPair(i, c, r)
            result.n_truncated += int(ep.truncated)
            result.pairs.append(ep)
        return result

    def settings(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "max_length": self.max_length,
            "template": self.template_name,
            "fixed_date_string": FIXED_DATE_STRING if self.use_chat_template else None,
            "truncation": "left of the conversation; system message and reply kept",
            "padding_side": "right",
        }


def _left_truncate(
    head: list[int], middle: list[int], budget: int
) -> tuple[list[int], list[int], bool]:
    """Keep ``head`` (system) and the most recent ``budget - len(head)`` tokens of ``middle``."""
    if len(head) + len(middle) <= budget:
        return head, middle, False
    budget = max(budget, 0)
    if len(head) > budget // 2:
        # A system message longer than half the room keeps its beginning only.
        head = head[: budget // 2]
    keep = budget - len(head)
    middle = middle[len(middle) - keep :] if keep > 0 else []
    return head, middle, True


def token_lengths(result: EncodeResult) -> list[int]:
    """Longest side of each encoded pair (used for length-grouped batching)."""
    return [ep.max_len for ep in result.pairs]
