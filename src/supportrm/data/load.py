"""Load preference pairs from a file, validate every record and normalise it to a
:class:`~supportrm.data.schema.PreferencePair`.

Three record shapes are accepted (see ``docs/data-format.md``):

* conversational (TRL): ``prompt`` is a list of ``{role, content}`` messages, ``chosen``/``rejected``
  are lists holding one assistant message (or plain strings);
* standard: ``prompt``, ``chosen``, ``rejected`` are strings;
* implicit prompt: no ``prompt``; ``chosen`` and ``rejected`` are whole dialogues that share their
  beginning, either Anthropic-HH text (``"\\n\\nHuman: ...\\n\\nAssistant: ..."``) or message lists.
  The longest common prefix, cut back to the last turn boundary, becomes the prompt.

Validation never stops at the first problem: every error of every record is collected with its file,
line (or Parquet row), field and reason. ``on_error="raise"`` raises them all at once;
``on_error="skip"`` keeps the good records and returns (and optionally writes) the rejected ones, so
that ``len(pairs) + len(skipped) == n_read`` always holds.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from supportrm.data.errors import DEFAULT_MESSAGE_CAP, DataValidationError, RecordError
from supportrm.data.io import (
    Format,
    detect_format,
    first_undecodable,
    iter_raw_records,
    json_type,
    open_output,
)
from supportrm.data.schema import DEFAULT_CATEGORIES, ROLES, Message, PreferencePair, prompt_hash

__all__ = [
    "DEFAULT_CATEGORIES",
    "DEFAULT_MAX_CHARS",
    "KNOWN_FIELDS",
    "LoadResult",
    "SkippedRecord",
    "load_pairs",
    "write_rejects",
]

#: Longest text (in characters) accepted in any one message or response. Real support turns are a
#: few thousand characters at most; far longer text is usually a concatenation or scraping bug.
DEFAULT_MAX_CHARS = 20_000
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


@dataclass
class SkippedRecord:
    """A record left out under ``on_error="skip"``, with every reason it was rejected."""

    path: str
    line: int
    unit: str
    errors: list[RecordError]
    #: The record as read (a dict), or its raw text when it did not parse.
    record: Any

    @property
    def excluded(self) -> bool:
        """Kept out by policy only (every reason is an exclusion, e.g. an empty reply)."""
        return bool(self.errors) and all(e.exclusion for e in self.errors)

    @property
    def location(self) -> str:
        return self.errors[0].location if self.errors else f"{self.path}:{self.line}"

    @property
    def reason(self) -> str:
        return "; ".join(f"{e.field}: {e.reason}" if e.field else e.reason for e in self.errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            self.unit: self.line,
            "errors": [{"field": e.field, "reason": e.reason} for e in self.errors],
            "record": self.record,
        }


@dataclass
class LoadResult:
    """What :func:`load_pairs` found. ``len(pairs) + len(skipped) == n_read`` always holds."""

    path: str
    format: str
    pairs: list[PreferencePair]
    skipped: list[SkippedRecord]
    #: Records read from the file (blank lines are not records).
    n_read: int
    #: Accepted records with something worth knowing (e.g. an allowed empty response, a reply that
    #: contains scripted turn markers). They are loaded; the warning says where to look.
    warnings: list[RecordError] = field(default_factory=list)
    #: Fields outside the known set, kept in ``metadata`` (name -> number of records).
    extra_fields: dict[str, int] = field(default_factory=dict)
    #: The options the file was validated with (recorded in manifests for reproducibility).
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def n_loaded(self) -> int:
        return len(self.pairs)

    @property
    def n_skipped(self) -> int:
        return len(self.skipped)

    @property
    def n_excluded(self) -> int:
        """Skipped records that are well-formed but kept out by policy (empty replies)."""
        return sum(s.excluded for s in self.skipped)

    def counts(self) -> dict[str, int]:
        return {
            "read": self.n_read,
            "loaded": self.n_loaded,
            "skipped": self.n_skipped,
            "excluded": self.n_excluded,
        }


def load_pairs(
    path: str | Path,
    *,
    on_error: Literal["raise", "skip"] = "raise",
    categories: Sequence[str] | None = DEFAULT_CATEGORIES,
    max_chars: int = DEFAULT_MAX_CHARS,
    rejects_path: Path | None = None,
    allow_empty_response: bool = False,
    fmt: Format | None = None,
    message_cap: int = DEFAULT_MESSAGE_CAP,
) -> LoadResult:
    """Read, validate and normalise every record of ``path``.

    Args:
        path: ``.jsonl``, ``.json`` (a list, or one object per line), ``.parquet`` or ``.csv``,
            each optionally ``.gz``.
        on_error: ``"raise"``: raise :class:`DataValidationError` listing every error if any record
            is bad. ``"skip"``: leave bad records out and report them in ``LoadResult.skipped``.
        categories: allowed ``category`` values; ``None`` allows any. A record without a category
            is always allowed (its category is ``None``).
        max_chars: the longest text accepted in one message or response.
        rejects_path: if given, every rejected record is written there as JSONL (``.gz`` aware)
            with its location and reasons, in both modes (in ``"raise"`` mode before raising).
        allow_empty_response: accept empty or whitespace-only ``chosen``/``rejected`` (reported as
            warnings). Off by default: such a record is **excluded**, i.e. kept out, counted and
            named (``LoadResult.n_excluded``), but never a hard error on its own: in support data
            an empty reply is nearly always a broken record, while Anthropic HH has four
            deliberate ones (silence preferred to a harmful answer).
        fmt: override the format implied by the file name.
        message_cap: how many errors the exception message lists before counting the rest.

    Raises:
        DataValidationError: bad records with ``on_error="raise"``, or (in both modes) a file that
            cannot be read at all (missing, unknown type, corrupt gzip/Parquet, a JSON list with a
            syntax error, CSV without the required columns).
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    if max_chars < 1:
        raise ValueError(f"max_chars must be positive, got {max_chars}")
    name = str(path)
    allowed = None if categories is None else frozenset(categories)
    pairs: list[PreferencePair] = []
    skipped: list[SkippedRecord] = []
    warnings: list[RecordError] = []
    extra: Counter[str] = Counter()
    first_seen: dict[str, str] = {}
    n_read = 0
    detected_fmt = fmt
    for raw in iter_raw_records(path, fmt):
        n_read += 1
        errors = list(raw.errors)
        pair: PreferencePair | None = None
        if raw.record is not None:
            ctx = _Ctx(name, raw.line, raw.unit, allowed, max_chars, allow_empty_response)
            pair, rec_errors, rec_warnings, rec_extra = _validate_record(raw.record, ctx)
            errors += rec_errors
            # Duplicate ids are checked on every record that has a usable id, valid or not, so a
            # single run reports all of them.
            rec_id = pair.id if pair is not None else _explicit_id(raw.record)
            if rec_id is not None:
                where = RecordError(name, raw.line, None, "", raw.unit).location
                if rec_id in first_seen:
                    generated = raw.record.get("id") is None
                    reason = (
                        f"duplicate record: same prompt, chosen and rejected as {first_seen[rec_id]}"
                        " (the generated id repeats)"
                        if generated
                        else f"duplicate id {rec_id!r} (first seen at {first_seen[rec_id]})"
                    )
                    errors.append(
                        RecordError(name, raw.line, None if generated else "id", reason, raw.unit)
                    )
                else:
                    first_seen[rec_id] = where
            if not errors:
                warnings += rec_warnings
                extra.update(rec_extra)
        if errors:
            skipped.append(SkippedRecord(name, raw.line, raw.unit, errors, raw.raw))
        elif pair is not None:
            pairs.append(pair)
    if detected_fmt is None:
        detected_fmt = detect_format(path)[0]
    if rejects_path is not None:
        write_rejects(skipped, rejects_path)
    # Exclusions alone never stop a load; with a real error, every problem is listed.
    if on_error == "raise" and any(not s.excluded for s in skipped):
        raise DataValidationError(
            [e for s in skipped for e in s.errors], path=name, n_read=n_read, cap=message_cap
        )
    assert len(pairs) + len(skipped) == n_read
    return LoadResult(
        path=name,
        format=detected_fmt,
        pairs=pairs,
        skipped=skipped,
        n_read=n_read,
        warnings=warnings,
        extra_fields=dict(sorted(extra.items())),
        options={
            "on_error": on_error,
            "categories": None if categories is None else list(categories),
            "max_chars": max_chars,
            "allow_empty_response": allow_empty_response,
        },
    )


