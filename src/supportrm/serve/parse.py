"""Turn a chat-templated string (what OpenRLHF and verl send) back into a conversation and a reply.

RLHF stacks hand the reward model the policy's own rendering: ``prompt + response`` already passed
through the *policy's* chat template. supportrm's model was trained on its *own* rendering of
(conversation, reply) (``model/render.py``), so the string is parsed back into turns with the
formats in ``chat_formats.yaml`` and re-rendered exactly as in training. A string in no known
format is scored as a reply with no conversation (said in docs/serving.md and in ``/info``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from supportrm.data.schema import Message

#: The format name reported for strings that match no template.
UNFORMATTED = "plain-text"


class QueryError(ValueError):
    """A string that cannot be scored (said to the caller as a 422)."""


@dataclass(frozen=True)
class ChatFormat:
    name: str
    turn: re.Pattern[str]
    roles: dict[str, str]
    strip: tuple[str, ...]
    system_preamble: re.Pattern[str] | None


@dataclass(frozen=True)
class ParsedQuery:
    prompt: tuple[Message, ...]
    reply: str
    format: str


@lru_cache(maxsize=1)
def chat_formats() -> tuple[ChatFormat, ...]:
    raw: Any = yaml.safe_load(
        resources.files("supportrm.serve").joinpath("chat_formats.yaml").read_text("utf-8")
    )
    out = []
    for f in raw["formats"]:
        unknown = set(f["roles"].values()) - {"system", "user", "assistant"}
        if unknown:
            raise ValueError(f"chat_formats.yaml: format {f['name']}: unknown roles {unknown}")
        preamble = f.get("system_preamble")
        out.append(
            ChatFormat(
                name=f["name"],
                turn=re.compile(f["turn"], re.DOTALL),
                roles=dict(f["roles"]),
                strip=tuple(f.get("strip") or ()),
                system_preamble=re.compile(preamble) if preamble else None,
            )
        )
    return tuple(out)


def parse_query(text: str) -> ParsedQuery:
    """The conversation and the final assistant reply of a templated string."""
    if not text.strip():
        raise QueryError("empty string: nothing to score")
    for fmt in chat_formats():
        cleaned = text
        for token in fmt.strip:
            cleaned = cleaned.replace(token, "")
        turns = list(fmt.turn.finditer(cleaned))
        if not turns:
            continue
        messages = []
        for m in turns:
            role = fmt.roles.get(m.group("role"))
            if role is None:
                raise QueryError(f"{fmt.name} template: unknown role {m.group('role')!r}")
            content = m.group("content")
            if role == "system" and fmt.system_preamble is not None:
                content = fmt.system_preamble.sub("", content, count=1)
            messages.append(Message(role, content.strip()))
        if messages[-1].role != "assistant":
            raise QueryError(
                f"{fmt.name} template: the string ends with a {messages[-1].role} turn, not an "
                "assistant reply (send prompt + response)"
            )
        if not messages[-1].content:
            raise QueryError(f"{fmt.name} template: the assistant reply is empty")
        return ParsedQuery(tuple(messages[:-1]), messages[-1].content, fmt.name)
    return ParsedQuery((), text.strip(), UNFORMATTED)
