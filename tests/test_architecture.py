"""The architecture, checked: no import cycle anywhere, and the run folder's file names in one place.

The layers themselves (engine: cli > jobs > strategy | evaluation > training > run > models > data > config >
core; gui: app > main_window > panels > widgets > jobs) are import-linter contracts in pyproject.toml, run by
`lint-imports` in `make lint` and CI; docs/ARCHITECTURE.md explains them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp
import pytest

from engine.core import run_layout

ROOT = Path(__file__).resolve().parents[1]
#: Every file name a run folder holds (engine/core/run_layout.py owns them).
RUN_FILE_NAMES = {value for name, value in vars(run_layout).items()
                  if name.isupper() and isinstance(value, str) and "." in value}
RUN_FILE_NAMES |= {"predictions.csv", "confusion_matrix.csv", "confusion_matrix.png", "reliability.png", "roc.png"}


def _cycles(package: str) -> list[list[str]]:
    """Strongly connected groups of modules (imports at any depth, also inside functions and TYPE_CHECKING)."""
    graph = grimp.build_graph(package)
    modules = graph.modules
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:  # Tarjan's algorithm, iterative (no recursion limit)
        nonlocal counter
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start) & modules)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


@pytest.mark.parametrize("package", ["engine", "gui"])
def test_no_module_imports_itself_through_others(package: str) -> None:
    assert _cycles(package) == []


def _code_strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_run_folder_file_names_appear_only_in_the_run_layout() -> None:
    pattern = re.compile(r"(^|[/\\])(" + "|".join(re.escape(n) for n in sorted(RUN_FILE_NAMES)) + r")$")
    owner = ROOT / "engine" / "core" / "run_layout.py"
    found = [f"{path.relative_to(ROOT)}:{line}: {text!r}"
             for folder in ("engine", "gui") for path in sorted((ROOT / folder).rglob("*.py")) if path != owner
             for line, text in _code_strings(path) if pattern.search(text)]
    assert found == []
