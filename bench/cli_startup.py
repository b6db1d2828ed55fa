"""How fast the CLI answers: wall time of `supportrm --help` (and of `supportrm train --help`),
each run as a fresh process, as a user types it. The bar (issue 11) is 0.5 s for `--help`.

    .venv/bin/python bench/cli_startup.py            # 15 runs each, median and max

Writes ``bench/results/cli_startup.json`` with machine, versions and the command. Run it on a
quiet machine: two cores shared with anything else double the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _time(cmd: list[str], runs: int) -> dict[str, float]:
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
    return {
        "median_s": statistics.median(walls),
        "max_s": max(walls),
        "min_s": min(walls),
        "runs": runs,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    exe = str(Path(sys.executable).with_name("supportrm"))
    results = {
        "supportrm --help": _time([exe, "--help"], args.runs),
        "supportrm train --help": _time([exe, "train", "--help"], args.runs),
        "python -c pass (interpreter floor)": _time([sys.executable, "-c", "pass"], args.runs),
    }
    out = {
        "benchmark": "cli_startup",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "bar_s": 0.5,
        "results": results,
        "passes": results["supportrm --help"]["median_s"] < 0.5,
        "load_average_at_end": list(os.getloadavg()),
        "versions": {p: version(p) for p in ("supportrm", "click", "pydantic")},
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
        },
    }
    path = REPO / "bench" / "results" / "cli_startup.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    for name, r in results.items():
        print(f"{name:<40} median {r['median_s']:.3f} s   max {r['max_s']:.3f} s")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
