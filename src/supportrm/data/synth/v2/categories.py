"""The two replies of a pair, one builder per category.

Each builder makes a *minimal pair* where it can: the better and worse replies share everything
but the property the category is about (one claim, the step, the framing, the padding). Contrast
sets keep surface rules from working: under one KB a bold claim is right and under another it is
the hallucination; in brevity the longer reply wins when the shorter one leaves out what the
customer needs; in hallucination the wrong reply is sometimes the warmer one.
"""

from __future__ import annotations

import random
import re
from typing import Any

from supportrm.data.schema import Message
from supportrm.data.synth.draft import Draft
from supportrm.data.synth.spec import fill, join
from supportrm.data.synth.v2 import content as C
from supportrm.data.synth.v2.conversation import (
    Conversation,
    ask,
    build_prompt,
    core,
    draw,
    lower_first,
    sentence,
    sentences,
)


def _meta(conv: Conversation, subtype: str, **extra: Any) -> dict[str, Any]:
    return {
        "subtype": subtype,
        "industry": conv.industry.key,
        "company": conv.company,
        "intent": conv.intent.key,
        "voice": conv.voice.key,
        "persona": conv.persona.key,
        "user_turns": conv.meta.get("user_turns"),
        "kb_facts": len(conv.kb),
        **extra,
    }


def _frame(conv: Conversation, rng: random.Random, body: str, p: float = 0.45) -> str:
    """``body`` with the persona's neutral opener and/or closer (each with probability ``p``)."""
    op = fill(rng.choice(conv.persona.openers), conv.ctx) if rng.random() < p else ""
    cl = fill(rng.choice(conv.persona.closers), conv.ctx) if rng.random() < p else ""
    return join(op, body, cl)


def balance(
    conv: Conversation, rng: random.Random, better: str, worse: str, better_longer: bool
) -> tuple[str, str]:
    """Add the persona's neutral openers/closers (label-free: the same bank on both sides) to the
    side that should be longer until it is, so length says little about the label."""
    sides = {"b": better, "w": worse}
    grow = "b" if better_longer else "w"
    for slot in rng.sample(("open", "close"), 2):
        if (len(sides["b"]) > len(sides["w"])) == better_longer:
            break
        bank = conv.persona.openers if slot == "open" else conv.persona.closers
        extra = fill(rng.choice(bank), conv.ctx)
        sides[grow] = join(extra, sides[grow]) if slot == "open" else join(sides[grow], extra)
    return sides["b"], sides["w"]


def _shared_frame(
    conv: Conversation, rng: random.Random, better: str, worse: str
) -> tuple[str, str]:
    """The same opener/closer on both sides: the pair differs only inside."""
    op = fill(rng.choice(conv.persona.openers), conv.ctx) if rng.random() < 0.45 else ""
    cl = fill(rng.choice(conv.persona.closers), conv.ctx) if rng.random() < 0.45 else ""
    return join(op, better, cl), join(op, worse, cl)


def _question_prompt(
    conv: Conversation, rng: random.Random, give_ref: float = 0.4
) -> tuple[Message, ...]:
    return build_prompt(conv, ask(conv, conv.intent, rng), rng, give_ref=rng.random() < give_ref)


# -- hallucination -------------------------------------------------------------------------------

#: A quarter each for changed values and written wrong claims (the subtle in-line kinds: false
#: capability, waived fee, stretched limit, wrong team...), a third for swapped rules, the rest
#: invented policies.
HALLUCINATION_SUBTYPES = (
    "value_changed",
    "rule_swap",
    "wrong_claim",
    "value_changed",
    "rule_swap",
    "invented_policy",
    "wrong_claim",
    "rule_swap",
    "value_changed",
    "wrong_claim",
    "rule_swap",
    "invented_policy",
)


#: A standalone number in text ("$35", "14", "20%"; not the 1 of "1st"): borrowing candidates.
_NUMBER = re.compile(r"(?<![\w$£€.,])[$£€]?\d+(?:[.,]\d+)?%?(?![A-Za-z\d])")


