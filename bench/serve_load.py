"""Load test of `supportrm serve` against offline scoring and a naive server (issue 12).

Texts: real support conversations from the run's held-out split and the hand-written set, each
reply of at least 50 tokens, sent as ChatML-templated ``prompt + response`` strings (what
OpenRLHF sends to ``/get_reward``). For 1, 4, 16 and 64 concurrent clients (an asyncio httpx
driver, one single-item request after another per client) it reports items/s and p50/p99
latency, and checks every reply: 0 errors, 0 lost, every reward equal (1e-5) to offline scoring
of the same text, so a reordered reply would show as a mismatch. Side by side:

* offline: parse + tokenize + ``score_encoded`` over all texts at once, as `supportrm score`
  does (the limit of this machine; model load excluded);
* naive: the server people write first: FastAPI, one request -> one forward pass, no batching.

Both servers run side by side; every client level is measured on each in two windows, in the
order A B A B, so drift in the machine's speed hits both alike. Both cut over-long conversations
from the left as in training (``--truncate left``), as
offline scoring does, so every text gets a reward to compare.

Then where the time goes: tokenization, padding and forward per item offline, the mean batch
size the server formed, and the HTTP + JSON cost per request (empty requests at 16 clients).

    .venv/bin/python bench/serve_load.py --model runs/default/seed-0/checkpoint

Writes ``bench/results/serve_load.json`` (command, machine, versions, load average).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def chatml(messages: list[Any], reply: str) -> str:
    turns = [*((m.role, m.content) for m in messages), ("assistant", reply)]
    return "".join(f"<|im_start|>{r}\n{c}<|im_end|>\n" for r, c in turns)


def load_texts(run: Path, tokenizer: Any, n: int) -> tuple[list[str], dict[str, Any]]:
    from supportrm.data.embedded import handwritten_path
    from supportrm.data.load import load_pairs

    pairs = list(load_pairs(handwritten_path("test"), categories=None).pairs)
    pairs += list(load_pairs(handwritten_path("dev"), categories=None).pairs)
    val = run / "split" / "val.jsonl.gz"
    if val.exists():
        pairs += list(load_pairs(val, categories=None).pairs)
    texts, lengths = [], []
    for p in pairs:
        for reply in (p.chosen, p.rejected):
            k = len(tokenizer(reply, add_special_tokens=False)["input_ids"])
            if 50 <= k <= 300:
                texts.append(chatml(list(p.prompt), reply))
                lengths.append(k)
    texts, lengths = texts[:n], lengths[:n]
    q = np.percentile(lengths, [5, 50, 95]).tolist()
    return texts, {"n_texts": len(texts), "reply_tokens_p5_p50_p95": q}


def offline(model: Path, texts: list[str]) -> tuple[np.ndarray, dict[str, float]]:
    from supportrm.model.scoring import pad_batch
    from supportrm.serve.parse import parse_query
    from supportrm.serve.score import load_scorers

    scorers = load_scorers(model)
    t0 = time.perf_counter()
    items = [(q.prompt, q.reply) for q in map(parse_query, texts)]
    rows, seq_tokens = [], 0
    for m in scorers.values():
        seqs = m.scorer.renderer.encode_many(items)
        rows.append(m.scorer.score_encoded(seqs, 64, batch_tokens=16384))
        seq_tokens = sum(len(s.input_ids) for s in seqs)
    wall = time.perf_counter() - t0
    # the parts, per item, for "where the time goes"
    sc = next(iter(scorers.values())).scorer
    t = time.perf_counter()
    seqs = sc.renderer.encode_many(items)
    t_tok = time.perf_counter() - t
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    for start in range(0, len(seqs), 16):
        pad_batch(seqs[start : start + 16], sc.tokenizer)
    t_pad = time.perf_counter() - t
    idx = rng.permutation(len(seqs))[: 16 * 20]
    t = time.perf_counter()
    padded = 0
    for start in range(0, len(idx), 16):  # unsorted 16-item batches, as a server forms them
        batch = [seqs[i] for i in idx[start : start + 16]]
        padded += 16 * max(len(s.input_ids) for s in batch)
        sc.score_encoded(batch, 16)
    t_random16 = (time.perf_counter() - t) / len(idx)
    real = sum(len(seqs[i].input_ids) for i in idx)
    parts = {
        "items_per_s": len(texts) / wall,
        "wall_s": wall,
        "tokens_per_item": seq_tokens / len(texts),
        "tokenize_ms_per_item": 1000 * t_tok / len(texts),
        "pad_ms_per_item": 1000 * t_pad / len(texts),
        "forward_ms_per_item_sorted_offline": 1000 * wall / len(texts),
        "forward_ms_per_item_unsorted_batches_of_16": 1000 * t_random16,
        "padding_efficiency_unsorted_16": real / padded,
    }
    return np.vstack(rows).mean(0), parts


async def drive(url: str, texts: list[str], expected: np.ndarray, clients: int,
                seconds: float, empty: bool = False) -> dict[str, Any]:  # fmt: skip
    import httpx

    counter = itertools.count()
    lat: list[float] = []
    errors: list[str] = []
    bad = {"lost": 0, "mismatch": 0, "max_abs_diff": 0.0}
    end = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:

        async def one() -> None:
            while time.perf_counter() < end:
                i = next(counter) % len(texts)
                body = {"query": [] if empty else [texts[i]]}
                t = time.perf_counter()
                try:
                    r = await client.post(f"{url}/get_reward", json=body)
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))
                    continue
                lat.append(time.perf_counter() - t)
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {r.text[:200]}")
                    continue
                got = r.json()["rewards"]
                if empty:
                    continue
                if len(got) != 1:
                    bad["lost"] += 1
                    continue
                diff = float(abs(got[0] - expected[i]))
                bad["max_abs_diff"] = max(bad["max_abs_diff"], diff)
                bad["mismatch"] += int(diff > 1e-5)

        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(clients)))
        wall = time.perf_counter() - t0
    ms = np.array(lat) * 1000
    return {
        "clients": clients,
        "seconds": round(wall, 2),
        "requests": len(lat),
        "items_per_s": (len(lat) - len(errors)) / wall,
        "p50_ms": float(np.percentile(ms, 50)) if len(ms) else None,
        "p99_ms": float(np.percentile(ms, 99)) if len(ms) else None,
        "errors": len(errors),
        "error_examples": errors[:3],
        **bad,
        "_lat": lat,
        "_ok": len(lat) - len(errors),
    }


def naive_server(model: Path, port: int) -> None:
    """One request -> one forward pass: a sync FastAPI route calling the model directly."""
    import uvicorn
    from fastapi import FastAPI

    from supportrm.serve.parse import parse_query
    from supportrm.serve.score import load_scorers

    scorers = load_scorers(model)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/get_reward")
    def get_reward(body: dict[str, Any]) -> dict[str, Any]:
        qs = [parse_query(q) for q in body["query"]]
        if not qs:
            return {"rewards": [], "scores": [], "extra_logs": {}}
        rows = [m.scorer.score_conversations([q.prompt for q in qs], [q.reply for q in qs])
                for m in scorers.values()]  # fmt: skip
        rewards = np.vstack(rows).mean(0).tolist()
        return {"rewards": rewards, "scores": rewards, "extra_logs": {}}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def start(cmd: list[str], port: int) -> subprocess.Popen[bytes]:
    import httpx

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{cmd} did not become healthy")


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from several windows of the same level (ABAB alternation)."""
    lat = np.array([x for p in parts for x in p["_lat"]]) * 1000
    wall = sum(p["seconds"] for p in parts)
    return {
        "clients": parts[0]["clients"],
        "seconds": round(wall, 2),
        "windows": len(parts),
        "requests": len(lat),
        "items_per_s": sum(p["_ok"] for p in parts) / wall,
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
        "errors": sum(p["errors"] for p in parts),
        "error_examples": [e for p in parts for e in p["error_examples"]][:3],
        "lost": sum(p["lost"] for p in parts),
        "mismatch": sum(p["mismatch"] for p in parts),
        "max_abs_diff": max(p["max_abs_diff"] for p in parts),
    }


