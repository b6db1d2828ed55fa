"""Whatever a record holds, loading never crashes: each record is either loaded or rejected with
at least one located reason, and loaded + skipped = read."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportrm.data.load import KNOWN_FIELDS, load_pairs

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
message = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "system", "bot"]),
        "content": st.text(max_size=20),
    }
)
field_values = (
    json_values
    | st.lists(message, max_size=4)
    | st.text(max_size=40).map(lambda t: f"\n\nHuman: {t}\n\nAssistant: {t[::-1]}")
)
records = st.dictionaries(
    st.sampled_from([*KNOWN_FIELDS, "extra"]), field_values, max_size=len(KNOWN_FIELDS) + 1
)


def _check(path: Path, n: int) -> None:
    res = load_pairs(path, on_error="skip", categories=None)
    assert res.n_read == n
    assert res.n_loaded + res.n_skipped == n
    for s in res.skipped:
        assert s.errors and all(e.reason and e.line == s.line for e in s.errors)
    for p in res.pairs:
        assert p.prompt and p.prompt[-1].role == "user" and p.chosen.strip() != p.rejected.strip()


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(records, min_size=1, max_size=8))
def test_jsonl_fuzz(tmp_path: Path, recs: list[dict[str, object]]) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    _check(path, len(recs))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(st.text(max_size=15), min_size=4, max_size=4), min_size=1, max_size=8))
def test_csv_fuzz(tmp_path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["prompt", "chosen", "rejected", "metadata"])
    w.writerows(rows)
    path = tmp_path / "fuzz.csv"
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    res = load_pairs(path, on_error="skip", categories=None)
    assert res.n_loaded + res.n_skipped == res.n_read == len(rows)
