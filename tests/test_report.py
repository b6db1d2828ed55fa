"""The report on synthetic run directories (fake scores, no model): sections, images, verdict."""

from __future__ import annotations

import base64
import json
import re

import pytest
from click.testing import CliRunner

from supportrm.report import SECTIONS, build_report
from supportrm.report.synthetic import make_synthetic_run

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run = make_synthetic_run(tmp_path_factory.mktemp("r") / "run", seeds=(0, 1, 2), n_val=250)
    # A baselines file for the same split (seed 0, 250 pairs) and one for another split.
    (run / "baselines-same.json").write_text(
        json.dumps(
            {
                "split": {"seed": 0, "val_size": 250},
                "baselines": {
                    "longer-wins": {"overall": 0.61, "per_category": {"tone": 0.55}},
                    "tfidf-logreg": {"overall": {"accuracy": 0.7}},
                },
            }
        )
    )
    (run / "baselines-other.json").write_text(
        json.dumps({"split": {"seed": 1, "val_size": 1000}, "baselines": {"other-split": 0.9}})
    )
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
    assert "differ from this run" in results


def test_baselines_matched_by_val_hash(tmp_path):
    run = make_synthetic_run(tmp_path / "run", seeds=(0,), n_val=60)
    for name, val_hash in (("same", "val-0"), ("other", "val-999")):
        (run / f"baselines-{name}.json").write_text(
            json.dumps(
                {
                    "split": {"seed": 0, "val_size": 60, "manifest": {"hashes": {"val": val_hash}}},
                    "results": {f"rule-{name}": {"accuracy": 0.5, "per_category": {}}},
                }
            )
        )
    md = build_report(run, model_cards=False).md.read_text()
    assert "rule-same (baseline)" in md and "same held-out pairs (hash)" in md
    assert "rule-other" not in md.split("## Diagnostics")[0].split("- Baselines")[0]
    assert "different held-out pairs" in md


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
    """Only seed-<S>/val_scores.jsonl: the report still builds, saying what is missing."""
    run = make_synthetic_run(tmp_path / "full", seeds=(3,), n_val=60, kind="noise")
    minimal = tmp_path / "min"
    (minimal / "seed-3").mkdir(parents=True)
    rows = [json.loads(x) for x in (run / "seed-3" / "val_scores.jsonl").read_text().splitlines()]
    for r in rows:
        r["category"] = None
    (minimal / "seed-3" / "val_scores.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows)
    )
    paths = build_report(minimal)
    md = paths.md.read_text()
    assert _headings_md(md) == [name for _, name in SECTIONS]
    assert "Split files not found" in md and "Not available" in md  # no training curves
    assert "seed 3 does NOT meet it" in md


def test_report_cli(tmp_path):
    from supportrm.cli import main

    run = make_synthetic_run(tmp_path / "run", seeds=(0,), n_val=80)
    res = CliRunner().invoke(main, ["report", str(run), "--no-model-card"])
    assert res.exit_code == 0, res.output
    assert "report.html" in res.output and (run / "report.md").exists()
    res = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert res.exit_code != 0 and "no seed-<S>/val_scores.jsonl" in res.output


def test_trainer_written_metrics_get_texts_and_keep_extra_keys(tmp_path):
    """The trainer writes compute_metrics without pair texts (and its own "training" block): the
    report recomputes so error examples show the conversation, and keeps the trainer's keys."""
    from supportrm.evaluate import compute_metrics, read_score_table

    run = make_synthetic_run(tmp_path / "run", seeds=(0,), n_val=60)
    d = run / "seed-0"
    m = compute_metrics(read_score_table(d / "val_scores.jsonl"))
    m["training"] = {"best_step": 7}
    (d / "metrics.json").write_text(json.dumps(m))
    md = build_report(run, model_cards=False).md.read_text()
    assert "Conversation:" in md
    assert json.loads((d / "metrics.json").read_text())["training"] == {"best_step": 7}
    assert "seed-0 training: best_step" in md
