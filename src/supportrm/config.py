"""Typed configuration: one pydantic model per command, whose fields (with their help text) are
also the command's CLI options and the keys of its YAML file.

Precedence: built-in defaults < ``--config FILE.yaml`` < explicit CLI flags.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml
from pydantic import BaseModel, ConfigDict

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for configs: unknown keys are an error (a typo in a YAML file must not pass silently)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)

    @classmethod
    def from_yaml(cls: type[M], path: str | Path) -> M:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise click.BadParameter(f"{path}: expected a mapping of config keys at top level")
        return cls.model_validate(data)


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _click_option(name: str, annotation: Any, help_text: str) -> Callable[[Any], Any]:
    flag = "--" + name.replace("_", "-")
    inner, _optional = _unwrap_optional(annotation)
    origin = typing.get_origin(inner)
    # Defaults are None on the CLI side so that only flags the user typed override YAML/defaults.
    if inner is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", name, default=None, help=help_text)
    if origin in (list, tuple):
        (item,) = typing.get_args(inner)[:1] or (str,)
        item_type = item if item in (int, float, str) else str
        return click.option(flag, name, type=item_type, multiple=True, default=None, help=help_text)
    if typing.get_origin(inner) is typing.Literal:
        choices = [str(c) for c in typing.get_args(inner)]
        return click.option(flag, name, type=click.Choice(choices), default=None, help=help_text)
    click_type: Any = inner if inner in (int, float, str) else str
    if inner is Path:
        click_type = click.Path(path_type=Path)
    return click.option(flag, name, type=click_type, default=None, help=help_text)


def options_from_model(
    model: type[BaseModel],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator adding one click option per model field (help text from the field description)."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        for name, info in reversed(list(model.model_fields.items())):
            help_text = info.description or ""
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            if default is not None:
                help_text += f"  [default: {default}]"
            func = _click_option(name, info.annotation, help_text)(func)
        return func

    return decorator


def resolve_config(model: type[M], config_file: str | Path | None, cli_values: dict[str, Any]) -> M:
    """Merge defaults, an optional YAML file and the CLI flags that were actually given."""
    base: dict[str, Any] = {}
    if config_file:
        base = model.from_yaml(config_file).model_dump() if issubclass(model, StrictModel) else {}
    for key, value in cli_values.items():
        if key not in model.model_fields:
            continue
        if value is None or (isinstance(value, tuple) and len(value) == 0):
            continue
        base[key] = list(value) if isinstance(value, tuple) else value
    return model.model_validate(base)
