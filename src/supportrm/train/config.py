"""`TrainConfig`: every knob of `supportrm train`, which is also its CLI and its YAML file.

Defaults are the measured CPU defaults (docs/training.md explains each choice).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from supportrm.config import StrictModel
from supportrm.data.load import DEFAULT_MAX_CHARS


class TrainConfig(StrictModel):
    # -- data ---------------------------------------------------------------------------------
    data: Path | None = Field(
        None, description="Preference data file (JSONL/JSON/Parquet/CSV). Default: embedded data."
    )
    val_size: int | float = Field(
        1000, description="Held-out pairs: a count, or a fraction of the data when below 1."
    )
    dev_size: int | float = Field(
        0.05,
        description="Dev pairs carved from the training pairs (grouped by conversation, "
        "stratified by category): a fraction of them when below 1, else a count. Checkpoint "
        "selection and calibration use dev only; the held-out pairs are scored once, at the end. "
        "0: no selection, the last checkpoint is kept.",
    )
    split_seed: int = Field(0, description="Seed of the grouped, stratified train/val/dev split.")
    train_data: Path | None = Field(
        None,
        description="Training pairs already split (e.g. `supportrm data split` output); with "
        "--val-data, replaces --data and --val-size.",
    )
    val_data: Path | None = Field(
        None, description="Held-out pairs already split (see --train-data)."
    )
    dev_data: Path | None = Field(
        None,
        description="Dev pairs already split (default: carved from --train-data by --dev-size).",
    )
    on_error: Literal["raise", "skip"] = Field(
        "raise",
        description="Invalid records: stop with every error listed, or skip them, print how "
        "many and write them with their reasons to RUN_DIR/rejects.jsonl.",
    )
    max_chars: int = Field(
        DEFAULT_MAX_CHARS,
        description="Longest text accepted in one message or reply (as `data check`).",
    )
    allow_empty_response: bool = Field(
        False,
        description="Accept empty or whitespace-only replies (as `data check`); off: they are "
        "invalid records.",
    )
    out: Path = Field(Path("runs/default"), description="Run directory to write.")
    seeds: list[int] = Field(
        default_factory=lambda: [0, 1, 2],
        description="Training seeds, one model each (e.g. --seeds 0 1 2).",
    )
    # -- model --------------------------------------------------------------------------------
    model: str = Field(
        "minilm",
        description="Base model: 'minilm' (packaged, offline), 'smollm2', a local folder, a .gguf "
        "file or a hub id.",
    )
    max_length: int | None = Field(
        None,
        description="Tokens per sequence. Default: the max_length_quantile of the training "
        "data's lengths, rounded up to 32, capped by max_length_cap.",
    )
    max_length_quantile: float = Field(
        0.99, description="Quantile of training sequence lengths used for the default max_length."
    )
    max_length_cap: int = Field(512, description="Upper bound for the automatic max_length.")
    freeze_layers: int = Field(
        3,
        description="Freeze the embeddings and this many bottom layers (-1: freeze none, train "
        "embeddings too). Their outputs are computed once and cached.",
    )
    cache_features: bool = Field(
        True, description="Cache the frozen layers' outputs (same results, much faster)."
    )
    cache_dtype: Literal["float32", "float16"] = Field(
        "float32",
        description="Storage precision of the feature cache. float16 halves its disk size with "
        "the same accuracy within seed noise, but training-time scores (val_scores.jsonl, dev "
        "selection) then differ from the saved checkpoint's by about 1e-4 (docs/training.md).",
    )
    cache_dir: Path | None = Field(
        None,
        description="Feature/model cache folder. Default: $SUPPORTRM_CACHE or ~/.cache/supportrm.",
    )
    dropout: bool = Field(False, description="Keep the base model's dropout (off by default).")
    lora_r: int = Field(0, description="LoRA rank for the trainable layers (0: full fine-tuning).")
    lora_alpha: float = Field(16.0, description="LoRA alpha.")
    lora_dropout: float = Field(0.0, description="LoRA dropout.")
    gradient_checkpointing: bool = Field(False, description="Recompute activations in backward.")
    load_in_4bit: bool = Field(
        False,
        description="QLoRA: load the frozen base weights in 4-bit NF4 with bitsandbytes (CUDA GPU "
        "and `pip install bitsandbytes` needed; requires --lora-r > 0). The saved checkpoint "
        "merges the adapters into the original unquantized weights.",
    )
    attn_implementation: str | None = Field(
        None,
        description="Attention kernel passed to transformers (sdpa, eager, flash_attention_2, "
        "...). Default: transformers' choice (sdpa where supported).",
    )
    packing: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Padding-free batches for decoders (sequences concatenated, position ids "
        "restarting per sequence). auto: on with a flash_attention_* kernel, which runs them as "
        "variable-length attention; on: always (same rewards, but sdpa/eager then compute the "
        "full block-diagonal square); off: length-grouped dynamic padding. Not with the feature "
        "cache.",
    )
    fsdp: bool = Field(
        False,
        description="Shard parameters, gradients and optimizer state across processes with "
        "PyTorch FSDP2 (fully_shard per layer); launch with accelerate launch or torchrun. Also "
        "switched on by an accelerate FSDP launch config. The final checkpoint is consolidated "
        "into one plain transformers folder.",
    )
    # -- optimisation -------------------------------------------------------------------------
    epochs: int | float = Field(
        0.75,
        description="Passes over the training split; a fraction stops the last pass early "
        "(1.5: one pass, then half of a second, in its length-grouped order).",
    )
    batch_size: int = Field(16, description="Pairs per optimisation step (global, all processes).")
    lr: float = Field(4e-4, description="Peak learning rate (AdamW, linear warmup and decay).")
    weight_decay: float = Field(0.0, description="AdamW weight decay.")
    warmup_ratio: float = Field(0.05, description="Fraction of steps with linear warmup.")
    max_grad_norm: float = Field(1.0, description="Gradient clipping (0: off).")
    use_margin: bool = Field(
        True, description="Use each pair's `margin` field in the loss when present."
    )
    center_rewards_coefficient: float = Field(
        0.0, description="Weight of the reward-centering term c*mean((r_c+r_r)^2) (TRL's)."
    )
    # -- evaluation, checkpoints, logging -----------------------------------------------------
    eval_every_steps: int = Field(
        150,
        description="Dev evaluation interval in steps, for checkpoint selection (0: at the end "
        "of each epoch; the last step is always evaluated, and an evaluation less than half an "
        "interval before it is skipped). Held-out pairs are never evaluated during training.",
    )
    save_every_steps: int = Field(
        100, description="Write resumable training state every N steps (and at every evaluation)."
    )
    eval_batch_size: int = Field(64, description="Sequences per scoring batch.")
    normalization_split: Literal["dev", "train"] = Field(
        "dev",
        description="Rewards behind the reward mean/std saved in the checkpoint for RLHF: the dev "
        "pairs' (unseen in training, already scored by the kept model) or a sample of the "
        "training pairs' (also used when there is no dev split).",
    )
    normalization_pairs: int = Field(
        2000,
        description="With --normalization-split train (or no dev split): training pairs (a "
        "seeded sample; 0: all) scored by the final model for the reward mean/std.",
    )
    resume: bool = Field(False, description="Continue an interrupted run in --out.")
    progress: bool = Field(True, description="Show progress bars (pairs/s, ETA).")
    tensorboard: bool = Field(False, description="Also log to TensorBoard (if installed).")
    num_threads: int | None = Field(
        None, description="torch CPU threads. Default: all cores (os.cpu_count())."
    )

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [int(x) for x in value.replace(",", " ").split()]
        if isinstance(value, int):
            return [value]
        return value

    @model_validator(mode="after")
    def _check(self) -> TrainConfig:
        if not self.seeds:
            raise ValueError("seeds: at least one seed")
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds: duplicates in {self.seeds}")
        if self.epochs <= 0 or self.batch_size < 1:
            raise ValueError("epochs must be > 0 and batch_size >= 1")
        if self.freeze_layers < -1:
            raise ValueError("freeze_layers must be >= -1")
        if (self.train_data is None) != (self.val_data is None):
            raise ValueError("train_data and val_data go together (the files `data split` writes)")
        if self.dev_data is not None and self.train_data is None:
            raise ValueError("dev_data needs train_data and val_data")
        if self.train_data is not None and self.data is not None:
            raise ValueError("give either data (split here) or train_data/val_data (split before)")
        if self.dev_size < 0:
            raise ValueError("dev_size must be >= 0")
        if self.load_in_4bit and self.lora_r <= 0:
            raise ValueError("load_in_4bit (QLoRA) trains LoRA adapters: set --lora-r > 0")
        if self.packing == "on" and self.uses_feature_cache:
            raise ValueError(
                "packing=on: padding-free batches cannot read the feature cache; add "
                "--no-cache-features (or use --packing auto/off)"
            )
        return self

    @property
    def uses_feature_cache(self) -> bool:
        return self.cache_features and self.freeze_layers >= 0 and not self.dropout

    @classmethod
    def default_values(cls) -> dict[str, Any]:
        """Each field's default as it appears in ``model_dump(mode="json")``."""
        return cls.model_construct().model_dump(mode="json")

    # Settings that change the trained model; a resumed run must match them exactly.
    def fingerprint_fields(self) -> dict[str, Any]:
        # Paths are not compared: a resumed run checks the data's content hashes instead.
        skip = {"resume", "progress", "tensorboard", "out", "cache_dir", "num_threads", "seeds"}
        skip |= {"data", "train_data", "val_data", "dev_data", "on_error"}
        return {k: v for k, v in self.model_dump(mode="json").items() if k not in skip}