def _mentions(text: str, value: str) -> bool:
    """``value`` occurs in ``text`` as a whole number (14 is not in 140; it is in "14th")."""
    return re.search(r"(?<![\w$])" + re.escape(value) + r"(?!\d|[.,]\d)", text) is not None


def _shape(value: str) -> str:
    """What kind of value this is (so a borrowed value is a plausible substitute)."""
    return re.sub(r"\d+", "9", value)


def _mutation(
    conv: Conversation, answer: str, rng: random.Random, prompt_text: str
) -> tuple[dict[str, str], bool] | None:
    """Another plausible value for one slot the answer states. A third of the time it is
    *borrowed* from elsewhere in the KB (the refund window quoted as the exchange window) so that
    "does the number occur in the prompt" cannot solve the category."""
    p = conv.intent
    slots = [
        s
        for s in p.slots
        if s in C.placeholders(answer) and s in C.placeholders(conv.shown[p.key].kb)
    ]
    rng.shuffle(slots)
    for s in slots:
        current = conv.values[p.key][s]
        others = [v for v in p.slots[s] if v != current]
        if rng.random() < 0.35:
            seen = sorted(
                {
                    v
                    for v in _NUMBER.findall(prompt_text)
                    if _shape(v) == _shape(current) and v != current
                }
            )
            if seen:
                return {s: rng.choice(seen)}, True
        fresh = [v for v in others if not _mentions(prompt_text, v)]
        if fresh or others:
            value = rng.choice(fresh or others)
            return {s: value}, _mentions(prompt_text, value)
    return None


def hallucination(rng: random.Random, index: int) -> Draft:
    subtype = HALLUCINATION_SUBTYPES[index % len(HALLUCINATION_SUBTYPES)]
    need = {"value_changed": "slot", "rule_swap": "alt", "wrong_claim": "wrong"}.get(subtype, "")
    conv = draw(rng, need=need)
    if subtype in ("wrong_claim", "value_changed"):
        # A wrong claim contradicts the main rule, and the main answers state the slots the
        # main KB line holds (validated on load): the KB states the main rule.
        conv.shown[conv.intent.key] = _main(conv.intent)
    if subtype == "rule_swap":
        # Each version is the KB's half the time, so no phrasing is right more often than not.
        vs = _all_versions(conv.intent)
        conv.shown[conv.intent.key] = vs[0] if rng.random() < 0.5 else rng.choice(vs[1:])
    if subtype == "invented_policy" and not (conv.others(True) and conv.others(False)):
        subtype = "wrong_claim" if conv.intent.wrong else "value_changed"
        if subtype == "wrong_claim":
            conv.shown[conv.intent.key] = _main(conv.intent)
    prompt = _question_prompt(conv, rng)
    p, v = conv.intent, conv.shown[conv.intent.key]
    answers = v.answer
    if subtype == "value_changed":
        answers = [a for a in v.answer if C.placeholders(a) & set(p.slots)]
    answer, step = rng.choice(answers), rng.choice(v.step)
    good = [conv.say(p, answer), conv.say(p, step)]
    bad = list(good)
    extra: dict[str, Any] = {}
    if subtype == "value_changed":
        text = "\n".join(m.content for m in prompt)
        mut = _mutation(conv, answer, rng, text)
        if mut is None:
            raise RuntimeError(f"{p.key}: no slot to change")  # pragma: no cover - need="slot"
        override, borrowed = mut
        bad[0] = conv.say(p, answer, override)
        extra = {
            "slot": next(iter(override)),
            "wrong": next(iter(override.values())),
            "borrowed_from_kb": borrowed,
        }
    elif subtype == "rule_swap":
        others = [w for w in _all_versions(p) if w.alt != v.alt]
        w = rng.choice(others)
        bad[0] = conv.say(p, rng.choice(w.answer))
        extra = {"kind": v.kind or w.kind, "kb_states": "main" if v.alt < 0 else "alternative"}
    elif subtype == "wrong_claim":
        claim = rng.choice(p.wrong)
        said = conv.say(p, claim.text)
        if claim.in_place_of == "answer" and rng.random() < 0.5:
            # The rule stated right, then a false exception or promise on top of it: the reply
            # keeps every word of the right one and still misleads.
            bad.insert(1, said)
            extra = {"kind": claim.kind, "claim": "added"}
        else:
            bad[0 if claim.in_place_of == "answer" else 1] = said
            extra = {"kind": claim.kind, "claim": "replaced"}
        checked = C.replies().checked
        if checked and re.search(r"\bI(?:'ve| have)\b", claim.text) and rng.random() < 0.9:
            # A false capability says "I've ..."; so does what the agent truly did, so the words
            # alone do not mark the wrong reply.
            good.insert(0, rng.choice(checked))
    else:
        conn = rng.choice(C.replies().connectors)
        known, invented = rng.choice(conv.others(True)), rng.choice(conv.others(False))
        good.append(
            join(conn, lower_first(conv.say(known, rng.choice(conv.shown[known.key].answer))))
        )
        version = rng.choice(_all_versions(invented))  # not in this KB: any version is invented
        bad.append(join(conn, lower_first(conv.say(invented, rng.choice(version.answer)))))
        extra = {"invented": invented.key}
    b, w = join(*good), join(*bad)
    style = rng.random()
    if style < 0.2:
        # Contrast: one reply warmer than the other. Half the time it is the wrong one (a polite
        # reply that is wrong still loses), half the time the right one, so warmth says nothing.
        frame = rng.choice(C.replies().warm)
        fields = conv.fields(p)
        if style < 0.1:
            b, w = (
                _frame(conv, rng, b, 0.3),
                join(fill(frame.before, fields), w, fill(frame.after, fields)),
            )
            extra["warmer"] = "wrong"
        else:
            b, w = (
                join(fill(frame.before, fields), b, fill(frame.after, fields)),
                _frame(conv, rng, w, 0.3),
            )
            extra["warmer"] = "right"
    elif rng.random() < 0.6:
        b, w = _shared_frame(conv, rng, b, w)
        extra["minimal"] = True
    else:
        b, w = balance(conv, rng, b, w, rng.random() < 0.5)
    return Draft("hallucination", prompt, b, w, _meta(conv, subtype, **extra))


