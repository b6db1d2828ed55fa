"""Feature-cache housekeeping: list, clean by age, LRU size cap, and never a live build."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from supportrm.cli import main
from supportrm.train.cache_store import clean, entries


def _entry(root: Path, key: str, size: int, age_days: float) -> Path:
    folder = root / "features" / key
    folder.mkdir(parents=True)
    (folder / "hidden.f32").write_bytes(b"\0" * size)
    (folder / "meta.json").write_text("{}")
    t = time.time() - age_days * 86400
    os.utime(folder / "meta.json", (t, t))
    return folder


def _dead_pid() -> int:
    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                         check=True, capture_output=True, text=True)  # fmt: skip
    return int(out.stdout)


def test_lru_cap_age_and_live_builds(tmp_path: Path) -> None:
    old = _entry(tmp_path, "old", 3000, 10)
    mid = _entry(tmp_path, "mid", 3000, 5)
    new = _entry(tmp_path, "new", 3000, 0.1)
    live = tmp_path / "features" / f".k.tmp-{os.getpid()}"
    dead = tmp_path / "features" / f".k.tmp-{_dead_pid()}"
    for d in (live, dead):
        d.mkdir()
        (d / "hidden.f32").write_bytes(b"\0" * 5000)
    states = {e.path.name: e.state for e in entries(tmp_path)}
    assert states == {"old": "complete", "mid": "complete", "new": "complete",
                      live.name: "building", dead.name: "abandoned"}  # fmt: skip
    assert [e.path.name for e in entries(tmp_path) if e.state == "complete"] == [
        "old",
        "mid",
        "new",
    ]
    # a cap that fits two complete entries (plus the live build): the least recently used goes,
    # the kept one stays even though it is older, the abandoned build goes, the live one stays
    removed = clean(tmp_path, max_bytes=6100 + 5000, keep=[old])  # meta.json adds bytes
    assert sorted(e.path.name for e in removed) == sorted([dead.name, "mid"])
    assert old.exists() and new.exists() and live.exists() and not mid.exists()
    # by age
    assert [e.path.name for e in clean(tmp_path, older_than_days=7)] == ["old"]
    assert new.exists() and live.exists()


def test_cli_list_and_clean(tmp_path: Path) -> None:
    _entry(tmp_path, "a", 2**20, 3)
    _entry(tmp_path, "b", 2**20, 1)
    res = CliRunner().invoke(main, ["cache", "list", "--cache-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "2 entries" in res.output and res.output.index("/a") < res.output.index("/b")
    res = CliRunner().invoke(
        main, ["cache", "clean", "--cache-dir", str(tmp_path), "--older-than", "2"]
    )
    assert res.exit_code == 0 and "removed 1 entries" in res.output
    res = CliRunner().invoke(main, ["cache", "clean", "--cache-dir", str(tmp_path), "--all"])
    assert "removed 1 entries" in res.output
    assert not [p for p in (tmp_path / "features").iterdir()]
