"""The report on synthetic run directories (fake scores, no model): sections, images, verdict."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from supportrm.report import SECTIONS, build_report
from supportrm.report.synthetic import make_synthetic_run

PNG = b"\x89PNG\r\n\x1a\n"


def _baselines_file(path, val_hash, results):  # type: ignore[no-untyped-def]
    """A baselines JSON as `supportrm baselines --out` writes it (run_files.BaselinesFile)."""

    def score(acc):  # type: ignore[no-untyped-def]
        return {"n": 50, "accuracy": acc, "accuracy_ties_half": acc, "tie_rate": 0.0}

    body = {
        "command": "supportrm baselines",
        "data": {"path": "x"},
        "split": {"val_size": 250, "seed": 0, "n_train": 1200, "n_val": 250, "val_hash": val_hash},
        "accuracy_definitions": {},
        "baselines": {
            name: {**score(acc), "per_category": {c: score(a) for c, a in cats.items()}}
            for name, (acc, cats) in results.items()
        },
        "total_seconds": 1.0,
        "environment": {},
    }
    path.write_text(json.dumps(body))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run = make_synthetic_run(tmp_path_factory.mktemp("r") / "run", seeds=(0, 1, 2), n_val=250)
    # A baselines file for the same held-out pairs (val hash) and one for other pairs.
    _baselines_file(
        run / "baselines-same.json",
        "val-0",
        {"longer-wins": (0.61, {"tone": 0.55}), "tfidf-logreg": (0.7, {})},
    )
    _baselines_file(run / "baselines-other.json", "val-999", {"other-split": (0.9, {})})
    paths = build_report(run)
    return run, paths


def _headings_md(md: str) -> list[str]:
    return re.findall(r"^## (.+)$", md, flags=re.M)


def _headings_html(html: str) -> list[str]:
    return re.findall(r"<h2 id=\"[a-z]+\">(.+?)</h2>", html)


def test_every_section_in_order_in_html_and_md(trained):
    _, paths = trained
    html, md = paths.html.read_text(), paths.md.read_text()
    names = [name for _, name in SECTIONS]
    assert names == [
        "Verdict",
        "Held-out vs. a second source",
        "Data",
        "Method",
        "Results",
        "Diagnostics",
        "Error examples",
        "Stress tests and best-of-n",
        "Limitations and recommendations",
        "Reproducibility",
    ]
    assert _headings_md(md) == names
    assert _headings_html(html) == names


def test_images_embedded_and_written(trained):
    run, paths = trained
    html = paths.html.read_text()
    srcs = re.findall(r"<img[^>]*\ssrc=\"([^\"]+)\"", html)
    assert len(srcs) == 6  # accuracy, scores, margin, reliability, length, training
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG
    assert not re.search(r"(src|href)=\"(https?:|//)", html)  # self-contained
    md = paths.md.read_text()
    for rel in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md):
        assert (run / rel).read_bytes()[:8] == PNG
    assert len(paths.plots) == 6


def test_verdict_states_bar_and_each_seed(trained):
    _, paths = trained
    md = paths.md.read_text()
    verdict = md.split("## Verdict", 1)[1].split("## Data", 1)[0]
    assert "72%" in verdict and "65%" in verdict
    for s in (0, 1, 2):
        assert re.search(rf"seed {s} (meets it|does NOT meet it)", verdict)
    assert "DEGENERATE" not in md.split("## Verdict")[0]


def test_baselines_for_same_split_only(trained):
    _, paths = trained
    md = paths.md.read_text()
    results = md.split("## Results", 1)[1].split("## Diagnostics", 1)[0]
    assert "longer-wins (baseline)" in results and "tfidf-logreg (baseline)" in results
    assert "61.0%" in results and "70.0%" in results
    assert "other-split" not in results
    assert "computed on other held-out pairs" in results


def test_baselines_matched_by_val_hash_and_never_read_from_cwd(tmp_path, monkeypatch):
    run = make_synthetic_run(tmp_path / "run", seeds=(0,), n_val=60)
    for name, val_hash in (("same", "val-0"), ("other", "val-999")):
        _baselines_file(run / f"baselines-{name}.json", val_hash, {f"rule-{name}": (0.5, {})})
    (run / "baselines-odd.json").write_text(json.dumps({"results": {"any-shape": 0.9}}))
    elsewhere = tmp_path / "cwd"
    (elsewhere / "bench" / "results").mkdir(parents=True)
    _baselines_file(elsewhere / "baselines-cwd.json", "val-0", {"rule-cwd": (0.5, {})})
    monkeypatch.chdir(elsewhere)
    md = build_report(run, model_cards=False).md.read_text()
    assert "rule-same (baseline)" in md and "same held-out pairs" in md
    assert "rule-other" not in md.split("## Diagnostics")[0].split("- Baselines")[0]
    assert "computed on other held-out pairs" in md
    assert "baselines-odd.json: not a baselines file" in md  # no guessing at other shapes
    assert "rule-cwd" not in md  # the working directory is never searched


def test_metrics_and_model_cards_written(trained):
    run, paths = trained
    agg = json.loads((run / "metrics.json").read_text())
    assert agg["seeds"] == [0, 1, 2]
    for s in (0, 1, 2):
        m = json.loads((run / f"seed-{s}" / "metrics.json").read_text())
        assert m["schema_version"] == 1 and m["errors"]
    assert len(paths.model_cards) == 3
    card = paths.model_cards[0].read_text()
    assert card.startswith("---\n") and "library_name: transformers" in card
    assert "reward-model" in card and "## Evaluation" in card and "mean 0.1000" in card


def test_error_examples_have_text_and_html_is_escaped(trained):
    _, paths = trained
    html, md = paths.html.read_text(), paths.md.read_text()
    assert "&lt;b&gt;Help&lt;/b&gt;" in html and "<b>Help</b>" not in html
    assert "<b>Help</b>" in md  # Markdown keeps the text as typed (inside code fences)


def test_degenerate_run_has_red_banner(tmp_path):
    run = make_synthetic_run(tmp_path / "const", seeds=(0,), n_val=100, kind="constant")
    paths = build_report(run, model_cards=False)
    html, md = paths.html.read_text(), paths.md.read_text()
    assert 'class="banner"' in html and "DEGENERATE REWARD MODEL" in html
    assert md.split("## Verdict")[0].count("DEGENERATE REWARD MODEL") == 1
    assert "FAIL" in md.split("## Verdict", 1)[1].split("## Data")[0]
    assert "FIRED" in md and "collapse" in md


def test_minimal_run_dir_without_optional_files(tmp_path):
    """Only seed-<S>/val_scores.jsonl, evaluated: the report still builds, saying what is
    missing."""
    from supportrm.evaluate import evaluate_run

    run = make_synthetic_run(tmp_path / "full", seeds=(3,), n_val=60, kind="noise")
    minimal = tmp_path / "min"
    (minimal / "seed-3").mkdir(parents=True)
    rows = [json.loads(x) for x in (run / "seed-3" / "val_scores.jsonl").read_text().splitlines()]
    for r in rows:
        r["category"] = None
    (minimal / "seed-3" / "val_scores.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows)
    )
    with pytest.raises(FileNotFoundError, match="evaluate the run first"):
        build_report(minimal)  # the report reads; it never evaluates
    evaluate_run(minimal)
    paths = build_report(minimal)
    md = paths.md.read_text()
    assert _headings_md(md) == [name for _, name in SECTIONS]
    assert "Split files not found" in md and "Not available" in md  # no training curves
    assert "seed 3 does NOT meet it" in md


def test_report_elsewhere_changes_nothing_in_the_run(tmp_path):
    run = make_synthetic_run(tmp_path / "run", seeds=(0,), n_val=60)
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    paths = build_report(run, out_dir=tmp_path / "out")
    after = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    assert before == after
    assert paths.model_cards == [tmp_path / "out" / "model-cards" / "seed-0" / "README.md"]


def test_report_cli(tmp_path):
    from supportrm.cli import main

    run = make_synthetic_run(tmp_path / "run", seeds=(0,), n_val=80)
    res = CliRunner().invoke(main, ["report", str(run), "--no-model-card"])
    assert res.exit_code == 0, res.output
    assert "report.html" in res.output and (run / "report.md").exists()
    res = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert res.exit_code != 0 and "no seed-<S>/val_scores.jsonl" in res.output


def test_report_recompute_adds_texts_and_keeps_the_trainer_block(tmp_path):
    """The trainer writes compute_metrics without pair texts (and its own "training" block):
    `supportrm report --recompute` has the evaluate stage recompute them, so error examples show
    the conversation, and keeps the trainer's keys."""
    from supportrm.cli import main
    from supportrm.evaluate import compute_metrics, read_score_table

    run = make_synthetic_run(tmp_path / "run", seeds=(0,), n_val=60)
    d = run / "seed-0"
    m = compute_metrics(read_score_table(d / "val_scores.jsonl"))
    training = {
        "kept_step": 7,
        "selection": "lowest dev loss",
        "best_dev_loss": 0.5,
        "total_steps": 10,
        "seed": 0,
    }
    m["training"] = training
    (d / "metrics.json").write_text(json.dumps(m))
    md = build_report(run, model_cards=False).md.read_text()
    assert "Conversation:" not in md  # read as written
    res = CliRunner().invoke(main, ["report", str(run), "--recompute", "--no-model-card"])
    assert res.exit_code == 0, res.output
    md = (run / "report.md").read_text()
    assert "Conversation:" in md
    assert json.loads((d / "metrics.json").read_text())["training"] == training
    assert "seed-0 training: kept_step" in md


