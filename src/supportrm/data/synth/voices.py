"""Customer voices: the same question written by different people (polite, angry, confused, terse,
typo-prone, non-native, rambling). Applied to user turns only; replies are written by the generator.

The phrases around the question live in ``content_v1/voices.yaml`` (schema:
:mod:`supportrm.data.synth.content`); how each voice uses them is code, below.
"""

from __future__ import annotations

import random
import re

from supportrm.data.synth.content import load_voices
from supportrm.data.synth.spec import cap, join

VOICES: tuple[str, ...] = (
    "polite",
    "angry",
    "confused",
    "terse",
    "typos",
    "non_native",
    "rambling",
)
# Real support queues are mostly ordinary; the marked voices still cover about half of turns.
VOICE_WEIGHTS: tuple[float, ...] = (0.3, 0.12, 0.12, 0.14, 0.12, 0.1, 0.1)

_PHRASES = load_voices()
_POLITE_PRE: tuple[str, ...] = _PHRASES.polite.before
_POLITE_POST: tuple[str, ...] = _PHRASES.polite.after
_ANGRY_PRE: tuple[str, ...] = _PHRASES.angry.before
_ANGRY_POST: tuple[str, ...] = _PHRASES.angry.after
_CONFUSED_PRE: tuple[str, ...] = _PHRASES.confused.before
_CONFUSED_POST: tuple[str, ...] = _PHRASES.confused.after
_RAMBLE: tuple[str, ...] = _PHRASES.rambling
_NN_PRE: tuple[str, ...] = _PHRASES.non_native.before
_NN_POST: tuple[str, ...] = _PHRASES.non_native.after
#: (pattern, replacement), applied in order, case-insensitively.
_NN_SUBS: tuple[tuple[str, str], ...] = tuple(
    (r.pattern, r.replacement) for r in _PHRASES.non_native.rewrites
)


def typos(text: str, rng: random.Random, rate: float = 0.22) -> str:
    """Swap, drop or double one letter in some longer words (never inside numbers); used by
    generator v1 (rate 0.22) and v2 (0.2)."""
    words = text.split(" ")
    out = []
    for w in words:
        if len(w) > 3 and w.isalpha() and rng.random() < rate:
            i = rng.randrange(1, len(w) - 1)
            op = rng.random()
            if op < 0.45:
                w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
            elif op < 0.8:
                w = w[:i] + w[i + 1 :]
            else:
                w = w[:i] + w[i] + w[i:]
        out.append(w)
    return " ".join(out)


_QUESTION_START = re.compile(
    r"^(how|what|why|when|where|which|who|can|could|do|does|did|is|are|will|would|should|any)\b",
    re.IGNORECASE,
)


def _sentence(q: str, end: str = "") -> str:
    """Capitalise and end with ``end``, or by default "?" for a question and "." otherwise."""
    q = cap(q.strip())
    if q[-1:] in "?.!":
        return q
    return q + (end or ("?" if _QUESTION_START.match(q) else "."))


def speak(
    question: str, voice: str, rng: random.Random, *, statement: bool = False, greet: bool = True
) -> str:
    """Render ``question`` (lower-case, no greeting) in ``voice``.

    ``statement``: the text is a statement ("my order hasn't arrived"), so it ends with a full stop.
    ``greet=False``: a later turn of the conversation, where a greeting would be odd.
    """
    q = question.strip()
    end = "." if statement else ""
    if voice == "polite":
        pre = rng.choice(_POLITE_PRE) if greet else ""
        body = _sentence(q, end)
        if pre.endswith(","):
            body = body[:1].lower() + body[1:] if not body.startswith(("I ", "I'")) else body
        return " ".join(p for p in (pre, body, rng.choice(_POLITE_POST)) if p)
    if voice == "angry":
        body = _sentence(q, end)
        if rng.random() < 0.4:
            body = body.rstrip("?.!") + ("??" if body.endswith("?") else "!!")
        return f"{rng.choice(_ANGRY_PRE)} {body} {rng.choice(_ANGRY_POST)}"
    if voice == "confused":
        lead = rng.choice(_CONFUSED_PRE)
        body = q if lead.endswith(":") or lead.endswith("but") else _sentence(q, end)
        if not body.endswith(("?", ".", "!")):
            body += end or ("?" if _QUESTION_START.match(body) else ".")
        return " ".join(p for p in (lead, body, rng.choice(_CONFUSED_POST)) if p)
    if voice == "terse":
        t = re.sub(r"[?.!,]+$", "", q.lower())
        t = re.sub(r"^(can i|how do i|do i|is there|how much|can you) ", lambda m: m.group(0), t)
        return t + "?" if rng.random() < 0.5 and _QUESTION_START.match(t) else t
    if voice == "typos":
        return typos(_sentence(q, end) if rng.random() < 0.5 else q, rng)
    if voice == "non_native":
        t = q
        for pat, rep in _NN_SUBS:
            t = re.sub(pat, rep, t, flags=re.IGNORECASE)
        t = re.sub(r"\b(the|a) ", lambda m: "" if rng.random() < 0.5 else m.group(0), t)
        pre = rng.choice(_NN_PRE) if greet else ""
        return join(pre, _sentence(t, end), rng.choice(_NN_POST))
    if voice == "rambling":
        return join(rng.choice(_RAMBLE) if greet else "", _sentence(q, end), rng.choice(_RAMBLE))
    raise ValueError(f"unknown voice {voice!r}")
