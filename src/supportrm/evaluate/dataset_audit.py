"""Dataset audits that need a model: cheap reference models (TF-IDF, response-only) fitted on a
dataset's train split, and token counts with a real tokenizer. The data-only audits live in
:mod:`supportrm.data.synth.audit` (the data stage imports neither models nor baselines)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from supportrm.data.schema import PreferencePair
from supportrm.data.synth.audit import RESPONSE_ONLY_MAX, TFIDF_PAIR_MAX


def response_only_hallucination(
    train: Sequence[PreferencePair],
    val: Sequence[PreferencePair],
    *,
    seed: int = 0,
    folds: int = 5,
) -> dict[str, Any]:
    """How far a model that never sees the prompt gets on hallucination.

    (a) TF-IDF + LR on replies fitted on the whole train split, scored on held-out hallucination;
    (b) the same fitted on hallucination pairs only, k-fold cross-validated over all of them (the
    strongest version of the adversary: every bit of capacity spent on this category).
    """
    import numpy as np
    from sklearn.model_selection import KFold

    from supportrm.evaluate.baselines import score_deltas, tfidf_deltas

    hv = [p for p in val if p.category == "hallucination"]
    d, _ = tfidf_deltas(train, hv, with_prompt=False, seed=seed)
    a = score_deltas(d, hv)
    hall = [p for p in [*train, *val] if p.category == "hallucination"]
    deltas = np.zeros(len(hall))
    kf = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for tr, te in kf.split(np.arange(len(hall))):
        dd, _ = tfidf_deltas(
            [hall[i] for i in tr], [hall[i] for i in te], with_prompt=False, seed=seed
        )
        deltas[te] = dd
    b = score_deltas(deltas, hall)
    worst = max(a["accuracy_ties_half"], b["accuracy_ties_half"])
    return {
        "train_split_model_on_val": {k: a[k] for k in ("n", "accuracy", "accuracy_ties_half")},
        f"hallucination_only_{folds}fold_cv": {
            k: b[k] for k in ("n", "accuracy", "accuracy_ties_half")
        },
        "pass": worst <= 0.65,
    }


def per_category_baselines(
    train: Sequence[PreferencePair], val: Sequence[PreferencePair], *, seed: int = 0
) -> dict[str, Any]:
    """TF-IDF pair and response-only baselines fitted on the whole train split, scored per
    category of the held-out split, against the per-category bars."""
    from supportrm.evaluate.baselines import score_deltas, tfidf_deltas

    out: dict[str, Any] = {}
    for name, with_prompt, bar in (
        ("tfidf_pair", True, TFIDF_PAIR_MAX),
        ("tfidf_response", False, RESPONSE_ONLY_MAX),
    ):
        d, _ = tfidf_deltas(train, val, with_prompt=with_prompt, seed=seed)
        res = score_deltas(d, val)
        cats = {c: round(b["accuracy_ties_half"], 4) for c, b in res["per_category"].items()}
        out[name] = {
            "overall": round(res["accuracy_ties_half"], 4),
            "per_category": cats,
            "bar": bar,
            "pass": all(v <= bar for v in cats.values()),
        }
    return out


def token_lengths(pairs: Sequence[PreferencePair], tokenizer: Any) -> dict[str, Any]:
    """Model tokens of the rendered conversation plus one reply (both replies), as the encoder
    reward model sees them: ``[CLS] conversation [SEP] reply [SEP]``."""
    import numpy as np

    from supportrm.model.render import plain_conversation

    convs = [plain_conversation(p.prompt) for p in pairs]
    lengths: list[int] = []
    for side in ("chosen", "rejected"):
        enc = tokenizer(convs, [getattr(p, side) for p in pairs], truncation=False)
        lengths += [len(x) for x in enc["input_ids"]]
    arr = np.asarray(lengths)
    qs = (1, 5, 25, 50, 75, 95, 99)
    return {
        "n_sequences": len(arr),
        "mean": round(float(arr.mean()), 1),
        "min": int(arr.min()),
        **{f"p{q}": float(np.percentile(arr, q)) for q in qs},
        "max": int(arr.max()),
        "over_512": int((arr > 512).sum()),
    }
