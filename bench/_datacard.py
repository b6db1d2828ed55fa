"""Write measured sections into docs/data-card.md between ``<!-- BEGIN name -->`` and
``<!-- END name -->`` markers, so the card always shows what the bench scripts last measured."""

from __future__ import annotations

from pathlib import Path

CARD = Path(__file__).resolve().parents[1] / "docs" / "data-card.md"


def replace_section(name: str, body: str, card: Path = CARD) -> bool:
    """Replace the marked section ``name``; returns False (and changes nothing) if it is absent."""
    if not card.exists():
        return False
    text = card.read_text(encoding="utf-8")
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        return False
    card.write_text(
        text[: i + len(begin)] + "\n" + body.rstrip() + "\n" + text[j:], encoding="utf-8"
    )
    return True
