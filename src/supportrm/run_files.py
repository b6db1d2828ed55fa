"""The files a run directory holds, as typed models (layout: docs/architecture.md).

Every stage writes these files through :func:`write` and reads them through :func:`read`, so a
field that one stage renames is a validation error naming the file and the field, not a report
that silently shows "not recorded". Blocks whose content is open-ended by design (score
histograms, error examples, the reliability curve) are typed as plain mappings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from supportrm.files import atomic_write_text

M = TypeVar("M", bound=BaseModel)


class RunFile(BaseModel):
    """Base of every run file: unknown keys are an error (a writer and a reader must agree)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RunFileError(ValueError):
    """A run file that does not match its model; the message names the file and the fields."""


def read(path: str | Path, model: type[M]) -> M:
    path = Path(path)
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        fields = "; ".join(
            f"{'.'.join(str(x) for x in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()[:8]
        )
        raise RunFileError(f"{path}: not a valid {model.__name__}: {fields}") from None


def write(path: str | Path, obj: BaseModel | dict[str, Any], model: type[M] | None = None) -> M:
    """Validate ``obj`` against ``model`` (or its own class) and write it atomically as JSON."""
    if isinstance(obj, BaseModel):
        typed = obj
    else:
        if model is None:
            raise TypeError("write() needs the model of a plain dict")
        typed = model.model_validate(obj)
    text = json.dumps(typed.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False)
    atomic_write_text(path, text + "\n")
    return typed  # type: ignore[return-value]


# -- the score table (seed-<S>/val_scores.jsonl, sources/*/scores.jsonl) -----------------------


class ScoreRow(RunFile):
    """One scored pair (docs/architecture.md, "Score table")."""

    id: str
    category: str | None
    conversation_id: str
    chosen_score: float
    rejected_score: float
    chosen_tokens: int | None = None
    rejected_tokens: int | None = None
    chosen_chars: int | None = None
    rejected_chars: int | None = None
    truncated: bool = False
    agreement: float | None = None


# -- run.json ----------------------------------------------------------------------------------


class RenderSettings(RunFile):
    kind: str
    max_length: int
    template: str
    fixed_date_string: str | None
    truncation: str
    padding_side: str


class DataCounts(RunFile):
    train_pairs: int
    val_pairs: int
    train_hash: str
    val_hash: str
    train_used: int
    val_scored: int
    dev_pairs: int = 0
    dev_hash: str | None = None
    dev_used: int = 0


class WallSeconds(RunFile):
    total: float
    prepare_and_cache: float
    per_seed: dict[str, float]
    per_seed_including_shared: float


class DataLoad(RunFile):
    n_read: int
    loaded: int
    skipped: int
    #: Of the skipped: well-formed records kept out by policy (empty replies).
    excluded: int = 0
    #: File (relative to the run directory) listing each skipped record with its reasons.
    rejects: str | None = None


class SplitInfo(RunFile):
    val_size: int | float
    dev_size: int | float = 0
    seed: int
    manifest: str


class RunInfo(RunFile):
    """``RUN_DIR/run.json``: how the run was made (written by the train stage)."""

    command: str
    base_model: str
    kind: str
    render: RenderSettings
    pad: dict[str, Any]
    freeze_layers: int
    data: DataCounts
    dropped: dict[str, Any]
    feature_cache: dict[str, Any]
    processes: int
    versions: dict[str, str]
    machine: dict[str, Any]
    wall_seconds: WallSeconds | None = None
    data_file: str | None = None
    data_load: DataLoad | None = None
    split: SplitInfo | None = None


# -- checkpoint/supportrm.json -----------------------------------------------------------------


class RewardNormalization(RunFile):
    mean: float | None
    std: float | None
    n_rewards: int
    split: str
    usage: str = "normalised_reward = (reward - mean) / std"


class TemperatureFit(RunFile):
    """``temperature`` in ``supportrm.json``: see ``supportrm.evaluate.temperature``."""

    value: float
    fitted_on: str
    n_pairs: int
    bt_loss_before: float
    bt_loss_after: float
    at_bound: bool = False
    usage: str


