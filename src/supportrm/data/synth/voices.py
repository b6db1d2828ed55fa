"""Customer voices: the same question written by different people (polite, angry, confused, terse,
typo-prone, non-native, rambling). Applied to user turns only; replies are written by the generator.
"""

from __future__ import annotations

import random
import re

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

_POLITE_PRE = ("Hi,", "Hello,", "Hi there,", "Good morning,", "Hey,", "")
_POLITE_POST = ("Thanks!", "Thank you.", "Thanks in advance.", "Appreciate it.", "")
_ANGRY_PRE = (
    "This is ridiculous.",
    "I'm really fed up.",
    "Third time asking.",
    "Seriously?",
    "Honestly this is unacceptable.",
    "I'm so annoyed right now.",
)
_ANGRY_POST = (
    "Sort it out!",
    "I want an answer today.",
    "Terrible service.",
    "I'm about to leave for good.",
    "Fix this now.",
)
_CONFUSED_PRE = (
    "Sorry, I'm a bit lost.",
    "I don't really understand how this works.",
    "Not sure if this is the right place to ask, but",
    "Maybe a silly question:",
    "I'm confused.",
)
_CONFUSED_POST = (
    "Did I do something wrong?",
    "I'm not sure what to do.",
    "Sorry if this is obvious.",
    "Could you explain?",
    "",
)
_RAMBLE = (
    "So I've been a customer for a few years and never had an issue until now.",
    "Long story, but I was sorting out a few things this weekend and this came up.",
    "My partner usually handles this stuff but they're away, so here I am.",
    "I tried looking on the website but got lost in all the menus.",
    "I was on my lunch break and thought I'd finally ask.",
    "My friend said you'd be able to help with this quickly.",
)
_NN_PRE = ("Hello, please help me.", "Hello sir,", "Good day,", "Please,", "Hi,")
_NN_POST = (
    "Thank you very much for help.",
    "Please answer me soon.",
    "I am waiting your reply.",
    "Thanks you.",
)
_NN_SUBS = (
    (r"\bI want to\b", "I want"),
    (r"\bcan I\b", "is possible I"),
    (r"\bdo I\b", "I must"),
    (r"\bhow do I\b", "how I can"),
    (r"\bhasn't\b", "not"),
    (r"\bdoesn't\b", "not"),
    (r"\bI'm\b", "I am"),
    (r"\bwhat's\b", "what is"),
)


def _typos(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    out = []
    for w in words:
        if len(w) > 3 and w.isalpha() and rng.random() < 0.22:
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
        return _typos(_sentence(q, end) if rng.random() < 0.5 else q, rng)
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
