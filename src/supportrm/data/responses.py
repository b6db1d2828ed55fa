"""Load files of single replies to score (one response per row), as ``supportrm score`` takes them
beside pair files. Two record shapes (docs/data-format.md, "Replies to score"):

* ``{"id"?, "prompt": str | [messages], "completion": str | [one assistant message]}``
* ``{"id"?, "messages": [..., {"role": "assistant", "content": ...}]}``: the last turn is the reply

Validation follows the pair rules (``data/validate.py``): every error with file, line and field;
``on_error="raise"`` raises them all, ``"skip"`` leaves the record out and counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from supportrm.data.errors import DataValidationError, RecordError
from supportrm.data.io import iter_raw_records
from supportrm.data.schema import Message
from supportrm.data.validate import (
    RecordContext,
    RecordErrors,
    check_prompt,
    explicit_id,
    parse_messages,
    parse_prompt,
    parse_response,
)

RecordKind = Literal["pairs", "responses"]
RESPONSE_FIELDS = ("id", "prompt", "completion", "messages", "metadata")


@dataclass(frozen=True)
class Reply:
    """One reply to score in its conversation; ``line`` points back into the input file."""

    id: str
    prompt: tuple[Message, ...]
    reply: str
    line: int


@dataclass
class LoadedReplies:
    path: str
    replies: list[Reply]
    n_read: int
    skipped: list[RecordError] = field(default_factory=list)


def record_kind(path: str | Path) -> RecordKind:
    """``pairs`` when the first record has ``chosen``/``rejected``, ``responses`` when it has
    ``completion`` or ``messages``; anything else is an error naming the file."""
    for raw in iter_raw_records(path):
        rec = raw.record if isinstance(raw.record, dict) else {}
        if "chosen" in rec or "rejected" in rec:
            return "pairs"
        if "completion" in rec or "messages" in rec:
            return "responses"
        raise DataValidationError(
            [
                RecordError(
                    str(path),
                    raw.line,
                    None,
                    "neither a pair (chosen/rejected) nor a reply to score (prompt + completion, "
                    "or messages ending with an assistant turn)",
                    raw.unit,
                )
            ],
            path=str(path),
        )
    raise DataValidationError([RecordError(str(path), None, None, "no records")], path=str(path))


def _reply(rec: dict[str, Any], err: RecordErrors) -> tuple[list[Message], str] | None:
    for k, v in rec.items():
        if k not in RESPONSE_FIELDS and v is not None:
            err.add(k, f"unknown field (expected {', '.join(RESPONSE_FIELDS)})")
    if rec.get("messages") is not None:
        if rec.get("completion") is not None or rec.get("prompt") is not None:
            err.add("messages", "give either messages, or prompt and completion, not both")
            return None
        msgs = rec["messages"]
        if not isinstance(msgs, list) or len(msgs) < 2:
            err.add("messages", "expected a list of at least a user turn and an assistant reply")
            return None
        parsed = parse_messages(msgs, "messages", err)
        if parsed is None:
            return None
        if parsed[-1].role != "assistant":
            err.add(f"messages[{len(parsed) - 1}].role", "the last turn must be the assistant's")
            return None
        return parsed[:-1], parsed[-1].content
    for name in ("prompt", "completion"):
        if rec.get(name) is None:
            err.add(name, "missing field" if name not in rec else "is null")
    if err.errors:
        return None
    prompt = parse_prompt(rec["prompt"], err)
    reply = parse_response(rec["completion"], "completion", err)
    return (prompt, reply) if prompt is not None and reply is not None else None


def load_replies(
    path: str | Path,
    *,
    on_error: Literal["raise", "skip"] = "raise",
    max_chars: int = 20_000,
) -> LoadedReplies:
    """Every reply of ``path`` in file order, validated (see the module docstring)."""
    name = str(path)
    out = LoadedReplies(name, [], 0)
    errors: list[RecordError] = []
    seen: dict[str, int] = {}
    for raw in iter_raw_records(path):
        out.n_read += 1
        ctx = RecordContext(name, raw.line, raw.unit, None, max_chars, False)
        err = RecordErrors(ctx)
        err.errors += raw.errors
        rec = raw.record if isinstance(raw.record, dict) else {}
        parsed = _reply(rec, err) if raw.record is not None else None
        if parsed is not None:
            prompt, reply = parsed
            check_prompt(prompt, ctx, err)
            field_name = "messages" if "messages" in rec else "completion"
            if not reply.strip():
                err.add(field_name, "empty or whitespace-only reply: nothing to score")
            elif len(reply) > max_chars:
                err.add(field_name, f"text is {len(reply):,} characters, over {max_chars:,}")
        rid = explicit_id(rec) or f"line-{raw.line}"
        if rid in seen:
            err.add("id", f"duplicate id {rid!r} (first seen on line {seen[rid]})")
        seen.setdefault(rid, raw.line)
        if err.errors or parsed is None:
            errors += err.errors
            out.skipped += err.errors[:1]
            continue
        out.replies.append(Reply(rid, tuple(parsed[0]), parsed[1], raw.line))
    if errors and on_error == "raise":
        raise DataValidationError(errors, path=name, n_read=out.n_read)
    return out
