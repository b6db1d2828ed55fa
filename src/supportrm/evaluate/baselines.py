"""Cheap reference models for a preference dataset: what accuracy needs no understanding?

Each baseline is fitted on the train split and scored on the held-out split, overall and per
category, so a reward model's numbers can be read against them:

* ``longer_wins`` / ``shorter_wins``: prefer the longer (shorter) reply, by characters.
* ``tfidf_pair``: logistic regression on TF-IDF features of the pair. The prompt is identical on
  both sides, so a plain difference of (prompt + reply) vectors would cancel it; instead the
  features are the reply difference ``r_c - r_r`` *and* its overlap with the prompt
  ``p * (r_c - r_r)`` (words of the reply that also occur in the conversation), which lets a bag of
  words check a reply against the knowledge base.
* ``tfidf_response``: the same on the replies only (the prompt never seen).
* ``embedding``: a frozen sentence encoder (mean-pooled all-MiniLM-L6-v2 by default) with the same
  two blocks of features and a logistic-regression head.

The pairwise models are antisymmetric by construction: trained on both orientations of every pair
without an intercept, so swapping the two replies flips the decision and position carries nothing.
Accuracy is reported strict (ties wrong), with ties as half, and as a tie rate.
"""

from __future__ import annotations

import platform
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from supportrm.data.schema import NO_CATEGORY, Message, PreferencePair
from supportrm.evaluate.accuracy import TIE_EPS, correct_and_ties

BASELINE_NAMES = ("longer_wins", "shorter_wins", "tfidf_pair", "tfidf_response", "embedding")


def conversation_text(prompt: Sequence[Message]) -> str:
    return "\n".join(f"{m.role}: {m.content}" for m in prompt)


def score_deltas(
    deltas: Sequence[float] | np.ndarray, pairs: Sequence[PreferencePair]
) -> dict[str, Any]:
    """Accuracy of ``delta = score(chosen) - score(rejected)`` overall and per category."""
    d = np.asarray(deltas, dtype=float)
    if len(d) != len(pairs):
        raise ValueError(f"{len(d)} deltas for {len(pairs)} pairs")
    groups: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        groups[p.category or NO_CATEGORY].append(i)

    def summary(idx: Sequence[int]) -> dict[str, Any]:
        x = d[list(idx)]
        correct, ties = correct_and_ties(x)
        wins = correct.sum()
        n = len(x)
        return {
            "n": n,
            "accuracy": float(wins / n) if n else float("nan"),
            "accuracy_ties_half": float((wins + 0.5 * ties.sum()) / n) if n else float("nan"),
            "tie_rate": float(ties.mean()) if n else float("nan"),
        }

    out = summary(range(len(d)))
    out["per_category"] = {c: summary(idx) for c, idx in sorted(groups.items())}
    return out


# ------------------------------------------------------------------ length rules


def length_deltas(pairs: Sequence[PreferencePair], prefer: str = "longer") -> np.ndarray:
    sign = 1.0 if prefer == "longer" else -1.0
    return np.array([sign * (len(p.chosen) - len(p.rejected)) for p in pairs], dtype=float)


# ------------------------------------------------------------------ pairwise logistic regression


