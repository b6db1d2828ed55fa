"""Collect a finished fresh-clone ``make run`` into ``bench/results/cpu_default_run-<commit>.json``.

The acceptance run of the CPU default (quiet cores, empty feature cache), made as::

    git clone <repo> /tmp/fresh && cd /tmp/fresh && make setup
    date -u +%s > /tmp/makerun.start
    SUPPORTRM_CACHE=/tmp/fresh-cache /usr/bin/time -v make run > /tmp/makerun.log 2>&1
    echo $? > /tmp/makerun.end
    .venv/bin/python bench/collect_default_run.py --clone /tmp/fresh --log /tmp/makerun.log \\
        --start /tmp/makerun.start --end /tmp/makerun.end --note "what else ran"

The wall time of ``make run`` is the end file's modification time minus the start file's
timestamp (both written around the command); ``/usr/bin/time -v``'s own figures (wall, peak
memory) come from the log. Everything else is read from the run directory, stress tests
(``stress.json``) included.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _time_v(log: Path) -> dict[str, Any]:
    """Wall clock and peak memory from ``/usr/bin/time -v`` output at the end of ``log``."""
    text = log.read_text(encoding="utf-8", errors="replace")
    out: dict[str, Any] = {}
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if m:
        parts = [float(p) for p in m.group(1).split(":")]
        out["wall_seconds"] = sum(p * 60**i for i, p in enumerate(reversed(parts)))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["max_rss_gib"] = int(m.group(1)) / 2**20
    m = re.search(r"Exit status: (\d+)", text)
    if m:
        out["exit_status"] = int(m.group(1))
    return out


def _seed(d: Path) -> dict[str, Any]:
    m = _read(d / "metrics.json")
    meta = _read(d / "checkpoint" / "supportrm.json")
    tempered = m.get("calibration_tempered") or {}
    return {
        "accuracy": m["accuracy"],
        "per_category": {c: v["accuracy"] for c, v in m["per_category"].items()},
        "calibration": {k: m["calibration"][k] for k in ("ece", "brier", "bt_loss")},
        "calibration_tempered": {
            k: tempered.get(k) for k in ("ece", "brier", "bt_loss", "temperature")
        },
        "temperature_fit": meta.get("temperature"),
        "training": m.get("training"),
        "dev_history": [json.loads(x) for x in (d / "history.jsonl").read_text().splitlines()],
        "verdict": m["verdict"],
        "wall_seconds": _read(d / "timing.json")["wall_seconds"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clone", type=Path, required=True, help="the fresh clone that ran")
    ap.add_argument("--log", type=Path, required=True, help="make run's output with time -v")
    ap.add_argument("--start", type=Path, required=True, help="file holding the start (epoch s)")
    ap.add_argument("--end", type=Path, required=True, help="file written when make run ended")
    ap.add_argument("--note", default="", help="what else ran on the machine meanwhile")
    args = ap.parse_args()

    run = args.clone / "runs" / "default"
    git = ["git", "-C", str(args.clone), "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, capture_output=True, text=True, check=True).stdout.strip()
    info = _read(run / "run.json")
    ens = _read(run / "ensemble" / "metrics.json")
    agg = _read(run / "metrics.json")
    cache = Path(info["feature_cache"]["path"])
    start = int(args.start.read_text().strip())
    out = {
        "benchmark": "cpu_default_run",
        "command": (
            f"git clone <repo> /tmp/fresh && cd /tmp/fresh && make setup && "
            f"SUPPORTRM_CACHE=<empty dir> /usr/bin/time -v make run   (commit {commit}, defaults; "
            f"collected by bench/collect_default_run.py)"
        ),
        "make_run_wall_seconds": round(args.end.stat().st_mtime - start),
        "make_run_exit_status": int(args.end.read_text().strip() or -1),
        "time_v": _time_v(args.log),
        "note": args.note,
        "wall_seconds": info["wall_seconds"],
        "feature_cache": {
            **info["feature_cache"],
            "bytes_on_disk": sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()),
        },
        "data": info["data"],
        "versions": info["versions"],
        "machine": info["machine"],
        "per_seed": {d.name.split("-")[1]: _seed(d) for d in sorted(run.glob("seed-*"))},
        "aggregate": {
            k: agg[k] for k in ("overall", "per_category", "verdict", "worst_seed") if k in agg
        },
        "ensemble": {
            "accuracy": ens["accuracy"],
            "per_category": {c: v["accuracy"] for c, v in ens["per_category"].items()},
            "calibration": {k: ens["calibration"][k] for k in ("ece", "brier")},
            "verdict": ens["verdict"],
        },
        "sources": _read(run / "sources.json"),
        "stress": _read(run / "stress.json"),
    }
    path = REPO / "bench" / "results" / f"cpu_default_run-{commit}.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"-> {path}")


if __name__ == "__main__":
    main()