class CheckpointMeta(RunFile):
    """``seed-<S>/checkpoint/supportrm.json``: what a checkpoint needs to score like training."""

    supportrm_version: str
    base_model: str
    model_spec: str
    render: RenderSettings
    pad: dict[str, Any]
    seed: int
    kept_step: int
    freeze_layers: int
    lora_r: int
    reward_normalization: RewardNormalization | None = None
    temperature: TemperatureFit | None = None
    val_reward_mean: float | None = None
    val_reward_std: float | None = None
    config: dict[str, Any]


# -- metrics.json (one model) ------------------------------------------------------------------


class Accuracy(RunFile):
    n: int
    strict: float | None
    ties_half: float | None
    tie_rate: float | None
    n_ties: int
    strict_ci: list[float] | None = None
    ties_half_ci: list[float] | None = None
    #: What the bootstrap resampled: "pair", or "conversation" when some held several pairs.
    ci_unit: str = "pair"


class CategoryMetrics(RunFile):
    accuracy: Accuracy
    scores: dict[str, float]
    length: dict[str, Any]
    calibration: dict[str, float | None]


class Calibration(RunFile):
    n: int
    ece: float | None = None
    brier: float | None = None
    bt_loss: float | None = None
    mean_p_chosen: float | None = None
    n_bins: int | None = None
    reliability: list[dict[str, Any]] = Field(default_factory=list)
    #: Set when the margins were divided by a fitted temperature first (``calibration_tempered``).
    temperature: float | None = None


class VerdictGroup(RunFile):
    accuracy: float | None
    ci: list[float] | None
    n: int | None
    target: float
    passed: bool = Field(alias="pass")
    confident: bool


class Verdict(RunFile):
    targets: dict[str, Any]
    overall: VerdictGroup
    categories: dict[str, VerdictGroup]
    meets_targets: bool
    failing: list[str]
    degenerate: bool = False
    passed: bool = Field(False, alias="pass")


class Degenerate(RunFile):
    degenerate: bool
    summary: str
    fired: list[str]
    checks: list[dict[str, Any]]
    thresholds: dict[str, Any]


class TrainingInfo(RunFile):
    kept_step: int
    #: How the kept checkpoint was chosen: "lowest dev loss", or "last step (no dev pairs)".
    selection: str
    best_dev_loss: float | None
    total_steps: int
    seed: int


class SeedMetrics(RunFile):
    """``seed-<S>/metrics.json`` (and any single model's metrics: eval, ensembles): every
    number is defined in docs/metrics.md."""

    schema_version: int
    source: str
    n: int
    n_truncated: int
    has_categories: bool
    tie_eps: float
    n_bootstrap: int
    bootstrap_seed: int
    accuracy: Accuracy
    per_category: dict[str, CategoryMetrics]
    scores: dict[str, Any]
    calibration: Calibration
    #: ``calibration`` of ``sigmoid(delta / T)`` with the checkpoint's dev-fitted temperature.
    calibration_tempered: Calibration | None = None
    length_bias: dict[str, Any]
    errors: dict[str, list[dict[str, Any]]]
    agreement: dict[str, Any] | None
    degenerate: Degenerate
    verdict: Verdict
    seed: int | None = None
    training: TrainingInfo | None = None
    basic: dict[str, Any] | None = None
    checkpoint: str | None = None
    data: dict[str, Any] | None = None
    seed_disagreement: list[dict[str, Any]] | None = None


# -- metrics.json (the run: several seeds) -----------------------------------------------------


class Spread(RunFile):
    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    n: int
    worst_seed: int | None = None


