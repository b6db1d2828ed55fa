"""Shared test fixtures (kept small on purpose).

- ``HH_PATH`` / ``hh_path``: the real Anthropic HH harmless test file in ../shared (read in place,
  never copied); tests that need it are skipped when it is absent.
- ``make_pair``: build a valid :class:`PreferencePair` with overridable fields.
- ``write_jsonl``: write a list of dicts as a JSONL file under ``tmp_path``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from supportrm.data.schema import Message, PreferencePair

# Tests never touch the network (no model or dataset hub here).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
HH_PATH = REPO.parent / "shared" / "data" / "real" / "hh-rlhf-harmless-base-test.jsonl.gz"


@pytest.fixture
def hh_path() -> Path:
    if not HH_PATH.exists():
        pytest.skip(f"real HH data not present at {HH_PATH}")
    return HH_PATH


@pytest.fixture
def make_pair() -> Callable[..., PreferencePair]:
    def make(i: int = 0, **overrides: Any) -> PreferencePair:
        fields: dict[str, Any] = {
            "id": f"p{i}",
            "prompt": (Message("user", f"question {i}"),),
            "chosen": f"good answer {i}",
            "rejected": f"bad {i}",
            "conversation_id": f"c{i}",
            "category": "helpfulness",
        }
        fields.update(overrides)
        return PreferencePair(**fields)

    return make


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    def write(records: list[dict[str, Any]], name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        return path

    return write
