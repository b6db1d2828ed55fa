"""Drawing one conversation: company, knowledge base (which rule version, which slot values),
the customer's turns in a voice, and the replies' building blocks (answer, step) for any policy.

Everything is drawn from the pair's own ``random.Random``, so output is deterministic.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from supportrm.data.schema import Message
from supportrm.data.synth.spec import cap, fill, join
from supportrm.data.synth.v2 import content as C
from supportrm.data.synth.voices import typos

#: Share of conversations with earlier turns before the final question.
MULTI_TURN = 0.35
#: Share of KB lines that state a policy's alternative rule instead of its main one.
ALTERNATIVE_SHARE = 0.4
_NAMES = (
    "Dana Whitfield",
    "Marco Feld",
    "Priya Raman",
    "Tom Okafor",
    "Lena Brandt",
    "Sam Ortiz",
    "Aiko Tanaka",
    "Bea Costa",
    "Jonas Weber",
    "Fatima Idris",
    "Ruth Kline",
    "Omar Haddad",
)
_EMAIL_USERS = ("jm.home", "k.ortiz", "dana.w", "t.okafor", "ray.b", "mila.s", "p.nguyen")
_EMAIL_HOSTS = ("example.org", "example.net", "example.com", "mail.example")


@dataclass
class Version:
    """The rule a KB line states for one policy: the main one or an alternative."""

    kb: str
    answer: list[str]
    step: list[str]
    alt: int  # -1: main rule; otherwise the index into policy.alternatives
    kind: str = ""  # the alternative's kind ("" for the main rule)


def versions(policy: C.Policy) -> list[Version]:
    out = [Version(policy.kb, policy.answer, policy.step, -1)]
    for i, a in enumerate(policy.alternatives):
        out.append(Version(a.kb, a.answer, a.step or policy.step, i, a.kind))
    return out


@dataclass
class Conversation:
    industry: C.Industry
    company: str
    persona: C.Persona
    intent: C.Policy
    kb: list[C.Policy]  # in the order shown; includes the intent
    shown: dict[str, Version]  # policy key -> the version the KB states
    values: dict[str, dict[str, str]]  # policy key -> slot values
    ctx: dict[str, str]
    voice: C.Voice
    meta: dict[str, object] = field(default_factory=dict)

    def fields(self, policy: C.Policy, override: dict[str, str] | None = None) -> dict[str, str]:
        return {**self.ctx, "topic": policy.topic, **self.values[policy.key], **(override or {})}

    def say(self, policy: C.Policy, text: str, override: dict[str, str] | None = None) -> str:
        return sentence(fill(text, self.fields(policy, override)))

    def kb_line(self, policy: C.Policy) -> str:
        return sentence(fill(self.shown[policy.key].kb, self.fields(policy)))

    def others(self, in_kb: bool) -> list[C.Policy]:
        """The industry's other policies, those in this KB (``in_kb``) or those not in it."""
        keys = {p.key for p in self.kb}
        return [
            p for p in self.industry.policies if p is not self.intent and (p.key in keys) == in_kb
        ]


def lower_first(text: str) -> str:
    """Lower-case the first letter for use mid-sentence, but never the pronoun "I"."""
    return text if re.match(r"I\b", text) else text[:1].lower() + text[1:]


def sentence(text: str) -> str:
    text = cap(text.strip())
    return text if text[-1:] in ".!?" else text + "."


_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def sentences(text: str) -> list[str]:
    """Split a reply into sentences (on end punctuation followed by a capital or digit)."""
    return [s for s in _SENT.split(text.strip()) if s]


