"""The feature caches on disk: list them, clean them, keep them under a size cap.

Each entry is ``<root>/features/<key>/`` (``train/cache.py``); its ``meta.json`` mtime is its last
use (touched whenever a run reuses it). A half-built entry ``.<key>.tmp-<pid>`` belongs to a
process that may still be writing it: it is removed only when that process is gone.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Default size cap of all feature caches together; ``SUPPORTRM_CACHE_MAX_GB`` overrides it
#: (0 turns eviction off). One default MiniLM cache is about 5.3 GiB (2.6 GiB with --cache-dtype float16).
DEFAULT_MAX_GB = 24.0
DAY = 86400.0


@dataclass
class Entry:
    path: Path
    bytes: int
    last_used: float
    #: "complete", "building" (its process is alive) or "abandoned" (its process is gone).
    state: str


def max_bytes_from_env() -> int:
    value = float(os.environ.get("SUPPORTRM_CACHE_MAX_GB", DEFAULT_MAX_GB))
    return int(value * 2**30)


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _build_pid(folder: Path) -> int | None:
    """The process id in a half-built entry's name ``.<key>.tmp-<pid>``; None if malformed."""
    try:
        return int(folder.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return None


def remove_abandoned(features_dir: Path, key: str) -> None:
    """Delete half-built copies of cache ``key`` whose process is gone (never a live one's)."""
    for tmp in features_dir.glob(f".{key}.tmp-*"):
        pid = _build_pid(tmp)
        if pid is not None and not _alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)


def entries(root: Path) -> list[Entry]:
    """Every cache entry under ``root/features``, least recently used first."""
    base = root / "features"
    out: list[Entry] = []
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        if not folder.is_dir():
            continue
        if folder.name.startswith("."):
            pid = _build_pid(folder)
            if pid is None:
                continue
            state = "building" if _alive(pid) else "abandoned"
            out.append(Entry(folder, _size(folder), folder.stat().st_mtime, state))
        elif (folder / "meta.json").exists():
            used = (folder / "meta.json").stat().st_mtime
            out.append(Entry(folder, _size(folder), used, "complete"))
    return sorted(out, key=lambda e: e.last_used)


def touch(folder: Path) -> None:
    """Mark a complete entry as just used (least-recently-used eviction reads this)."""
    os.utime(folder / "meta.json")


def clean(
    root: Path,
    *,
    older_than_days: float | None = None,
    max_bytes: int | None = None,
    keep: Iterable[Path] = (),
    everything: bool = False,
) -> list[Entry]:
    """Remove abandoned half-built entries, then complete entries unused for ``older_than_days``
    (or all with ``everything``), then the least recently used until the total is at most
    ``max_bytes``. Never removes an entry in ``keep`` or one another process is building.
    Returns what was removed."""
    kept = {Path(k).resolve() for k in keep}
    now = time.time()
    removed: list[Entry] = []
    current = entries(root)
    for e in current:
        if e.state == "building" or e.path.resolve() in kept:
            continue
        stale = older_than_days is not None and now - e.last_used > older_than_days * DAY
        if e.state == "abandoned" or everything or stale:
            removed.append(e)
    if max_bytes is not None and max_bytes > 0:
        left = [e for e in current if e not in removed]
        total = sum(e.bytes for e in left)
        for e in left:  # least recently used first
            if total <= max_bytes:
                break
            if e.state != "complete" or e.path.resolve() in kept:
                continue
            removed.append(e)
            total -= e.bytes
    for e in removed:
        shutil.rmtree(e.path, ignore_errors=True)
    return removed
