"""`supportrm cache list|clean`: the feature caches under $SUPPORTRM_CACHE (train/cache_store.py)."""

from __future__ import annotations

import time
from pathlib import Path

import click


def _root(cache_dir: Path | None) -> Path:
    from supportrm.model.resolve import cache_root

    return Path(cache_dir) if cache_dir else cache_root()


_cache_dir = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cache folder (default: $SUPPORTRM_CACHE or ~/.cache/supportrm).",
)


@click.group("cache")
def cache() -> None:
    """List and clean the feature caches training builds."""


@cache.command("list")
@_cache_dir
def list_cmd(cache_dir: Path | None) -> None:
    """Every cache entry, least recently used first, with its size and state."""
    from supportrm.train.cache_store import entries, max_bytes_from_env

    root = _root(cache_dir)
    found = entries(root)
    now = time.time()
    for e in found:
        days = (now - e.last_used) / 86400
        click.echo(f"{e.bytes / 2**30:8.2f} GiB  {days:6.1f} days ago  {e.state:<9}  {e.path}")
    total = sum(e.bytes for e in found)
    cap = max_bytes_from_env()
    click.echo(
        f"{len(found)} entries, {total / 2**30:.2f} GiB under {root / 'features'} "
        f"(cap {cap / 2**30:.1f} GiB: SUPPORTRM_CACHE_MAX_GB)"
    )


@cache.command("clean")
@_cache_dir
@click.option(
    "--older-than",
    type=float,
    default=None,
    help="Remove entries unused for more than this many days.",
)
@click.option(
    "--max-gb",
    type=float,
    default=None,
    help="Then remove the least recently used until the total is at most this.",
)
@click.option("--all", "everything", is_flag=True, help="Remove every complete entry.")
def clean_cmd(
    cache_dir: Path | None, older_than: float | None, max_gb: float | None, everything: bool
) -> None:
    """Remove caches; half-built ones of a live process are never touched, abandoned ones always."""
    from supportrm.train.cache_store import clean

    removed = clean(
        _root(cache_dir),
        older_than_days=older_than,
        max_bytes=int(max_gb * 2**30) if max_gb is not None else None,
        everything=everything,
    )
    for e in removed:
        click.echo(f"removed {e.path} ({e.bytes / 2**30:.2f} GiB, {e.state})")
    click.echo(f"removed {len(removed)} entries, {sum(e.bytes for e in removed) / 2**30:.2f} GiB")
