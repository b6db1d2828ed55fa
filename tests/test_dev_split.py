"""Who sees which pairs (issue 11): checkpoint selection looks at dev only, never at the held-out
pairs; a refused run writes nothing; a resume compares data content, not paths."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.data.io import write_pairs
from supportrm.model.testing import tiny_bert, toy_pairs
from supportrm.train.pipeline import train_from_config
from supportrm.train.testing import tiny_config

QUIET = {"log": lambda *_: None}


def _swap(pairs: list) -> list:
    return [dataclasses.replace(p, chosen=p.rejected, rejected=p.chosen) for p in pairs]


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _kept(run: Path) -> tuple[int, bytes]:
    meta = json.loads((run / "seed-0/checkpoint/supportrm.json").read_text())
    return meta["kept_step"], (run / "seed-0/checkpoint/model.safetensors").read_bytes()


def test_held_out_labels_cannot_change_the_kept_checkpoint(tmp_path: Path) -> None:
    model = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(60)
    train, dev, val = pairs[:40], pairs[40:50], pairs[50:]
    kept = []
    for name, held_out in (("as-labelled", val), ("labels-swapped", _swap(val))):
        files = {}
        for split, rows in (("train", train), ("dev", dev), ("val", held_out)):
            files[split] = tmp_path / name / f"{split}.jsonl"
            write_pairs(rows, files[split])
        cfg = tiny_config(
            model,
            tmp_path / name,
            train_data=files["train"],
            val_data=files["val"],
            dev_data=files["dev"],
            epochs=3,
            eval_every_steps=2,
        )
        train_from_config(cfg, **QUIET)
        kept.append(_kept(cfg.out))
        history = (cfg.out / "seed-0/history.jsonl").read_text().splitlines()
        assert len(history) >= 3 and all("dev_loss" in json.loads(h) for h in history)
    assert kept[0] == kept[1]
    # and the held-out accuracies are mirror images: the swap did reach the scored pairs
    acc = [
        json.loads((tmp_path / n / "run/seed-0/metrics.json").read_text())["basic"]["accuracy"]
        for n in ("as-labelled", "labels-swapped")
    ]
    assert acc[0] == pytest.approx(1 - acc[1])


def test_dev_size_zero_keeps_the_last_checkpoint(tmp_path: Path) -> None:
    model = tiny_bert(tmp_path / "bert")
    data = tmp_path / "pairs.jsonl"
    write_pairs(toy_pairs(40), data)
    cfg = tiny_config(model, tmp_path, data=data, val_size=8, dev_size=0)
    train_from_config(cfg, **QUIET)
    seed = json.loads((cfg.out / "seed-0/metrics.json").read_text())
    assert seed["training"]["selection"] == "last step (no dev pairs)"
    assert seed["training"]["kept_step"] == seed["training"]["total_steps"]
    assert not (cfg.out / "split/dev.jsonl.gz").exists()
    run = json.loads((cfg.out / "run.json").read_text())
    assert run["data"]["dev_pairs"] == 0 and run["data"]["train_pairs"] == 32


def test_dev_is_carved_from_train_by_whole_conversations(tmp_path: Path) -> None:
    from supportrm.data.load import read_pairs

    model = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(60)
    # two pairs per conversation: a conversation must never straddle train and dev
    pairs = [dataclasses.replace(p, conversation_id=f"c{i // 2}") for i, p in enumerate(pairs)]
    data = tmp_path / "pairs.jsonl"
    write_pairs(pairs, data)
    cfg = tiny_config(model, tmp_path, data=data, val_size=10, dev_size=0.25, epochs=1)
    train_from_config(cfg, **QUIET)
    split = {n: read_pairs(cfg.out / f"split/{n}.jsonl.gz") for n in ("train", "dev", "val")}
    convs = {n: {p.conversation_id for p in rows} for n, rows in split.items()}
    assert (
        split["dev"] and not (convs["dev"] & convs["train"]) and not (convs["dev"] & convs["val"])
    )
    assert sum(len(v) for v in split.values()) == 60


def test_refused_run_writes_nothing(tmp_path: Path) -> None:
    model = tiny_bert(tmp_path / "bert")
    data, other = tmp_path / "pairs.jsonl", tmp_path / "other.jsonl"
    write_pairs(toy_pairs(40), data)
    write_pairs(toy_pairs(40, seed=7), other)
    cfg = tiny_config(model, tmp_path, data=data, val_size=8, epochs=1)
    train_from_config(cfg, **QUIET)
    before = _tree(cfg.out)
    # without --resume: refused
    with pytest.raises(FileExistsError, match="--resume"):
        train_from_config(cfg.model_copy(update={"data": other}), **QUIET)
    assert _tree(cfg.out) == before
    # with --resume and other data (as `make run ARGS="--data other.jsonl"` does): refused,
    # naming both hashes, and the existing run's split is untouched
    with pytest.raises(ValueError, match="pairs differ") as err:
        train_from_config(cfg.model_copy(update={"data": other, "resume": True}), **QUIET)
    recorded = json.loads((cfg.out / "run.json").read_text())["data"]["train_hash"]
    assert recorded in str(err.value)
    assert _tree(cfg.out) == before


def test_resume_compares_content_not_path(tmp_path: Path) -> None:
    model = tiny_bert(tmp_path / "bert")
    data = tmp_path / "pairs.jsonl"
    write_pairs(toy_pairs(40), data)
    cfg = tiny_config(model, tmp_path, data=data, val_size=8, epochs=1)
    train_from_config(cfg, **QUIET)
    # same path, new content: refused
    write_pairs(toy_pairs(40, seed=3), data)
    with pytest.raises(ValueError, match="pairs differ"):
        train_from_config(cfg.model_copy(update={"resume": True}), **QUIET)
    # other path, same content: accepted (a finished run just re-aggregates)
    write_pairs(toy_pairs(40), tmp_path / "copy.jsonl")
    moved = cfg.model_copy(update={"resume": True, "data": tmp_path / "copy.jsonl"})
    assert train_from_config(moved, **QUIET)


def test_train_accepts_the_files_data_split_writes(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from supportrm.cli import main

    model = tiny_bert(tmp_path / "bert")
    data = tmp_path / "pairs.jsonl"
    write_pairs(toy_pairs(50), data)
    res = CliRunner().invoke(
        main, ["data", "split", str(data), "--val-size", "10", "--out", str(tmp_path / "s")]
    )
    assert res.exit_code == 0, res.output
    out = tmp_path / "run"
    args = [
        "train", "--train-data", str(tmp_path / "s/train.jsonl.gz"),
        "--val-data", str(tmp_path / "s/val.jsonl.gz"), "--model", str(model),
        "--seeds", "0", "--out", str(out), "--epochs", "1", "--freeze-layers", "1",
        "--batch-size", "8", "--max-length", "96", "--cache-dir", str(tmp_path / "cache"),
        "--no-progress",
    ]  # fmt: skip
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    run = json.loads((out / "run.json").read_text())
    assert run["data"]["val_pairs"] == 10
    assert run["data"]["train_pairs"] + run["data"]["dev_pairs"] == 40
    # both --data and --train-data: a clear error, and nothing written
    bad = CliRunner().invoke(main, [*args, "--data", str(data), "--out", str(tmp_path / "bad")])
    assert bad.exit_code != 0 and "train_data" in bad.output
    assert not (tmp_path / "bad").exists()


def test_train_takes_the_data_options_of_data_check(tmp_path: Path) -> None:
    """M4: --on-error skip prints the count and writes RUN_DIR/rejects.jsonl; --max-chars and
    --allow-empty-response mean what they mean in `data check`; the summary prints accuracy.
    An empty reply is excluded (counted, named, kept out), not a hard error."""
    from click.testing import CliRunner

    from supportrm.cli import main

    model = tiny_bert(tmp_path / "bert")

    def data_with(line: int, **change: str) -> Path:
        path = tmp_path / f"pairs-{line}-{'-'.join(change)}.jsonl"
        write_pairs(toy_pairs(40), path)
        lines = path.read_text().splitlines()
        rec = json.loads(lines[line - 1])
        rec.update({k: (rec["chosen"] if v == "=chosen" else v) for k, v in change.items()})
        lines[line - 1] = json.dumps(rec)
        path.write_text("\n".join(lines) + "\n")
        return path

    def train(data: Path, out: str, *extra: str) -> Any:
        args = [
            "train", "--data", str(data), "--model", str(model), "--val-size", "8",
            "--seeds", "0", "--epochs", "1", "--freeze-layers", "1", "--batch-size", "8",
            "--max-length", "96", "--cache-dir", str(tmp_path / "cache"), "--no-progress",
            "--out", str(tmp_path / out), *extra,
        ]  # fmt: skip
        return CliRunner().invoke(main, args)

    invalid = data_with(6, rejected="=chosen")
    refused = train(invalid, "a")
    assert refused.exit_code != 0 and ":6: rejected: identical to chosen" in refused.output
    assert not (tmp_path / "a").exists()
    res = train(invalid, "b", "--on-error", "skip")
    assert res.exit_code == 0, res.output
    assert "skipped 1 records (0 of them excluded" in res.output and "strict" in res.output
    rejects = [json.loads(x) for x in (tmp_path / "b/rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == 1 and rejects[0]["line"] == 6
    run = json.loads((tmp_path / "b/run.json").read_text())
    assert run["data_load"]["skipped"] == 1 and run["data_load"]["rejects"] == "rejects.jsonl"

    empty = data_with(9, chosen="   ")
    res = train(empty, "c")
    assert res.exit_code == 0, res.output
    assert "1 of them excluded for an empty reply" in res.output
    load = json.loads((tmp_path / "c/run.json").read_text())["data_load"]
    assert (load["skipped"], load["excluded"]) == (1, 1)
    kept = train(empty, "d", "--allow-empty-response")
    assert kept.exit_code == 0, kept.output
    assert json.loads((tmp_path / "d/run.json").read_text())["data_load"]["skipped"] == 0
    short = train(invalid, "e", "--max-chars", "20")
    assert short.exit_code != 0 and "over the limit of 20" in short.output


def test_an_aggregation_failure_is_an_error_the_user_sees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """L3: no `except Exception: pass` around aggregation; the models are on disk first."""
    import supportrm.train.seeds as seeds_module

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("aggregation broke")

    monkeypatch.setattr(seeds_module, "aggregate", broken)
    model = tiny_bert(tmp_path / "bert")
    data = tmp_path / "pairs.jsonl"
    write_pairs(toy_pairs(30), data)
    cfg = tiny_config(model, tmp_path, data=data, val_size=6, epochs=1)
    with pytest.raises(RuntimeError, match="aggregation broke"):
        train_from_config(cfg, **QUIET)
    assert (cfg.out / "seed-0/checkpoint/model.safetensors").exists()


def test_interrupted_run_resumes_only_with_the_same_data(tmp_path: Path) -> None:
    """M1 for a run that never finished (no run.json yet): its split files are the record."""
    model = tiny_bert(tmp_path / "bert")
    data = tmp_path / "pairs.jsonl"
    write_pairs(toy_pairs(40), data)
    cfg = tiny_config(model, tmp_path, data=data, val_size=8, epochs=1)
    train_from_config(cfg, **QUIET)
    (cfg.out / "run.json").unlink()
    write_pairs(toy_pairs(40, seed=5), data)
    with pytest.raises(ValueError, match=r"pairs differ from the run's \(.*split"):
        train_from_config(cfg.model_copy(update={"resume": True}), **QUIET)


def test_resume_refuses_a_state_or_auto_length_from_other_settings(tmp_path: Path) -> None:
    """L9: the config stored in state.pt must match; L1: so must an auto max_length."""
    from supportrm.train import state as train_state
    from supportrm.train.prepare import prepare
    from supportrm.train.seed import train_one_seed
    from supportrm.train.seeds import train_seeds

    model = tiny_bert(tmp_path / "bert")
    pairs = toy_pairs(50)
    train, dev, val = pairs[:36], pairs[36:42], pairs[42:]
    cfg = tiny_config(model, tmp_path, max_length=None)
    prep = prepare(cfg, train, val, dev, **QUIET)
    resolved = cfg.model_copy(update={"max_length": prep.max_length})
    cfg.out.mkdir(parents=True)
    (cfg.out / "config.yaml").write_text(resolved.to_yaml())
    train_one_seed(resolved, prep, 0, cfg.out / "seed-0", stop_at_step=3, **QUIET)
    state_file = cfg.out / "seed-0" / "state.pt"
    st = train_state.load(state_file)
    st["config"]["lr"] = 9.9
    train_state.save(state_file, **st)
    resumed = cfg.model_copy(update={"resume": True})
    with pytest.raises(ValueError, match=r"state\.pt was saved with other settings: \['lr'\]"):
        train_seeds(resumed, train, val, cfg.out, dev_pairs=dev, **QUIET)
    # the run trained with another auto length than the data gives now
    (cfg.out / "config.yaml").write_text(
        resolved.model_copy(update={"max_length": prep.max_length + 32}).to_yaml()
    )
    with pytest.raises(ValueError, match="max_length auto resolves to"):
        train_seeds(resumed, train, val, cfg.out, dev_pairs=dev, **QUIET)
