"""`supportrm serve`: a thin shell over :func:`supportrm.serve.app.create_app` and uvicorn."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("serve")
@click.option(
    "--model",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A checkpoint folder, or a run folder: then every seed scores and the reward is their "
    "mean (an ensemble).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--api-key",
    envvar="SUPPORTRM_API_KEY",
    default=None,
    help="Require 'Authorization: Bearer KEY' on every route but /health "
    "(default: $SUPPORTRM_API_KEY; none: no auth).",
)
@click.option(
    "--normalize",
    is_flag=True,
    help="/get_reward and /classify return (r - mean) / std with the checkpoint's statistics.",
)
@click.option(
    "--truncate",
    type=click.Choice(["error", "left"]),
    default="error",
    show_default=True,
    help="Over-length items on /get_reward and /classify: 422, or cut the oldest turns "
    "as in training.",
)
@click.option("--batch-tokens", default=16384, show_default=True, type=click.IntRange(min=64),
              help="Most padded tokens in one forward pass (dynamic batching).")  # fmt: skip
@click.option("--max-batch-items", default=64, show_default=True, type=click.IntRange(min=1))
@click.option("--max-wait-ms", default=10.0, show_default=True, type=click.FloatRange(min=0),
              help="Longest a forward pass waits for requests that have arrived and are still "
              "being tokenized (a lone request never waits).")  # fmt: skip
@click.option("--max-padding", default=0.1, show_default=True, type=click.FloatRange(min=0),
              help="Padding one forward pass may add, as a share of its real tokens: a batch is "
              "cut into length groups (raise it on a GPU, where passes are costly).")  # fmt: skip
@click.option("--max-items", default=512, show_default=True, type=click.IntRange(min=1),
              help="Most items in one request (more: 413).")  # fmt: skip
@click.option("--max-queued-items", default=4096, show_default=True, type=click.IntRange(min=1),
              help="Items waiting to be scored before new requests get 429.")  # fmt: skip
@click.option("--max-body-mb", default=8.0, show_default=True, type=click.FloatRange(min=0.001),
              help="Largest request body (more: 413).")  # fmt: skip
@click.option("--device", default=None, help="torch device (default: cuda if available).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))  # fmt: skip
def serve(
    model: Path,
    host: str,
    port: int,
    api_key: str | None,
    normalize: bool,
    truncate: str,
    batch_tokens: int,
    max_batch_items: int,
    max_wait_ms: float,
    max_padding: float,
    max_items: int,
    max_queued_items: int,
    max_body_mb: float,
    device: str | None,
    log_level: str,
) -> None:
    """Serve a reward model over HTTP for RLHF stacks (OpenRLHF, verl, TRL)."""
    import logging

    import uvicorn

    from supportrm.evaluate.runs import resolve_checkpoints
    from supportrm.serve.app import ServeSettings, create_app
    from supportrm.serve.score import load_scorers

    try:
        resolve_checkpoints(model)  # a wrong folder fails now, not after the socket is bound
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if host not in ("127.0.0.1", "localhost", "::1") and not api_key:
        click.echo(f"warning: serving on {host} without --api-key: anyone who can reach it can "
                   "use it", err=True)  # fmt: skip
    try:
        settings = ServeSettings(
            api_key=api_key or None,
            max_body_bytes=int(max_body_mb * 2**20),
            max_items=max_items,
            truncate=truncate,
            normalize=normalize,
            batch_tokens=batch_tokens,
            max_batch_items=max_batch_items,
            max_queued_items=max_queued_items,
            max_wait_ms=max_wait_ms,
            max_padding=max_padding,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s: %(name)s: %(message)s")
    app = create_app(lambda: load_scorers(model, device=device), settings, name=str(model))
    # uvicorn's access log has method, path and status only: request texts are never logged.
    uvicorn.run(app, host=host, port=port, log_level=log_level)
