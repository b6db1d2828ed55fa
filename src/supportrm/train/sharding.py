"""FSDP2: parameters, gradients and optimizer state sharded across processes.

PyTorch's ``fully_shard`` is applied to every transformer layer and then to the
:class:`~supportrm.model.backbone.RewardModule` itself (the root: it is what the training step
calls, so its forward gathers the embeddings, final norm and head). We call it ourselves rather
than through accelerate's FSDP plugin because accelerate enables FSDP on GPUs only; this way the
same code runs under ``torchrun``/``accelerate launch`` on CPU (gloo, the tests) and on GPUs
(NCCL), and an accelerate FSDP launch config simply switches it on.

Resumable state is saved with ``torch.distributed.checkpoint`` (each process writes its shards;
trainable weights, optimizer state and the best state so far), the final checkpoint is
consolidated into one plain transformers folder by gathering the full state dict on rank 0.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

SHARDED_DIR = "state-sharded"


def fsdp_requested(config: Any, accelerator: Any) -> bool:
    """``--fsdp``, or an ``accelerate launch`` FSDP config (whose plugin we do not use)."""
    from accelerate.utils import DistributedType

    return bool(config.fsdp) or accelerator.distributed_type == DistributedType.FSDP


def ensure_process_group() -> None:
    """FSDP needs a process group even for one process, where accelerate starts none."""
    if dist.is_initialized():
        return
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend, store=dist.HashStore(), rank=0, world_size=1)


def shard_module(module: nn.Module) -> None:
    """``fully_shard`` each layer, then the root. Parameters stay float32 (bf16 comes from
    autocast, as without FSDP), so the sharded run follows the unsharded one."""
    from torch.distributed.fsdp import fully_shard

    for layer in module.structure.layers:  # type: ignore[operator, union-attr]
        fully_shard(layer)
    fully_shard(module)


def reshard(module: nn.Module) -> None:
    """Free every gathered parameter, so each one is its shard again (a DTensor): after a forward
    pass FSDP2 keeps the root's parameters gathered, and copies between the two forms fail."""
    from torch.distributed.fsdp import FSDPModule

    for m in module.modules():
        if isinstance(m, FSDPModule):
            m.reshard()


def _options(full: bool = False, loading: bool = False) -> Any:
    from torch.distributed.checkpoint.state_dict import StateDictOptions

    if full:
        return StateDictOptions(full_state_dict=True, cpu_offload=True)
    # Loading the trainable part only: the frozen weights are absent by design (dcp.load has
    # already failed on any trainable key missing from the checkpoint).
    return StateDictOptions(ignore_frozen_params=True, strict=not loading)


def save_sharded(
    seed_dir: Path, step: int, module: nn.Module, optimizer: Any, best: dict[str, Any]
) -> None:
    """Every process writes its shards of the trainable weights, the optimizer state and the
    best state; the folder replaces the previous one only once all have finished."""
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_state_dict

    reshard(module)
    model_sd, optim_sd = get_state_dict(module, optimizer, options=_options())
    final, tmp = seed_dir / SHARDED_DIR, seed_dir / f".{SHARDED_DIR}.tmp"
    main = dist.get_rank() == 0
    if main:
        shutil.rmtree(tmp, ignore_errors=True)
    dist.barrier()
    state = {"model": model_sd, "optim": optim_sd, "best": best, "step": torch.tensor(step)}
    dcp.save(state, checkpoint_id=str(tmp))
    dist.barrier()
    if main:
        from supportrm.model.checkpoint import replace_dir

        replace_dir(tmp, final)
    dist.barrier()


def load_sharded(
    seed_dir: Path, step: int, module: nn.Module, optimizer: Any, best_template: dict[str, Any]
) -> dict[str, Any]:
    """Restore what :func:`save_sharded` wrote into ``module`` and ``optimizer``; returns the
    best state. ``step`` (from the small state file) must match the shards' own."""
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict

    folder = seed_dir / SHARDED_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"--resume: {folder} is missing (sharded training state)")
    reshard(module)
    model_sd, optim_sd = get_state_dict(module, optimizer, options=_options())
    state: dict[str, Any] = {
        "model": model_sd,
        "optim": optim_sd,
        "best": best_template,
        "step": torch.tensor(0),
    }
    dcp.load(state, checkpoint_id=str(folder))
    if int(state["step"]) != step:
        raise ValueError(
            f"--resume: {folder} holds step {int(state['step'])}, the state file step {step} "
            "(interrupted while saving?)"
        )
    set_state_dict(
        module,
        optimizer,
        model_state_dict=state["model"],
        optim_state_dict=state["optim"],
        options=_options(loading=True),
    )
    best: dict[str, Any] = state["best"]
    return best


def remove_sharded(seed_dir: Path) -> None:
    shutil.rmtree(seed_dir / SHARDED_DIR, ignore_errors=True)


def full_state_dict(module: nn.Module) -> dict[str, Any]:
    """The whole model's weights on rank 0 (CPU), gathered from the shards; empty elsewhere.
    Every process must call it."""
    from torch.distributed.checkpoint.state_dict import get_model_state_dict

    reshard(module)
    sd: dict[str, Any] = get_model_state_dict(module, options=_options(full=True))
    return sd
