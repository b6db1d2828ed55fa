"""Validation of one decoded record: the rules of ``docs/data-format.md``, shared by the pair
loader (``data/load.py``) and any loader of other record shapes. Every problem is collected with
file, line, field and reason (:class:`RecordErrors`); nothing stops at the first one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from supportrm.data.errors import RecordError
from supportrm.data.io import first_undecodable, json_type
from supportrm.data.schema import ROLES, Message, PreferencePair, prompt_hash

KNOWN_FIELDS: tuple[str, ...] = (
    "id",
    "prompt",
    "chosen",
    "rejected",
    "category",
    "conversation_id",
    "margin",
    "metadata",
)
_MESSAGE_KEYS = ("role", "content")
_HH_TURN = re.compile(r"\n\n(Human|Assistant):")
_HH_ROLE = {"Human": "user", "Assistant": "assistant"}


@dataclass(frozen=True)
class RecordContext:
    path: str
    line: int
    unit: str
    categories: frozenset[str] | None
    max_chars: int
    allow_empty: bool


class RecordErrors:
    def __init__(self, ctx: RecordContext) -> None:
        self.ctx = ctx
        self.errors: list[RecordError] = []
        self.warnings: list[RecordError] = []

    def add(self, field_name: str | None, reason: str) -> None:
        c = self.ctx
        self.errors.append(RecordError(c.path, c.line, field_name, reason, c.unit))

    def exclude(self, field_name: str | None, reason: str) -> None:
        c = self.ctx
        self.errors.append(RecordError(c.path, c.line, field_name, reason, c.unit, exclusion=True))

    def warn(self, field_name: str | None, reason: str) -> None:
        c = self.ctx
        self.warnings.append(RecordError(c.path, c.line, field_name, reason, c.unit))


def explicit_id(rec: dict[str, Any]) -> str | None:
    value = rec.get("id")
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _scan_undecodable(value: Any, path: str, err: RecordErrors) -> None:
    """Report every string (key or value) that held bytes that are not valid UTF-8."""
    if isinstance(value, str):
        bad = first_undecodable(value)
        if bad is not None:
            err.add(path, f"not valid UTF-8 (byte 0x{bad[1]:02x} at character {bad[0]})")
    elif isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            sub = f"{path}.{key}" if path else key
            if first_undecodable(key) is not None:
                err.add(sub, "field name is not valid UTF-8")
                continue
            _scan_undecodable(v, sub, err)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _scan_undecodable(v, f"{path}[{i}]", err)


def validate_record(
    rec: dict[str, Any], ctx: RecordContext
) -> tuple[PreferencePair | None, list[RecordError], list[RecordError], list[str]]:
    """Validate one decoded record. Returns (pair or None, errors, warnings, extra field names)."""
    err = RecordErrors(ctx)
    _scan_undecodable(rec, "", err)
    if err.errors:
        # Undecodable bytes make every later check on those fields meaningless.
        return None, err.errors, [], []

    rec_id = _id_like(rec, "id", err)
    conv_id = _id_like(rec, "conversation_id", err)
    category = _category(rec.get("category"), err)
    margin = _margin(rec.get("margin"), err)
    metadata = _metadata(rec.get("metadata"), err)

    extra_names = [k for k in rec if k not in KNOWN_FIELDS and rec[k] is not None]
    for k in extra_names:
        if k in metadata:
            err.add(k, f"also present in metadata; rename one of the two (metadata.{k})")
        else:
            metadata[k] = rec[k]

    for name in ("chosen", "rejected"):
        if rec.get(name) is None:
            err.add(name, "missing field" if name not in rec else "is null")
    parsed = None
    if rec.get("chosen") is not None and rec.get("rejected") is not None:
        if rec.get("prompt") is None:
            parsed = _implicit(rec["chosen"], rec["rejected"], err)
        else:
            prompt = parse_prompt(rec["prompt"], err)
            chosen = parse_response(rec["chosen"], "chosen", err)
            rejected = parse_response(rec["rejected"], "rejected", err)
            if _is_hh_text(rec["prompt"]):
                # HH split into prompt/reply strings (older TRL exports): the replies carry the
                # space after "Assistant:", which is formatting, as in the implicit form.
                chosen = chosen.strip() if chosen is not None else None
                rejected = rejected.strip() if rejected is not None else None
            if prompt is not None and chosen is not None and rejected is not None:
                parsed = (prompt, chosen, rejected)
    if parsed is not None:
        prompt, chosen, rejected = parsed
        check_prompt(prompt, ctx, err)
        _check_responses(chosen, rejected, ctx, err)
    if err.errors or parsed is None:
        return None, err.errors, [], []
    prompt, chosen, rejected = parsed
    pair = PreferencePair(
        id=rec_id if rec_id is not None else _content_id(prompt, chosen, rejected),
        prompt=tuple(prompt),
        chosen=chosen,
        rejected=rejected,
        conversation_id=conv_id if conv_id is not None else prompt_hash(prompt),
        category=category,
        margin=margin,
        metadata=metadata,
        source=RecordError(ctx.path, ctx.line, None, "", ctx.unit).location,
    )
    return pair, [], err.warnings, extra_names


def _content_id(prompt: Sequence[Message], chosen: str, rejected: str) -> str:
    """Default id: a hash of the content, so the same pair gets the same id in every format."""
    payload = json.dumps(
        [[[m.role, m.content] for m in prompt], chosen, rejected], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _id_like(rec: dict[str, Any], name: str, err: RecordErrors) -> str | None:
    value = rec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        err.add(name, f"wrong type: expected a string or integer, got {json_type(value)}")
        return None
    text = str(value)
    if not text.strip():
        err.add(name, "empty or whitespace-only")
        return None
    return text


def _category(value: Any, err: RecordErrors) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        err.add("category", f"wrong type: expected a string, got {json_type(value)}")
        return None
    if not value.strip():
        err.add("category", "empty or whitespace-only")
        return None
    allowed = err.ctx.categories
    if allowed is not None and value not in allowed:
        err.add(
            "category",
            f"unknown category {value!r} (allowed: {', '.join(sorted(allowed))}; "
            "configure with --categories)",
        )
        return None
    return value


def _margin(value: Any, err: RecordErrors) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        err.add("margin", f"wrong type: expected a number, got {json_type(value)}")
        return None
    if not math.isfinite(value):
        err.add("margin", f"must be a finite number, got {value}")
        return None
    return float(value)


def _metadata(value: Any, err: RecordErrors) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        err.add("metadata", f"wrong type: expected an object, got {json_type(value)}")
        return {}
    return dict(value)


def parse_messages(value: list[Any], name: str, err: RecordErrors) -> list[Message] | None:
    out: list[Message] = []
    ok = True
    for i, m in enumerate(value):
        where = f"{name}[{i}]"
        if not isinstance(m, dict):
            err.add(where, f"wrong type: expected a message object, got {json_type(m)}")
            ok = False
            continue
        for key in ("role", "content"):
            if m.get(key) is None:
                err.add(f"{where}.{key}", "missing field" if key not in m else "is null")
                ok = False
        for key, v in m.items():
            if key not in _MESSAGE_KEYS and v is not None:
                err.add(f"{where}.{key}", "unsupported message field (only role and content)")
                ok = False
        role, content = m.get("role"), m.get("content")
        if role is not None and not isinstance(role, str):
            err.add(f"{where}.role", f"wrong type: expected a string, got {json_type(role)}")
            ok = False
        elif role is not None and role not in ROLES:
            err.add(f"{where}.role", f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
            ok = False
        if content is not None and not isinstance(content, str):
            err.add(f"{where}.content", f"wrong type: expected a string, got {json_type(content)}")
            ok = False
        if ok:
            out.append(Message(str(role), str(content)))
    return out if ok else None


def _is_hh_text(value: Any) -> bool:
    return isinstance(value, str) and _hh_normalise(value).startswith("\n\nHuman:")


def _hh_turns(text: str) -> list[Message]:
    """Messages of HH text (``\n\nHuman: ...\n\nAssistant: ...``), each stripped."""
    marks = list(_HH_TURN.finditer(text))
    return [
        Message(
            _HH_ROLE[m.group(1)],
            text[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(text)].strip(),
        )
        for i, m in enumerate(marks)
    ]


def parse_prompt(value: Any, err: RecordErrors) -> list[Message] | None:
    if isinstance(value, str):
        if not value.strip():
            err.add("prompt", "empty or whitespace-only")
            return None
        if _is_hh_text(value):
            # A prompt string in HH form ("\n\nHuman: ...\n\nAssistant:") is a dialogue: split it
            # into turns, dropping the empty Assistant turn that introduces the reply.
            turns = _hh_turns(_hh_normalise(value))
            if turns and turns[-1].role == "assistant" and not turns[-1].content:
                turns.pop()
            return turns
        return [Message("user", value)]
    if isinstance(value, (list, tuple)):
        if not value:
            err.add("prompt", "empty list: a prompt needs at least one user message")
            return None
        return parse_messages(list(value), "prompt", err)
    err.add(
        "prompt", f"wrong type: expected a string or a list of messages, got {json_type(value)}"
    )
    return None


def parse_response(value: Any, name: str, err: RecordErrors) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            err.add(name, f"expected a list with exactly one assistant message, got {len(value)}")
            return None
        msgs = parse_messages(list(value), name, err)
        if msgs is None:
            return None
        if msgs[0].role != "assistant":
            err.add(f"{name}[0].role", f"expected 'assistant', got {msgs[0].role!r}")
            return None
        return msgs[0].content
    err.add(
        name,
        f"wrong type: expected a string or a list with one assistant message, got {json_type(value)}",
    )
    return None


def _implicit(
    chosen: Any, rejected: Any, err: RecordErrors
) -> tuple[list[Message], str, str] | None:
    """Split two whole dialogues into (shared prompt, chosen reply, rejected reply)."""
    if isinstance(chosen, str) and isinstance(rejected, str):
        return _implicit_text(chosen, rejected, err)
    if isinstance(chosen, (list, tuple)) and isinstance(rejected, (list, tuple)):
        return _implicit_messages(list(chosen), list(rejected), err)
    err.add(
        "prompt",
        "missing field, and chosen/rejected are not two dialogues of the same kind "
        f"(got {json_type(chosen)} and {json_type(rejected)})",
    )
    return None


def _hh_normalise(text: str) -> str:
    # Some HH exports drop the blank line before the first turn.
    return "\n\n" + text if text.startswith(("Human:", "Assistant:")) else text


def _implicit_text(
    chosen: str, rejected: str, err: RecordErrors
) -> tuple[list[Message], str, str] | None:
    c, r = _hh_normalise(chosen), _hh_normalise(rejected)
    if not _HH_TURN.search(c) or not _HH_TURN.search(r):
        err.add(
            "prompt",
            "missing field, and chosen/rejected are not implicit-prompt dialogues "
            "(no '\\n\\nHuman:'/'\\n\\nAssistant:' turns to split a prompt from)",
        )
        return None
    if c == r:
        err.add("rejected", "identical to chosen")
        return None
    shared = os.path.commonprefix([c, r])  # noqa: RUF071 (a character-wise prefix is meant)
    turns = list(_HH_TURN.finditer(shared))
    if not turns or turns[-1].group(1) != "Assistant":
        where = (
            f"inside the Human turn at character {turns[-1].start()}" if turns else "at the start"
        )
        err.add(
            "rejected",
            "differs from chosen before the final Assistant turn "
            f"({where}); an implicit prompt must be shared up to the last '\\n\\nAssistant:'",
        )
        return None
    last = turns[-1]
    head = c[: turns[0].start()]
    if head.strip():
        err.add("chosen", "text before the first 'Human:'/'Assistant:' turn")
        return None
    prompt = _hh_turns(c[: last.start()])
    replies = []
    for name, text in (("chosen", c), ("rejected", r)):
        reply = text[last.end() :].strip()
        turn = _HH_TURN.search(reply)
        if turn is not None:
            err.warn(
                name,
                f"reply contains a turn marker ({turn.group()!r}); kept verbatim as part of the "
                "reply (the model wrote a scripted continuation)",
            )
        replies.append(reply)
    if not prompt:
        err.add("prompt", "empty: no turns before the final Assistant turn")
        return None
    return prompt, replies[0], replies[1]


def _implicit_messages(
    chosen: list[Any], rejected: list[Any], err: RecordErrors
) -> tuple[list[Message], str, str] | None:
    c = parse_messages(chosen, "chosen", err)
    r = parse_messages(rejected, "rejected", err)
    if c is None or r is None:
        return None
    k = 0
    while k < min(len(c), len(r)) and c[k] == r[k]:
        k += 1
    if k == len(c) == len(r):
        err.add("rejected", "identical to chosen")
        return None
    ok = True
    for name, msgs in (("chosen", c), ("rejected", r)):
        rest = msgs[k:]
        if len(rest) != 1 or rest[0].role != "assistant":
            err.add(
                name,
                f"implicit-prompt conversation must differ from the other only in its final "
                f"assistant message (differs from message {k} on, {len(rest)} message(s) left)",
            )
            ok = False
    if not ok:
        return None
    if k == 0:
        err.add("prompt", "empty: the two conversations share no messages")
        return None
    return c[:k], c[k].content, r[k].content


def check_prompt(prompt: Sequence[Message], ctx: RecordContext, err: RecordErrors) -> None:
    if not prompt:
        err.add("prompt", "empty: a prompt needs at least one user message")
        return
    last = len(prompt) - 1
    if prompt[last].role != "user":
        err.add("prompt", f"must end with a user turn (the last message is {prompt[last].role!r})")
    elif not prompt[last].content.strip():
        err.add(f"prompt[{last}].content", "empty or whitespace-only (the final user turn)")
    for i, m in enumerate(prompt):
        if len(m.content) > ctx.max_chars:
            err.add(
                f"prompt[{i}].content",
                f"text is {len(m.content):,} characters, over the limit of {ctx.max_chars:,} "
                "(--max-chars)",
            )


def _check_responses(chosen: str, rejected: str, ctx: RecordContext, err: RecordErrors) -> None:
    for name, text in (("chosen", chosen), ("rejected", rejected)):
        if not text.strip():
            if ctx.allow_empty:
                err.warn(
                    name, "empty or whitespace-only response (allowed by allow_empty_response)"
                )
            else:
                err.exclude(
                    name,
                    "empty or whitespace-only response: kept out (pass --allow-empty-response if "
                    "an empty reply is a valid answer in this data)",
                )
        if len(text) > ctx.max_chars:
            err.add(
                name,
                f"text is {len(text):,} characters, over the limit of {ctx.max_chars:,} (--max-chars)",
            )
    if chosen.strip() == rejected.strip():
        err.add("rejected", "identical to chosen (ignoring surrounding whitespace)")
