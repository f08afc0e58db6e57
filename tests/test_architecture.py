"""The architecture as the file tree shows it: no import cycle in the package.

Every import of a module of the package counts: those under ``if
TYPE_CHECKING:`` and those inside a function too. A cycle the interpreter
never trips over is still one for a reader, and a deferred import is how a
cycle hides (the extras a function imports late are not the package's own
modules, so they are no edge here)."""

from __future__ import annotations

import ast
from pathlib import Path

from harness.servers import ROOT

PACKAGE = ROOT / "wonderblogs_target"


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]


def import_graph() -> dict[str, set[str]]:
    modules = {_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in _imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = package
                for _ in range(node.level - 1):
                    base = base.rsplit(".", 1)[0]
                if node.level:
                    base = f"{base}.{node.module}" if node.module else base
                else:
                    base = node.module or ""
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_graph_sees_the_imports():
    graph = import_graph()
    assert "wonderblogs_target.models" in graph["wonderblogs_target.core"]
    assert "wonderblogs_target.v1" in graph["wonderblogs_target.errors"]  # under TYPE_CHECKING
    # Inside a function: opening a store by URL imports the store's module.
    assert "wonderblogs_target.stores.markdown" in graph["wonderblogs_target.stores"]


def test_no_module_imports_a_module_that_imports_it():
    found = cycles(import_graph())
    assert found == [], "\n".join(" -> ".join(cycle) for cycle in found)


def test_the_moved_modules_still_import_with_a_warning_naming_the_new_path():
    import importlib
    import warnings

    from wonderblogs_target.callbacks import signing

    old = importlib.import_module("wonderblogs_target.signing")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert old.verify_signature is signing.verify_signature
    [warning] = caught
    assert warning.category is DeprecationWarning
    assert "wonderblogs_target.callbacks.signing" in str(warning.message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from wonderblogs_target import verify_signature  # the documented path: no warning

        assert verify_signature is signing.verify_signature


def test_the_package_root_holds_only_shared_modules_adapters_and_entry_points():
    """Each family of modules is a package of its own (design notes)."""
    root = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert set(root).isdisjoint({"receiver", "signing", "replay", "events", "diagnose"})
