"""The in-memory form of one preference pair, shared by every stage (data → train → evaluate → report).

Whatever the file format (TRL conversational, standard strings, implicit-prompt HH style), loading
normalises each record into a :class:`PreferencePair`: the conversation up to the point of reply
(``prompt``), and the two candidate assistant replies as plain strings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
ROLES: tuple[str, ...] = ("system", "user", "assistant")

#: The five category tags of the user's support data. Configurable wherever data is validated.
DEFAULT_CATEGORIES: tuple[str, ...] = (
    "helpfulness",
    "tone",
    "refusals",
    "hallucination",
    "brevity",
)
#: The group label of pairs without a category, wherever pairs are counted by category.
NO_CATEGORY = "(none)"


@dataclass(frozen=True)
class Message:
    role: str
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass
class PreferencePair:
    """One labelled comparison: ``chosen`` was preferred over ``rejected`` as the reply to ``prompt``."""

    id: str
    prompt: tuple[Message, ...]
    chosen: str
    rejected: str
    conversation_id: str
    category: str | None = None
    margin: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Where the record came from, e.g. ``data.jsonl:17`` (for error messages and reports).
    source: str = ""

    def to_record(self) -> dict[str, Any]:
        """The canonical on-disk form (TRL conversational format plus our optional fields)."""
        rec: dict[str, Any] = {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "category": self.category,
            "prompt": [m.to_dict() for m in self.prompt],
            "chosen": [{"role": "assistant", "content": self.chosen}],
            "rejected": [{"role": "assistant", "content": self.rejected}],
        }
        if self.margin is not None:
            rec["margin"] = self.margin
        if self.metadata:
            rec["metadata"] = self.metadata
        return rec


def prompt_hash(prompt: tuple[Message, ...] | list[Message]) -> str:
    """Stable hash of a conversation; the default ``conversation_id`` when a record has none."""
    payload = json.dumps([[m.role, m.content] for m in prompt], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
