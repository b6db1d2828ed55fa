"""What surrounds the training loop: the accelerator, threads, progress bars, TensorBoard and the
record of versions and machine that every run keeps."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from pathlib import Path
from typing import Any

import torch

from supportrm.train.config import TrainConfig


def make_accelerator() -> Any:
    from accelerate import Accelerator

    cuda = torch.cuda.is_available()
    bf16 = cuda and torch.cuda.is_bf16_supported()
    # bf16 autocast on CUDA; plain fp32 on CPU (bf16 is ~20x slower on AVX2-only CPUs).
    return Accelerator(cpu=not cuda, mixed_precision="bf16" if bf16 else "no")


def set_threads(config: TrainConfig) -> None:
    if not torch.cuda.is_available():
        torch.set_num_threads(config.num_threads or os.cpu_count() or 1)


def progress_bar(
    config: TrainConfig,
    total: int,
    desc: str,
    *,
    unit: str = "it",
    initial: int = 0,
    accelerator: Any = None,
) -> Any:
    from tqdm.auto import tqdm

    main = accelerator is None or accelerator.is_main_process
    return tqdm(
        total=total,
        initial=initial,
        desc=desc,
        unit=unit,
        disable=not (config.progress and main),
        mininterval=2.0,
        dynamic_ncols=True,
        file=sys.stderr,
    )


def tensorboard_writer(config: TrainConfig, seed_dir: Path, step: int) -> Any:
    """A SummaryWriter for ``seed_dir/tensorboard`` (None when off or not installed).

    ``step`` is where training (re)starts. A fresh start (step 0) deletes event files a discarded
    earlier attempt left, as steps.jsonl is deleted. A resume writes a restart marker
    (``purge_step``): TensorBoard then drops the steps an interrupted run logged after its last
    saved state, which the resumed run logs again; without it every such step would appear twice.
    """
    if not config.tensorboard:
        return None
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        print(
            "tensorboard is not installed; --tensorboard ignored. Install it with "
            "`pip install tensorboard` (or `pip install 'supportrm[tensorboard]'`).",
            file=sys.stderr,
        )
        return None
    log_dir = seed_dir / "tensorboard"
    if step == 0:
        for old in log_dir.glob("events.out.tfevents.*"):
            old.unlink()
        return SummaryWriter(str(log_dir))
    return SummaryWriter(str(log_dir), purge_step=step + 1)


def version() -> str:
    from supportrm import __version__

    return __version__


def environment() -> dict[str, Any]:
    import importlib.metadata as md

    versions = {}
    for pkg in ("supportrm", "torch", "transformers", "accelerate", "peft", "tokenizers", "numpy"):
        with contextlib.suppress(md.PackageNotFoundError):
            versions[pkg] = md.version(pkg)
    machine = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    return {"versions": versions, "machine": machine}