def _main(p: C.Policy) -> Any:
    return _all_versions(p)[0]


def _all_versions(p: C.Policy) -> list[Any]:
    from supportrm.data.synth.v2.conversation import versions

    return versions(p)


# -- helpfulness ---------------------------------------------------------------------------------

HELPFULNESS_SUBTYPES = ("generic", "missing_step", "adjacent_question", "asks_again", "deflects")


def helpfulness(rng: random.Random, index: int) -> Draft:
    subtype = HELPFULNESS_SUBTYPES[index % len(HELPFULNESS_SUBTYPES)]
    conv = draw(rng)
    if subtype == "adjacent_question" and not conv.others(True):
        subtype = "generic"
    prompt = _question_prompt(conv, rng, give_ref=1.0 if subtype == "asks_again" else 0.4)
    p, reps = conv.intent, C.replies()
    fields = conv.fields(p)
    better = core(conv, p, rng)
    if rng.random() < 0.3:
        # A helpful answer may point to the help centre too: the generic bank is used on both
        # sides, so its phrases alone do not mark the unhelpful reply.
        better = join(better, sentence(fill(rng.choice(reps.generic), fields)))
    if subtype == "generic":
        worse = [sentence(fill(rng.choice(reps.generic), fields))]
    elif subtype == "missing_step":
        worse = [core(conv, p, rng, step=False)]
    elif subtype == "adjacent_question":
        worse = [core(conv, rng.choice(conv.others(True)), rng)]
    elif subtype == "asks_again":
        worse = [sentence(fill(rng.choice(reps.ask_again), fields))]
    else:
        worse = [sentence(fill(rng.choice(reps.deflect), fields))]
    better_longer = rng.random() < 0.5
    if not better_longer:
        # A non-answer often comes padded: more of the same kind of non-help until it is the
        # longer reply (so "shorter loses" is no rule here).
        filler = {"generic": reps.generic, "missing_step": reps.vague_step}.get(
            subtype, reps.generic
        )
        for text in rng.sample(filler, 3):
            if len(join(*worse)) > len(better):
                break
            worse.append(sentence(fill(text, fields)))
    b, w = balance(conv, rng, better, join(*worse), better_longer)
    return Draft("helpfulness", prompt, b, w, _meta(conv, subtype))


