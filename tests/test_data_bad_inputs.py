"""The bad-input corpus: every file in tests/bad_inputs/ must fail with the exact file, line (or
row) and field of its defect. A new file in the corpus without a case here fails the test suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportrm.data.errors import DataValidationError
from supportrm.data.load import load_pairs

BAD = Path(__file__).parent / "bad_inputs"

# file -> every expected error as (line or row, field, start of the reason); line None = whole file.
CASES: dict[str, list[tuple[int | None, str | None, str]]] = {
    "malformed_json.jsonl": [(2, None, "malformed JSON: Expecting ',' delimiter (column 48)")],
    "wrong_type_chosen.jsonl": [(1, "chosen", "wrong type: expected a string or a list")],
    "missing_rejected.jsonl": [(2, "rejected", "missing field")],
    "empty_response.jsonl": [(1, "chosen", "empty or whitespace-only response")],
    "identical_responses.jsonl": [(1, "rejected", "identical to chosen")],
    "unknown_role.jsonl": [(1, "prompt[1].role", "unknown role 'bot'")],
    "prompt_ends_with_assistant.jsonl": [(1, "prompt", "must end with a user turn")],
    "unknown_category.jsonl": [(3, "category", "unknown category 'billing'")],
    "duplicate_id.jsonl": [(3, "id", "duplicate id 'a' (first seen at ")],
    "non_utf8.jsonl": [(2, "chosen", "not valid UTF-8 (byte 0xe9 at character 3)")],
    "text_too_long.jsonl": [(1, "rejected", "text is 20,001 characters, over the limit of 20,000")],
    "record_not_object.jsonl": [(1, None, "expected a JSON object per record, got list")],
    "implicit_diverging_dialogues.jsonl": [
        (1, "rejected", "differs from chosen before the final Assistant turn")
    ],
    "implicit_without_turns.jsonl": [(1, "prompt", "missing field, and chosen/rejected are not")],
    "chosen_two_messages.jsonl": [(1, "chosen", "expected a list with exactly one assistant")],
    "chosen_user_role.jsonl": [(1, "rejected[0].role", "expected 'assistant', got 'user'")],
    "margin_wrong_type.jsonl": [(1, "margin", "wrong type: expected a number, got string")],
    "metadata_not_object.jsonl": [(1, "metadata", "wrong type: expected an object, got list")],
    "empty_prompt.jsonl": [(1, "prompt", "empty or whitespace-only")],
    "message_extra_field.jsonl": [(1, "prompt[0].name", "unsupported message field")],
    "empty_final_user_turn.jsonl": [(1, "prompt[1].content", "empty or whitespace-only")],
    "id_wrong_type.jsonl": [(1, "id", "wrong type: expected a string or integer, got list")],
    "several_errors_one_record.jsonl": [
        (1, "category", "unknown category 'billing'"),
        (1, "margin", "wrong type: expected a number"),
        (1, "chosen", "empty or whitespace-only response"),
    ],
    "list_wrong_type.json": [(24, "rejected", "wrong type: expected a string or a list")],
    "list_syntax_error.json": [(26, None, "malformed JSON: Expecting ',' delimiter (column 3)")],
    "json_not_a_list.json": [(None, None, "expected a JSON list of records")],
    "csv_missing_column.csv": [(1, None, "missing column(s) 'rejected'")],
    "csv_bad_metadata.csv": [(3, "metadata", "not valid JSON")],
    "csv_column_count.csv": [(3, None, "expected 3 columns, found 2")],
    # Row 2 starts on line 5: row 1 has quoted cells spanning lines 2-4.
    "csv_non_utf8.csv": [(5, "rejected", "not valid UTF-8 (byte 0xe0")],
    "corrupt_gzip.jsonl.gz": [(None, None, "named .gz but is not gzip data")],
    "not_parquet.parquet": [(None, None, "cannot read Parquet")],
    "parquet_identical_row.parquet": [(2, "rejected", "identical to chosen")],
    "unsupported_type.txt": [(None, None, "unsupported file type '.txt'")],
}


def test_corpus_is_large_and_fully_covered() -> None:
    files = sorted(p.name for p in BAD.iterdir() if p.is_file() and p.name != "README.md")
    assert len(files) >= 20
    assert files == sorted(CASES), "every corpus file needs a case (and every case a file)"


# Well-formed records kept out by policy: counted and named, never a hard error on their own.
EXCLUDED = {"empty_response.jsonl"}


@pytest.mark.parametrize("name", sorted(EXCLUDED))
def test_excluded_records_are_named_and_kept_out_without_an_error(name: str) -> None:
    res = load_pairs(BAD / name)
    assert res.n_excluded == len(CASES[name]) == res.n_skipped
    got = [(s.line, e.field) for s in res.skipped for e in s.errors]
    assert got == [(line, field) for line, field, _ in CASES[name]]
    assert all(e.reason.startswith(r) for s, (_, _, r) in zip(res.skipped, CASES[name], strict=True) for e in s.errors)  # fmt: skip
    assert res.n_loaded + res.n_skipped == res.n_read
    with pytest.raises(DataValidationError):  # ... unless the user asked for no exclusions
        load_pairs(BAD / name, allow_empty_response=True, max_chars=1)


@pytest.mark.parametrize("name", sorted(set(CASES) - EXCLUDED))
def test_bad_input_names_file_line_and_field(name: str) -> None:
    path = BAD / name
    with pytest.raises(DataValidationError) as info:
        load_pairs(path)
    err = info.value
    got = [(e.line, e.field) for e in err.errors]
    assert got == [(line, field) for line, field, _ in CASES[name]]
    message = str(err)
    for e, (line, field, reason) in zip(err.errors, CASES[name], strict=True):
        assert e.reason.startswith(reason), e.reason
        unit = "row " if path.suffix == ".parquet" and line is not None else ""
        where = str(path) if line is None else f"{path}:{unit}{line}"
        expected = f"{where}: {field}: {reason}" if field else f"{where}: {reason}"
        assert expected in message


# Errors after which nothing more can be read: these raise in both modes.
FILE_LEVEL = {"list_syntax_error.json", "csv_missing_column.csv"} | {
    n for n, errs in CASES.items() if any(line is None for line, _, _ in errs)
}


@pytest.mark.parametrize("name", sorted(set(CASES) - FILE_LEVEL))
def test_skip_mode_keeps_the_rest_and_counts_add_up(name: str, tmp_path: Path) -> None:
    """Record-level problems are skipped, with reasons in the rejects file; loaded + skipped = read."""
    rejects = tmp_path / "rejects.jsonl"
    res = load_pairs(BAD / name, on_error="skip", rejects_path=rejects)
    assert res.n_loaded + res.n_skipped == res.n_read
    bad_lines = sorted({line for line, _, _ in CASES[name]})
    assert [s.line for s in res.skipped] == bad_lines
    rows = [json.loads(line) for line in rejects.read_text(encoding="ascii").splitlines()]
    assert len(rows) == len(bad_lines)
    assert all(r["errors"] and r["location"].startswith(str(BAD / name)) for r in rows)


@pytest.mark.parametrize("name", sorted(FILE_LEVEL))
def test_file_level_errors_raise_even_in_skip_mode(name: str) -> None:
    with pytest.raises(DataValidationError):
        load_pairs(BAD / name, on_error="skip")


def test_message_is_capped_with_a_count_of_the_rest(write_jsonl) -> None:  # type: ignore[no-untyped-def]
    recs = [{"prompt": "Hi", "chosen": "same", "rejected": "same"} for _ in range(30)]
    path = write_jsonl(recs)
    with pytest.raises(DataValidationError) as info:
        load_pairs(path)
    err = info.value
    assert len(err.errors) >= 30  # every identical pair, plus the repeated generated ids
    lines = str(err).splitlines()
    assert lines[0] == f"{path}: {len(err.errors)} errors in 30 of 30 records:"
    assert len(lines) == 1 + 20 + 1
    assert lines[-1].startswith(f"  ... and {len(err.errors) - 20} more errors")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="cannot open file"):
        load_pairs(tmp_path / "nope.jsonl")
