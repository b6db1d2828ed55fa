"""The same data as JSONL, JSON, Parquet and CSV (and gzipped) loads to identical pairs, and
`supportrm data check` / `data split` give identical results on each."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from supportrm.cli import main
from supportrm.data.hashing import hash_pairs
from supportrm.data.io import write_pairs
from supportrm.data.load import load_pairs, read_pairs

CATS = ["helpfulness", "tone", "refusals", "hallucination", "brevity"]


def _records() -> list[dict[str, Any]]:
    """Conversational records with the text that breaks naive CSV/JSONL handling."""
    tricky = [
        'Commas, "quotes", and a\nnewline',
        "Windows line end\r\nthen more",
        "[1] a reply that starts with a bracket",
        "Unicode: café, 東京, 🙂, and a line separator \u2028 inside",
        "  leading and trailing spaces  ",
    ]
    recs = []
    for i in range(40):
        prompt: list[dict[str, str]] = []
        if i % 3 == 0:
            prompt.append({"role": "system", "content": "You are a support agent for Acme."})
        prompt.append({"role": "user", "content": f"Question {i}: {tricky[i % 5]}"})
        if i % 4 == 0:
            prompt += [
                {"role": "assistant", "content": "Could you share the order number?"},
                {"role": "user", "content": f"It is #{1000 + i}."},
            ]
        rec: dict[str, Any] = {
            "id": f"pair-{i:03d}",
            "conversation_id": f"conv-{i // 2}",
            "category": CATS[i % 5] if i % 7 else None,
            "prompt": prompt,
            "chosen": [
                {"role": "assistant", "content": f"Helpful reply {i}. {tricky[(i + 1) % 5]}"}
            ],
            "rejected": [{"role": "assistant", "content": f"Bad reply {i}."}],
        }
        if i % 2:
            rec["margin"] = 0.25 * i
        if i % 5 == 1:
            rec["metadata"] = {"agreement": 0.5 + i / 100, "annotators": ["a", "b"]}
        recs.append(rec)
    return recs


def _write_all_formats(recs: list[dict[str, Any]], d: Path) -> dict[str, Path]:
    paths = {
        "jsonl": d / "data.jsonl",
        "jsonl.gz": d / "data.jsonl.gz",
        "json": d / "data.json",
        "csv": d / "data.csv",
        "parquet": d / "data.parquet",
    }
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
    paths["jsonl"].write_text(lines, encoding="utf-8")
    paths["jsonl.gz"].write_bytes(gzip.compress(lines.encode("utf-8")))
    paths["json"].write_text(json.dumps(recs, indent=2, ensure_ascii=False), encoding="utf-8")
    # CSV the way a user would write it: prompt as a JSON message list, replies as plain text
    # (except the one starting with "[", which must be JSON-encoded to stay a plain string).
    cols = [
        "id",
        "conversation_id",
        "category",
        "prompt",
        "chosen",
        "rejected",
        "margin",
        "metadata",
    ]
    with paths["csv"].open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in recs:
            chosen = r["chosen"][0]["content"]
            w.writerow(
                [
                    r["id"],
                    r["conversation_id"],
                    r["category"] or "",
                    json.dumps(r["prompt"], ensure_ascii=False),
                    json.dumps(r["chosen"]) if chosen.startswith("[") else chosen,
                    r["rejected"][0]["content"],
                    r.get("margin", ""),
                    json.dumps(r["metadata"]) if "metadata" in r else "",
                ]
            )
    # Parquet the way TRL datasets store it: messages as list<struct<role, content>>.
    table = pa.table(
        {
            "id": [r["id"] for r in recs],
            "conversation_id": [r["conversation_id"] for r in recs],
            "category": [r["category"] for r in recs],
            "prompt": [r["prompt"] for r in recs],
            "chosen": [r["chosen"] for r in recs],
            "rejected": [r["rejected"][0]["content"] for r in recs],  # plain strings also work
            "margin": [r.get("margin") for r in recs],
            "metadata": [json.dumps(r["metadata"]) if "metadata" in r else None for r in recs],
        }
    )
    pq.write_table(table, paths["parquet"])
    return paths


@pytest.fixture
def same_data(tmp_path: Path) -> dict[str, Path]:
    return _write_all_formats(_records(), tmp_path)


def test_every_format_loads_identical_pairs(same_data: dict[str, Path]) -> None:
    loaded = {k: load_pairs(p) for k, p in same_data.items()}
    ref = [p.to_record() for p in loaded["jsonl"].pairs]
    assert len(ref) == 40
    for fmt, res in loaded.items():
        assert res.n_read == 40 and not res.skipped, fmt
        assert [p.to_record() for p in res.pairs] == ref, fmt
    # Text survives byte for byte, including CR LF, U+2028 and surrounding spaces.
    texts = {p.chosen for p in loaded["csv"].pairs}
    assert any("\r\n" in t for t in texts) and any("\u2028" in t for t in texts)
    assert any(t.endswith("spaces  ") for t in texts)
    assert "[1] a reply that starts with a bracket" in {
        t.split(". ", 1)[1] for t in texts if ". " in t
    }


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "json", "csv", "csv.gz", "parquet"])
def test_write_then_read_round_trips(same_data: dict[str, Path], tmp_path: Path, fmt: str) -> None:
    pairs = load_pairs(same_data["jsonl"]).pairs
    out = write_pairs(pairs, tmp_path / f"out.{fmt}")
    back = read_pairs(out)
    assert [p.to_record() for p in back] == [p.to_record() for p in pairs]
    assert hash_pairs(back) == hash_pairs(pairs)


@pytest.mark.parametrize("fmt", ["jsonl.gz", "csv", "parquet"])
def test_written_bytes_are_deterministic(
    same_data: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    pairs = load_pairs(same_data["jsonl"]).pairs
    a = write_pairs(pairs, tmp_path / f"a.{fmt}").read_bytes()
    b = write_pairs(pairs, tmp_path / f"b.{fmt}").read_bytes()
    assert a == b


def test_cli_check_and_split_agree_across_formats(
    same_data: dict[str, Path], tmp_path: Path
) -> None:
    runner = CliRunner()
    summaries, manifests = {}, {}
    for fmt, path in same_data.items():
        res = runner.invoke(main, ["data", "check", str(path), "--json"])
        assert res.exit_code == 0, res.output
        payload = json.loads(res.output)
        assert (payload["read"], payload["loaded"], payload["skipped"]) == (40, 40, 0)
        summaries[fmt] = payload["summary"]
        out = tmp_path / f"split-{fmt.replace('.', '-')}"
        res = runner.invoke(
            main,
            ["data", "split", str(path), "--val-size", "0.25", "--seed", "7", "--out", str(out)],
        )
        assert res.exit_code == 0, res.output
        m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        keys = ("hashes", "categories", "n_train", "n_val", "max_abs_deviation")
        manifests[fmt] = {k: m[k] for k in keys}
        assert {f["sha256"] for f in m["files"].values()} == {
            "sha256:" + hashlib.sha256((out / f["path"]).read_bytes()).hexdigest()
            for f in m["files"].values()
        }
    first = next(iter(summaries.values()))
    assert all(s == first for s in summaries.values())
    first_m = next(iter(manifests.values()))
    assert all(m == first_m for m in manifests.values())
    # Conversations here mix two categories each, so exactness is not always possible: +-1.
    assert first_m["max_abs_deviation"] <= 1
    assert first_m["n_train"] + first_m["n_val"] == 40


def test_standard_and_implicit_shapes_normalise_to_the_same_pair(write_jsonl) -> None:  # type: ignore[no-untyped-def]
    conversational = {
        "prompt": [
            {"role": "user", "content": "Where is my order?"},
            {"role": "assistant", "content": "Which one?"},
            {"role": "user", "content": "#1234"},
        ],
        "chosen": [{"role": "assistant", "content": "It ships today."}],
        "rejected": [{"role": "assistant", "content": "No idea."}],
    }
    hh = {
        "chosen": "\n\nHuman: Where is my order?\n\nAssistant: Which one?\n\nHuman: #1234"
        "\n\nAssistant: It ships today.",
        "rejected": "\n\nHuman: Where is my order?\n\nAssistant: Which one?\n\nHuman: #1234"
        "\n\nAssistant: No idea.",
    }
    implicit_messages = {
        "chosen": [*conversational["prompt"], *conversational["chosen"]],
        "rejected": [*conversational["prompt"], *conversational["rejected"]],
    }
    hh_prompt = {  # HH split into strings, as older TRL exports of Anthropic HH have it
        "prompt": hh["chosen"].rsplit("\n\nAssistant:", 1)[0] + "\n\nAssistant:",
        "chosen": " It ships today.",
        "rejected": " No idea.",
    }
    single = {"prompt": "Hours?", "chosen": "9 to 5.", "rejected": "Closed."}
    single_conv = {
        "prompt": [{"role": "user", "content": "Hours?"}],
        "chosen": [{"role": "assistant", "content": "9 to 5."}],
        "rejected": "Closed.",
    }
    shapes = [conversational, hh, implicit_messages, hh_prompt, single, single_conv]
    recs = []
    for i, rec in enumerate(shapes):
        (pair,) = load_pairs(write_jsonl([rec], f"shape{i}.jsonl")).pairs
        recs.append(pair.to_record())
    assert recs[0] == recs[1] == recs[2] == recs[3]  # generated ids too: they hash the content
    assert recs[4] == recs[5]
    assert recs[0]["conversation_id"] != recs[4]["conversation_id"]


def test_extra_fields_are_kept_in_metadata(write_jsonl) -> None:  # type: ignore[no-untyped-def]
    rec = {"prompt": "Hi", "chosen": "Hello!", "rejected": "Go away.", "subset": "xstest"}
    res = load_pairs(write_jsonl([rec]))
    assert res.pairs[0].metadata == {"subset": "xstest"}
    assert res.extra_fields == {"subset": 1}