def _fit_antisymmetric(x_train: Any, seed: int, cs: Sequence[float]) -> tuple[Any, float]:
    """LR without intercept on both orientations (x -> chosen, -x -> rejected); C by 3-fold CV."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    def stack(x: Any) -> tuple[Any, np.ndarray]:
        n = x.shape[0]
        xx = sp.vstack([x, -x]).tocsr() if sp.issparse(x) else np.vstack([x, -x])
        return xx, np.r_[np.ones(n), np.zeros(n)]

    def fit(x: Any, c: float) -> Any:
        xx, yy = stack(x)
        model = LogisticRegression(C=c, fit_intercept=False, max_iter=3000)
        return model.fit(xx, yy)

    best_c, best_acc = cs[0], -1.0
    if len(cs) > 1:
        folds = KFold(n_splits=3, shuffle=True, random_state=seed)
        for c in cs:
            accs = []
            for tr, te in folds.split(np.arange(x_train.shape[0])):
                m = fit(x_train[tr], c)
                accs.append(float((m.decision_function(x_train[te]) > 0).mean()))
            if np.mean(accs) > best_acc:
                best_c, best_acc = c, float(np.mean(accs))
    return fit(x_train, best_c), best_c


@dataclass
class _Tfidf:
    vectorizer: Any
    prompt_vectorizer: Any

    @classmethod
    def fit(cls, pairs: Sequence[PreferencePair]) -> _Tfidf:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

        # Token pattern keeps numbers, prices and percentages ("$25", "14", "20%") as words: a bag of
        # words must be allowed to compare the reply's values with the knowledge base's.
        pattern = r"(?u)[$£€]?\b\w[\w.,]*%?"
        vec = TfidfVectorizer(
            ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=pattern
        )
        vec.fit([p.chosen for p in pairs] + [p.rejected for p in pairs])
        # Binary presence in the conversation, on the same columns so the product is word-aligned.
        pvec = CountVectorizer(
            ngram_range=(1, 2), binary=True, vocabulary=vec.vocabulary_, token_pattern=pattern
        )
        return cls(vec, pvec)

    def features(self, pairs: Sequence[PreferencePair], with_prompt: bool) -> Any:
        import scipy.sparse as sp

        diff = self.vectorizer.transform([p.chosen for p in pairs]) - self.vectorizer.transform(
            [p.rejected for p in pairs]
        )
        if not with_prompt:
            return diff.tocsr()
        prompt = self.prompt_vectorizer.transform([conversation_text(p.prompt) for p in pairs])
        return sp.hstack([diff, diff.multiply(prompt)]).tocsr()


def tfidf_deltas(
    train: Sequence[PreferencePair],
    test: Sequence[PreferencePair],
    *,
    with_prompt: bool,
    seed: int = 0,
    cs: Sequence[float] = (0.3, 1.0, 3.0, 10.0),
) -> tuple[np.ndarray, dict[str, Any]]:
    tf = _Tfidf.fit(train)
    model, c = _fit_antisymmetric(tf.features(train, with_prompt), seed, cs)
    return model.decision_function(tf.features(test, with_prompt)), {"C": c}


# ------------------------------------------------------------------ frozen sentence embeddings


def embed_texts(
    texts: Sequence[str], model_path: str | Path, *, max_length: int = 256, batch_size: int = 32
) -> np.ndarray:
    """Mean-pooled, L2-normalised embeddings from a frozen encoder (sentence-transformers style)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_path))
    model = AutoModel.from_pretrained(str(model_path)).eval()
    max_length = min(max_length, int(getattr(model.config, "max_position_embeddings", max_length)))
    order = np.argsort([len(t) for t in texts])  # length-sorted batches pad little
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            enc = tok(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
            out[idx] = pooled.numpy()
    return out


def embedding_deltas(
    train: Sequence[PreferencePair],
    test: Sequence[PreferencePair],
    *,
    model_path: str | Path | None = None,
    seed: int = 0,
    cs: Sequence[float] = (0.1, 1.0, 10.0),
    progress: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    if model_path is None:
        from supportrm.model.resolve import packaged_minilm_path

        model_path = packaged_minilm_path()

    def feats(pairs: Sequence[PreferencePair]) -> np.ndarray:
        t0 = time.perf_counter()
        prompts = embed_texts(
            [conversation_text(p.prompt) for p in pairs], model_path, max_length=384
        )
        chosen = embed_texts([p.chosen for p in pairs], model_path, max_length=256)
        rejected = embed_texts([p.rejected for p in pairs], model_path, max_length=256)
        if progress:
            progress(f"embedded {3 * len(pairs)} texts in {time.perf_counter() - t0:.0f}s")
        diff = chosen - rejected
        return np.hstack([diff, prompts * diff])

    x_train = feats(train)
    x_test = feats(test)
    model, c = _fit_antisymmetric(x_train, seed, cs)
    return model.decision_function(x_test), {"C": c, "model": str(model_path)}


# ------------------------------------------------------------------ all together


def run_baselines(
    train: Sequence[PreferencePair],
    val: Sequence[PreferencePair],
    *,
    names: Sequence[str] = BASELINE_NAMES,
    model_path: str | Path | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fit every named baseline on ``train`` and score it on ``val``."""
    unknown = set(names) - set(BASELINE_NAMES)
    if unknown:
        raise ValueError(f"unknown baseline(s) {sorted(unknown)}; choose from {BASELINE_NAMES}")
    results: dict[str, Any] = {}
    for name in names:
        t0 = time.perf_counter()
        info: dict[str, Any] = {}
        if name == "longer_wins":
            deltas = length_deltas(val, "longer")
        elif name == "shorter_wins":
            deltas = length_deltas(val, "shorter")
        elif name == "tfidf_pair":
            deltas, info = tfidf_deltas(train, val, with_prompt=True, seed=seed)
        elif name == "tfidf_response":
            deltas, info = tfidf_deltas(train, val, with_prompt=False, seed=seed)
        else:
            deltas, info = embedding_deltas(
                train, val, model_path=model_path, seed=seed, progress=progress
            )
        res = score_deltas(deltas, val)
        res["fit"] = info
        res["seconds"] = round(time.perf_counter() - t0, 2)
        results[name] = res
        if progress:
            progress(f"{name}: {res['accuracy']:.3f} ({res['seconds']:.0f}s)")
    return results


def environment() -> dict[str, Any]:
    """Machine and library versions, recorded beside every stored result."""
    import importlib.metadata as md
    import os

    versions: dict[str, str | None] = {}
    for pkg in ("supportrm", "numpy", "scikit-learn", "scipy", "torch", "transformers"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "versions": versions,
    }


def baselines_report(
    data: str | Path | None = None,
    *,
    val_size: int | float = 1000,
    seed: int = 0,
    names: Sequence[str] = BASELINE_NAMES,
    model_path: str | Path | None = None,
    command: str = "",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Load ``data`` (default: the embedded dataset), split it like the trainer does (stratified,
    grouped, ``val_size`` and ``seed``), fit the baselines on train and score them on val."""
    from supportrm.data.embedded import content_sha256, default_dataset_path
    from supportrm.data.load import load_pairs
    from supportrm.data.split import split_pairs

    path = Path(data) if data else default_dataset_path()
    loaded = load_pairs(path)
    split = split_pairs(loaded.pairs, val_size, seed)
    t0 = time.perf_counter()
    results = run_baselines(
        split.train, split.val, names=names, model_path=model_path, seed=seed, progress=progress
    )
    return {
        "command": command,
        "data": {
            "path": str(path),
            "sha256_content": content_sha256(path) if path.suffix in (".gz", ".jsonl") else None,
            "n_pairs": len(loaded.pairs),
        },
        "split": {
            "val_size": val_size,
            "seed": seed,
            "n_train": len(split.train),
            "n_val": len(split.val),
            "val_hash": split.manifest["hashes"]["val"],
        },
        "accuracy_definitions": {
            "accuracy": "strict: ties count as wrong",
            "accuracy_ties_half": "ties count as half right",
            "tie_rate": f"|delta| < {TIE_EPS:g}",
        },
        "baselines": results,
        "total_seconds": round(time.perf_counter() - t0, 1),
        "environment": environment(),
    }


def markdown_table(report: dict[str, Any]) -> str:
    """One row per baseline: overall and per-category held-out accuracy (ties as half)."""
    res = report["baselines"]
    cats = sorted({c for r in res.values() for c in r["per_category"]})
    head = "| baseline | overall | " + " | ".join(cats) + " |"
    sep = "|---" * (len(cats) + 2) + "|"
    rows = [head, sep]
    for name, r in res.items():
        cells = [f"{r['accuracy_ties_half']:.3f}"] + [
            f"{r['per_category'][c]['accuracy_ties_half']:.3f}" for c in cats
        ]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
