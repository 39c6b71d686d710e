"""The layout keeps itself true: the import contracts of pyproject.toml, no import cycles (a
function-level import counts), one commit site, one module with network I/O, and a hall a
newcomer can read at a glance."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("states", "workflow", "api")
# What may commit a transaction: the bracket every command runs in (``workflow.uow.command``,
# through ``UnitOfWork.commit``).
COMMIT_SITES = {"workflow/uow.py"}
NETWORK_MODULES = {"urllib.request", "http.client", "socket", "requests", "httpx", "smtplib",
                   "ftplib", "aiohttp"}


def _sources(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def _imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_the_import_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                        no_logo=True) == 0


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    modules = sorted(m for m in graph.modules if m.split(".")[0] in PROJECT)
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m)
                       if i.split(".")[0] in PROJECT) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph(*PROJECT, exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for a, b in (("workflow.a", "workflow.b"), ("workflow.b", "workflow.c"),
                 ("workflow.c", "workflow.a"), ("workflow.c", "workflow.d")):
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph) == [["workflow.a", "workflow.b", "workflow.c"]]


def test_only_the_bracket_commits():
    sites = set()
    for path in _sources("workflow", "api"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "commit"):
                sites.add(str(path.relative_to(ROOT)))
    assert sites == COMMIT_SITES


def test_only_the_delivery_module_talks_to_the_network():
    talkers = {str(p.relative_to(ROOT)) for p in _sources("states", "workflow", "api")
               if _imported_modules(ast.parse(p.read_text(encoding="utf-8"))) & NETWORK_MODULES}
    assert talkers == {"workflow/portal/delivery.py"}


def test_the_hall_has_at_most_twelve_modules_besides_its_packages():
    modules = sorted(p.name for p in (ROOT / "workflow").glob("*.py") if p.name != "__init__.py")
    assert len(modules) <= 12, modules
    wings = {p.name for p in (ROOT / "workflow").iterdir() if (p / "__init__.py").exists()}
    assert {"ledgers", "deadlines", "portal", "reports", "operator"} <= wings