# -- refusals ------------------------------------------------------------------------------------


def refusals(rng: random.Random, index: int) -> Draft:
    must = index % 2 == 0  # exactly half must be declined
    scenarios = C.refusal_scenarios().scenarios
    scen = rng.choice(scenarios)
    conv = draw(rng)
    while scen.industries and conv.industry.key not in scen.industries:
        scen = rng.choice(scenarios)
    req = rng.choice(scen.must_decline if must else scen.legitimate)
    fields = {**conv.ctx, "topic": conv.intent.topic}
    vague = rng.choice(
        ("I need help with an account", "I have a request", "quick question about an account")
    )
    prompt = build_prompt(
        conv,
        fill(req.text, fields),
        rng,
        give_ref=rng.random() < 0.3,
        vague=vague,
        notes=_session_note(req.kind, rng),
    )
    decline = sentence(fill(rng.choice(scen.decline), fields))
    comply = sentence(fill(rng.choice(scen.comply), fields))
    better, worse = (decline, comply) if must else (comply, decline)
    b, w = balance(conv, rng, better, worse, rng.random() < 0.5)
    subtype = ("must_decline:" if must else "legitimate:") + scen.key
    return Draft("refusals", prompt, b, w, _meta(conv, subtype, request_kind=req.kind))


#: Which console status goes with which kind of request. It decides only together with the
#: request: verified customers asking about someone else's account, or making a fraudulent
#: claim, must still be declined; guests may still do what anyone may do.
_STATUS_OF_KIND: dict[str, tuple[str, ...]] = {
    "verified": ("verified",),
    "own_account": ("verified",),
    "authorised_user": ("verified",),
    "no_verification": ("unverified",),
    "failed_verification": ("unverified",),
    "not_account_holder": ("verified", "verified", "unverified"),
    "fraud": ("verified",),
    "abuse": ("verified", "unverified"),
    "policy": ("verified", "unverified"),
    "allowed_action": ("guest", "unverified", "verified"),
    "public_info": ("guest", "unverified"),
}


def _session_note(kind: str, rng: random.Random) -> str:
    notes = C.refusal_scenarios().session_notes
    statuses = _STATUS_OF_KIND.get(kind, ())
    if not notes or not statuses or rng.random() >= 0.75:
        return ""  # a quarter of conversations: the request alone decides
    return rng.choice(notes[rng.choice(statuses)])  # type: ignore[index, arg-type]


# -- tone ----------------------------------------------------------------------------------------

RUDE_STYLES: tuple[str, ...] = C.RudeStyle.__args__  # type: ignore[attr-defined]


def tone(rng: random.Random, index: int) -> Draft:
    style = RUDE_STYLES[index % len(RUDE_STYLES)]
    conv = draw(rng)
    prompt = _question_prompt(conv, rng)
    p, reps = conv.intent, C.replies()
    fields = conv.fields(p)
    body = core(conv, p, rng)
    rude_bank = reps.rude[style]  # type: ignore[index]
    twins = reps.warm_twins.get(style)  # type: ignore[call-overload]
    want_longer = rng.random() < 0.5
    best: tuple[str, str] | None = None
    for _ in range(40):
        i = rng.randrange(len(rude_bank))
        rude = rude_bank[i]
        pick = rng.random()
        if twins and pick < 0.2:
            # The rude frame's warm twin: the same words used kindly, so no single word marks
            # the rude reply; only how they are used does.
            warm: C.Frame | None = twins[i]
        else:
            warm = rng.choice(reps.warm) if pick < 0.85 else None
        b = (
            join(fill(warm.before, fields), body, fill(warm.after, fields))
            if warm
            else _frame(conv, rng, body)
        )
        inner = lower_first(body) if rude.before.endswith((",", ":")) else body
        w = join(fill(rude.before, fields), inner, fill(rude.after, fields))
        if 0.75 <= len(w) / len(b) <= 1.33:
            best = (b, w)
            if (len(b) > len(w)) == want_longer:
                break
    if best is None:
        best = (b, w)
    return Draft("tone", prompt, best[0], best[1], _meta(conv, style))


