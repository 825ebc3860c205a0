"""The layering of trmgolf/: no upward import, click only in the command line (bench/layers.py)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.layers import (  # noqa: E402
    ALLOWED,
    PACKAGE_ROOT,
    Edge,
    circles,
    import_edges,
    imported_names,
    module_graph,
    private_imports,
    private_imports_in,
    reachable,
    unit_of,
    violations,
)


def test_trmgolf_has_no_upward_import_and_click_only_in_the_cli():
    edges = import_edges()
    assert edges, "the scan found no import at all"
    assert violations(edges) == []


def test_every_unit_of_the_package_is_in_the_table():
    units = {unit_of(f) for f in PACKAGE_ROOT.rglob("*.py")}
    assert units <= set(ALLOWED), sorted(units - set(ALLOWED))


def test_the_scan_sees_function_level_relative_and_string_imports():
    source = (
        "import click\n"
        "def f():\n"
        "    from ..compiler.emit import emit\n"
        "    from trmgolf import fsutil\n"
        "MODULES = ['trmgolf.commands.demo']\n"
    )
    names = [n for n, _ in imported_names(ast.parse(source), ("trmgolf", "kernels"))]
    assert sorted(names) == ["click", "trmgolf.commands.demo", "trmgolf.compiler.emit", "trmgolf.fsutil"]


def test_no_module_imports_another_modules_private_names():
    assert private_imports() == []


def test_private_imports_are_found_by_name_relative_or_through_a_module():
    source = (
        "from trmgolf.solvers.geometry import _apply, apply_map\n"
        "from .crop_conv import _taps\n"
        "from trmgolf.search import crop_conv\n"
        "import trmgolf.solvers.views as views\n"
        "from os import _exit\n"
        "from __future__ import annotations\n"
        "y = crop_conv._cropped(x) + views._bbox(a) + crop_conv.fit(x) + self._own\n"
    )
    bad = private_imports_in(ast.parse(source), ("trmgolf", "search"), "m.py")
    assert [line.split(": ", 1)[1] for line in bad] == [
        "imports private '_apply' from trmgolf.solvers.geometry",
        "imports private '_taps' from trmgolf.search.crop_conv",
        "uses private 'crop_conv._cropped'",
        "uses private 'views._bbox'",
    ]


def test_upward_sideways_and_click_imports_are_reported():
    edges = [
        Edge("kernels", "compiler", "trmgolf/kernels/x.py", 3),  # upward
        Edge("scoring", "ir", "trmgolf/scoring/x.py", 4),  # sideways, not allowed
        Edge("solvers", "click", "trmgolf/solvers/x.py", 5),
        Edge("commands", "kernels", "trmgolf/commands/x.py", 6),  # downward, transitively
        Edge("commands", "click", "trmgolf/commands/x.py", 7),
    ]
    bad = violations(edges)
    assert len(bad) == 3
    assert "'kernels' imports 'compiler'" in bad[0]
    assert "'scoring' imports 'ir'" in bad[1]
    assert "imports click" in bad[2]


def test_allowed_layering_is_acyclic_and_scoring_is_below_the_compiler():
    for unit in ALLOWED:
        assert unit not in reachable(unit), f"{unit} reaches itself"
    assert "scoring" in reachable("compiler")
    assert reachable("scoring") == {"errors", "fsutil", "tasks"}
    assert "compiler" in reachable("cli")


def test_no_module_imports_another_in_a_circle():
    assert circles(module_graph()) == []


def test_a_circle_hidden_in_function_level_imports_is_found(tmp_path):
    pkg = tmp_path / "trmgolf" / "sub"
    pkg.mkdir(parents=True)
    (tmp_path / "trmgolf" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from trmgolf.sub.b import g\n")
    (pkg / "b.py").write_text("def g():\n    from trmgolf.sub.a import x\n")
    (pkg / "c.py").write_text("from trmgolf.sub import a\n")
    assert circles(module_graph(tmp_path / "trmgolf")) == [["trmgolf.sub.a", "trmgolf.sub.b"]]
