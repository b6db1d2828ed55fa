"""Reading raw records from JSONL / JSON / Parquet / CSV (optionally gzipped) and writing pairs.

Reading is split in two on purpose: this module turns a file into raw records (plain dicts with the
line or row they came from) and knows nothing about what a valid pair is; :mod:`supportrm.data.load`
validates and normalises those records. That keeps every format's quirks (CSV cells that hold JSON,
Parquet structs, undecodable bytes) in one place, so the same data gives the same pairs whatever
the format.

Writing produces the canonical form (:meth:`PreferencePair.to_record`) with deterministic bytes:
the same pairs always give the same file, so content hashes in manifests can be compared.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from supportrm.data.errors import DataValidationError, RecordError
from supportrm.data.schema import PreferencePair
from supportrm.files import atomic_path

Format = Literal["jsonl", "json", "parquet", "csv"]
FORMATS: tuple[str, ...] = ("jsonl", "json", "parquet", "csv")
_SUFFIX_FORMAT: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
}
#: Columns whose CSV cell may hold a JSON-encoded list of ``{role, content}`` messages.
MESSAGE_COLUMNS: tuple[str, ...] = ("prompt", "chosen", "rejected")
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
#: Canonical column order for CSV and Parquet output (the order of ``PreferencePair.to_record``).
CANONICAL_COLUMNS: tuple[str, ...] = (
    "id",
    "conversation_id",
    "category",
    "prompt",
    "chosen",
    "rejected",
    "margin",
    "metadata",
)


@dataclass
class RawRecord:
    """One record as read from the file, before validation."""

    #: 1-based line where the record starts (text formats) or 1-based row (Parquet).
    line: int
    unit: str
    #: The decoded record, or None when it could not be parsed (see ``errors``).
    record: dict[str, Any] | None
    #: What to write to a rejects file: the record, or the raw text when it did not parse.
    raw: Any
    #: Problems found while decoding (malformed JSON, a CSV cell that is not valid JSON, ...).
    errors: list[RecordError] = field(default_factory=list)


def detect_format(path: str | Path) -> tuple[Format, bool]:
    """The format named by the file's suffix, and whether it is gzipped (``.gz``)."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    fmt = _SUFFIX_FORMAT.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise DataValidationError(
            [
                RecordError(
                    str(path),
                    None,
                    None,
                    f"unsupported file type {''.join(p.suffixes) or '(no suffix)'!r}: expected one "
                    "of .jsonl, .json, .parquet, .csv, optionally followed by .gz",
                )
            ],
            path=str(path),
        )
    return fmt, gz


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip data (by ``.gz`` suffix or by magic number)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DataValidationError(
            [RecordError(str(path), None, None, f"cannot open file: {exc.strerror or exc}")],
            path=str(path),
        ) from exc
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise DataValidationError(
                [RecordError(str(path), None, None, f"corrupt gzip data: {exc}")], path=str(path)
            ) from exc
    elif p.suffix.lower() == ".gz":
        raise DataValidationError(
            [RecordError(str(path), None, None, "named .gz but is not gzip data")], path=str(path)
        )
    return data


def _decode(data: bytes) -> str:
    """UTF-8 text with undecodable bytes kept as lone surrogates (``surrogateescape``).

    Decoding never fails here; the validator reports each undecodable byte on the field that holds
    it, which is more useful than one failure for the whole file.
    """
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    return data.decode("utf-8", "surrogateescape")


_SURROGATE = re.compile("[\udc80-\udcff]")


def first_undecodable(text: str) -> tuple[int, int] | None:
    """(0-based index, byte value) of the first byte that was not valid UTF-8, if any."""
    m = _SURROGATE.search(text)
    if m is None:
        return None
    return m.start(), ord(m.group()) - 0xDC00


