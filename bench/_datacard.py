"""Write measured sections into the data cards (docs/data-card*.md) between
``<!-- BEGIN name -->`` and ``<!-- END name -->`` markers, so each card always shows what the
bench scripts last measured. Section names carry the dataset version (``shortcuts-v2``)."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def replace_section(name: str, body: str) -> bool:
    """Replace the marked section ``name`` in whichever data card holds it; returns False (and
    changes nothing) if none does."""
    return any(_replace(card, name, body) for card in sorted(DOCS.glob("data-card*.md")))


def _replace(card: Path, name: str, body: str) -> bool:
    text = card.read_text(encoding="utf-8")
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        return False
    card.write_text(
        text[: i + len(begin)] + "\n" + body.rstrip() + "\n" + text[j:], encoding="utf-8"
    )
    return True
