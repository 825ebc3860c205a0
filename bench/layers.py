"""The package import graph of trmgolf/ and its check against the allowed layering.

Every module's AST is read (module-level and function-level imports alike, and
``importlib`` names written as ``"trmgolf.x.y"`` strings), each import is reduced to
the top-level unit it reaches (``trmgolf.scoring.cost`` -> ``scoring``), and each
edge between two units must be allowed by :data:`ALLOWED`, read transitively: a unit
may import what it lists and whatever those list in turn. So an upward import
(``kernels`` -> ``compiler``) or a sideways one the table does not name
(``scoring`` -> ``ir``) is a violation. Only ``cli`` and ``commands`` may import click.
No module may import another module's private (``_underscore``) names, by ``from m import
_x`` or by ``m._x`` on an imported module: a shared helper gets a public name.
Inside a unit, modules may not import each other in a circle either (an import inside a
function counts: it hides a circle from Python, not from a reader).

    python bench/layers.py            # print the graph, then any violation (exit 1 if any)
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent / "trmgolf"

#: Modules at the bottom: they import at most each other (as listed below).
LEAVES = ("errors", "fsutil", "tasks", "progress", "examples")

#: unit -> the units it may import directly; read transitively (see module docstring).
#: The main chain is cli -> commands -> {submission, demo} -> frontend -> compiler ->
#: kernels -> ir; scoring sits below compiler, and the side packages are restricted.
ALLOWED: dict[str, frozenset[str]] = {
    "cli": frozenset({"commands", *LEAVES}),
    "commands": frozenset({"submission", "demo", *LEAVES}),
    "submission": frozenset({"frontend", "router", "search", *LEAVES}),
    "demo": frozenset({"frontend", *LEAVES}),
    "frontend": frozenset({"compiler", "trainer", *LEAVES}),
    "compiler": frozenset({"kernels", "scoring", *LEAVES}),
    "kernels": frozenset({"ir", *LEAVES}),
    "ir": frozenset(LEAVES),
    "scoring": frozenset({"errors", "fsutil", "tasks"}),
    "solvers": frozenset({"families", "grid", "ir", "tasks"}),
    "search": frozenset({"families", "compiler", "grid", "tasks"}),  # structure search: networks as IR
    "families": frozenset({"ir", "tasks"}),  # the family contract and registry, below solvers and search
    "grid": frozenset({"ir", "tasks"}),  # the vocabulary of grid primitives (numpy + IR)
    "router": frozenset({"solvers", "families", "tasks", "errors", "fsutil"}),
    "trainer": frozenset({"tasks", "errors", "fsutil", "progress"}),
    "errors": frozenset(),
    "fsutil": frozenset({"errors"}),
    "tasks": frozenset({"errors"}),
    "progress": frozenset(),
    "examples": frozenset(),
    "__init__": frozenset(),
}

#: The only units that may import click (the command line).
CLICK_USERS = frozenset({"cli", "commands"})

_MODULE_STRING = re.compile(r"^trmgolf(\.[a-z_][a-z0-9_]*)+$")


@dataclass(frozen=True, order=True)
class Edge:
    """One import: ``source`` unit imports ``target`` (a unit, or ``click``) in ``module``."""

    source: str
    target: str
    module: str
    line: int


def unit_of(path: Path, root: Path = PACKAGE_ROOT) -> str:
    """``trmgolf/scoring/cost.py`` -> ``scoring``; ``trmgolf/errors.py`` -> ``errors``."""
    return path.relative_to(root).with_suffix("").parts[0]


def _package_parts(path: Path, root: Path) -> tuple[str, ...]:
    """The dotted package a module belongs to (what its relative imports start from)."""
    return ("trmgolf", *path.relative_to(root).parent.parts)


def imported_names(tree: ast.AST, package: tuple[str, ...]) -> list[tuple[str, int]]:
    """Absolute dotted names this module imports, with their line (relative imports resolved;
    ``from trmgolf import x`` yields ``trmgolf.x``; ``"trmgolf.x"`` strings count as imports)."""
    names: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *(node.module.split(".") if node.module else ())))
            if module == "trmgolf":
                names.extend((f"trmgolf.{alias.name}", node.lineno) for alias in node.names)
            else:
                names.append((module, node.lineno))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _MODULE_STRING.match(node.value):
                names.append((node.value, node.lineno))
    return names


def _target_unit(name: str, units: set[str]) -> str | None:
    parts = name.split(".")
    if parts[0] == "click":
        return "click"
    if parts[0] != "trmgolf":
        return None
    if len(parts) == 1:
        return "__init__"
    return parts[1] if parts[1] in units else None


def import_edges(root: Path = PACKAGE_ROOT) -> list[Edge]:
    """Every cross-unit import (and every click import) of the package, sorted."""
    files = sorted(root.rglob("*.py"))
    units = {unit_of(f, root) for f in files}
    edges: set[Edge] = set()
    for path in files:
        source = unit_of(path, root)
        module = str(path.relative_to(root.parent))
        tree = ast.parse(path.read_text(), filename=module)
        for name, line in imported_names(tree, _package_parts(path, root)):
            target = _target_unit(name, units)
            if target is not None and target != source:
                edges.add(Edge(source, target, module, line))
    return sorted(edges)


@cache
def reachable(unit: str) -> frozenset[str]:
    """Every unit ``unit`` may import: its allowed set, closed transitively."""
    seen: set[str] = set()
    todo = list(ALLOWED.get(unit, ()))
    while todo:
        u = todo.pop()
        if u not in seen:
            seen.add(u)
            todo.extend(ALLOWED.get(u, ()))
    return frozenset(seen)


def violations(edges: list[Edge]) -> list[str]:
    """One line per import the layering forbids (unknown units are violations too)."""
    out: list[str] = []
    for e in edges:
        if e.source not in ALLOWED:
            out.append(f"{e.module}:{e.line}: unit '{e.source}' is not in the layering table")
        elif e.target == "click":
            if e.source not in CLICK_USERS:
                out.append(f"{e.module}:{e.line}: '{e.source}' imports click (only cli and commands may)")
        elif e.target not in reachable(e.source):
            out.append(f"{e.module}:{e.line}: '{e.source}' imports '{e.target}' (not below it)")
    return out


def module_name(path: Path, root: Path = PACKAGE_ROOT) -> str:
    """``trmgolf/scoring/cost.py`` -> ``trmgolf.scoring.cost`` (a package is its ``__init__``)."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_graph(root: Path = PACKAGE_ROOT) -> dict[str, set[str]]:
    """Module -> the modules it imports (a name reduced to the longest module it names); a
    module's own package and its subpackages are left out (importing a package runs its
    ``__init__``, which naming a submodule does on purpose)."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        targets: set[str] = set()
        for imported, _ in imported_names(tree, _package_parts(path, root)):
            while imported and imported not in files:
                imported = imported.rpartition(".")[0]
            related = name.startswith(imported + ".") or imported.startswith(name + ".")
            if imported and imported != name and not related:
                targets.add(imported)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles among modules (strongly connected sets of two or more), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = [stack.pop()]
            while group[-1] != v:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def graph_lines(edges: list[Edge]) -> list[str]:
    """``unit -> target, target`` per importing unit, sorted."""
    targets: dict[str, set[str]] = {}
    for e in edges:
        targets.setdefault(e.source, set()).add(e.target)
    return [f"{u:<11} -> {', '.join(sorted(t))}" for u, t in sorted(targets.items())]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports_in(tree: ast.AST, package: tuple[str, ...], module: str) -> list[str]:
    """One line per private name this module takes from another trmgolf module."""
    out: list[str] = []
    aliases: set[str] = set()  # local names bound to imported trmgolf modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.asname and a.name.startswith("trmgolf.")}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            source = ".".join((*base, *(node.module.split(".") if node.module else ())))
            if source.split(".")[0] != "trmgolf":
                continue
            for a in node.names:
                if _private(a.name):
                    out.append(f"{module}:{node.lineno}: imports private '{a.name}' from {source}")
                elif a.name[:1].islower():
                    aliases.add(a.asname or a.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in aliases):
            out.append(f"{module}:{node.lineno}: uses private '{node.value.id}.{node.attr}'")
    return out


def private_imports(root: Path = PACKAGE_ROOT) -> list[str]:
    """Every private name a module of the package takes from another module, sorted."""
    out: list[str] = []
    for path in sorted(root.rglob("*.py")):
        module = str(path.relative_to(root.parent))
        tree = ast.parse(path.read_text(), filename=module)
        out += private_imports_in(tree, _package_parts(path, root), module)
    return out


def main() -> int:
    edges = import_edges()
    print("\n".join(graph_lines(edges)))
    bad = violations(edges) + private_imports()
    bad += [f"import circle: {' <-> '.join(c)}" for c in circles(module_graph())]
    print("\n".join(bad) if bad else "layering: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
