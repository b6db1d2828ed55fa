"""`supportrm data synth`: generate the embedded support-pairs datasets (or variants of them)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("synth")
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=1),
    default=8000,
    show_default=True,
    help="Number of pairs (split evenly over the five categories).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed: the same seed always gives byte-identical output.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output file; the format follows the suffix (.jsonl[.gz], .json, .parquet, .csv).",
)
@click.option(
    "--version",
    "version",
    type=click.Choice(["v1", "v2"]),
    default="v2",
    show_default=True,
    help="Generator version: v2 (minimal pairs and contrast sets, content in YAML; the embedded "
    "default) or v1 (the original templates, kept regenerable byte for byte).",
)
@click.option(
    "--info/--no-info",
    default=True,
    show_default=True,
    help="Also write OUT's sidecar JSON (generator version, arguments, hashes, counts).",
)
def synth(n: int, seed: int, version: str, out: Path, info: bool) -> None:
    """Generate N synthetic customer-support preference pairs (see docs/data-card.md)."""
    from supportrm.data.synth.content import ContentError
    from supportrm.data.synth.dataset import write_dataset

    try:
        meta = write_dataset(out, n=n, seed=seed, sidecar=info, version=version)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from exc
    counts = ", ".join(f"{k} {v}" for k, v in meta["per_category"].items())
    click.echo(f"wrote {meta['n']} pairs to {out} ({counts})")
    click.echo(
        f"label-noise ceiling {meta['noise_ceiling']:.3f}; content sha256 {meta['sha256_content'][:16]}"
    )
