"""The package's modules depend on each other one way: no import cycle, TYPE_CHECKING included."""

from __future__ import annotations

import ast
from pathlib import Path

import orgwh

PACKAGE = Path(orgwh.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The `modules` that `path` imports anywhere in it (functions and TYPE_CHECKING blocks too).

    `from package import name` depends on the module package.name when there
    is one, else on the package.
    """
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                found.add(submodule if submodule in modules else module)
    return found & modules - {name}


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: _imports(path, set(paths)) for name, path in paths.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph`, as the modules along it, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                return [*path[path.index(imported) :], imported]
            if imported not in state and (cycle := visit(imported)):
                return cycle
        state[module] = "done"
        path.pop()
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_no_module_of_orgwh_imports_itself_back():
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_a_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """The modules `start` imports, directly or through others."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        for imported in graph[pending.pop()] - seen:
            seen.add(imported)
            pending.append(imported)
    return seen


# What a reader must not depend on: it reads files for any of them.
ABOVE_THE_READERS = ("orgwh.targets", "orgwh.pipeline", "orgwh.cli", "orgwh.api")


def test_the_readers_know_nothing_of_targets_runs_or_the_command_line():
    graph = _graph()
    readers = [module for module in graph if module.startswith("orgwh.readers.")]
    assert "orgwh.readers.spark" in readers
    for reader in readers:
        above = {
            module
            for module in _reachable(graph, reader)
            # the package itself imports the API
            if module.startswith(ABOVE_THE_READERS) or module == "orgwh"
        }
        assert not above, f"{reader} depends on {', '.join(sorted(above))}"
