"""Reproducibility: the commands that made and re-make the run, its configuration, library
versions at training and report time, and the hashes of its data and score files."""

from __future__ import annotations

import json
from typing import Any

import yaml

from supportrm.evaluate.runs import seed_dirs
from supportrm.report.format import flatten, library_versions, num, table
from supportrm.report.run import RunData, sha256_file, split_summary


def reproducibility_section(run: RunData, report_cmd: str) -> dict[str, Any]:
    info, rd = run.run_info, run.run_dir
    cmds = [info.command] if info else []
    cmds += [
        f"supportrm train --config {rd}/config.yaml --out {rd}",
        f"supportrm eval --model {rd} --data {rd}/split/val.jsonl.gz --out {rd}/eval",
        report_cmd,
    ]
    hashes: list[list[str]] = []
    if info is not None:
        hashes += [["run.json data.train_hash", info.data.train_hash]]
        hashes += [["run.json data.val_hash", info.data.val_hash]]
    if run.manifest is not None:
        hashes += [
            [f"split manifest hashes.{k}", v] for k, v in run.manifest.hashes.model_dump().items()
        ]
    split = split_summary(rd)
    if split:
        hashes += [[f"split/{k}.jsonl.gz (sha256)", v] for k, v in split["sha256"].items()]
    for s, d in seed_dirs(rd).items():
        p = d / "val_scores.jsonl"
        if p.exists():
            hashes.append([f"seed-{s}/val_scores.jsonl (sha256)", sha256_file(p)])
    run_versions = [[p, num(v)] for p, v in flatten(info.versions)] if info else []
    config = run.config.model_dump(mode="json") if run.config else None
    return {
        "commands": cmds,
        "config_yaml": yaml.safe_dump(config, sort_keys=False) if config else "(no config.yaml)",
        "versions_run": table(["library (training)", "version"], run_versions)
        if run_versions
        else None,
        "versions_report": table(["library (report)", "version"], list(library_versions().items())),
        "hashes": table(["file", "hash"], hashes) if hashes else None,
        "run_json": json.dumps(info.model_dump(mode="json"), indent=2)[:20000]
        if info
        else "(no run.json)",
    }
