"""Data: where the pairs came from, the split's counts per category, leakage checks computed
from the split files, and every pair dropped or flagged on the way."""

from __future__ import annotations

from typing import Any

from supportrm.report.format import flatten, num, table
from supportrm.report.run import RunData, split_summary


def data_section(run: RunData) -> dict[str, Any]:
    info, cfg = run.run_info, run.config
    source = (info.data_file if info else None) or (str(cfg.data) if cfg and cfg.data else None)
    recorded: list[list[str]] = []
    dropped: list[list[Any]] = []
    if info is not None:
        recorded += [[f"data.{k}", num(v)] for k, v in flatten(info.data.model_dump())]
        if info.data_load is not None:
            recorded += [
                [f"data_load.{k}", num(v)] for k, v in flatten(info.data_load.model_dump())
            ]
            dropped.append(["invalid records skipped when loading", info.data_load.skipped])
        for k, v in flatten(info.dropped, "dropped"):
            # id lists are shown as counts (they can hold thousands of ids)
            dropped.append([k, f"{len(v)} item(s)" if isinstance(v, list) else num(v)])
    for s, m in run.seed_metrics.items():
        if m.get("n_truncated"):
            dropped.append(
                [
                    f"seed {s}: held-out pairs truncated to max_length (kept, flagged)",
                    m["n_truncated"],
                ]
            )
    split = split_summary(run.run_dir)
    rows: list[list[Any]] = []
    leakage: list[list[Any]] = []
    if split:
        cats = sorted(set(split["categories"]["train"]) | set(split["categories"]["val"]))
        for c in cats:
            rows.append(
                [c, split["categories"]["train"].get(c, 0), split["categories"]["val"].get(c, 0)]
            )
        rows.append(["total", split["n"]["train"], split["n"]["val"]])
        leakage = [[what, n, "ok" if n == 0 else "LEAK"] for what, n in split["leakage"]]
    manifest_rows = (
        [[k, num(v)] for k, v in flatten(run.manifest.model_dump(mode="json"))][:40]
        if run.manifest
        else []
    )
    split_text = (
        f"split seed {cfg.split_seed}, validation size {cfg.val_size}; grouped by "
        "conversation_id, stratified by category"
        if cfg
        else "split settings not recorded (no config.yaml)"
    )
    return {
        "source": source or "the embedded default data (synthetic; docs/data-card.md)",
        "counts": table(["category", "train", "val"], rows) if rows else None,
        "split_text": split_text,
        "leakage": table(["check (computed from split/*.jsonl.gz)", "overlap", "result"], leakage)
        if leakage
        else None,
        "dropped": table(["what", "count"], dropped) if dropped else None,
        "recorded": table(["run.json field", "value"], recorded) if recorded else None,
        "manifest": table(["manifest field", "value"], manifest_rows) if manifest_rows else None,
    }