def measure(urls: dict[str, str], texts: list[str], expected: np.ndarray, levels: list[int],
            seconds: dict[int, float]) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """Every level on every server, alternating servers in two windows each (A B A B), so slow
    drift of the machine's speed hits both alike."""
    for url in urls.values():
        asyncio.run(drive(url, texts, expected, 4, 3.0))  # warm-up, not reported
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in urls}
    for c in levels:
        parts: dict[str, list[dict[str, Any]]] = {name: [] for name in urls}
        for _ in range(2):
            for name, url in urls.items():
                parts[name].append(asyncio.run(drive(url, texts, expected, c, seconds[c] / 2)))
        for name in urls:
            res = merge(parts[name])
            print(name, json.dumps(res), flush=True)
            out[name].append(res)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, required=True, help="checkpoint or run folder")
    ap.add_argument("--run", type=Path, default=None, help="run folder for held-out texts")
    ap.add_argument("--n-texts", type=int, default=1500)
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16, 64])
    ap.add_argument("--seconds", type=float, default=60.0, help="at 16 clients")
    ap.add_argument("--seconds-other", type=float, default=30.0, help="at other levels")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "serve_load.json")
    ap.add_argument("--naive-server", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.naive_server is not None:
        naive_server(args.model, args.naive_server)
        return

    from transformers import AutoTokenizer

    from serve_helpers import free_port
    from supportrm.evaluate.baselines import environment
    from supportrm.evaluate.runs import resolve_checkpoints

    first = next(iter(resolve_checkpoints(args.model).values()))
    run = args.run or (first.parents[1] if first.name == "checkpoint" else first.parent)
    texts, text_info = load_texts(run, AutoTokenizer.from_pretrained(str(first)), args.n_texts)
    expected, off = offline(args.model, texts)
    print("offline", json.dumps(off), flush=True)
    seconds = {c: args.seconds if c == 16 else args.seconds_other for c in args.levels}
    results: dict[str, Any] = {}
    procs, urls = [], {}
    for name in ("supportrm", "naive"):
        port = free_port()
        cmd = (
            [sys.executable, "-m", "supportrm.cli", "serve", "--model", str(args.model),
             "--port", str(port), "--log-level", "warning", "--truncate", "left"]
            if name == "supportrm"
            else [sys.executable, __file__, "--model", str(args.model), "--naive-server", str(port)]
        )  # fmt: skip
        procs.append(start(cmd, port))
        urls[name] = f"http://127.0.0.1:{port}"
    try:
        results.update(measure(urls, texts, expected, args.levels, seconds))
        import httpx

        stats = httpx.get(f"{urls['supportrm']}/info").json()["batching"]
        results["supportrm_batching"] = {
            **stats, "mean_items_per_batch": stats["items"] / max(stats["batches"], 1)
        }  # fmt: skip
        http = asyncio.run(drive(urls["supportrm"], texts, expected, 16, 10.0, empty=True))
        results["http_json_only_16_clients"] = {k: v for k, v in http.items() if k[0] != "_"}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
    at = {name: {r["clients"]: r for r in results[name]} for name in ("supportrm", "naive")}
    s16, n16 = at["supportrm"].get(16), at["naive"].get(16)
    checks = {}
    if s16 and n16:
        checks = {
            "server_vs_offline_at_16": s16["items_per_s"] / off["items_per_s"],
            "server_vs_naive_at_16": s16["items_per_s"] / n16["items_per_s"],
            "p50_at_1_server_vs_naive": (
                at["supportrm"][1]["p50_ms"] / at["naive"][1]["p50_ms"]
                if 1 in at["naive"]
                else None
            ),
            "errors_lost_mismatch_total": sum(
                r["errors"] + r["lost"] + r["mismatch"] for r in results["supportrm"]
            ),
        }
    out = {
        "command": " ".join([sys.executable, *sys.argv]),
        "model": str(args.model),
        "texts": text_info,
        "offline": off,
        **results,
        "checks": checks,
        "load_average_at_end": os.getloadavg(),
        **environment(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(checks, indent=2))


if __name__ == "__main__":
    main()
