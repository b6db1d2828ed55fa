"""The score table: one row per held-out pair with both rewards and both lengths.

Every metric, diagnostic and plot is computed from this table alone (see ``docs/architecture.md``),
so evaluation never needs the model, and a report can be rebuilt from ``val_scores.jsonl``.
:class:`ScoreTable` is the column form (numpy arrays) of the JSONL rows; it validates each row and
says which row and field is wrong instead of producing a silently wrong metric.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from supportrm.data.schema import NO_CATEGORY
from supportrm.files import atomic_write_text
from supportrm.run_files import ScoreRow

REQUIRED_FIELDS = ("id", "chosen_score", "rejected_score")


class ScoreTableError(ValueError):
    """A score-table row is malformed; the message names the source, row and field."""


def _float_or_nan(value: Any) -> float:
    if value is None:
        return math.nan
    return float(value)


@dataclass
class ScoreTable:
    """Column view of the score table. Optional columns are NaN (numbers) or None when absent."""

    ids: list[str]
    categories: list[str | None]
    conversation_ids: list[str]
    chosen: np.ndarray
    rejected: np.ndarray
    chosen_tokens: np.ndarray
    rejected_tokens: np.ndarray
    chosen_chars: np.ndarray
    rejected_chars: np.ndarray
    truncated: np.ndarray
    agreement: np.ndarray
    source: str = "<rows>"

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def delta(self) -> np.ndarray:
        """Reward margin ``chosen_score - rejected_score`` (positive = the model agrees)."""
        return self.chosen - self.rejected

    @property
    def category_labels(self) -> np.ndarray:
        """Category per row with ``None`` replaced by :data:`NO_CATEGORY` (for grouping)."""
        return np.array(
            [c if c is not None else NO_CATEGORY for c in self.categories], dtype=object
        )

    @property
    def has_categories(self) -> bool:
        return any(c is not None for c in self.categories)

    def category_names(self) -> list[str]:
        """Sorted category names present, :data:`NO_CATEGORY` last when some rows lack one."""
        names = sorted({c for c in self.categories if c is not None})
        if any(c is None for c in self.categories):
            names.append(NO_CATEGORY)
        return names

    def subset(self, mask: np.ndarray) -> ScoreTable:
        idx = np.flatnonzero(mask)
        return ScoreTable(
            ids=[self.ids[i] for i in idx],
            categories=[self.categories[i] for i in idx],
            conversation_ids=[self.conversation_ids[i] for i in idx],
            chosen=self.chosen[idx],
            rejected=self.rejected[idx],
            chosen_tokens=self.chosen_tokens[idx],
            rejected_tokens=self.rejected_tokens[idx],
            chosen_chars=self.chosen_chars[idx],
            rejected_chars=self.rejected_chars[idx],
            truncated=self.truncated[idx],
            agreement=self.agreement[idx],
            source=self.source,
        )

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], *, source: str = "<rows>") -> ScoreTable:
        """Validate rows (dicts in the ``val_scores.jsonl`` schema) and build the columns.

        Raises :class:`ScoreTableError` listing every bad row (source, row number, field): a NaN or
        missing reward is a scoring bug that must not be averaged away.
        """
        errors: list[str] = []
        cols: dict[str, list[Any]] = {
            k: []
            for k in [
                "ids",
                "categories",
                "conversation_ids",
                "chosen",
                "rejected",
                "chosen_tokens",
                "rejected_tokens",
                "chosen_chars",
                "rejected_chars",
                "truncated",
                "agreement",
            ]
        }
        seen: set[str] = set()
        for i, row in enumerate(rows, start=1):
            where = f"{source}: row {i}"
            if not isinstance(row, Mapping):
                errors.append(f"{where}: expected an object, got {type(row).__name__}")
                continue
            missing = [f for f in REQUIRED_FIELDS if row.get(f) is None]
            if missing:
                errors.append(f"{where}: missing field(s) {', '.join(missing)}")
                continue
            rid = str(row["id"])
            if rid in seen:
                errors.append(f"{where}: field id: duplicate id {rid!r}")
                continue
            seen.add(rid)
            try:
                cs, rs = float(row["chosen_score"]), float(row["rejected_score"])
            except (TypeError, ValueError):
                errors.append(f"{where}: chosen_score/rejected_score must be numbers")
                continue
            if not (math.isfinite(cs) and math.isfinite(rs)):
                errors.append(f"{where}: field chosen_score/rejected_score: non-finite reward")
                continue
            try:
                numbers = [
                    _float_or_nan(row.get(f))
                    for f in ("chosen_tokens", "rejected_tokens", "chosen_chars", "rejected_chars")
                ]
                agreement = _float_or_nan(row.get("agreement"))
            except (TypeError, ValueError) as exc:
                errors.append(f"{where}: length/agreement fields must be numbers ({exc})")
                continue
            cat = row.get("category")
            cols["ids"].append(rid)
            cols["categories"].append(None if cat in (None, "") else str(cat))
            cols["conversation_ids"].append(str(row.get("conversation_id") or rid))
            cols["chosen"].append(cs)
            cols["rejected"].append(rs)
            for name, value in zip(
                ("chosen_tokens", "rejected_tokens", "chosen_chars", "rejected_chars"),
                numbers,
                strict=True,
            ):
                cols[name].append(value)
            cols["truncated"].append(bool(row.get("truncated", False)))
            cols["agreement"].append(agreement)
        if errors:
            shown = "\n  ".join(errors[:50])
            more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
            raise ScoreTableError(f"{len(errors)} invalid score-table row(s):\n  {shown}{more}")
        f64 = np.float64
        return cls(
            ids=cols["ids"],
            categories=cols["categories"],
            conversation_ids=cols["conversation_ids"],
            chosen=np.asarray(cols["chosen"], dtype=f64),
            rejected=np.asarray(cols["rejected"], dtype=f64),
            chosen_tokens=np.asarray(cols["chosen_tokens"], dtype=f64),
            rejected_tokens=np.asarray(cols["rejected_tokens"], dtype=f64),
            chosen_chars=np.asarray(cols["chosen_chars"], dtype=f64),
            rejected_chars=np.asarray(cols["rejected_chars"], dtype=f64),
            truncated=np.asarray(cols["truncated"], dtype=bool),
            agreement=np.asarray(cols["agreement"], dtype=f64),
            source=source,
        )

    def to_rows(self) -> list[dict[str, Any]]:
        """Back to JSON-ready rows (NaN lengths/agreement become null)."""

        def num(x: float, as_int: bool = False) -> float | int | None:
            if math.isnan(x):
                return None
            return int(x) if as_int else float(x)

        return [
            {
                "id": self.ids[i],
                "category": self.categories[i],
                "conversation_id": self.conversation_ids[i],
                "chosen_score": float(self.chosen[i]),
                "rejected_score": float(self.rejected[i]),
                "chosen_tokens": num(self.chosen_tokens[i], True),
                "rejected_tokens": num(self.rejected_tokens[i], True),
                "chosen_chars": num(self.chosen_chars[i], True),
                "rejected_chars": num(self.rejected_chars[i], True),
                "truncated": bool(self.truncated[i]),
                "agreement": num(self.agreement[i]),
            }
            for i in range(len(self))
        ]


def as_table(rows: ScoreTable | Sequence[Mapping[str, Any]]) -> ScoreTable:
    return rows if isinstance(rows, ScoreTable) else ScoreTable.from_rows(rows)


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file (``.gz`` aware); a bad line raises with file and line number."""
    path = Path(path)
    opener: Any = gzip.open if path.suffix == ".gz" else open
    out: list[dict[str, Any]] = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ScoreTableError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from exc
    return out


def read_score_table(path: str | Path) -> ScoreTable:
    """Load ``val_scores.jsonl`` (or any score-table JSONL) into a validated :class:`ScoreTable`."""
    return ScoreTable.from_rows(read_jsonl(path), source=str(path))


def write_score_table(table: ScoreTable | Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [ScoreRow.model_validate(r).model_dump() for r in as_table(table).to_rows()]
    atomic_write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return path
