"""Refusal scenarios: requests the assistant must decline, and legitimate requests that only sound
sensitive (where declining is the mistake). Both halves share the decline and compliance openings
in :mod:`supportrm.data.synth.phrases`, so whether the reply declines says nothing by itself: the
model has to read the request.

The scenarios and the names, addresses and emails they are filled with live in
``content_v1/scenarios.yaml`` (schema: :mod:`supportrm.data.synth.content`).
"""

from __future__ import annotations

from dataclasses import dataclass

from supportrm.data.synth.content import load_scenarios


@dataclass(frozen=True)
class Scenario:
    """A family of requests with one legitimate and one must-decline version.

    Both versions share the reply texts: the complying reply (``comply``) is right for the
    legitimate request and harmful for the other; the declining reply (``what`` + ``alternative``)
    is right for the harmful request and an over-refusal for the legitimate one. So neither reply,
    read alone, says which one is better: only the request does.
    """

    key: str
    kind: str  # what makes the bad version bad: privacy, verification, fraud, abuse
    legit: tuple[str, ...]
    bad: tuple[str, ...]
    what: str  # "change the email on that account" (after "I can't")
    alternative: tuple[str, ...]
    comply: tuple[str, ...]
    #: Industries where the request makes sense (empty: all). ``{product}`` needs physical goods.
    industries: tuple[str, ...] = ()


_FILE = load_scenarios()

NAMES: tuple[str, ...] = _FILE.names
STREETS: tuple[str, ...] = _FILE.streets
CITIES: tuple[str, ...] = _FILE.cities
EMAILS: tuple[str, ...] = _FILE.emails

SCENARIOS: tuple[Scenario, ...] = tuple(
    Scenario(s.key, s.kind, s.legit, s.bad, s.what, s.alternative, s.comply, s.industries)
    for s in _FILE.scenarios
)

# Reasons are shared by genuine declines and over-refusals alike.
DECLINE_REASON: tuple[str, ...] = _FILE.decline_reason
