"""`supportrm serve`: a real server process with a tiny model, talked to over HTTP.

Every route; bad requests (each with its status code and message) followed by a good one; auth
on and off; empty lists; order; rewards equal to `supportrm score` whatever the batching.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from serve_helpers import running_server
from supportrm.data.io import write_pairs
from supportrm.model.testing import tiny_bert, toy_pairs
from supportrm.serve.score import score_file
from supportrm.train.seeds import train_seeds
from supportrm.train.testing import tiny_config

MAX_ITEMS = 16


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("serve")
    pairs = toy_pairs(50)
    cfg = tiny_config(tiny_bert(tmp / "bert"), tmp, epochs=1, seeds=[0, 1])
    train_seeds(cfg, pairs[:30], pairs[36:], cfg.out, dev_pairs=pairs[30:36], log=lambda *_: None)
    write_pairs(pairs[36:], cfg.out / "val.jsonl")
    return cfg.out


@pytest.fixture(scope="module")
def url(run: Path) -> Iterator[str]:
    args = ("--max-items", str(MAX_ITEMS), "--max-body-mb", "0.05")
    with running_server(run, *args, env={"SUPPORTRM_API_KEY": ""}) as u:
        yield u


def _items(n: int, start: int = 0) -> list[dict]:
    out = []
    for k, p in enumerate(toy_pairs(n + start)[start:]):
        reply = p.chosen if k % 2 else p.rejected
        msgs = [m.to_dict() for m in p.prompt]
        out.append({"messages": [*msgs, {"role": "assistant", "content": reply}]})
    return out


def _offline(run: Path, items: list[dict], tmp: Path) -> np.ndarray:
    """`supportrm score` on the same conversations (a single-reply file)."""
    data = tmp / "replies.jsonl"
    data.write_text("".join(json.dumps({"id": f"r{i}", **it}) + "\n" for i, it in enumerate(items)))
    score_file(run, data, tmp / "out.jsonl")
    return np.array([json.loads(x)["reward"] for x in (tmp / "out.jsonl").read_text().splitlines()])


def test_health_info_and_routes(url: str, run: Path) -> None:
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}
    info = httpx.get(f"{url}/info").json()
    assert set(info["models"]) == {"seed 0", "seed 1"} and info["reward"].startswith("mean")
    assert info["max_length"] > 0 and info["auth"] is False and "version" in info
    assert set(info["normalization"]) == {"seed 0", "seed 1"}
    r = httpx.post(f"{url}/get_reward", json={"query": [], "prompts": [], "labels": []})
    assert r.status_code == 200 and r.json() == {"rewards": [], "scores": [], "extra_logs": {}}
    r = httpx.post(f"{url}/classify", json={"model": "x", "input": []})
    assert r.status_code == 200 and r.json()["data"] == [] and r.json()["object"] == "list"
    r = httpx.post(f"{url}/score", json={"items": []})
    assert r.status_code == 200 and r.json()["rewards"] == []


def test_score_route_equals_offline_score_in_order(url: str, run: Path, tmp_path: Path) -> None:
    items = _items(12)
    offline = _offline(run, items, tmp_path)
    body = httpx.post(f"{url}/score", json={"items": items}).json()
    np.testing.assert_allclose(body["rewards"], offline, atol=1e-5, rtol=0)
    assert len(body["reward_std"]) == 12 and body["normalized"] is False
    # the same items one per request, from 12 threads at once: batched with each other or not,
    # each reward is the offline one, in order
    with cf.ThreadPoolExecutor(12) as pool:
        singles = list(pool.map(lambda it: httpx.post(f"{url}/score", json={"items": [it]}), items))
    got = [s.json()["rewards"][0] for s in singles]
    np.testing.assert_allclose(got, offline, atol=1e-5, rtol=0)
    # reversed order in one request: rewards reversed too
    rev = httpx.post(f"{url}/score", json={"items": items[::-1]}).json()["rewards"]
    np.testing.assert_allclose(rev, offline[::-1], atol=1e-5, rtol=0)


def test_best_of_n_ranks_and_normalizes(url: str) -> None:
    responses = ["Sure, I reset it for you.", "No.", "Please hold.", "I have reset your password."]
    body = httpx.post(
        f"{url}/score", json={"prompt": "reset my password", "responses": responses}
    ).json()
    assert sorted(body["ranking"]) == [0, 1, 2, 3]
    assert [body["rewards"][i] for i in body["ranking"]] == sorted(body["rewards"], reverse=True)
    norm = httpx.post(f"{url}/score", json={"prompt": "reset my password", "responses": responses,
                                            "normalize": True}).json()  # fmt: skip
    assert norm["normalized"] is True and norm["ranking"] == body["ranking"]
    assert norm["rewards"] != body["rewards"]


def test_templated_queries_are_scored_like_the_conversation(url: str) -> None:
    item = _items(1)[0]
    msgs = item["messages"]
    chatml = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in msgs)
    llama3 = "<|begin_of_text|>" + "".join(
        f"<|start_header_id|>{m['role']}<|end_header_id|>\n\n{m['content']}<|eot_id|>" for m in msgs
    )
    want = httpx.post(f"{url}/score", json={"items": [item]}).json()["rewards"][0]
    r = httpx.post(f"{url}/get_reward", json={"query": [chatml, llama3], "labels": ["a", "b"]})
    assert r.status_code == 200
    np.testing.assert_allclose(r.json()["rewards"], [want, want], atol=1e-5, rtol=0)
    assert r.json()["scores"] == r.json()["rewards"]
    # plain text: scored as a reply with no conversation
    plain = httpx.post(f"{url}/get_reward", json={"query": [msgs[-1]["content"]]}).json()
    alone = httpx.post(f"{url}/score", json={"prompt": [], "responses": [msgs[-1]["content"]]})
    assert plain["rewards"][0] == pytest.approx(alone.json()["rewards"][0], abs=1e-5)
    # vLLM classify: sigmoid by default, raw with use_activation false
    c = httpx.post(f"{url}/classify", json={"model": "m", "input": [chatml]}).json()
    raw = httpx.post(f"{url}/classify", json={"input": chatml, "use_activation": False}).json()
    assert raw["data"][0]["probs"][0] == pytest.approx(want, abs=1e-5)
    assert c["data"][0]["probs"][0] == pytest.approx(1 / (1 + np.exp(-want)), abs=1e-5)
    assert c["data"][0]["num_classes"] == 1 and c["usage"]["prompt_tokens"] > 0


LONG = "word " * 400
BAD_REQUESTS = [
    # (route, raw body or json, status, words the message must contain)
    ("/get_reward", b'{"query": [', 400, "not valid JSON"),
    ("/get_reward", b'{"query": ["\xff\xfe"]}', 400, "not valid UTF-8"),
    ("/get_reward", b'{"query": [NaN]}', 400, "NaN is not a JSON number"),
    ("/get_reward", [1, 2], 422, "must be a JSON object"),
    ("/get_reward", {"prompts": ["x"]}, 422, "query: Field required"),
    ("/get_reward", {"query": "abc"}, 422, "query: Input should be a valid list"),
    ("/get_reward", {"query": ["ok", 5]}, 422, "query[1]: Input should be a valid string"),
    ("/get_reward", {"query": ["ok", "  "]}, 422, "item 1: empty string"),
    ("/get_reward", {"query": ["<|im_start|>user\nhi<|im_end|>"]}, 422, "ends with a user turn"),
    ("/get_reward", {"query": ["x"] * (MAX_ITEMS + 1)}, 413, f"the limit is {MAX_ITEMS}"),
    ("/get_reward", {"query": ["x" * 60000]}, 413, "over the limit"),
    ("/get_reward", {"query": ["short", LONG]}, 422, "item 1: "),
    ("/get_reward", {"query": ["ok"], "truncate": "right"}, 422, "truncate: Input should be"),
    ("/classify", {"input": 5}, 422, "input"),
    ("/score", {"items": [], "prompt": "p", "responses": []}, 422, "either 'items'"),
    ("/score", {"responses": ["a"]}, 422, "needs a 'prompt'"),
    ("/score", {"items": [{"messages": [{"role": "user", "content": "hi"}]}]}, 422,
     "last message must be the assistant"),
    ("/score", {"items": [{"messages": [{"role": "robot", "content": "hi"}]}]}, 422,
     "items[0].messages[0].role"),
    ("/score", {"prompt": "p", "responses": ["fine", ""]}, 422, "item 1: the reply to score is empty"),
    ("/score", {"items": [], "colour": "red"}, 422, "colour: Extra inputs are not permitted"),
]  # fmt: skip


@pytest.mark.parametrize(("route", "body", "status", "words"), BAD_REQUESTS)
def test_bad_request_gets_a_clear_error_and_the_server_stays_up(
    url: str, route: str, body: object, status: int, words: str
) -> None:
    if isinstance(body, bytes):
        r = httpx.post(f"{url}{route}", content=body, headers={"content-type": "application/json"})
    else:
        r = httpx.post(f"{url}{route}", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"], r.json()
    good = httpx.post(f"{url}/get_reward", json={"query": ["User: hi\nAssistant: hello"]})
    assert good.status_code == 200 and len(good.json()["rewards"]) == 1


def test_over_length_item_is_named_and_left_truncation_is_opt_in(url: str) -> None:
    r = httpx.post(f"{url}/score", json={"prompt": LONG, "responses": ["ok", "fine"]})
    assert r.status_code == 422 and "item 0:" in r.json()["detail"]
    assert "tokens, over the model's max length" in r.json()["detail"]
    r = httpx.post(f"{url}/score", json={"prompt": LONG, "responses": ["ok"], "truncate": "left"})
    assert r.status_code == 200 and len(r.json()["rewards"]) == 1


def test_wrong_method_and_unknown_route(url: str) -> None:
    assert httpx.get(f"{url}/get_reward").status_code == 405
    assert httpx.post(f"{url}/nope", json={}).status_code == 404


def test_api_key(run: Path) -> None:
    with running_server(run, env={"SUPPORTRM_API_KEY": "s3cret"}) as url:
        assert httpx.get(f"{url}/health").status_code == 200  # open: for load balancers
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
            r = httpx.post(f"{url}/get_reward", json={"query": ["hi"]}, headers=headers)
            assert r.status_code == 401 and "API key" in r.json()["detail"]
            assert r.headers["www-authenticate"] == "Bearer"
            assert httpx.get(f"{url}/info", headers=headers).status_code == 401
        ok = {"Authorization": "Bearer s3cret"}
        assert (
            httpx.post(f"{url}/get_reward", json={"query": ["hi"]}, headers=ok).status_code == 200
        )
        assert httpx.get(f"{url}/info", headers=ok).json()["auth"] is True


def _trl_call(fn, prompts: list, completions: list) -> list[float]:  # type: ignore[no-untyped-def]
    """Exactly how TRL's GRPOTrainer._calculate_rewards calls a custom reward function."""
    reward_kwargs = {"task": ["support"] * len(prompts), "trainer_state": None,
                     "log_extra": lambda *a: None, "log_metric": lambda *a: None}  # fmt: skip
    completion_ids = [[1, 2, 3] for _ in completions]
    return fn(prompts=prompts, completions=completions, completion_ids=completion_ids,
              **reward_kwargs)  # fmt: skip


