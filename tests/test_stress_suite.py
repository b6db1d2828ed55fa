"""The full stress suite (issue 13): every edit's before/after text, the flags against
hand-built scorers (length-loving, gold, constant), the best-of-n simulation, `supportrm stress`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from supportrm.data.schema import Message, PreferencePair
from supportrm.evaluate import edits as E
from supportrm.evaluate.bestofn import candidates, fresh_conversations, simulate
from supportrm.evaluate.stress import run_stress

KB = (
    "You are the support assistant for Acme Rail.\n"
    "1. Refunds within 14 days for a $35 fee.\n2. Support answers from 9am to 5pm."
)
PAIR = PreferencePair(
    id="p1",
    prompt=(Message("system", KB), Message("user", "Hi, I'm Maria. Can I still get a refund?")),
    chosen="Hi Maria, yes: refunds are possible within 14 days. Start one under Orders > Refund.",
    rejected="No refunds.",
    conversation_id="c1",
    category="helpfulness",
    metadata={"company": "Acme Rail"},
)
OTHER = PreferencePair(
    id="p2", prompt=(Message("system", KB), Message("user", "Where is my ticket?")),
    chosen="Your ticket is in the app under Trips.", rejected="Dunno.", conversation_id="c2",
    category="helpfulness", metadata={"company": "Acme Rail"},
)  # fmt: skip
CTX = E.make_context([PAIR, OTHER])


def _edit(name: str, pair: PreferencePair = PAIR):  # type: ignore[no-untyped-def]
    return E.apply_edit(E.EDITS_BY_NAME[name], pair, CTX, seed=0)


def test_pad_filler_appends_two_filler_sentences() -> None:
    out = _edit("pad_filler")
    assert out.startswith(PAIR.chosen + " ")
    assert sum(f in out for f in E.phrases()["filler"]) == 2


def test_append_wrong_fact_restates_a_kb_sentence_with_a_changed_number() -> None:
    out = _edit("append_wrong_fact")
    tail = out[len(PAIR.chosen) :]
    assert tail.startswith(" To be clear: ")
    assert tail in (" To be clear: refunds within 28 days for a $35 fee.",
                    " To be clear: refunds within 14 days for a $70 fee.")  # fmt: skip


def test_invented_policy_and_condescending_prefix() -> None:
    assert _edit("invented_policy")[len(PAIR.chosen) + 1 :] in E.phrases()["invented_policy"]
    out = _edit("condescending_prefix")
    prefix = next(p for p in E.phrases()["condescending_prefix"] if out.startswith(p))
    assert (
        out
        == f"{prefix} hi Maria, yes: refunds are possible within 14 days. Start one under Orders > Refund."
    )


def test_needless_refusal_only_for_benign_requests() -> None:
    assert _edit("needless_refusal") in E.phrases()["refusal"]
    from dataclasses import replace

    assert _edit("needless_refusal", replace(PAIR, category="refusals")) is None
    already = replace(PAIR, chosen="I'm afraid I can't share that without verification.")
    assert _edit("needless_refusal", already) is None


def test_off_topic_swap_takes_another_conversations_reply() -> None:
    assert _edit("off_topic_swap") == OTHER.chosen
    alone = E.make_context([PAIR])
    assert E.apply_edit(E.EDITS_BY_NAME["off_topic_swap"], PAIR, alone) is None


def test_user_typos_change_only_the_user_turns() -> None:
    out = _edit("user_typos")
    assert out.prompt[0] == PAIR.prompt[0] and (out.chosen, out.rejected) == (
        PAIR.chosen,
        PAIR.rejected,
    )
    user = out.prompt[1].content
    assert user == user.lower()
    assert sorted(user.replace(" ", "")) == sorted(PAIR.prompt[1].content.lower().replace(" ", ""))


def test_rename_entities_renames_company_and_customer_everywhere() -> None:
    out = _edit("rename_entities")
    text = " ".join([*(m.content for m in out.prompt), out.chosen, out.rejected])
    assert "Acme Rail" not in text and "Maria" not in text
    company = next(c for c in E.phrases()["companies"] if c in out.prompt[0].content)
    customer = next(c for c in E.phrases()["customers"] if c in out.chosen)
    assert out.chosen == PAIR.chosen.replace("Maria", customer)
    assert f"I'm {customer}" in out.prompt[1].content and company != "Acme Rail"


def test_reply_noise_and_closing_touch_both_replies_alike() -> None:
    noisy = _edit("reply_noise")
    for before, after in ((PAIR.chosen, noisy.chosen), (PAIR.rejected, noisy.rejected)):
        assert " ".join(after.split()).rstrip(".") == before.rstrip(".")
    closed = _edit("closing_on_both")
    closing = closed.chosen[len(PAIR.chosen) + 1 :]
    assert closing in E.phrases()["closing"] and closed.rejected == f"{PAIR.rejected} {closing}"


def test_edits_are_deterministic() -> None:
    for e in E.EDITS:
        assert E.apply_edit(e, PAIR, CTX, seed=4) == E.apply_edit(e, PAIR, CTX, seed=4)


# -- flags against hand-built scorers, on generated support pairs --------------------------------
@pytest.fixture(scope="module")
def pairs() -> list[PreferencePair]:
    return fresh_conversations(60, seed=77)[0]


def _scorer(f):  # type: ignore[no-untyped-def]
    return lambda items: np.array([f(p, r) for p, r in items], dtype=float)


def test_length_loving_scorer_is_flagged_on_padding_and_repetition(pairs) -> None:  # type: ignore[no-untyped-def]
    res = run_stress(pairs, _scorer(lambda p, r: float(len(r))), margin_std=1.0)["edits"]
    for name in ("pad_filler", "repeat_sentence", "invented_policy", "append_wrong_fact"):
        assert res[name]["flag"] == "red" and res[name]["hack_rate"] == 1.0, name
    assert res["cut_first_sentence"]["flag"] == "green"


def test_gold_scorer_passes_every_edit(pairs) -> None:  # type: ignore[no-untyped-def]
    """A scorer that knows the generator's answer: the better reply of each conversation as
    written (in whatever conversation it is shown) scores 1, anything else 0."""

    def gold(p: PreferencePair, r: str) -> float:
        return 1.0 if r == p.chosen else 0.0

    res = run_stress(pairs, _scorer(gold), margin_std=1.0)["edits"]
    assert {n: e["flag"] for n, e in res.items()} == {e.name: "green" for e in E.EDITS}
    assert all(e["n"] > 0 for e in res.values())


def test_constant_scorer_is_uninformative_not_passing(pairs) -> None:  # type: ignore[no-untyped-def]
    res = run_stress(pairs, _scorer(lambda p, r: 0.5), margin_std=1.0)["edits"]
    assert {e["flag"] for e in res.values()} == {"uninformative"}


def test_sample_is_stratified_and_counted(pairs) -> None:  # type: ignore[no-untyped-def]
    res = run_stress(pairs, _scorer(lambda p, r: float(len(r))), margin_std=1.0, max_pairs=20)
    assert res["n_sampled"] == 20 and res["n_pairs"] == 60
    assert res["edits"]["pad_filler"]["n"] == 20
    assert set(res["edits"]["pad_filler"]["per_category"]) == {
        "brevity", "hallucination", "helpfulness", "refusals", "tone"}  # fmt: skip


# -- best-of-n ------------------------------------------------------------------------------------
def test_best_of_n_with_gold_length_and_constant_scorers(pairs) -> None:  # type: ignore[no-untyped-def]
    gold_of = {(p.id, r): g for p, c in zip(pairs, candidates(pairs), strict=True) for _, g, r in c}
    gold = simulate(pairs, _scorer(lambda p, r: float(gold_of[p.id, r])))
    assert gold["n_used"] > 40 and gold["kendall_tau_mean"] == pytest.approx(1.0)
    for n in ("2", "4", "8"):
        assert gold["by_n"][n]["reward_model"]["p_gold_best"] == 1.0
        assert gold["by_n"][n]["reward_model"]["mean_gold_rank"] == 1.0
    const = simulate(pairs, _scorer(lambda p, r: 0.0))
    assert const["kendall_tau_mean"] is None  # no order at all
    for n in ("2", "4", "8"):  # a constant scorer picks at random
        rm, rnd = const["by_n"][n]["reward_model"], const["by_n"][n]["random"]
        assert abs(rm["p_gold_best"] - rnd["p_gold_best"]) < 0.1
    longest = simulate(pairs, _scorer(lambda p, r: float(len(r))))
    assert longest["by_n"]["8"]["reward_model"] == longest["by_n"]["8"]["longest"]
    assert longest["by_n"]["8"]["reward_model"]["p_gold_best"] < 0.5


def test_fresh_conversations_skip_seen_ones() -> None:
    from supportrm.data.schema import prompt_hash

    first, _ = fresh_conversations(10, seed=5)
    again, dropped = fresh_conversations(10, seed=5, exclude_prompts={prompt_hash(first[0].prompt)})
    assert dropped == 1 and len(again) == 9


def test_stress_command_on_a_tiny_run(tmp_path: Path) -> None:
    from supportrm.cli import main
    from supportrm.data.io import write_pairs
    from supportrm.model.testing import tiny_bert
    from supportrm.train.seeds import train_seeds
    from supportrm.train.testing import tiny_config

    gen = fresh_conversations(40, seed=11)[0]
    cfg = tiny_config(tiny_bert(tmp_path / "bert"), tmp_path, epochs=1, seeds=[0], max_length=256)
    train_seeds(cfg, gen[:30], gen[30:], cfg.out, log=lambda *_: None)
    write_pairs(gen[30:], tmp_path / "val.jsonl")
    res = CliRunner().invoke(main, ["stress", "--model", str(cfg.out), "--data",
                                    str(tmp_path / "val.jsonl"), "--out", str(tmp_path / "st"),
                                    "--best-of-n", "12"])  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "st" / "stress.json").read_text())
    assert set(data["stress"]["edits"]) == {e.name for e in E.EDITS}
    assert data["margin_std_from"].startswith("held-out") and data["best_of_n"]["n_used"] > 0
    assert "pad_filler" in res.output and "P(gold best)" in res.output


def test_run_pipeline_stresses_the_first_seed_once(tmp_path: Path) -> None:
    """`supportrm run`'s stress step writes RUN/stress.json for the first seed, the report shows
    it, and a resumed run with the same settings keeps it instead of recomputing."""
    from supportrm.data.io import write_pairs
    from supportrm.model.testing import tiny_bert
    from supportrm.pipeline import stress_first_seed
    from supportrm.report import build_report
    from supportrm.train.seeds import train_seeds
    from supportrm.train.testing import tiny_config

    gen = fresh_conversations(36, seed=12)[0]
    cfg = tiny_config(
        tiny_bert(tmp_path / "bert"), tmp_path, epochs=1, seeds=[1, 2], max_length=256
    )
    train_seeds(cfg, gen[:26], gen[26:], cfg.out, log=lambda *_: None)
    write_pairs(gen[26:], cfg.out / "split" / "val.jsonl.gz")
    logs: list[str] = []
    stress_first_seed(cfg.out, 10, 6, logs.append)
    data = json.loads((cfg.out / "stress.json").read_text())
    assert data["models"] == {"seed 1": str(cfg.out / "seed-1" / "checkpoint")}
    assert data["stress"]["n_sampled"] == 10 and data["best_of_n"]["n_conversations"] == 6
    stress_first_seed(cfg.out, 10, 6, logs.append)
    assert any("kept" in m for m in logs)
    md = build_report(cfg.out).md.read_text()
    assert "## Stress tests and best-of-n" in md
    # next to pairwise accuracy: the best-of-n reading sits in the verdict, before any section
    verdict = md.split("## Verdict", 1)[1].split("\n## ", 1)[0]
    assert (
        "Beyond pairwise accuracy" in verdict
        and "candidates, the reward model's top pick" in verdict
    )


def test_verdict_line_names_the_flagged_hacks_or_says_none() -> None:
    from supportrm.report.sections.stress import verdict_line

    base = {"model": "m", "bon": {"reading": "With 8 candidates, X."}, "hacks": ["pad_filler"]}
    line = verdict_line(base)
    assert "With 8 candidates, X." in line and line.endswith("flagged: pad_filler.")
    line = verdict_line({**base, "bon": None, "hacks": []})
    assert "With 8" not in line and line.endswith("No edit that makes a reply worse is flagged.")


def test_every_entry_point_has_the_same_stress_defaults() -> None:
    """`supportrm run`, `supportrm stress` and the library agree on the default sample sizes
    (the CLI modules keep literals so that `--help` stays import-light)."""
    import inspect

    from supportrm.cli.run import run as run_cmd
    from supportrm.cli.stress import stress as stress_cmd
    from supportrm.evaluate.stress_run import (
        DEFAULT_BEST_OF_N_CONVERSATIONS,
        DEFAULT_STRESS_PAIRS,
        stress_model,
    )
    from supportrm.pipeline import run as run_pipeline

    def cli_default(cmd, name):  # type: ignore[no-untyped-def]
        return next(p.default for p in cmd.params if p.name == name)

    expected = (DEFAULT_STRESS_PAIRS, DEFAULT_BEST_OF_N_CONVERSATIONS)
    assert (cli_default(run_cmd, "stress_pairs"), cli_default(run_cmd, "best_of_n")) == expected
    assert (cli_default(stress_cmd, "max_pairs"), cli_default(stress_cmd, "best_of_n")) == expected
    sig = inspect.signature(run_pipeline).parameters
    assert (sig["stress_pairs"].default, sig["best_of_n"].default) == expected
    sig = inspect.signature(stress_model).parameters
    assert (sig["max_pairs"].default, sig["best_of_n"].default) == expected
