"""Shortcut audit of a preference dataset (default: the embedded support-pairs-v1).

    python bench/shortcuts.py [--data FILE] [--out bench/results/shortcuts-v1.json]

Measures what issue 3 bars (length balance, giveaway n-grams, the refusal rule, a response-only
model on hallucination, position/id signal), plus the label-noise ceiling, diversity counts and the
distribution of model tokens per sequence. Writes JSON (with command, machine and versions) and a
Markdown summary beside it for docs/data-card.md. Exits non-zero if a bar is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _datacard import replace_section  # bench/ sibling module
from supportrm.data.embedded import content_sha256, default_dataset_path
from supportrm.data.load import load_pairs
from supportrm.data.schema import PreferencePair
from supportrm.data.split import split_pairs
from supportrm.data.synth import audit
from supportrm.evaluate import dataset_audit
from supportrm.evaluate.baselines import environment

ROOT = Path(__file__).resolve().parents[1]


def diversity(pairs: list[PreferencePair]) -> dict[str, Any]:
    meta = [p.metadata for p in pairs]
    turns = Counter(m.get("user_turns") for m in meta if "user_turns" in m)
    n = len(pairs)
    return {
        "industries": len({m["industry"] for m in meta if "industry" in m}),
        "companies": len({m["company"] for m in meta if "company" in m}),
        "intents": len({(m["industry"], m["intent"]) for m in meta if "intent" in m}),
        "refusal_scenarios": len(
            {m["subtype"].split(":")[1] for m in meta if ":" in str(m.get("subtype", ""))}
        ),
        "voices": dict(sorted(Counter(m.get("voice") for m in meta if "voice" in m).items())),
        "user_turns": {str(k): v for k, v in sorted(turns.items())},
        "multi_turn_share": round(sum(v for k, v in turns.items() if k and k > 1) / n, 4),
        "kb_facts": {
            str(k): v for k, v in sorted(Counter(m.get("kb_facts") for m in meta).items())
        },
        "subtypes": {
            cat: dict(
                sorted(
                    Counter(
                        str(p.metadata.get("subtype", "")).split(":")[0]
                        for p in pairs
                        if p.category == cat
                    ).items()
                )
            )
            for cat in sorted({p.category or "(none)" for p in pairs})
        },
    }


def markdown(r: dict[str, Any]) -> str:
    L = r["length"]
    out = [
        f"Data: `{Path(r['data']['path']).name}` ({r['data']['n_pairs']} pairs), command "
        f"`{r['command']}`.",
        "",
        "| check | bar | measured | pass |",
        "|---|---|---|---|",
        f"| chosen reply longer (characters) | 40-60% | {L['chosen_longer']:.1%} "
        f"(shorter {L['chosen_shorter']:.1%}, equal {L['equal']:.1%}) | {L['pass']} |",
        f"| giveaway n-grams (1-3 words) | none with coverage > 5% and precision > 90% | "
        f"{len(r['ngrams']['violations'])} violations | {r['ngrams']['pass']} |",
    ]
    rr = r["refusal_rules"]
    out.append(
        f"| refusals: prefer the declining reply / the complying one | each 35-65% | "
        f"regex {rr['regex']['prefer_decline']:.1%} / {rr['regex']['prefer_comply']:.1%}"
        + (
            f"; generator {rr['metadata']['prefer_decline']:.1%} / {rr['metadata']['prefer_comply']:.1%}"
            if "metadata" in rr
            else ""
        )
        + f" | {rr['pass']} |"
    )
    h = r["hallucination_response_only"]
    a = h["train_split_model_on_val"]
    b = next(v for k, v in h.items() if k.startswith("hallucination_only"))
    out.append(
        f"| hallucination, response-only TF-IDF+LR | <= 65% | {a['accuracy_ties_half']:.1%} "
        f"(train split -> val, n={a['n']}); {b['accuracy_ties_half']:.1%} (hallucination-only "
        f"5-fold CV, n={b['n']}) | {h['pass']} |"
    )
    f = r["facts_in_prompt"]
    out.append(
        f"| hallucination: the changed value is only in the worse reply and (unless borrowed from "
        f"another KB line) nowhere in the prompt | all | {f['ok']}/{f['checked']} | {f['pass']} |"
    )
    pi = r["position_and_id"]
    if pi.get("available"):
        out.append(
            f"| label kept (generator's preferred reply released as chosen): first half of the "
            f"file / second half / even ids | equal to overall {pi['label_kept_overall']:.1%} | "
            f"{pi['label_kept_first_half']:.1%} / {pi['label_kept_second_half']:.1%} / "
            f"{pi['label_kept_even_id']:.1%} | - |"
        )
    pc = r.get("per_category")
    if pc:
        b = pc["baselines"]
        out += [
            "",
            "Per category (bars of generator v2: chosen longer 40-60%, TF-IDF pair <= 70%, "
            "response-only TF-IDF <= 60%; baselines fitted on the train split, scored on the "
            "held-out split, ties count half):",
            "",
            "| category | chosen longer | TF-IDF pair | response-only | minimal pairs |",
            "|---|---|---|---|---|",
        ]
        for c in sorted(pc["length"]["per_category"]):
            out.append(
                f"| {c} | {pc['length']['per_category'][c]:.1%} | "
                f"{b['tfidf_pair']['per_category'][c]:.1%} | "
                f"{b['tfidf_response']['per_category'][c]:.1%} | "
                f"{pc['minimal_pairs']['per_category'][c]:.1%} |"
            )
        out.append(
            f"| all | - | {b['tfidf_pair']['overall']:.1%} | {b['tfidf_response']['overall']:.1%} "
            f"| {pc['minimal_pairs']['overall']:.1%} |"
        )
    out += [
        "",
        "Chosen longer, per category:",
        "",
        "| category | chosen longer | shorter | equal |",
        "|---|---|---|---|",
    ]
    for c, row in L["per_category"].items():
        out.append(
            f"| {c} | {row['chosen_longer']:.1%} | {row['chosen_shorter']:.1%} | {row['equal']:.1%} |"
        )
    out += [
        "",
        "Top 20 most predictive reply n-grams (coverage: share of all pairs where the n-gram is in "
        "exactly one reply; precision: share of those where that reply is the one it marks):",
        "",
        "| n-gram | coverage | precision | marks | mostly in |",
        "|---|---|---|---|---|",
    ]
    for g in r["ngrams"]["top"]:
        out.append(
            f"| `{g['ngram']}` | {g['coverage']:.1%} | {g['precision']:.1%} | {g['marks']} | "
            f"{g['top_category']} |"
        )
    out += ["", "Highest precision among n-grams covering more than 5% of pairs:", ""]
    for g in r["ngrams"]["highest_precision_above_5pct_coverage"]:
        out.append(
            f"- `{g['ngram']}`: coverage {g['coverage']:.1%}, precision {g['precision']:.1%}"
        )
    nc = r["noise_ceiling"]
    out += [
        "",
        "Label-noise ceiling (share of released labels that agree with the generator's intent):",
        "",
        "| category | ceiling | mean agreement | unanimous panels |",
        "|---|---|---|---|",
    ]
    for c, row in nc["per_category"].items():
        out.append(
            f"| {c} | {row['ceiling']:.1%} | {row['mean_agreement']:.3f} | {row['unanimous']:.1%} |"
        )
    out.append(
        f"| **all** | **{nc['ceiling']:.1%}** | {nc['mean_agreement']:.3f} | {nc['unanimous']:.1%} |"
    )
    t = r.get("tokens")
    if t:
        out += [
            "",
            f"Model tokens per sequence (`[CLS] conversation [SEP] reply [SEP]`, MiniLM WordPiece, "
            f"{t['n_sequences']} sequences): min {t['min']}, p5 {t['p5']:.0f}, median {t['p50']:.0f}, "
            f"mean {t['mean']}, p95 {t['p95']:.0f}, p99 {t['p99']:.0f}, max {t['max']}; "
            f"over 512: {t['over_512']}.",
        ]
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--val-size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-tokens", action="store_true", help="skip the MiniLM token count")
    ap.add_argument(
        "--no-update-card",
        dest="update_card",
        action="store_false",
        help="do not rewrite the measured section of docs/data-card.md",
    )
    ap.add_argument("--out", type=Path, default=None, help="default: shortcuts-<version>.json")
    args = ap.parse_args()
    path = args.data or default_dataset_path()
    t0 = time.perf_counter()
    pairs = load_pairs(path).pairs
    version = str(pairs[0].metadata.get("generator", "data")).rsplit("-", 1)[-1]
    args.out = args.out or ROOT / "bench" / "results" / f"shortcuts-{version}.json"
    split = split_pairs(pairs, args.val_size, args.seed)
    result: dict[str, Any] = {
        "command": "python " + " ".join(sys.argv),
        "data": {"path": str(path), "sha256_content": content_sha256(path), "n_pairs": len(pairs)},
        "length": audit.length_table(pairs),
        "ngrams": audit.ngram_giveaways(pairs),
        "refusal_rules": audit.refusal_rules(pairs),
        "hallucination_response_only": dataset_audit.response_only_hallucination(
            split.train, split.val, seed=args.seed
        ),
        "facts_in_prompt": audit.facts_in_prompt(pairs),
        "position_and_id": audit.position_and_id(pairs),
        "noise_ceiling": audit.noise_ceiling(pairs),
        "diversity": diversity(pairs),
        # Per-category bars (generator v2): length balance, TF-IDF pair and response-only
        # baselines per category, and the share of minimal pairs.
        "per_category": {
            "length": audit.length_bars(pairs),
            "baselines": dataset_audit.per_category_baselines(
                split.train, split.val, seed=args.seed
            ),
            "minimal_pairs": audit.minimal_pairs(pairs),
        },
    }
    if not args.no_tokens:
        from transformers import AutoTokenizer

        from supportrm.model.resolve import packaged_minilm_path

        tok = AutoTokenizer.from_pretrained(str(packaged_minilm_path()))
        result["tokens"] = dataset_audit.token_lengths(pairs, tok)
    checks = ("length", "ngrams", "refusal_rules", "hallucination_response_only", "facts_in_prompt")
    result["all_pass"] = all(result[k]["pass"] for k in checks)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["environment"] = environment()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md = markdown(result)
    args.out.with_suffix(".md").write_text(md, encoding="utf-8")
    if args.update_card and not args.data:
        replace_section(f"shortcuts-{version}", md)
    print(md)
    print(f"all bars met: {result['all_pass']}; wrote {args.out}")
    return 0 if result["all_pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
