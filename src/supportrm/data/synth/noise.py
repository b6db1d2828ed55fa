"""Simulated annotation: a panel of annotators votes on each pair and the majority sets the label.

Individual error rates come from published inter-annotator agreement. If two annotators each pick
the truly better reply with probability ``1 - e`` independently, they agree with probability
``a = (1 - e)^2 + e^2``, so ``e = (1 - sqrt(2a - 1)) / 2``. The mapping of a source to a category
is our judgement (see docs/data-card.md, "Noise model"):

- helpfulness: AlpacaFarm human inter-annotator agreement 65.7% (Dubois et al., 2023) -> e = 0.22
- tone: Anthropic HH crowdworker-author agreement ~63% (Bai et al., 2022) -> e = 0.245
- refusals: InstructGPT labeler-labeler agreement 72.6% (Ouyang et al., 2022) -> e = 0.16
- hallucination: MT-Bench human-human agreement 81% without ties (Zheng et al., 2023) -> e = 0.11
- brevity: InstructGPT 72.6% -> e = 0.16

Annotators differ: each of a fixed pool has a skill multiplier, so some are more reliable than
others, as in real vendor pools. Everything is drawn from the seed, so labels are deterministic.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

AGREEMENT_SOURCES: dict[str, tuple[float, str]] = {
    "helpfulness": (0.657, "AlpacaFarm human inter-annotator agreement (Dubois et al., 2023)"),
    "tone": (0.63, "Anthropic HH crowdworker vs. author agreement (Bai et al., 2022)"),
    "refusals": (0.726, "InstructGPT labeler-labeler agreement (Ouyang et al., 2022)"),
    "hallucination": (0.81, "MT-Bench human-human agreement without ties (Zheng et al., 2023)"),
    "brevity": (0.726, "InstructGPT labeler-labeler agreement (Ouyang et al., 2022)"),
}
POOL_SIZE = 30
#: Panel sizes and their probabilities (most pairs get 3 votes, a share get 5).
PANELS: tuple[tuple[int, float], ...] = ((3, 0.7), (5, 0.3))
MAX_ERROR = 0.45


def error_rate_from_agreement(agreement: float) -> float:
    """Individual error e such that two independent annotators agree with probability ``agreement``."""
    if not 0.5 <= agreement <= 1.0:
        raise ValueError(f"agreement must be in [0.5, 1], got {agreement}")
    return (1.0 - math.sqrt(2.0 * agreement - 1.0)) / 2.0


ERROR_RATES: dict[str, float] = {
    cat: round(error_rate_from_agreement(a), 3) for cat, (a, _src) in AGREEMENT_SOURCES.items()
}


@dataclass(frozen=True)
class Vote:
    n_annotators: int
    votes_for_better: int

    @property
    def majority_correct(self) -> bool:
        return self.votes_for_better * 2 > self.n_annotators

    @property
    def agreement(self) -> float:
        """Share of the panel that voted with the majority."""
        top = max(self.votes_for_better, self.n_annotators - self.votes_for_better)
        return round(top / self.n_annotators, 3)


class AnnotatorPanel:
    def __init__(self, seed: int) -> None:
        rng = random.Random(f"annotator-pool:{seed}")
        # Skill multipliers around 1 (lognormal, sd 0.3): a few careless, a few very careful.
        self.skill = [math.exp(rng.gauss(0.0, 0.3)) for _ in range(POOL_SIZE)]

    def vote(self, category: str, rng: random.Random) -> Vote:
        sizes, weights = zip(*PANELS, strict=True)
        k = rng.choices(sizes, weights=weights)[0]
        members = rng.sample(range(POOL_SIZE), k)
        base = ERROR_RATES[category]
        good = sum(rng.random() >= min(MAX_ERROR, base * self.skill[m]) for m in members)
        return Vote(k, good)


def expected_ceiling(category: str) -> float:
    """Probability that the majority picks the better reply, for an average annotator."""
    e = ERROR_RATES[category]
    total = 0.0
    for k, w in PANELS:
        need = k // 2 + 1
        total += w * sum(math.comb(k, j) * (1 - e) ** j * e ** (k - j) for j in range(need, k + 1))
    return total
