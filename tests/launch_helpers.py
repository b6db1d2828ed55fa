"""Start N processes the way `torchrun` does (tests of DDP, FSDP and sharded scoring on CPU)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def launch(args: Sequence[str], world: int, *, cwd: Path | None = None) -> list[str]:
    """Run ``python *args`` as ``world`` processes (torch.distributed environment when
    ``world`` > 1, one thread each); every one must exit 0. Returns their outputs by rank."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []
    for rank in range(world):
        env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
        env["TOKENIZERS_PARALLELISM"] = "false"
        if world > 1:
            env.update(
                MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                LOCAL_RANK=str(rank), WORLD_SIZE=str(world), LOCAL_WORLD_SIZE=str(world),
            )  # fmt: skip
        procs.append(
            subprocess.Popen(
                [sys.executable, *args],
                env=env,
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        )
    outs = [p.communicate(timeout=600)[0].decode(errors="replace") for p in procs]
    for rank, (p, out) in enumerate(zip(procs, outs, strict=True)):
        assert p.returncode == 0, f"rank {rank}:\n{out[-4000:]}"
    return outs
