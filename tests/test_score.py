"""`supportrm score`: a file of pairs or of single replies, one checkpoint or a seed ensemble;
rewards equal the training run's own scores, rows keep their order and ids."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.cli import main
from supportrm.data.io import write_pairs
from supportrm.model.testing import tiny_bert, toy_pairs
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("score")
    pairs = toy_pairs(50)
    cfg = tiny_config(tiny_bert(tmp / "bert"), tmp, epochs=1, seeds=[0, 1])
    train_seeds(cfg, pairs[:30], pairs[36:], cfg.out, dev_pairs=pairs[30:36], log=lambda *_: None)
    write_pairs(pairs[36:], cfg.out / "val.jsonl")
    return cfg.out


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def _score(*args: str) -> str:
    res = CliRunner().invoke(main, ["score", *args, "--no-progress"])
    assert res.exit_code == 0, res.output
    return res.output


def test_pairs_with_one_checkpoint_reproduce_the_training_scores(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    text = _score("--model", str(run / "seed-0/checkpoint"), "--data", str(run / "val.jsonl"),
                  "--out", str(out))  # fmt: skip
    rows = _rows(out)
    val = {r["id"]: r for r in _rows(run / "seed-0/val_scores.jsonl")}
    assert [r["id"] for r in rows] == list(val)  # input order, ids kept
    for r in rows:
        assert r["chosen_reward"] == pytest.approx(val[r["id"]]["chosen_score"], abs=1e-5)
        assert r["rejected_reward"] == pytest.approx(val[r["id"]]["rejected_score"], abs=1e-5)
        assert r["normalized"] is False
    strict = json.loads((run / "seed-0/metrics.json").read_text())["accuracy"]["strict"]
    assert f"strict accuracy {100 * strict:.1f}%" in text and "raw" in text


def test_run_folder_is_an_ensemble_with_an_uncertainty_column(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    text = _score("--model", str(run), "--data", str(run / "val.jsonl"), "--out", str(out))
    rows = _rows(out)
    per_seed = [
        {r["id"]: r["chosen_score"] for r in _rows(run / f"seed-{s}/val_scores.jsonl")}
        for s in (0, 1)
    ]
    for r in rows:
        a, b = per_seed[0][r["id"]], per_seed[1][r["id"]]
        assert r["chosen_reward"] == pytest.approx((a + b) / 2, abs=1e-5)
        assert r["chosen_reward_std"] == pytest.approx(abs(a - b) / 2, abs=1e-5)
    assert "ensemble" in text and "seed 0" in text and "seed 1" in text
    meta = json.loads(out.with_name("s.jsonl.meta.json").read_text())
    assert meta["reward"] == "mean over seeds" and set(meta["models"]) == {"seed 0", "seed 1"}


def test_single_replies_in_both_shapes_and_every_format(run: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    pairs = toy_pairs(50)[36:40]
    msgs = lambda p: [{"role": m.role, "content": m.content} for m in p.prompt]  # noqa: E731
    data = tmp_path / "replies.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": f"m{i}", "messages": [*msgs(p), {"role": "assistant", "content": p.chosen}]})
            + "\n"
            + json.dumps({"prompt": msgs(p), "completion": p.chosen})
            + "\n"
            for i, p in enumerate(pairs)
        )
    )  # fmt: skip
    ckpt = str(run / "seed-0/checkpoint")
    _score("--model", ckpt, "--data", str(data), "--out", str(tmp_path / "r.jsonl"))
    rows = _rows(tmp_path / "r.jsonl")
    assert [r["id"] for r in rows] == [x for i in range(4) for x in (f"m{i}", f"line-{2 * i + 2}")]
    val = {r["id"]: r["chosen_score"] for r in _rows(run / "seed-0/val_scores.jsonl")}
    for i, p in enumerate(pairs):
        assert rows[2 * i]["reward"] == pytest.approx(val[p.id], abs=1e-5)
        assert rows[2 * i + 1]["reward"] == pytest.approx(val[p.id], abs=1e-5)
    _score("--model", ckpt, "--data", str(data), "--out", str(tmp_path / "r.parquet"))
    _score("--model", ckpt, "--data", str(data), "--out", str(tmp_path / "r.csv"), "--normalize")
    table = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert [r["reward"] for r in table] == pytest.approx([r["reward"] for r in rows])
    stats = json.loads((run / "seed-0/checkpoint/supportrm.json").read_text())[
        "reward_normalization"
    ]
    csv_rows = (tmp_path / "r.csv").read_text().splitlines()
    assert csv_rows[0] == "id,reward,normalized"
    first = float(csv_rows[1].split(",")[1])
    assert first == pytest.approx((rows[0]["reward"] - stats["mean"]) / stats["std"], abs=1e-6)


def test_bad_input_is_named_and_nothing_is_written(run: Path, tmp_path: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text(
        json.dumps({"prompt": "hi", "completion": "fine"}) + "\n"
        + json.dumps({"prompt": "hi"}) + "\n"
        + json.dumps({"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}]}) + "\n"
    )  # fmt: skip
    out = tmp_path / "o.jsonl"
    args = ["score", "--model", str(run), "--data", str(data), "--out", str(out), "--no-progress"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code != 0
    assert f"{data}:2: completion: missing field" in res.output
    assert f"{data}:3: messages[1].role: the last turn must be the assistant's" in res.output
    assert not out.exists()
    res = CliRunner().invoke(main, [*args[:-2], str(tmp_path / "o.txt"), "--no-progress"])
    assert res.exit_code != 0 and "must end with .jsonl" in res.output
    # skip mode scores the good row only
    res = CliRunner().invoke(main, [*args, "--on-error", "skip"])
    assert res.exit_code == 0, res.output
    assert [r["id"] for r in _rows(out)] == ["line-1"]
