"""Draw 3 random pairs per category from a dataset (seeded, not hand-picked) as Markdown.

    python bench/data_card_examples.py [--data FILE] [--seed 0] [--per-category 3] [--out FILE]

Default data: the embedded support-pairs-v1. The output is pasted into docs/data-card.md
("Examples") and written to bench/results/data-card-examples.md.
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path

from _datacard import replace_section  # bench/ sibling module
from supportrm.data.embedded import default_dataset_path
from supportrm.data.load import load_pairs
from supportrm.data.schema import PreferencePair

ROOT = Path(__file__).resolve().parents[1]


def quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


def render(p: PreferencePair) -> str:
    m = p.metadata
    tags = ", ".join(
        f"{k}: {m[k]}" for k in ("subtype", "industry", "voice", "agreement") if k in m
    )
    label = ""
    if m.get("generator_preferred") == "rejected":
        label = (
            " **(label flipped by the simulated annotators: the generator preferred `rejected`)**"
        )
    lines = [f"#### `{p.id}` ({tags}){label}", ""]
    for msg in p.prompt:
        lines += [f"**{msg.role}:**", "", quote(msg.content), ""]
    lines += ["**chosen:**", "", quote(p.chosen), "", "**rejected:**", "", quote(p.rejected), ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-category", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None, help="default: data-card-examples-<v>.md")
    ap.add_argument("--no-update-card", dest="update_card", action="store_false")
    args = ap.parse_args()
    pairs = load_pairs(args.data or default_dataset_path()).pairs
    version = str(pairs[0].metadata.get("generator", "data")).rsplit("-", 1)[-1]
    args.out = args.out or ROOT / "bench" / "results" / f"data-card-examples-{version}.md"
    groups: dict[str, list[PreferencePair]] = defaultdict(list)
    for p in pairs:
        groups[p.category or "(none)"].append(p)
    rng = random.Random(args.seed)
    parts = [
        f"<!-- drawn by: python bench/data_card_examples.py --seed {args.seed} "
        f"--per-category {args.per_category} -->",
        "",
    ]
    for cat in sorted(groups):
        parts += [f"### {cat}", ""]
        for p in rng.sample(groups[cat], args.per_category):
            parts.append(render(p))
    text = "\n".join(parts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    if args.update_card and not args.data:
        replace_section(f"examples-{version}", text)
    print(text)


if __name__ == "__main__":
    main()
