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

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from supportrm.data.errors import DEFAULT_MESSAGE_CAP, DataValidationError, RecordError
from supportrm.data.io import (
    Format,
    detect_format,
    iter_raw_records,
    open_output,
)
from supportrm.data.schema import DEFAULT_CATEGORIES, PreferencePair
from supportrm.data.validate import KNOWN_FIELDS, RecordContext, explicit_id, validate_record

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
            ctx = RecordContext(name, raw.line, raw.unit, allowed, max_chars, allow_empty_response)
            pair, rec_errors, rec_warnings, rec_extra = validate_record(raw.record, ctx)
            errors += rec_errors
            # Duplicate ids are checked on every record that has a usable id, valid or not, so a
            # single run reports all of them.
            rec_id = pair.id if pair is not None else explicit_id(raw.record)
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


def read_pairs(path: str | Path) -> list[PreferencePair]:
    """Read pairs back from a file written by :func:`write_pairs` (or any valid data file).

    Validation still runs, but with the permissive settings that suit data already validated when it
    was written (any category; empty responses allowed), so a split written from accepted pairs
    always reads back. Raises :class:`DataValidationError` if the file is not valid.
    """
    return load_pairs(path, categories=None, allow_empty_response=True).pairs
