"""Deterministic generators of the embedded support-pairs datasets (see docs/data-card.md).

Generator v1 (``supportrm.data.synth.generator``) and v2 (``supportrm.data.synth.v2``), each
kept regenerable byte for byte; ``supportrm.data.synth.dataset.generator(version)`` picks one.

>>> from supportrm.data.synth import generate
>>> pairs = generate(n=8000, seed=0)  # the shipped support-pairs-v1, byte for byte once written
"""

from supportrm.data.synth.generator import GENERATOR_VERSION, generate, generate_drafts
from supportrm.data.synth.noise import AGREEMENT_SOURCES, ERROR_RATES

__all__ = ["AGREEMENT_SOURCES", "ERROR_RATES", "GENERATOR_VERSION", "generate", "generate_drafts"]