def iter_raw_records(path: str | Path, fmt: Format | None = None) -> Iterator[RawRecord]:
    """Raw records of a data file in file order. Raises :class:`DataValidationError` for problems
    that make the rest of the file unreadable (unknown type, corrupt gzip or Parquet, a JSON list
    that is not valid JSON, missing CSV columns)."""
    detected, _gz = detect_format(path)
    fmt = fmt or detected
    data = read_bytes(path)
    name = str(path)
    if fmt == "jsonl":
        yield from _iter_jsonl(data, name)
    elif fmt == "json":
        yield from _iter_json(data, name)
    elif fmt == "csv":
        yield from _iter_csv(data, name)
    elif fmt == "parquet":
        yield from _iter_parquet(data, name)
    else:  # pragma: no cover - guarded by the Format literal
        raise ValueError(f"unknown format {fmt!r}")


def _json_error(path: str, line: int, text: str, exc: json.JSONDecodeError) -> RecordError:
    bad = first_undecodable(text)
    if bad is not None:
        col = text[: bad[0]].count("\n")
        return RecordError(
            path, line + col, None, f"not valid UTF-8 (byte 0x{bad[1]:02x} outside a string)"
        )
    # exc.lineno is relative to the text handed to json; report the absolute file line.
    return RecordError(
        path, line + exc.lineno - 1, None, f"malformed JSON: {exc.msg} (column {exc.colno})"
    )


def _iter_jsonl(data: bytes, path: str) -> Iterator[RawRecord]:
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    # Split on b"\n" only: JSON strings may legally hold U+2028 etc., which str.splitlines breaks on.
    for lineno, raw_line in enumerate(data.split(b"\n"), start=1):
        if not raw_line.strip():
            continue  # blank lines (e.g. a trailing newline) are not records
        text = raw_line.decode("utf-8", "surrogateescape")
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield RawRecord(lineno, "line", None, text, [_json_error(path, lineno, text, exc)])
            continue
        yield _object_record(obj, lineno, "line", path)


def _object_record(obj: Any, lineno: int, unit: str, path: str) -> RawRecord:
    if not isinstance(obj, dict):
        err = RecordError(
            path, lineno, None, f"expected a JSON object per record, got {json_type(obj)}", unit
        )
        return RawRecord(lineno, unit, None, obj, [err])
    return RawRecord(lineno, unit, obj, obj)


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for "wrong type" messages (tuples count as lists)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _iter_json(data: bytes, path: str) -> Iterator[RawRecord]:
    text = _decode(data)
    start = len(text) - len(text.lstrip())
    if start < len(text) and text[start] == "{":
        # A .json file holding one object per line is JSONL under another name (common for HH).
        yield from _iter_jsonl(data, path)
        return
    if start >= len(text) or text[start] != "[":
        raise DataValidationError(
            [
                RecordError(
                    path,
                    None,
                    None,
                    "expected a JSON list of records (the file must start with '[')",
                )
            ],
            path=path,
        )
    decoder = json.JSONDecoder()
    idx = start + 1
    line = 1 + text.count("\n", 0, idx)
    counted_to = idx

    def skip_ws(i: int) -> int:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        return i

    def fatal(i: int, reason: str) -> DataValidationError:
        ln = 1 + text.count("\n", 0, i)
        col = i - (text.rfind("\n", 0, i) + 1) + 1
        return DataValidationError(
            [
                RecordError(
                    path,
                    ln,
                    None,
                    f"{reason} (column {col}); a JSON list cannot be read past a syntax error, "
                    "so the whole file is rejected",
                )
            ],
            path=path,
        )

    idx = skip_ws(idx)
    if idx < len(text) and text[idx] == "]":
        return
    while True:
        idx = skip_ws(idx)
        line += text.count("\n", counted_to, idx)
        counted_to = idx
        try:
            obj, end = decoder.raw_decode(text, idx)
        except json.JSONDecodeError as exc:
            raise fatal(exc.pos, f"malformed JSON: {exc.msg}") from exc
        yield _object_record(obj, line, "line", path)
        idx = skip_ws(end)
        if idx >= len(text):
            raise fatal(idx, "malformed JSON: unterminated list (missing ']')")
        if text[idx] == "]":
            rest = text[idx + 1 :].strip()
            if rest:
                raise fatal(idx + 1, "malformed JSON: extra data after the closing ']'")
            return
        if text[idx] != ",":
            raise fatal(idx, "malformed JSON: expected ',' or ']' between records")
        idx += 1


