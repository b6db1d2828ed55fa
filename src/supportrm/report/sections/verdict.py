"""The verdict: the user's bar on every source, then every seed on the held-out split."""

from __future__ import annotations

from typing import Any

from supportrm.data.schema import NO_CATEGORY
from supportrm.report.format import ci_str, pct
from supportrm.report.run import RunData
from supportrm.report.sections.sources import read_sources


def verdict_section(run: RunData) -> dict[str, Any]:
    agg = run.agg
    v = agg["verdict"]
    t = v["targets"]
    bar = (
        f"the user's bar: strict accuracy above {pct(t['overall'], 0)} overall and at least "
        f"{pct(t['per_category'], 0)} in every category"
    )
    seeds: list[str] = []
    lines: list[str] = []
    for p in agg["per_seed"]:
        cats = {c: a for c, a in p["categories"].items() if c != NO_CATEGORY and a is not None}
        worst_cat = min(cats, key=lambda c: cats[c]) if cats else None
        bits = [f"overall {pct(p['strict'])}"]
        if worst_cat:
            bits.append(f"lowest category {worst_cat} {pct(cats[worst_cat])}")
        detail = [*bits[:1], f"95% CI {ci_str(p['strict_ci'])}", *bits[1:]]
        status = "meets it" if p["meets_targets"] else "does NOT meet it"
        if p["degenerate"]:
            status += " and is DEGENERATE"
        tail = f" (below target: {', '.join(p['failing'])})" if p["failing"] else ""
        seeds.append(f"seed {p['seed']} {status} ({', '.join(bits)})")
        lines.append(f"seed {p['seed']} {status}: {', '.join(detail)}{tail}")
    n = agg["n_seeds"]
    o = agg["overall"]["strict"]
    seeds_word = "seed" if n == 1 else "seeds"
    k = len(v["seeds_failing"])
    head = (
        f"PASS: {'the' if n == 1 else f'all {n}'} {seeds_word} {'meets' if n == 1 else 'meet'} "
        f"{bar}, and none is degenerate"
        if v["pass"]
        else f"FAIL: {k} of {n} {seeds_word} fall short of {bar}, or are degenerate"
    )
    sentence = (
        f"{head}. " + "; ".join(seeds) + f". Mean overall accuracy {pct(o['mean'])} ± "
        f"{pct(o['std'])} (std over seeds); worst seed {agg['worst_seed']['seed']}."
    )
    passed = bool(v["pass"])
    sources = read_sources(run.run_dir)
    if sources:
        # A pass on the same-source split alone is never the headline: state the bar on every
        # source, then the held-out details.
        passed = passed and bool(sources["all_sources_pass"])
        sentence = f"{'PASS' if passed else 'FAIL'} overall ({sources['headline']}). " + (
            "Held-out split: " + sentence
        )
    deg = {
        s: m["degenerate"]["summary"]
        for s, m in run.seed_metrics.items()
        if m.get("degenerate", {}).get("degenerate")
    }
    return {
        "pass": passed,
        "sentence": sentence,
        "bar": bar,
        "seed_lines": lines,
        "degenerate": deg,
        "rule": v["rule"],
    }
