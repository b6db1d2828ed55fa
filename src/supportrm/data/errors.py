"""Error types of the data layer.

Every problem is reported as a :class:`RecordError` that names the file, the line (or row), the field
and the reason, so a user can open the file at that spot and fix it. :class:`DataValidationError`
carries *all* of them: users fix a file in one pass instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: How many errors the exception message lists before summarising the rest as a count.
DEFAULT_MESSAGE_CAP = 20


@dataclass(frozen=True)
class RecordError:
    """One problem with one record (or with the file as a whole when ``line`` is None)."""

    #: The file as the user named it.
    path: str
    #: 1-based line number (JSONL, JSON, CSV: the line where the record starts) or Parquet row.
    line: int | None
    #: Dotted field path inside the record, e.g. ``chosen`` or ``prompt[2].role``; None when the
    #: problem is the record (malformed JSON) or the file.
    field: str | None
    reason: str
    #: ``"line"`` for text formats, ``"row"`` for Parquet (which has no lines).
    unit: str = "line"
    #: A well-formed record kept out by policy (an empty reply): counted and named, but on its
    #: own never a hard error, even under ``on_error="raise"``.
    exclusion: bool = False

    @property
    def location(self) -> str:
        """``file:LINE`` (what editors and compilers print) or ``file:row N`` for Parquet."""
        if self.line is None:
            return self.path
        if self.unit == "row":
            return f"{self.path}:row {self.line}"
        return f"{self.path}:{self.line}"

    def __str__(self) -> str:
        where = self.location
        if self.field is not None:
            return f"{where}: {self.field}: {self.reason}"
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {
            "location": self.location,
            "line": self.line,
            "field": self.field,
            "reason": self.reason,
        }


class DataValidationError(ValueError):
    """Raised when a data file holds invalid records (``on_error="raise"``) or cannot be read at all.

    ``errors`` lists every problem found; the message shows the first ``cap`` of them and a count of
    the rest, so a file with 10,000 bad lines does not flood a terminal.
    """

    def __init__(
        self,
        errors: Sequence[RecordError],
        *,
        path: str,
        n_read: int | None = None,
        cap: int = DEFAULT_MESSAGE_CAP,
    ) -> None:
        self.errors: list[RecordError] = list(errors)
        self.path = path
        self.n_read = n_read
        self.cap = cap
        super().__init__(self._message())

    @property
    def n_bad_records(self) -> int:
        return len({e.line for e in self.errors if e.line is not None})

    def _message(self) -> str:
        n = len(self.errors)
        if self.n_read is None:
            head = f"{self.path}: cannot be read ({n} error{'s' if n != 1 else ''})"
        else:
            head = (
                f"{self.path}: {n} error{'s' if n != 1 else ''} in {self.n_bad_records} of "
                f"{self.n_read} records"
            )
        lines = [head + ":"]
        lines += [f"  {e}" for e in self.errors[: self.cap]]
        rest = n - self.cap
        if rest > 0:
            lines.append(
                f"  ... and {rest} more error{'s' if rest != 1 else ''} (run with "
                "--on-error skip --rejects FILE to write every bad record with its reasons)"
            )
        return "\n".join(lines)