def make_ref(fmt: str, rng: random.Random) -> str:
    out = []
    for ch in fmt:
        if ch == "A":
            out.append(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ"))
        elif ch == "9":
            out.append(rng.choice("0123456789"))
        else:
            out.append(ch)
    return "".join(out)


def draw(
    rng: random.Random,
    *,
    need: str = "",
    industries: tuple[C.Industry, ...] | None = None,
) -> Conversation:
    """A conversation whose intent policy can make a pair of kind ``need``:
    ``"slot"`` (an answer states a slot value), ``"alt"`` (has alternatives), ``"wrong"``
    (has wrong claims), or anything for no constraint."""
    pool = industries or C.industries()
    ind = rng.choice(pool)
    eligible = [p for p in ind.policies if _eligible(p, need)]
    while not eligible:
        ind = rng.choice(pool)
        eligible = [p for p in ind.policies if _eligible(p, need)]
    intent = rng.choice(eligible)
    # 1-4 KB lines, about two on average: keeps conversation + reply near 220 model tokens (the
    # CPU training budget); real KB excerpts are short and specific too.
    n_kb = rng.choices((1, 2, 3, 4), weights=(3, 5, 3, 1))[0]
    rest = rng.sample([p for p in ind.policies if p is not intent], n_kb - 1)
    kb = [intent, *rest]
    rng.shuffle(kb)
    values = {p.key: {s: rng.choice(v) for s, v in p.slots.items()} for p in ind.policies}
    shown = {}
    for p in ind.policies:
        vs = versions(p)
        shown[p.key] = (
            vs[0] if len(vs) == 1 or rng.random() >= ALTERNATIVE_SHARE else rng.choice(vs[1:])
        )
    reps = C.replies()
    scaff = C.scaffolding()
    ctx = {
        "company": rng.choice(ind.companies),
        "description": ind.description,
        "ref_name": ind.ref_name,
        "ref": make_ref(ind.ref_format, rng),
        "name": rng.choice(_NAMES),
        "email": f"{rng.choice(_EMAIL_USERS)}@{rng.choice(_EMAIL_HOSTS)}",
        "digits": f"{rng.randrange(10000):04d}",
    }
    voice = rng.choices(scaff.voices, weights=[v.weight for v in scaff.voices])[0]
    return Conversation(
        ind, ctx["company"], rng.choice(reps.personas), intent, kb, shown, values, ctx, voice
    )


def _eligible(p: C.Policy, need: str) -> bool:
    if need == "slot":
        return any(C.placeholders(a) & set(p.slots) for a in p.answer)
    if need == "alt":
        return bool(p.alternatives)
    if need == "wrong":
        return bool(p.wrong)
    return True


# -- the prompt ---------------------------------------------------------------------------------


_LABELLED = re.compile(r"^[A-Z][\w &'/()-]{0,40}:\s")


def system_message(conv: Conversation, rng: random.Random) -> str:
    lines = [conv.kb_line(p) for p in conv.kb]
    style = rng.choice(("bullets", "bullets", "numbered", "prose", "topics"))
    if style == "topics" and any(_LABELLED.match(x) for x in lines):
        style = "bullets"  # the lines carry their own labels ("Refunds: ...")
    if style == "bullets":
        kb = "\n".join("- " + x for x in lines)
    elif style == "numbered":
        kb = "\n".join(f"{i}. {x}" for i, x in enumerate(lines, 1))
    elif style == "prose":
        kb = " ".join(lines)
    else:
        kb = "\n".join(f"{cap(p.topic)}: {x}" for p, x in zip(conv.kb, lines, strict=True))
    scaff = C.scaffolding()
    # Shorter templates more often (weight 1/length): long boilerplate instructions teach
    # nothing and cost training time.
    template = rng.choices(scaff.system, weights=[1 / len(t) for t in scaff.system])[0]
    has_header = re.search(r":\s*\n\s*\{kb\}", template) is not None
    if not has_header and rng.random() < 0.5:
        kb = rng.choice(scaff.kb_headers) + "\n" + kb
    return fill(template, {**conv.ctx, "kb": kb}).strip()


def speak(text: str, conv: Conversation, rng: random.Random, *, first: bool) -> str:
    """A customer turn in the conversation's voice (phrases around it only in the first turn)."""
    voice = conv.voice
    body = sentence(text) if voice.key not in ("terse", "lowercase") else text.strip()
    if first:
        pre = rng.choice(voice.before) if voice.before and rng.random() < 0.55 else ""
        post = rng.choice(voice.after) if voice.after and rng.random() < 0.45 else ""
        body = join(fill(pre, conv.ctx), body, fill(post, conv.ctx))
    return styled(body, voice.key, rng)


def styled(text: str, key: str, rng: random.Random) -> str:
    """Character-level voices: typos, all lower case, terse, simplified grammar."""
    if key == "typos":
        return typos(text, rng, rate=0.2)
    if key == "lowercase":
        return re.sub(r"[.!]+(\s|$)", r"\1", text.lower()).strip()
    if key == "terse":
        return re.sub(r"[?.!,]+$", "", text.lower()).strip()
    if key == "non_native":
        for pat, rep in _NON_NATIVE:
            text = re.sub(pat, rep, text, flags=re.IGNORECASE)
        return text
    return text


_NON_NATIVE = (
    (r"\bI want to\b", "I want"),
    (r"\bcan I\b", "is possible I"),
    (r"\bhow do I\b", "how I can"),
    (r"\bdoesn't\b", "not"),
    (r"\bI'm\b", "I am"),
    (r"\bwhat's\b", "what is"),
    (r"\bthe\s", ""),
)


def ask(conv: Conversation, policy: C.Policy, rng: random.Random) -> str:
    return fill(rng.choice(policy.ask), conv.fields(policy))


def core(conv: Conversation, policy: C.Policy, rng: random.Random, *, step: bool = True) -> str:
    """The correct reply to ``policy``'s question under this KB: its answer, then its step."""
    v = conv.shown[policy.key]
    parts = [conv.say(policy, rng.choice(v.answer))]
    if step:
        parts.append(conv.say(policy, rng.choice(v.step)))
    return join(*parts)


def build_prompt(
    conv: Conversation,
    final: str,
    rng: random.Random,
    *,
    give_ref: bool,
    multi: bool | None = None,
    vague: str | None = None,
    notes: str = "",
) -> tuple[Message, ...]:
    """System message (with ``notes`` appended, e.g. what the console shows about the customer),
    optional earlier turns, and the final user turn (``final``, unstyled)."""
    scaff = C.scaffolding()
    system = system_message(conv, rng)
    msgs = [Message("system", f"{system}\n\n{notes}" if notes else system)]
    multi = rng.random() < MULTI_TURN if multi is None else multi
    first = True
    ref_text = fill(rng.choice(scaff.give_ref), conv.ctx)
    if multi:
        pattern = rng.choice(("clarify", "prior", "both"))
        prior = conv.others(in_kb=True)
        if rng.random() < 0.2:
            msgs += [
                Message("user", styled(rng.choice(scaff.greeting), conv.voice.key, rng)),
                Message("assistant", rng.choice(scaff.greeting_reply)),
            ]
        if pattern in ("clarify", "both") or not prior:
            opening = vague if vague is not None else conv.intent.vague
            text = fill(opening, conv.fields(conv.intent))
            if give_ref and rng.random() < 0.5:
                text, give_ref = join(sentence(text), ref_text), False
            msgs += [
                Message("user", speak(text, conv, rng, first=first)),
                Message("assistant", rng.choice(scaff.clarify)),
            ]
            first = False
        if pattern in ("prior", "both") and prior:
            other = rng.choice(prior)
            msgs += [
                Message("user", speak(ask(conv, other, rng), conv, rng, first=first)),
                Message("assistant", core(conv, other, rng)),
            ]
            first = False
            lead = rng.choice(scaff.follow_up)
            final = join(lead, lower_first(final) if lead[-1:] not in ".!?" else final)
    if give_ref:
        final = join(sentence(final), ref_text)
    msgs.append(Message("user", speak(final, conv, rng, first=first)))
    conv.meta["user_turns"] = sum(m.role == "user" for m in msgs)
    return tuple(msgs)
