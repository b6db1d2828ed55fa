"""Reader details: gzip sniffing, BOM, blank lines, JSONL named .json, CSV cell decoding."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from supportrm.data.errors import DataValidationError
from supportrm.data.hashing import hash_file, hash_pairs
from supportrm.data.io import write_pairs
from supportrm.data.load import load_pairs
from supportrm.data.schema import PreferencePair

REC = {"prompt": "Hi", "chosen": "Hello!", "rejected": "Go away."}


def test_blank_lines_bom_and_crlf_are_not_records(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    body = "\n".join(json.dumps({**REC, "id": str(i)}) for i in range(3))
    path.write_bytes(b"\xef\xbb\xbf" + body.replace("\n", "\r\n\r\n").encode() + b"\r\n\n")
    res = load_pairs(path)
    assert res.n_read == 3 and [p.source.rsplit(":", 1)[1] for p in res.pairs] == ["1", "3", "5"]


def test_json_file_holding_jsonl_and_gzip_sniffing(tmp_path: Path) -> None:
    lines = "".join(json.dumps({**REC, "id": str(i)}) + "\n" for i in range(2))
    (tmp_path / "a.json").write_text(lines)
    assert load_pairs(tmp_path / "a.json").n_read == 2
    (tmp_path / "b.jsonl").write_bytes(gzip.compress(lines.encode()))  # gzip without .gz
    assert load_pairs(tmp_path / "b.jsonl").n_read == 2


def test_empty_json_list_and_empty_file(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[ ]")
    (tmp_path / "b.jsonl").write_text("")
    assert load_pairs(tmp_path / "a.json").n_read == 0
    assert load_pairs(tmp_path / "b.jsonl").n_read == 0


def test_csv_cells(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "prompt,chosen,rejected,margin,category\n"
        '"[{""role"": ""user"", ""content"": ""Hi""}]","[1] see the docs","[not json",2,\n'
        'Hours?,"[{""role"": ""assistant"", ""content"": ""9 to 5""}]",Closed.,,tone\n'
    )
    a, b = load_pairs(path).pairs
    assert a.prompt[0].content == "Hi" and a.chosen == "[1] see the docs"
    assert a.rejected == "[not json" and a.margin == 2.0 and a.category is None
    assert b.chosen == "9 to 5" and b.margin is None and b.category == "tone"


def test_csv_bad_margin(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("prompt,chosen,rejected,margin\nHi,Hello,Bye,lots\n")
    with pytest.raises(DataValidationError, match=r"d\.csv:2: margin: not a number: 'lots'"):
        load_pairs(path)


def test_empty_reply_survives_every_format(
    tmp_path: Path, make_pair: Callable[..., PreferencePair]
) -> None:
    pairs = [make_pair(0, chosen=""), make_pair(1, rejected="[x]", margin=1.5, metadata={"k": 1})]
    for fmt in ("jsonl", "csv", "parquet", "json"):
        back = load_pairs(write_pairs(pairs, tmp_path / f"p.{fmt}"), allow_empty_response=True)
        assert [p.to_record() for p in back.pairs] == [p.to_record() for p in pairs], fmt


def test_hashes(tmp_path: Path, make_pair: Callable[..., PreferencePair]) -> None:
    pairs = [make_pair(i) for i in range(3)]
    assert hash_pairs(pairs) == hash_pairs(list(pairs))
    assert hash_pairs(pairs) != hash_pairs(pairs[::-1])  # order matters for training
    a = write_pairs(pairs, tmp_path / "a.jsonl.gz")
    b = write_pairs(pairs, tmp_path / "b.jsonl.gz")
    assert hash_file(a) == hash_file(b)
    assert hash_file(a).startswith("sha256:")


def test_unknown_output_format(tmp_path: Path, make_pair: Callable[..., PreferencePair]) -> None:
    with pytest.raises(DataValidationError, match="unsupported file type"):
        write_pairs([make_pair()], tmp_path / "x.txt")


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_metadata_key_order_survives_format_conversion(
    tmp_path: Path, make_pair: Callable[..., PreferencePair], suffix: str
) -> None:
    """Converting JSONL to Parquet/CSV must not reorder metadata keys: the split manifest's content
    hashes (order-sensitive canonical JSON) must be identical whatever format the pairs came from."""
    pairs = [
        make_pair(id=f"p{i}", metadata={"zeta": i, "alpha": "x", "mid": [1, 2]}) for i in range(3)
    ]
    src = tmp_path / "pairs.jsonl"
    write_pairs(pairs, src)
    converted = tmp_path / f"pairs{suffix}"
    write_pairs(load_pairs(src, categories=None).pairs, converted)
    back = load_pairs(converted, categories=None).pairs
    assert [list(p.metadata) for p in back] == [["zeta", "alpha", "mid"]] * 3
    assert hash_pairs(back) == hash_pairs(load_pairs(src, categories=None).pairs)
