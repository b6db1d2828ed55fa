"""The package's shape (docs/architecture.md): files and functions short enough to read, no
import cycles, and no stage importing a later one. An AST walk over src/supportrm."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "supportrm"
#: The pipeline order: a module may import its own stage and earlier ones only.
STAGES = ("data", "model", "evaluate", "train", "report", "serve")
#: Shared by every stage; they import no stage themselves.
COMMON = ("supportrm", "supportrm.config", "supportrm.files", "supportrm.run_files")
#: The shells on top: they may import anything.
TOP = ("cli", "pipeline")
MAX_FILE_LINES = 700
MAX_FUNCTION_LINES = 150


def _modules() -> dict[str, Path]:
    mods = {}
    for f in SRC.rglob("*.py"):
        parts = f.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = f
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """supportrm modules imported anywhere in the file (module level or inside functions)."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            targets = [f"{base}.{a.name}" for a in node.names]
            targets = [t if t in mods else base for t in targets]
        else:
            continue
        out |= {t for t in targets if t in mods and t != name}
    return out


def _stage(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = _modules()
    return {name: _imports(name, path, mods) for name, path in mods.items()}


def test_files_and_functions_are_short() -> None:
    long_files = []
    long_functions = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_FILE_LINES:
            long_files.append(f"{path.relative_to(SRC)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}: {n}")
    assert not long_files, long_files
    assert not long_functions, long_functions


def test_no_import_cycle_between_files(graph: dict[str, set[str]]) -> None:
    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    cycles = sorted(
        {tuple(sorted((a, b))) for a, deps in graph.items() for b in deps if reaches(b, a)}
    )
    assert not cycles, cycles


def test_no_stage_imports_a_later_stage(graph: dict[str, set[str]]) -> None:
    bad = []
    for name, deps in graph.items():
        stage = _stage(name)
        for dep in deps:
            if name in COMMON:
                if dep not in COMMON:
                    bad.append(f"{name} (shared) -> {dep}")
                continue
            if stage in TOP or stage not in STAGES:
                continue
            dep_stage = _stage(dep)
            if dep_stage in TOP:
                bad.append(f"{name} -> {dep} (a shell)")
            elif dep_stage in STAGES and STAGES.index(dep_stage) > STAGES.index(stage):
                bad.append(f"{name} -> {dep}")
    assert not bad, bad


def test_the_checks_see_the_package(graph: dict[str, set[str]]) -> None:
    # guard against a walk that finds nothing and passes vacuously
    assert {"supportrm.train.seed", "supportrm.evaluate.metrics", "supportrm.data.load"} <= set(
        graph
    )
    assert "supportrm.evaluate.metrics" in graph["supportrm.train.seed"]