def write_rejects(skipped: Iterable[SkippedRecord], path: str | Path) -> Path:
    """Write each rejected record with its reasons as one JSON line (``.gz`` aware).

    ASCII-escaped JSON, so records holding undecodable bytes still give a valid UTF-8 file.
    """
    p = Path(path)
    handle, raw = open_output(p)
    try:
        for s in skipped:
            line = json.dumps(s.to_dict(), ensure_ascii=True, default=repr)
            handle.write((line + "\n").encode("ascii"))
    finally:
        handle.close()
        if raw is not None:
            raw.close()
    return p


# ---------------------------------------------------------------------------------------------
# One record


@dataclass(frozen=True)
class _Ctx:
    path: str
    line: int
    unit: str
    categories: frozenset[str] | None
    max_chars: int
    allow_empty: bool


class _Errors:
    def __init__(self, ctx: _Ctx) -> None:
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


def _explicit_id(rec: dict[str, Any]) -> str | None:
    value = rec.get("id")
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _scan_undecodable(value: Any, path: str, err: _Errors) -> None:
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


def _validate_record(
    rec: dict[str, Any], ctx: _Ctx
) -> tuple[PreferencePair | None, list[RecordError], list[RecordError], list[str]]:
    """Validate one decoded record. Returns (pair or None, errors, warnings, extra field names)."""
    err = _Errors(ctx)
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
            prompt = _prompt(rec["prompt"], err)
            chosen = _response(rec["chosen"], "chosen", err)
            rejected = _response(rec["rejected"], "rejected", err)
            if _is_hh_text(rec["prompt"]):
                # HH split into prompt/reply strings (older TRL exports): the replies carry the
                # space after "Assistant:", which is formatting, as in the implicit form.
                chosen = chosen.strip() if chosen is not None else None
                rejected = rejected.strip() if rejected is not None else None
            if prompt is not None and chosen is not None and rejected is not None:
                parsed = (prompt, chosen, rejected)
    if parsed is not None:
        prompt, chosen, rejected = parsed
        _check_prompt(prompt, ctx, err)
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