def _iter_csv(data: bytes, path: str) -> Iterator[RawRecord]:
    text = _decode(data)
    # Long responses are legitimate; the validator enforces the configurable max_chars instead.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise DataValidationError(
            [RecordError(path, 1, None, f"bad CSV header: {exc}")], path=path
        ) from exc
    header = [h.strip() for h in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    missing = [c for c in ("chosen", "rejected") if c not in header]
    problems = []
    if dupes:
        problems.append(f"duplicate column name(s) {', '.join(map(repr, dupes))}")
    if missing:
        problems.append(
            f"missing column(s) {', '.join(map(repr, missing))} (header: {', '.join(header)})"
        )
    if problems:
        raise DataValidationError([RecordError(path, 1, None, "; ".join(problems))], path=path)
    prev_line = reader.line_num
    while True:
        start = prev_line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataValidationError(
                [RecordError(path, start, None, f"CSV syntax error: {exc}")], path=path
            ) from exc
        prev_line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if len(row) != len(header):
            yield RawRecord(
                start,
                "line",
                None,
                row,
                [
                    RecordError(
                        path, start, None, f"expected {len(header)} columns, found {len(row)}"
                    )
                ],
            )
            continue
        cells = dict(zip(header, row, strict=True))
        yield _decode_cells(cells, start, "line", path)


def _maybe_messages(value: str) -> Any:
    """A CSV cell holding a JSON-encoded list of messages becomes that list; other text stays text.

    Only a list of JSON objects counts, so a reply that merely starts with ``[`` stays a string.
    (:func:`write_pairs` JSON-encodes any text that starts with ``[`` so that it reads back
    unchanged.)
    """
    if not value.lstrip().startswith("["):
        return value
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return value
    if isinstance(parsed, list) and parsed and all(isinstance(m, dict) for m in parsed):
        return parsed
    return value


def _decode_cells(cells: dict[str, Any], line: int, unit: str, path: str) -> RawRecord:
    """Turn flat-table cells (CSV strings, or Parquet values) into a record like a JSONL one."""
    rec: dict[str, Any] = {}
    errors: list[RecordError] = []
    for key, value in cells.items():
        if isinstance(value, (bytes, bytearray)):
            value = bytes(value).decode("utf-8", "surrogateescape")
        if isinstance(value, str) and value == "" and unit == "line":
            value = None  # CSV has no null: an empty cell is an absent value
        if value is None:
            rec[key] = None
            continue
        if key in MESSAGE_COLUMNS and isinstance(value, str):
            value = _maybe_messages(value)
        elif key == "metadata" and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                errors.append(
                    RecordError(
                        path, line, key, f"not valid JSON: {exc.msg} (column {exc.colno})", unit
                    )
                )
                value = None
        elif key == "metadata" and isinstance(value, list):
            # Parquet map<string, ...> arrives as a list of (key, value) pairs.
            if all(isinstance(kv, tuple) and len(kv) == 2 for kv in value):
                value = dict(value)
        elif key == "margin" and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                errors.append(RecordError(path, line, key, f"not a number: {value!r}", unit))
                value = None
        rec[key] = value
    return RawRecord(line, unit, rec, cells, errors)


def _iter_parquet(data: bytes, path: str) -> Iterator[RawRecord]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataValidationError(
            [RecordError(path, None, None, f"cannot read Parquet: {exc}")], path=path
        ) from exc
    missing = [c for c in ("chosen", "rejected") if c not in table.column_names]
    if missing:
        raise DataValidationError(
            [
                RecordError(
                    path,
                    None,
                    None,
                    f"missing column(s) {', '.join(map(repr, missing))} "
                    f"(columns: {', '.join(table.column_names)})",
                )
            ],
            path=path,
        )
    row = 0
    for batch in table.to_batches(max_chunksize=4096):
        for cells in batch.to_pylist():
            row += 1
            yield _decode_cells(cells, row, "row", path)


# ---------------------------------------------------------------------------------------------
# Writing


def open_output(path: Path, gz: bool | None = None) -> Any:
    """A binary file handle; gzip with a fixed header (mtime 0, no name) when ``gz`` (default:
    the name ends .gz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = path.open("wb")
    if path.suffix.lower() == ".gz" if gz is None else gz:
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6), raw
    return raw, None


def canonical_line(pair: PreferencePair) -> str:
    """One pair as one canonical JSON line (no trailing newline)."""
    return json.dumps(pair.to_record(), ensure_ascii=False, allow_nan=False)


def write_pairs(
    pairs: Iterable[PreferencePair], path: str | Path, fmt: Format | None = None
) -> Path:
    """Write pairs in canonical form to ``path`` (format from the suffix unless ``fmt`` is given).

    JSONL/JSON hold :meth:`PreferencePair.to_record` as is. CSV keeps one column per field, with
    ``prompt`` as a JSON-encoded message list and ``metadata`` as JSON; ``chosen``/``rejected`` are
    plain text unless empty or starting with ``[`` (then a JSON message list, so they read back
    unchanged). Parquet stores messages as ``list<struct<role, content>>`` and ``metadata`` as a JSON
    string. Output bytes depend only on the pairs (gzip mtime 0), so equal data gives equal hashes.
    The file appears atomically: a reader never sees half of it, and a failed write leaves an
    earlier file in place.
    """
    p = Path(path)
    fmt = fmt or detect_format(p)[0]
    pairs = list(pairs)
    with atomic_path(p) as tmp:
        if fmt == "parquet":
            _write_parquet(pairs, tmp)
        else:
            _write_text_format(pairs, tmp, fmt, gz=p.suffix.lower() == ".gz")
    return p


def _write_text_format(pairs: Sequence[PreferencePair], path: Path, fmt: str, gz: bool) -> None:
    handle, raw = open_output(path, gz)
    try:
        if fmt == "jsonl":
            for pair in pairs:
                handle.write((canonical_line(pair) + "\n").encode("utf-8"))
        elif fmt == "json":
            body = json.dumps(
                [pair.to_record() for pair in pairs], ensure_ascii=False, indent=1, allow_nan=False
            )
            handle.write((body + "\n").encode("utf-8"))
        elif fmt == "csv":
            text = io.StringIO(newline="")
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(CANONICAL_COLUMNS)
            for pair in pairs:
                writer.writerow(_csv_row(pair))
            handle.write(text.getvalue().encode("utf-8"))
        else:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    finally:
        handle.close()
        if raw is not None:
            raw.close()


def _csv_text(text: str) -> str:
    if text == "" or text.lstrip().startswith("["):
        return json.dumps([{"role": "assistant", "content": text}], ensure_ascii=False)
    return text


def _csv_row(pair: PreferencePair) -> list[str]:
    return [
        pair.id,
        pair.conversation_id,
        pair.category or "",
        json.dumps([m.to_dict() for m in pair.prompt], ensure_ascii=False),
        _csv_text(pair.chosen),
        _csv_text(pair.rejected),
        "" if pair.margin is None else repr(float(pair.margin)),
        json.dumps(pair.metadata, ensure_ascii=False) if pair.metadata else "",
    ]


def _write_parquet(pairs: Sequence[PreferencePair], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("conversation_id", pa.string()),
            ("category", pa.string()),
            ("prompt", pa.list_(message)),
            ("chosen", pa.list_(message)),
            ("rejected", pa.list_(message)),
            ("margin", pa.float64()),
            ("metadata", pa.string()),
        ]
    )
    columns: dict[str, list[Any]] = {name: [] for name in schema.names}
    for pair in pairs:
        rec = pair.to_record()
        columns["id"].append(rec["id"])
        columns["conversation_id"].append(rec["conversation_id"])
        columns["category"].append(rec["category"])
        columns["prompt"].append(rec["prompt"])
        columns["chosen"].append(rec["chosen"])
        columns["rejected"].append(rec["rejected"])
        margin = rec.get("margin")
        if margin is not None and not math.isfinite(margin):
            raise ValueError(f"pair {pair.id}: margin must be finite, got {margin}")
        columns["margin"].append(margin)
        meta = rec.get("metadata")
        columns["metadata"].append(json.dumps(meta, ensure_ascii=False) if meta else None)
    table = pa.table(columns, schema=schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, str(path), compression="zstd")
