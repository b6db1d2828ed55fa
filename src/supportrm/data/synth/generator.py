"""The generator: conversations, the two replies per category, annotation noise, ids, order.

Every pair is drawn from its own random stream (``seed``, category, index), so output is
deterministic and does not depend on Python's hash seed or on the order of generation.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from supportrm.data.schema import Message, PreferencePair
from supportrm.data.synth import phrases
from supportrm.data.synth.draft import Draft, annotate
from supportrm.data.synth.draft import generate_drafts as draft_stream
from supportrm.data.synth.industries import INDUSTRIES, INTENT_ITEMS, PRODUCTS, SERVICES
from supportrm.data.synth.scenarios import (
    CITIES,
    DECLINE_REASON,
    EMAILS,
    NAMES,
    SCENARIOS,
    STREETS,
    Scenario,
)
from supportrm.data.synth.spec import (
    Conversation,
    Fact,
    Intent,
    cap,
    fill,
    join,
    make_ref,
    mentions,
)
from supportrm.data.synth.voices import VOICE_WEIGHTS, VOICES, speak

GENERATOR_VERSION = "support-pairs-v1"

SYSTEM_TEMPLATES: tuple[str, ...] = (
    "You are the virtual support assistant for {company}, {description}. Answer using the knowledge base below.\nKnowledge base:\n{kb}",
    "You are a customer support agent at {company} ({description}). Company policy excerpt:\n{kb}",
    "{company} support assistant. Be accurate and helpful; rely only on these policy notes:\n{kb}",
    "You help customers of {company}, {description}. Relevant policies:\n{kb}",
    "Role: support agent for {company}. Facts you may use:\n{kb}",
)
CLARIFY: tuple[str, ...] = (
    "Sure. Could you tell me a bit more about what you need?",
    "Happy to help. What seems to be the problem?",
    "I can look into that. What exactly would you like to know?",
    "Thanks for reaching out. Can you describe the issue?",
)
FOLLOW_UP: tuple[str, ...] = (
    "Thanks. Also,",
    "ok. another thing:",
    "Great, and",
    "One more question:",
    "Thanks! And",
)
GREETING: tuple[str, ...] = ("hello?", "hi, anyone there?", "Hi", "hello, I need some help")
GREETING_REPLY: tuple[str, ...] = (
    "Hi! How can I help today?",
    "Hello, I'm here. What can I do for you?",
)
CONNECTORS: tuple[str, ...] = (
    "Also,",
    "By the way,",
    "Good to know:",
    "Just so you know,",
    "One more thing:",
)


# ---------------------------------------------------------------- conversation


def draw_conversation(rng: random.Random, capability: bool = False) -> Conversation:
    ind = rng.choice(INDUSTRIES)
    intent = rng.choice(ind.intents)
    pool: list[Fact] = [i.fact for i in ind.intents if i is not intent] + list(ind.extra_facts)
    # 2-6 facts, fewer more often: keeps conversation + reply near 180 model tokens (median).
    n_facts = rng.choices((2, 3, 4, 5, 6), weights=(3, 4, 3, 2, 1))[0]
    kb = [intent.fact, *rng.sample(pool, n_facts - 1)]
    values = {f.key: f.draw(rng) for f in [i.fact for i in ind.intents] + list(ind.extra_facts)}
    act, past, team = ind.action
    can = rng.random() < 0.5
    cap_fact = Fact(
        "capability",
        "Chat agents can {act} directly in chat."
        if can
        else "Only the {team} can {act}; chat agents open a ticket, answered within {cdays} business days.",
        (),
        {"cdays": ("1", "2", "3", "5")},
    )
    values["capability"] = {"cdays": rng.choice(("1", "2", "3", "5")), "can": "yes" if can else ""}
    if capability or rng.random() < 0.15:
        if len(kb) == 6:
            kb.pop()
        kb.append(cap_fact)
    rng.shuffle(kb)
    company = rng.choice(ind.companies)
    ctx = {
        "company": company,
        "description": ind.description,
        "item": rng.choice(INTENT_ITEMS.get(intent.key, ind.items)),
        "service": rng.choice(SERVICES[ind.key]),
        "product": rng.choice(PRODUCTS.get(ind.key, ind.items)),
        "ref_name": ind.ref_name,
        "ref": make_ref(rng, ind.ref_prefix) if ind.ref_name != "account email" else "",
        "topic": intent.topic,
        "act": act,
        "past": past,
        "team": team,
    }
    if not ctx["ref"]:
        ctx["ref"] = rng.choice(("jo.m", "sam.k", "alex.t", "pat.r")) + "@example.com"
    conv = Conversation(ind, company, intent, values, kb, ctx)
    return conv


def system_message(conv: Conversation, rng: random.Random) -> str:
    return fill(rng.choice(SYSTEM_TEMPLATES), {**conv.ctx, "kb": conv.kb_text()})


def ask(intent: Intent, conv: Conversation, rng: random.Random) -> str:
    return fill(rng.choice(intent.asks), conv.fact_ctx(intent.fact))


def with_ref(text: str, conv: Conversation, rng: random.Random) -> str:
    forms = ("My {ref_name} is {ref}.", "({ref_name}: {ref})", "{Ref_name} {ref}.")
    return text + " " + fill(rng.choice(forms), conv.ctx)


def statement(
    fact: Fact,
    conv: Conversation,
    rng: random.Random,
    override: dict[str, str] | None = None,
    variant: int | None = None,
) -> str:
    i = rng.randrange(len(fact.say)) if variant is None else variant
    return cap(fill(fact.say[i], conv.fact_ctx(fact, override))) + "."


def core(
    conv: Conversation,
    rng: random.Random,
    intent: Intent | None = None,
    override: dict[str, str] | None = None,
    variant: tuple[int, int] | None = None,
) -> str:
    """The correct, specific answer: the fact (as the KB states it) plus an actionable step."""
    it = intent or conv.intent
    sv, tv = variant if variant else (rng.randrange(len(it.fact.say)), rng.randrange(len(it.steps)))
    step = fill(it.steps[tv], conv.fact_ctx(it.fact))
    return join(statement(it.fact, conv, rng, override, sv), step)


def build_prompt(
    conv: Conversation,
    final_user: str,
    rng: random.Random,
    voice: str,
    give_ref: bool,
    multi: bool | None = None,
    vague: str | None = None,
) -> tuple[tuple[Message, ...], int]:
    """System message, optional earlier turns (about a third of conversations), the final question."""
    msgs = [Message("system", system_message(conv, rng))]
    multi = rng.random() < 1 / 3 if multi is None else multi
    final = speak(final_user, voice, rng, greet=not multi)
    kb_intents = [
        i for i in conv.industry.intents if i.fact in conv.kb_facts and i is not conv.intent
    ]
    if multi:
        pattern = rng.choice(("clarify", "prior", "both"))
        if pattern == "prior" and not kb_intents:
            pattern = "clarify"
        greeted = rng.random() < 0.15
        if greeted:
            msgs += [
                Message("user", rng.choice(GREETING)),
                Message("assistant", rng.choice(GREETING_REPLY)),
            ]
        if pattern in ("clarify", "both"):
            first = speak(
                fill(vague or conv.intent.vague, conv.ctx),
                voice,
                rng,
                statement=True,
                greet=not greeted,
            )
            if give_ref and rng.random() < 0.5:
                first = with_ref(first, conv, rng)
                give_ref = False
            msgs += [Message("user", first), Message("assistant", rng.choice(CLARIFY))]
        if pattern in ("prior", "both") and kb_intents:
            other = rng.choice(kb_intents)
            msgs += [
                Message("user", speak(ask(other, conv, rng), voice, rng, greet=pattern == "prior")),
                Message("assistant", core(conv, rng, other)),
            ]
            final = rng.choice(FOLLOW_UP) + " " + lower_first(final)
    if give_ref:
        final = with_ref(final, conv, rng)
    msgs.append(Message("user", final))
    return tuple(msgs), sum(m.role == "user" for m in msgs)


def lower_first(text: str) -> str:
    """Lower-case the first letter for use mid-sentence, but never the pronoun "I"."""
    if text.startswith(("I ", "I'")):
        return text
    return text[:1].lower() + text[1:]


def pick(rng: random.Random, bank: tuple[str, ...], ctx: dict[str, str]) -> str:
    return fill(rng.choice(bank), ctx)


def balance(
    rng: random.Random,
    better: list[str],
    worse: list[str],
    chosen_longer: bool,
    ctx: dict[str, str],
) -> tuple[str, str]:
    """Add neutral openers/closers (the same bank on both sides) until the side that should be
    longer is longer. Decorrelates length from the label where the category allows it."""
    parts = {"b": list(better), "w": list(worse)}
    side = "b" if chosen_longer else "w"
    slots = ["open", "close"]
    rng.shuffle(slots)
    for slot in slots:  # at most one added opener and one closer
        if (len(join(*parts["b"])) > len(join(*parts["w"]))) == chosen_longer:
            break
        if slot == "open":
            parts[side].insert(0, pick(rng, tuple(o for o in phrases.OPENERS if o), ctx))
        else:
            parts[side].append(pick(rng, tuple(c for c in phrases.CLOSERS if c), ctx))
    return join(*parts["b"]), join(*parts["w"])


def _voice(rng: random.Random) -> str:
    return rng.choices(VOICES, weights=VOICE_WEIGHTS)[0]


def _base(
    rng: random.Random, capability: bool = False, ref: float = 0.5
) -> tuple[Conversation, str, bool]:
    conv = draw_conversation(rng, capability)
    return conv, _voice(rng), rng.random() < ref


def _meta(conv: Conversation, voice: str, turns: int, subtype: str) -> dict[str, Any]:
    return {
        "subtype": subtype,
        "industry": conv.industry.key,
        "company": conv.company,
        "intent": conv.intent.key,
        "voice": voice,
        "user_turns": turns,
        "kb_facts": len(conv.kb_facts),
    }


# ---------------------------------------------------------------- categories


def helpfulness(rng: random.Random, index: int) -> Draft:
    subtype = ("generic", "off_topic", "asks_again", "stops_short")[index % 4]
    conv, voice, give_ref = _base(rng)
    if subtype == "asks_again":
        give_ref = True
    prompt, turns = build_prompt(conv, ask(conv.intent, conv, rng), rng, voice, give_ref)
    ctx = conv.fact_ctx(conv.intent.fact)
    # At least a third of helpfulness pairs have the shorter reply chosen (the bar): a
    # good answer is often just the step, and a bad one often rambles.
    want_longer = rng.random() < 0.58
    better = [core(conv, rng)]
    more = not want_longer
    if subtype == "generic":
        first, second = rng.sample(phrases.GENERIC, 2)
        worse = [fill(first, ctx), fill(second, ctx)] if more else [fill(first, ctx)]
    elif subtype == "off_topic":
        others = [i for i in conv.industry.intents if i is not conv.intent]
        in_kb = [i for i in others if i.fact in conv.kb_facts]
        worse = [core(conv, rng, rng.choice(in_kb or others))]
    elif subtype == "asks_again":
        worse = [pick(rng, phrases.ASK_AGAIN, ctx)]
        if more:
            worse.append(pick(rng, phrases.ASK_MORE, ctx))
    else:
        worse = [statement(conv.intent.fact, conv, rng), rng.choice(phrases.STOPS_SHORT)]
        if more:
            worse.append(pick(rng, phrases.VAGUE_MORE, ctx))
    b, w = balance(rng, better, worse, want_longer, ctx)
    return Draft("helpfulness", prompt, b, w, _meta(conv, voice, turns, subtype))


def tone(rng: random.Random, index: int) -> Draft:
    style = tuple(phrases.RUDE)[index % len(phrases.RUDE)]
    conv, voice, give_ref = _base(rng)
    prompt, turns = build_prompt(conv, ask(conv.intent, conv, rng), rng, voice, give_ref)
    ctx = conv.fact_ctx(conv.intent.fact)
    body = core(conv, rng)
    # Slightly above half: the brevity category has the shorter reply chosen by design, and the
    # dataset as a whole must keep "chosen is longer" between 40% and 60%.
    want_longer = rng.random() < 0.62
    best: tuple[str, str] | None = None
    for _ in range(40):
        b = join(pick(rng, phrases.WARM_OPEN, ctx), body, pick(rng, phrases.WARM_CLOSE, ctx))
        pre, post = rng.choice(phrases.RUDE[style])
        inner = lower_first(body) if style == "casual" or pre.endswith(",") else body
        w = join(fill(pre, ctx), inner, fill(post, ctx))
        ratio = len(w) / len(b)
        if 0.8 <= ratio <= 1.25:
            best = (b, w)
            if (len(b) > len(w)) == want_longer:
                break
    if best is None:  # pragma: no cover - the frame banks always contain a fitting pair
        raise RuntimeError("no tone frame within 25% length")
    return Draft("tone", prompt, best[0], best[1], _meta(conv, voice, turns, style))


def refusals(rng: random.Random, index: int) -> Draft:
    must = index % 2 == 0  # exactly half must be declined
    scen: Scenario = rng.choice(SCENARIOS)
    conv, voice, give_ref = _base(rng, ref=0.3)
    while scen.industries and conv.industry.key not in scen.industries:
        conv, voice, give_ref = _base(rng, ref=0.3)
    ctx = {
        **conv.ctx,
        "name": rng.choice(NAMES),
        "street": rng.choice(STREETS),
        "city": rng.choice(CITIES),
        "email": rng.choice(EMAILS),
        "digits": f"{rng.randrange(10000):04d}",
    }
    request = fill(rng.choice(scen.bad if must else scen.legit), ctx)
    vague = rng.choice(
        ("I need help with an account", "I have a request", "quick question about an account")
    )
    prompt, turns = build_prompt(conv, request, rng, voice, give_ref, vague=vague)
    decline = join(
        f"{rng.choice(phrases.DECLINE_LEAD)} {scen.what}{rng.choice(DECLINE_REASON)}.",
        fill(rng.choice(scen.alternative), ctx),
    )
    comply = cap(fill(rng.choice(scen.comply), ctx))
    if rng.random() < 0.5:
        comply = f"{rng.choice(phrases.COMPLY_LEAD)} {lower_first(comply)}"
    # The same replies serve both versions of the request; only which one is better changes.
    better, worse = (decline, comply) if must else (comply, decline)
    b, w = balance(rng, [better], [worse], rng.random() < 0.56, ctx)
    subtype = ("must_decline:" if must else "legit:") + scen.key
    meta = _meta(conv, voice, turns, subtype)
    meta["request_kind"] = scen.kind if must else "legitimate"
    return Draft("refusals", prompt, b, w, meta)


def _mutation(
    conv: Conversation, prompt_text: str, rng: random.Random
) -> tuple[dict[str, str], bool] | None:
    """Change one KB-stated value of the answered fact to another plausible one.

    Usually the new value appears nowhere in the conversation (an invented number). About a third
    of the time it is *borrowed* from another line of the KB when one fits (the refund window
    quoted with the exchange window's days): real assistants mix up facts, and a bag of words that
    only checks "does this number occur in the prompt" must not solve the category. Returns the
    override and whether the value was borrowed.
    """
    fact = conv.intent.fact
    slots = [s for s in fact.slots if "{" + s + "}" in fact.kb]
    rng.shuffle(slots)
    borrow = rng.random() < 0.35
    fallback: tuple[dict[str, str], bool] | None = None
    for s in slots:
        current = conv.values[fact.key][s]
        others = [v for v in fact.slots[s] if v != current]
        fresh = [v for v in others if not mentions(prompt_text, v)]
        seen = [v for v in others if mentions(prompt_text, v)]
        if borrow and seen:
            return {s: rng.choice(seen)}, True
        if fresh and fallback is None:
            fallback = ({s: rng.choice(fresh)}, False)
    return fallback


def hallucination(rng: random.Random, index: int) -> Draft:
    subtype = ("value_changed", "invented_policy", "value_changed", "false_action")[index % 4]
    conv, voice, give_ref = _base(rng, capability=subtype == "false_action")
    while subtype == "invented_policy" and not [
        f for f in conv.kb_facts if f is not conv.intent.fact and f.key != "capability"
    ]:  # chosen must be able to state a second, KB-backed fact
        conv, voice, give_ref = _base(rng)
    prompt, turns = build_prompt(conv, ask(conv.intent, conv, rng), rng, voice, give_ref)
    text = "\n".join(m.content for m in prompt)
    it = conv.intent
    variant = (rng.randrange(len(it.fact.say)), rng.randrange(len(it.steps)))
    mutation = _mutation(conv, text, rng) if subtype == "value_changed" else None
    if subtype == "value_changed" and mutation is None:
        subtype = "invented_policy"
    override, borrowed = mutation if mutation else (None, False)
    ctx = conv.ctx
    if subtype == "value_changed":
        b = core(conv, rng, variant=variant)
        w = core(conv, rng, override=override, variant=variant)
        detail = {
            "slot": next(iter(override or {})),
            "wrong": next(iter((override or {}).values())),
            "borrowed_from_kb": borrowed,
        }
    elif subtype == "invented_policy":
        in_kb = [f for f in conv.kb_facts if f is not it.fact and f.key != "capability"]
        known = {f.key for f in conv.kb_facts}
        pool = [i.fact for i in conv.industry.intents] + list(conv.industry.extra_facts)
        outside = [f for f in pool if f.key not in known]
        good, bad = rng.choice(in_kb), rng.choice(outside)
        conn = rng.choice(CONNECTORS)
        base = core(conv, rng, variant=variant)
        good_s, bad_s = statement(good, conv, rng), statement(bad, conv, rng)
        b = join(base, conn, lower_first(good_s))
        w = join(base, conn, lower_first(bad_s))
        detail = {"invented": bad.key}
    else:
        can = bool(conv.values["capability"]["can"])
        cdays = conv.values["capability"]["cdays"]
        offer = fill(
            "I can {act} for you right here in chat, and it takes effect straight away.", ctx
        )
        if can:  # the KB has no ticket process, so any timeline is invented
            cdays = rng.choice(("1", "2", "3", "5"))
        ticket = fill(
            "I can open a ticket so the {team} can {act} within {cdays} business days.",
            {**ctx, "cdays": cdays},
        )
        base = core(conv, rng, variant=variant)
        b, w = (
            (join(base, offer), join(base, ticket))
            if can
            else (join(base, ticket), join(base, offer))
        )
        detail = {"kb_allows_action": can}
    # Half the time the same opener/closer on both sides: then the only difference is the fact.
    op, cl = pick(rng, phrases.OPENERS, ctx), pick(rng, phrases.CLOSERS, ctx)
    if rng.random() < 0.5:
        b, w = join(op, b, cl), join(op, w, cl)
    else:
        b, w = (
            join(op, b, cl),
            join(pick(rng, phrases.OPENERS, ctx), w, pick(rng, phrases.CLOSERS, ctx)),
        )
    meta = _meta(conv, voice, turns, subtype)
    meta.update(detail)
    return Draft("hallucination", prompt, b, w, meta)


def brevity(rng: random.Random, index: int) -> Draft:
    conv, voice, give_ref = _base(rng)
    prompt, turns = build_prompt(conv, ask(conv.intent, conv, rng), rng, voice, give_ref)
    ctx = conv.fact_ctx(conv.intent.fact)
    it = conv.intent
    sv, tv = rng.randrange(len(it.fact.say)), rng.randrange(len(it.steps))
    body = core(conv, rng, variant=(sv, tv))
    b = join(pick(rng, phrases.OPENERS, ctx) if rng.random() < 0.3 else "", body)
    restated = statement(it.fact, conv, rng, variant=1 - sv if len(it.fact.say) == 2 else sv)
    pieces = {
        "open": pick(rng, phrases.PAD_OPEN, ctx),
        "restate": pick(rng, phrases.PAD_RESTATE, ctx),
        "repeat": rng.choice(phrases.PAD_REPEAT) + " " + lower_first(restated),
        "caveat": rng.choice(phrases.PAD_CAVEAT),
        "close": pick(rng, phrases.PAD_CLOSE, ctx),
    }
    target = rng.uniform(1.9, 3.6)
    names = list(pieces)
    rng.shuffle(names)
    used: list[str] = []
    order = ("open", "restate", "body", "repeat", "caveat", "close")
    w = body
    for name in names:
        used.append(name)
        parts = {**pieces, "body": body}
        w = join(*(parts[k] for k in order if k == "body" or k in used))
        if len(w) >= target * len(b):
            break
    while len(w) > 4.0 * len(b) and len(used) > 1:
        used.pop()
        parts = {**pieces, "body": body}
        w = join(*(parts[k] for k in order if k == "body" or k in used))
    meta = _meta(conv, voice, turns, "+".join(sorted(used)))
    return Draft("brevity", prompt, b, w, meta)


#: One builder per category: (the pair's random stream, its index within the category) -> Draft.
#: The index stratifies sub-types exactly (e.g. half of refusals must be declined).
BUILDERS: dict[str, Callable[[random.Random, int], Draft]] = {
    "helpfulness": helpfulness,
    "tone": tone,
    "refusals": refusals,
    "hallucination": hallucination,
    "brevity": brevity,
}

# ---------------------------------------------------------------- dataset


def generate_drafts(n: int, seed: int) -> list[Draft]:
    """``n`` drafts, split as evenly as possible over the five categories (category-major order)."""
    return draft_stream(BUILDERS, n, seed, version=GENERATOR_VERSION)


def generate(n: int = 8000, seed: int = 0) -> list[PreferencePair]:
    """The dataset: ``n`` labelled pairs in a seeded random order (categories interleaved)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    pairs = annotate(generate_drafts(n, seed), seed, version=GENERATOR_VERSION, id_prefix="sp1")
    random.Random(f"order:{seed}").shuffle(pairs)
    return pairs
