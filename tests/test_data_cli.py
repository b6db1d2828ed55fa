"""`supportrm data check` and `supportrm data split`: exit codes, rejects file, options."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from supportrm.cli import main

GOOD = {"prompt": "Where is my order?", "chosen": "It ships today.", "rejected": "No idea."}


def _recs() -> list[dict[str, Any]]:
    recs = [
        {**GOOD, "id": f"r{i}", "category": c, "chosen": f"It ships today ({i})."}
        for i, c in enumerate(["tone", "brevity", "tone", "refusals"] * 5)
    ]
    recs[3] = {**recs[3], "category": "billing"}
    recs[7] = {**recs[7], "chosen": "   "}
    return recs


def test_check_fails_listing_every_error(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl(_recs())
    res = CliRunner().invoke(main, ["data", "check", str(path)])
    assert res.exit_code == 1
    assert f"{path}:4: category: unknown category 'billing'" in res.output
    assert f"{path}:8: chosen: empty or whitespace-only response" in res.output


def test_check_skip_writes_default_rejects_and_counts_add_up(
    write_jsonl: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(_recs(), "support.jsonl")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    res = CliRunner().invoke(main, ["data", "check", str(path), "--on-error", "skip"])
    assert res.exit_code == 0, res.output
    assert "records read: 20   loaded: 18   skipped: 2" in res.output
    rejects = [json.loads(x) for x in (work / "support.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["errors"][0]["field"]) for r in rejects] == [
        (4, "category"),
        (8, "chosen"),
    ]
    assert rejects[0]["record"]["category"] == "billing"


def test_check_json_and_categories_any(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    path = write_jsonl(_recs())
    rejects = tmp_path / "r.jsonl.gz"
    res = CliRunner().invoke(
        main,
        [
            *("data", "check", str(path), "--categories", "any", "--on-error", "skip"),
            *("--rejects", str(rejects), "--json"),
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert (payload["read"], payload["loaded"], payload["skipped"]) == (20, 19, 1)
    assert payload["summary"]["categories"]["billing"] == 1
    assert rejects.exists()


def test_check_categories_option_is_configurable(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl([{**GOOD, "category": "billing"}])
    assert CliRunner().invoke(main, ["data", "check", str(path)]).exit_code == 1
    res = CliRunner().invoke(main, ["data", "check", str(path), "--categories", "billing,tone"])
    assert res.exit_code == 0, res.output


def test_check_max_chars(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl([{**GOOD, "chosen": "x" * 50}])
    res = CliRunner().invoke(main, ["data", "check", str(path), "--max-chars", "20"])
    assert res.exit_code == 1
    assert "chosen: text is 50 characters, over the limit of 20 (--max-chars)" in res.output


def test_check_json_on_invalid_data(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl(_recs())
    res = CliRunner().invoke(main, ["data", "check", str(path), "--json"])
    assert res.exit_code == 1
    payload = json.loads(res.output)
    assert payload["ok"] is False
    assert [(e["line"], e["field"]) for e in payload["errors"]] == [(4, "category"), (8, "chosen")]


def test_skip_with_nothing_valid_fails(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    path = write_jsonl([{**GOOD, "chosen": ""}])
    res = CliRunner().invoke(
        main,
        ["data", "check", str(path), "--on-error", "skip", "--rejects", str(tmp_path / "r.jsonl")],
    )
    assert res.exit_code == 1


def test_split_cli(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    recs = [
        {**GOOD, "prompt": f"Where is order {i}?", "category": c}
        for i, c in enumerate(["tone", "brevity"] * 20)
    ]
    path = write_jsonl(recs)
    out = tmp_path / "split"
    args = ["data", "split", str(path), "--val-size", "10", "--seed", "3", "--out", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    m = json.loads((out / "manifest.json").read_text())
    assert m["n_val"] == 10 and m["seed"] == 3
    assert {c: d["val"] for c, d in m["categories"].items()} == {"brevity": 5, "tone": 5}
    assert m["source"]["read"] == 40
    first = (out / "val.jsonl.gz").read_bytes()
    assert CliRunner().invoke(main, args).exit_code == 0
    assert (out / "val.jsonl.gz").read_bytes() == first  # deterministic bytes
    res = CliRunner().invoke(main, [*args[:4], "0.25", *args[5:], "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert (out / "val.csv").exists()


def test_split_keeps_a_shared_prompt_together(
    write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    """Without conversation_id, pairs with the same prompt form one group (and the CLI says so)."""
    recs = [{**GOOD, "chosen": f"ok {i}"} for i in range(6)] + [{**GOOD, "prompt": "Hours?"}]
    path = write_jsonl(recs)
    args = ["data", "split", str(path), "--val-size", "3", "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert m["n_conversations"]["total"] == 2 and m["n_val"] == 1 and m["max_abs_deviation"] == 2
    assert "2 pairs off its validation target" in res.output
    # A single conversation cannot be split at all.
    path = write_jsonl(recs[:6], "one.jsonl")
    res = CliRunner().invoke(main, [*args[:2], str(path), *args[3:]])
    assert res.exit_code == 2 and "only 1 conversation(s)" in res.output


def test_split_bad_val_size(write_jsonl: Callable[..., Path], tmp_path: Path) -> None:
    path = write_jsonl([{**GOOD, "chosen": f"ok {i}"} for i in range(5)])
    for bad in ("5", "abc", "1.5"):
        res = CliRunner().invoke(
            main, ["data", "split", str(path), "--val-size", bad, "--out", str(tmp_path / "o")]
        )
        assert res.exit_code == 2, (bad, res.output)