def test_trl_reward_functions_remote_and_local(url: str, run: Path) -> None:
    from supportrm.client import local_reward_fn, reward_fn

    items = _items(6)
    conv_prompts = [it["messages"][:-1] for it in items]
    conv_completions = [[it["messages"][-1]] for it in items]
    want = httpx.post(f"{url}/score", json={"items": items}).json()["rewards"]
    remote = reward_fn(url, batch_size=4)  # two requests: order kept across them
    local = local_reward_fn(run)
    for fn in (remote, local):
        got = _trl_call(fn, conv_prompts, conv_completions)
        assert isinstance(got, list) and all(isinstance(x, float) for x in got)
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
    # standard (string) prompts and completions
    plain = _trl_call(remote, ["reset my password"], ["Done: check your inbox."])
    alone = httpx.post(f"{url}/score", json={"prompt": "reset my password",
                                             "responses": ["Done: check your inbox."]})  # fmt: skip
    assert plain[0] == pytest.approx(alone.json()["rewards"][0], abs=1e-5)
    assert _trl_call(local, ["reset my password"], ["Done: check your inbox."])[0] == pytest.approx(
        plain[0], abs=1e-5
    )
    with pytest.raises(RuntimeError, match="422"):
        _trl_call(remote, ["hi"], [""])