# -- brevity -------------------------------------------------------------------------------------

#: Half the pairs prefer the concise reply, half the longer one (the short one is incomplete).
BREVITY_SUBTYPES = (
    "padded",
    "incomplete_step",
    "repetitive",
    "cut_first_sentence",
    "repetitive",
    "incomplete_answer",
)


def brevity(rng: random.Random, index: int) -> Draft:
    subtype = BREVITY_SUBTYPES[index % len(BREVITY_SUBTYPES)]
    conv = draw(rng)
    prompt = _question_prompt(conv, rng)
    p = conv.intent
    v = conv.shown[p.key]
    answer = conv.say(p, rng.choice(v.answer))
    step = conv.say(p, rng.choice(v.step))
    full = _frame(conv, rng, join(answer, step), 0.35)
    if subtype == "padded":
        return Draft(
            "brevity", prompt, full, _padded(conv, rng, answer, step), _meta(conv, subtype)
        )
    if subtype == "repetitive":
        return Draft(
            "brevity", prompt, full, _repeated(conv, rng, full, answer), _meta(conv, subtype)
        )
    if rng.random() < 0.4:
        # The complete reply may carry one courtesy or caveat sentence too: padding phrases are
        # used on both sides, and only a reply that is *mostly* padding, or incomplete, loses.
        pad = C.replies().padding
        full = join(full, sentence(fill(rng.choice(pad.filler + pad.caveat), conv.fields(p))))
    if subtype == "incomplete_step":
        short = _frame(conv, rng, answer, 0.3)
    elif subtype == "incomplete_answer":
        short = _frame(conv, rng, step, 0.3)
    else:
        short = sentences(full)[0]
    return Draft("brevity", prompt, full, short, _meta(conv, subtype))


def _padded(conv: Conversation, rng: random.Random, answer: str, step: str) -> str:
    pad = C.replies().padding
    fields = conv.fields(conv.intent)
    pieces = {
        "restate": sentence(fill(rng.choice(pad.restate), fields)),
        "filler": sentence(fill(rng.choice(pad.filler), fields)),
        "repeat": join(
            rng.choice(pad.repeat_lead),
            lower_first(conv.say(conv.intent, rng.choice(conv.shown[conv.intent.key].answer))),
        ),
        "caveat": sentence(fill(rng.choice(pad.caveat), fields)),
        "boilerplate": sentence(fill(rng.choice(pad.boilerplate), fields)),
    }
    names = rng.sample(list(pieces), rng.choice((2, 2, 3, 4)))
    order = ("filler", "restate", "answer", "step", "repeat", "caveat", "boilerplate")
    parts = {**pieces, "answer": answer, "step": step}
    return join(*(parts[k] for k in order if k in ("answer", "step") or k in names))


def _repeated(conv: Conversation, rng: random.Random, full: str, answer: str) -> str:
    """``full`` with one sentence said twice: verbatim, or re-phrased after a lead-in."""
    sents = sentences(full)
    i = rng.randrange(len(sents))
    if rng.random() < 0.65:
        again = sents[i]
    else:
        again = join(rng.choice(C.replies().padding.repeat_lead), lower_first(answer))
    at = rng.choice((i + 1, len(sents)))
    return join(*sents[:at], again, *sents[at:])


BUILDERS = {
    "helpfulness": helpfulness,
    "tone": tone,
    "refusals": refusals,
    "hallucination": hallucination,
    "brevity": brevity,
}
