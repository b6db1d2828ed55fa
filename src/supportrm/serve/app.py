"""``supportrm serve``: the FastAPI application (routes in docs/serving.md).

The model loads in a background thread after the socket is bound: ``/health`` answers 503 until
it is ready, every other route 503 too. Heavy work never runs on the event loop: parsing and
tokenizing run in a worker thread, the forward pass in the micro-batcher's inference thread.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Annotated, Any, TypeVar

import numpy as np
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from supportrm import __version__
from supportrm.data.schema import Message
from supportrm.serve.batcher import MicroBatcher, Overloaded
from supportrm.serve.parse import QueryError, chat_formats, parse_query
from supportrm.serve.schemas import (
    ClassifyRequest,
    GetRewardRequest,
    GetRewardResponse,
    ScoreRequest,
)
from supportrm.serve.score import LoadedModel
from supportrm.serve.service import ItemTooLong, NoNormalization, RewardService

log = logging.getLogger("supportrm.serve")
M = TypeVar("M", bound=BaseModel)


@dataclass
class ServeSettings:
    api_key: str | None = None
    max_body_bytes: int = 8 * 2**20
    max_items: int = 512
    #: default for /get_reward and /classify (their callers cannot send one); /score has its own
    truncate: str = "error"
    #: /get_reward and /classify return (r - mean) / std instead of raw rewards
    normalize: bool = False
    batch_tokens: int = 16384
    max_batch_items: int = 64
    max_queued_items: int = 4096
    #: how long a pass waits for requests that have arrived and are still being tokenized
    max_wait_ms: float = 10.0
    #: padding allowed in one forward pass, as a share of its real tokens (batcher.length_groups)
    max_padding: float = 0.1

    def __post_init__(self) -> None:
        if self.max_queued_items < self.max_items:
            raise ValueError(
                f"max_queued_items ({self.max_queued_items}) must be at least max_items "
                f"({self.max_items}): a full-size request could never be queued"
            )


class _State:
    def __init__(self) -> None:
        self.service: RewardService | None = None
        self.error: str | None = None
        self.model_name = ""


def create_app(
    loader: Callable[[], dict[str, LoadedModel]], settings: ServeSettings, name: str = "supportrm"
) -> FastAPI:
    """The app; ``loader`` returns the served models (called once, in a background thread);
    ``name`` is the model name ``/classify`` reports."""
    state = _State()
    state.model_name = name

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        loop = asyncio.get_running_loop()

        def load() -> None:
            try:
                models = loader()
            except Exception as exc:  # reported by /health and every route, never hidden
                state.error = f"{type(exc).__name__}: {exc}"
                log.error("model failed to load: %s", state.error)
                return
            batcher = MicroBatcher(
                [m.scorer for m in models.values()],
                batch_tokens=settings.batch_tokens,
                max_batch_items=settings.max_batch_items,
                max_queued_items=settings.max_queued_items,
                max_wait_ms=settings.max_wait_ms,
                max_padding=settings.max_padding,
            )
            loop.call_soon_threadsafe(batcher.start)
            state.service = RewardService(models, batcher)
            log.info("model ready: %s", ", ".join(str(m.path) for m in models.values()))

        threading.Thread(target=load, name="supportrm-load", daemon=True).start()
        yield
        if state.service is not None:
            await state.service.batcher.stop()

    app = FastAPI(title="supportrm", version=__version__, lifespan=lifespan)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)  # type: ignore[arg-type]

    def service() -> RewardService:
        if state.service is None:
            raise HTTPException(503, state.error or "the model is still loading; retry shortly")
        return state.service

    async def auth(request: Request) -> None:
        if settings.api_key is None:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(
            token.encode(), settings.api_key.encode()
        )
        if not ok:
            raise HTTPException(
                401, "missing or wrong API key: send 'Authorization: Bearer <key>'",
                headers={"WWW-Authenticate": "Bearer"},
            )  # fmt: skip

    guarded = [Depends(auth)]

    @app.get("/health")
    async def health() -> JSONResponse:
        if state.service is None:
            body = {"status": "error" if state.error else "loading", "detail": state.error}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/info", dependencies=guarded)
    async def info() -> dict[str, Any]:
        svc = service()
        limits = {k: v for k, v in asdict(settings).items() if k != "api_key"}
        return {
            **svc.info(),
            "version": __version__,
            "auth": settings.api_key is not None,
            "settings": limits,
            "query_formats": [f.name for f in chat_formats()] + ["plain-text (no template)"],
            "batching": svc.batcher.stats,
        }

    @app.post("/get_reward", dependencies=guarded)
    async def get_reward(req: GetRewardBody) -> Any:
        svc = service()
        _check_count(len(req.query), settings)
        query = req.query
        r = await _score(svc, lambda: _parse_all(query), req.truncate or settings.truncate,
                         settings.normalize)  # fmt: skip
        rewards = [float(x) for x in r.mean]
        return GetRewardResponse(rewards=rewards, scores=rewards, extra_logs={})

    @app.post("/classify", dependencies=guarded)
    async def classify(req: ClassifyBody) -> Any:
        svc = service()
        texts = [req.input] if isinstance(req.input, str) else req.input
        _check_count(len(texts), settings)
        r = await _score(svc, lambda: _parse_all(texts), req.truncate or settings.truncate,
                         settings.normalize)  # fmt: skip
        activate = req.use_activation is not False
        values = 1.0 / (1.0 + np.exp(-r.mean)) if activate else r.mean
        return {
            "id": f"classify-{uuid.uuid4().hex}",
            "object": "list",
            "created": int(time.time()),
            "model": req.model or state.model_name,
            "data": [
                {"index": i, "label": None, "probs": [float(v)], "num_classes": 1}
                for i, v in enumerate(values)
            ],
            "usage": {
                "prompt_tokens": r.n_tokens,
                "total_tokens": r.n_tokens,
                "completion_tokens": 0,
                "prompt_tokens_details": None,
            },
        }

    @app.post("/score", dependencies=guarded)
    async def score(req: ScoreBody) -> Any:
        svc = service()
        items = _score_items(req)
        _check_count(len(items), settings)
        r = await _score(svc, lambda: items, req.truncate, req.normalize)
        out: dict[str, Any] = {"rewards": [float(x) for x in r.mean], "normalized": req.normalize}
        if r.std is not None:
            out["reward_std"] = [float(x) for x in r.std]
        if req.responses is not None:
            out["ranking"] = sorted(range(len(items)), key=lambda i: -r.mean[i])
        return out

    return app


def _check_count(n: int, settings: ServeSettings) -> None:
    if n > settings.max_items:
        raise HTTPException(
            413, f"{n} items in one request; the limit is {settings.max_items} (split the request)"
        )


def _parse_all(texts: list[str]) -> list[tuple[tuple[Message, ...], str]]:
    out = []
    for i, text in enumerate(texts):
        try:
            q = parse_query(text)
        except QueryError as exc:
            raise HTTPException(422, f"item {i}: {exc}") from exc
        out.append((q.prompt, q.reply))
    return out


def _score_items(req: ScoreRequest) -> list[tuple[tuple[Message, ...], str]]:
    if req.items is not None:
        items = [
            (tuple(Message(m.role, m.content) for m in it.messages[:-1]), it.messages[-1].content)
            for it in req.items
        ]
    else:
        assert req.responses is not None
        prompt = (
            (Message("user", req.prompt),)
            if isinstance(req.prompt, str)
            else tuple(Message(m.role, m.content) for m in req.prompt or [])
        )
        items = [(prompt, r) for r in req.responses]
    for i, (_p, reply) in enumerate(items):
        if not reply.strip():
            raise HTTPException(422, f"item {i}: the reply to score is empty")
    return items


async def _score(
    svc: RewardService, make_items: Callable[[], list[Any]], truncate: str, normalize: bool
) -> Any:
    """Parse (``make_items``) and tokenize in one worker-thread hop, then score via the batcher."""

    def prepare() -> tuple[list[Any], Any]:
        items = make_items()
        return items, svc.encode(items, truncate)

    svc.batcher.expect()
    try:
        try:
            items, seqs = await run_in_threadpool(prepare)
        finally:
            svc.batcher.unexpect()
        if not items:
            return await svc.rewards([[] for _ in svc.models], normalize)
        return await svc.rewards(seqs, normalize)
    except ItemTooLong as exc:
        raise HTTPException(422, str(exc)) from exc
    except NoNormalization as exc:
        raise HTTPException(400, str(exc)) from exc
    except Overloaded as exc:
        raise HTTPException(
            429, f"server busy: {exc}; retry after a moment", headers={"Retry-After": "1"}
        ) from exc


def json_body(model: type[M]) -> Callable[[Request], Any]:
    """A dependency that reads the body as strict JSON (UTF-8, no NaN) and validates it, with
    messages that say what to fix: 400 for unreadable bodies, 422 for a wrong shape."""

    async def parse(request: Request) -> M:
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPException(400, f"body is not valid UTF-8 (byte {exc.start})") from exc
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise HTTPException(
                400, f"body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from exc
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        if not isinstance(data, dict):
            raise HTTPException(422, f"body must be a JSON object, not {type(data).__name__}")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise HTTPException(422, _validation_message(exc)) from exc

    return parse


GetRewardBody = Annotated[GetRewardRequest, Depends(json_body(GetRewardRequest))]
ClassifyBody = Annotated[ClassifyRequest, Depends(json_body(ClassifyRequest))]
ScoreBody = Annotated[ScoreRequest, Depends(json_body(ScoreRequest))]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"body is not valid JSON: {name} is not a JSON number")


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        parts.append(f"{where.lstrip('.') or 'body'}: {err['msg']}")
    return "; ".join(parts)


class BodyLimit:
    """ASGI middleware: bodies over ``limit`` bytes get 413 before the route reads them."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Any, receive: Any, send: Any) -> None:
        body = {"detail": f"request body over the limit of {self.limit} bytes"}
        await JSONResponse(body, status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    pass
