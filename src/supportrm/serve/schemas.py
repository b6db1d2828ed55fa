"""Request and response bodies of ``supportrm serve`` (pydantic; docs/serving.md shows each)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Truncate = Literal["error", "left"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GetRewardRequest(BaseModel):
    """OpenRLHF's remote reward request: ``query`` holds prompt + response strings, already
    rendered with the policy's chat template. Other fields (``prompts``, ``labels``) are ignored."""

    model_config = ConfigDict(extra="allow")
    query: list[str]
    truncate: Truncate | None = None


class ClassifyRequest(BaseModel):
    """vLLM's pooling ``/classify`` request (the fields supportrm uses; others are ignored)."""

    model_config = ConfigDict(extra="allow")
    model: str | None = None
    input: str | list[str]
    #: vLLM's switch: true (default) -> sigmoid(reward), false -> the raw reward.
    use_activation: bool | None = None
    truncate: Truncate | None = None


class ChatMessage(_Strict):
    role: Literal["system", "user", "assistant"]
    content: str


class ScoreItem(_Strict):
    messages: list[ChatMessage] = Field(min_length=1)

    @field_validator("messages")
    @classmethod
    def _ends_with_reply(cls, v: list[ChatMessage]) -> list[ChatMessage]:
        if v[-1].role != "assistant":
            raise ValueError("the last message must be the assistant reply to score")
        return v


class ScoreRequest(_Strict):
    """Either ``items`` (conversations ending with the reply) or ``prompt`` + ``responses``
    (best-of-n: several replies to one conversation, ranked)."""

    items: list[ScoreItem] | None = None
    prompt: str | list[ChatMessage] | None = None
    responses: list[str] | None = None
    normalize: bool = False
    truncate: Truncate = "error"

    @model_validator(mode="after")
    def _one_shape(self) -> ScoreRequest:
        if (self.items is None) == (self.responses is None):
            raise ValueError("give either 'items' or 'prompt' + 'responses'")
        if self.responses is not None and self.prompt is None:
            raise ValueError("'responses' needs a 'prompt' (a string or a list of messages)")
        if self.items is not None and self.prompt is not None:
            raise ValueError("'prompt' goes with 'responses', not with 'items'")
        return self


class GetRewardResponse(BaseModel):
    rewards: list[float]
    scores: list[float]
    extra_logs: dict[str, Any] = {}
