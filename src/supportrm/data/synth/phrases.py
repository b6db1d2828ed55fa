"""Phrase banks for replies: openers, closers, tone frames, padding, generic non-answers.

The texts live in ``content_v1/phrases.yaml`` (schema: :mod:`supportrm.data.synth.content`), which
says what each bank is for.

Shortcut control shapes these banks. A phrase that only ever appears in one side of the pairs would
let a bag of words solve a category without reading it, so the neutral openers and closers are
used in *both* replies across all categories, and each marked style (warm, rude, padded) has many
interchangeable variants so no single n-gram marks a large share of the data.
"""

from __future__ import annotations

from supportrm.data.synth.content import load_phrases

_BANKS = load_phrases()

# Used independently for chosen and rejected in every category (both sides, same distribution).
OPENERS: tuple[str, ...] = _BANKS.openers
CLOSERS: tuple[str, ...] = _BANKS.closers

# Tone: chosen frames (warm and professional), and rejected frames: per rude style, (prefix,
# suffix) pairs with the answer core between them.
WARM_OPEN: tuple[str, ...] = _BANKS.warm_open
WARM_CLOSE: tuple[str, ...] = _BANKS.warm_close
RUDE: dict[str, tuple[tuple[str, str], ...]] = {
    style: tuple((f.before, f.after) for f in frames) for style, frames in _BANKS.rude.items()
}

# Brevity: padding that turns a concise correct answer into a bloated one.
PAD_OPEN: tuple[str, ...] = _BANKS.pad_open
PAD_RESTATE: tuple[str, ...] = _BANKS.pad_restate
PAD_REPEAT: tuple[str, ...] = _BANKS.pad_repeat
PAD_CAVEAT: tuple[str, ...] = _BANKS.pad_caveat
PAD_CLOSE: tuple[str, ...] = _BANKS.pad_close

# Helpfulness, rejected: non-answers, asking again, filler, stopping short of the steps.
GENERIC: tuple[str, ...] = _BANKS.generic
ASK_AGAIN: tuple[str, ...] = _BANKS.ask_again
ASK_MORE: tuple[str, ...] = _BANKS.ask_more
VAGUE_MORE: tuple[str, ...] = _BANKS.vague_more
STOPS_SHORT: tuple[str, ...] = _BANKS.stops_short

# Refusals: shared decline and compliance openings (used by both halves of the category, so the
# act of declining carries no label on its own).
DECLINE_LEAD: tuple[str, ...] = _BANKS.decline_lead
COMPLY_LEAD: tuple[str, ...] = _BANKS.comply_lead