class SeedRow(RunFile):
    seed: int
    n: int | None
    strict: float | None
    strict_ci: list[float] | None
    ties_half: float | None
    tie_rate: float | None
    bt_loss: float | None
    ece: float | None
    #: ECE of sigmoid(margin / T), T fitted on dev (None: no temperature stored).
    ece_tempered: float | None = None
    temperature: float | None = None
    categories: dict[str, float | None]
    category_ci: dict[str, list[float] | None]
    meets_targets: bool
    degenerate: bool
    passed: bool = Field(alias="pass")
    failing: list[str]


class WorstSeed(RunFile):
    seed: int
    strict: float | None
    why: str


class AggregateVerdict(RunFile):
    targets: dict[str, Any]
    rule: str
    passed: bool = Field(alias="pass")
    meets_targets: bool
    seeds_passing: list[int]
    seeds_failing: list[int]
    degenerate_seeds: list[int]


class RunMetrics(RunFile):
    """``RUN_DIR/metrics.json``: the seeds aggregated (docs/metrics.md, "Multi-seed")."""

    n_seeds: int
    seeds: list[int]
    per_seed: list[SeedRow]
    overall: dict[str, Spread]
    per_category: dict[str, Spread]
    worst_seed: WorstSeed
    delta_correlation: dict[str, Any] | None
    verdict: AggregateVerdict
    data: dict[str, Any] | None = None


# -- baselines ---------------------------------------------------------------------------------


class BaselineScore(RunFile):
    n: int
    accuracy: float
    accuracy_ties_half: float
    tie_rate: float


class BaselineResult(BaselineScore):
    per_category: dict[str, BaselineScore] = Field(default_factory=dict)
    fit: dict[str, Any] = Field(default_factory=dict)
    seconds: float | None = None


class BaselineSplit(RunFile):
    val_size: int | float
    seed: int
    n_train: int
    n_val: int
    #: The held-out pairs' content hash (``manifest.hashes.val``): how the report matches a
    #: baselines file to a run.
    val_hash: str


class BaselinesFile(RunFile):
    """What ``supportrm baselines --out`` writes: baselines fitted on a train split and scored on
    the held-out split identified by ``split.val_hash``."""

    command: str
    data: dict[str, Any]
    split: BaselineSplit
    accuracy_definitions: dict[str, str]
    baselines: dict[str, BaselineResult]
    total_seconds: float
    environment: dict[str, Any]


# -- split/manifest.json -----------------------------------------------------------------------


class SplitHashes(RunFile):
    input: str
    train: str
    val: str


class SplitManifest(RunFile):
    """``split/manifest.json`` (written by ``supportrm.data.split``); callers may add keys of
    their own (the source file, load options), so unknown keys are kept."""

    model_config = ConfigDict(extra="allow")

    algorithm: str
    seed: int
    val_size: int | float
    val_target: int
    n_pairs: int
    n_train: int
    n_val: int
    n_conversations: dict[str, int]
    categories: dict[str, dict[str, int]]
    max_abs_deviation: int
    hashes: SplitHashes


# -- sources.json ------------------------------------------------------------------------------


class SourceVerdict(RunFile):
    passed: bool = Field(alias="pass")
    failing: list[str]
    degenerate: bool


class SourceResult(RunFile):
    """One model (a seed, or the seed ensemble) on one source."""

    n: int | None
    strict: float | None
    strict_ci: list[float] | None
    tie_rate: float | None
    categories: dict[str, float | None]
    category_ci: dict[str, list[float] | None]
    ece: float | None
    length_spearman: float | None = None
    verdict: SourceVerdict


class SourceSummary(RunFile):
    name: str
    path: str
    n_pairs: int
    per_seed: dict[str, SourceResult]
    ensemble: SourceResult


class SourceGap(RunFile):
    held_out: float | None
    second_source: float | None
    gap: float
    beyond_ci: bool


class SourcesFile(RunFile):
    """``RUN_DIR/sources.json``: the held-out split and every second source, per seed and for the
    seed ensemble, the gaps and the headline verdict (docs/metrics.md, "Second sources")."""

    sources: dict[str, SourceSummary]
    source_gaps: dict[str, SourceGap]
    headline: str
    all_sources_pass: bool