def test_stress_section_shows_flags_examples_and_best_of_n(tmp_path: Path) -> None:
    """A run with stress.json gets the table, the flagged edits with their worst example, both
    plots and the best-of-n reading; a run without one says how to add it."""
    import numpy as np

    from supportrm.evaluate.bestofn import fresh_conversations, simulate
    from supportrm.evaluate.runs import write_json
    from supportrm.evaluate.stress import run_stress

    run = make_synthetic_run(tmp_path / "run", seeds=(0,), n_val=40)
    without = build_report(run).md.read_text()
    assert "Not run for this run (`supportrm stress" in without
    pairs = fresh_conversations(30, seed=3)[0]

    def length(items):  # type: ignore[no-untyped-def]
        return np.array([float(len(r)) for _, r in items])

    write_json(
        {"model": "m", "reward": "single model",
         "stress": run_stress(pairs, length, margin_std=10.0), "best_of_n": simulate(pairs, length)},
        run / "stress.json",
    )  # fmt: skip
    paths = build_report(run)
    md, html = paths.md.read_text(), paths.html.read_text()
    assert "**Reward hacks flagged:** pad_filler, repeat_sentence" in md
    assert "| pad_filler | degrading |" in md and "Worst examples of the flagged edits" in md
    assert "no better than a trivial rule" in md  # reward = length picks what "longest" picks
    assert (run / "plots" / "stress_rates.png").exists() and (
        run / "plots" / "best_of_n.png"
    ).exists()
    assert 'id="plot-stress"' in html and 'id="plot-bon"' in html