def _id_like(rec: dict[str, Any], name: str, err: _Errors) -> str | None:
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


def _category(value: Any, err: _Errors) -> str | None:
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


def _margin(value: Any, err: _Errors) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        err.add("margin", f"wrong type: expected a number, got {json_type(value)}")
        return None
    if not math.isfinite(value):
        err.add("margin", f"must be a finite number, got {value}")
        return None
    return float(value)


def _metadata(value: Any, err: _Errors) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        err.add("metadata", f"wrong type: expected an object, got {json_type(value)}")
        return {}
    return dict(value)


def _messages(value: list[Any], name: str, err: _Errors) -> list[Message] | None:
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


def _prompt(value: Any, err: _Errors) -> list[Message] | None:
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
        return _messages(list(value), "prompt", err)
    err.add(
        "prompt", f"wrong type: expected a string or a list of messages, got {json_type(value)}"
    )
    return None


def _response(value: Any, name: str, err: _Errors) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            err.add(name, f"expected a list with exactly one assistant message, got {len(value)}")
            return None
        msgs = _messages(list(value), name, err)
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


def _implicit(chosen: Any, rejected: Any, err: _Errors) -> tuple[list[Message], str, str] | None:
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
    chosen: str, rejected: str, err: _Errors
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
    chosen: list[Any], rejected: list[Any], err: _Errors
) -> tuple[list[Message], str, str] | None:
    c = _messages(chosen, "chosen", err)
    r = _messages(rejected, "rejected", err)
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


def _check_prompt(prompt: Sequence[Message], ctx: _Ctx, err: _Errors) -> None:
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


def _check_responses(chosen: str, rejected: str, ctx: _Ctx, err: _Errors) -> None:
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


def read_pairs(path: str | Path) -> list[PreferencePair]:
    """Read pairs back from a file written by :func:`write_pairs` (or any valid data file).

    Validation still runs, but with the permissive settings that suit data already validated when it
    was written (any category; empty responses allowed), so a split written from accepted pairs
    always reads back. Raises :class:`DataValidationError` if the file is not valid.
    """
    return load_pairs(path, categories=None, allow_empty_response=True).pairs
