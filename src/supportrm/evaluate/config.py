"""`EvalConfig`: the options of `supportrm eval` (also its YAML file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from supportrm.config import StrictModel


class EvalConfig(StrictModel):
    # model and out are required; they default to None only so that the generated --help does
    # not print pydantic's "undefined" marker as a default. ``missing()`` enforces them.
    model: Path | None = Field(
        None,
        description="Required. A checkpoint folder, or a run directory (every seed-<S>/checkpoint).",
    )
    data: Path | None = Field(
        None,
        description="Preference data file (any supported format; category optional). Default: "
        "the run's held-out split (split/val.jsonl.gz).",
    )
    out: Path | None = Field(
        None, description="Required. Folder for metrics.json and scores.jsonl."
    )
    ood_data: list[str] = Field(
        default_factory=list,
        description="Second source(s) scored beside --data, each by every seed and the seed "
        "ensemble (repeatable); 'handwritten' is the shipped hand-written test half.",
    )
    on_error: Literal["raise", "skip"] = Field(
        "raise", description="Invalid records: stop with every error listed, or skip and count."
    )
    strict: bool = Field(
        False, description="Exit non-zero when a model is degenerate or below a target."
    )
    target_overall: float = Field(0.72, description="Overall strict accuracy must exceed this.")
    target_category: float = Field(
        0.65, description="Every category's strict accuracy must be at least this."
    )
    n_bootstrap: int = Field(2000, ge=2000, description="Bootstrap resamples for 95% CIs.")
    bootstrap_seed: int = Field(0, description="Seed of the bootstrap resampling.")

    def missing(self) -> list[str]:
        """Required options that were given neither on the command line nor in the YAML file."""
        return [f"--{name}" for name in ("model", "out") if getattr(self, name) is None]
