"""Baselines shown beside the model: files written by ``supportrm baselines --out``
(:class:`supportrm.run_files.BaselinesFile`) computed on exactly this run's held-out pairs,
matched by the split manifest's content hash of the validation pairs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from supportrm.report.run import RunData
from supportrm.run_files import BaselinesFile, RunFileError, read

#: Searched inside the run directory (never in the working directory).
BASELINE_GLOB = "baselines*.json"


def find_baselines(
    run: RunData, extra: Sequence[Path] = ()
) -> tuple[dict[str, dict[str, float | None]], list[str]]:
    """Baselines computed on this run's held-out pairs: name -> {"overall": acc, category: acc}.
    Returns them and a note per file considered."""
    candidates = [*extra, *sorted(run.run_dir.glob(BASELINE_GLOB))]
    val_hash = run.manifest.hashes.val if run.manifest else None
    found: dict[str, dict[str, float | None]] = {}
    notes: list[str] = []
    for path in dict.fromkeys(p.resolve() for p in candidates):
        try:
            file = read(path, BaselinesFile)
        except (RunFileError, OSError) as exc:
            notes.append(f"{path}: not a baselines file ({str(exc)[:160]}), skipped")
            continue
        if val_hash is None or file.split.val_hash != val_hash:
            notes.append(f"{path}: computed on other held-out pairs (val hash), not shown")
            continue
        for name, b in file.baselines.items():
            accs: dict[str, float | None] = {"overall": b.accuracy}
            accs.update({c: s.accuracy for c, s in b.per_category.items()})
            found.setdefault(name, accs)
        notes.append(f"{path}: {len(file.baselines)} baseline(s) shown (same held-out pairs)")
    return found, notes
