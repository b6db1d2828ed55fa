"""Deterministic generator of the embedded support-pairs dataset (see docs/data-card.md).

>>> from supportrm.data.synth import generate
>>> pairs = generate(n=8000, seed=0)  # the shipped support-pairs-v1, byte for byte once written
"""

from supportrm.data.synth.generator import GENERATOR_VERSION, generate, generate_drafts
from supportrm.data.synth.noise import AGREEMENT_SOURCES, ERROR_RATES

__all__ = ["AGREEMENT_SOURCES", "ERROR_RATES", "GENERATOR_VERSION", "generate", "generate_drafts"]
