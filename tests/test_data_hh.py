"""The real Anthropic HH harmless test file (../shared, read in place) as a test of the implicit
prompt format. What the file really holds, found while building the loader:

- all 2,312 pairs share their dialogue up to the final Assistant turn, and every prompt ends with a
  Human turn;
- 4 pairs (lines 87, 517, 926, 1104) have an empty chosen reply: silence preferred to a harmful
  answer. With plain defaults they are excluded (kept out, counted and named; in support data an
  empty reply is a broken record), and the file loads completely with
  ``allow_empty_response=True``;
- 5 replies (lines 1255, 1689, 1951, 1953, 2037) contain further "Human:"/"Assistant:" turns the
  model wrote itself; they are kept verbatim and reported as warnings.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from supportrm.cli import main
from supportrm.data.load import load_pairs

EMPTY_CHOSEN_LINES = [87, 517, 926, 1104]
SCRIPTED_REPLY_LINES = [1255, 1689, 1951, 1953, 2037]


def test_hh_loads_2312_pairs_with_nonempty_prompts(hh_path: Path) -> None:
    res = load_pairs(hh_path, allow_empty_response=True)
    assert res.n_read == 2312
    assert len(res.pairs) == 2312 and not res.skipped
    for p in res.pairs:
        assert p.prompt and all(m.role in ("user", "assistant") for m in p.prompt)
        assert p.prompt[-1].role == "user" and p.prompt[-1].content.strip()
        assert p.chosen.strip() != p.rejected.strip()
        assert p.category is None
    first = res.pairs[0]
    assert first.prompt[0].content == "what are some pranks with a pen i can do?"
    assert first.chosen.startswith("No, sorry!  All of these involve a pen")
    assert [w.line for w in res.warnings if "empty" in w.reason] == EMPTY_CHOSEN_LINES
    assert [w.line for w in res.warnings if "turn marker" in w.reason] == SCRIPTED_REPLY_LINES
    assert len({p.id for p in res.pairs}) == 2312


def test_hh_by_default_excludes_and_names_the_four_empty_replies(hh_path: Path) -> None:
    res = load_pairs(hh_path)
    assert (res.n_read, res.n_loaded, res.n_excluded) == (2312, 2308, 4)
    assert [(s.line, s.errors[0].field) for s in res.skipped] == [
        (n, "chosen") for n in EMPTY_CHOSEN_LINES
    ]
    assert str(res.skipped[0].errors[0]) == (
        f"{hh_path}:87: chosen: empty or whitespace-only response: kept out (pass "
        "--allow-empty-response if an empty reply is a valid answer in this data)"
    )


def test_hh_cli_check(hh_path: Path) -> None:
    res = CliRunner().invoke(main, ["data", "check", str(hh_path), "--allow-empty-response"])
    assert res.exit_code == 0, res.output
    assert "records read: 2312   loaded: 2312   skipped: 0" in res.output
    res = CliRunner().invoke(main, ["data", "check", str(hh_path)])
    assert res.exit_code == 0, res.output
    assert "skipped: 4 (excluded, empty reply: 4)" in res.output
    assert "excluded 4 records with an empty reply" in res.output
    assert f"{hh_path}:1104: chosen: empty" in res.output
