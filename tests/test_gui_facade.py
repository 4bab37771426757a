"""The GUI talks to the core through the engine's typed methods only: no module under
``otp_bench/gui`` reads an engine's ``store`` (import-linter can't see an attribute; this can).
Reads the sources as text (AST): no Qt needed."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUI = ROOT / "otp_bench" / "gui"


def store_reads(path: Path, root: Path) -> list[str]:
    """Where ``path`` reads an attribute named ``store``, as ``file:line``."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    return [f"{path.relative_to(root)}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "store"]


def test_no_gui_module_reads_the_engines_store() -> None:
    modules = sorted(GUI.rglob("*.py"))
    assert len(modules) > 40, "the GUI package moved: point GUI at it"
    reads = [where for path in modules for where in store_reads(path, ROOT)]
    assert reads == [], f"use an Engine method instead of engine.store at {', '.join(reads)}"


def test_the_check_finds_a_store_read(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f(engine):\n    return engine.store.sites()\n", "utf-8")
    assert store_reads(probe, tmp_path) == ["probe.py:2"]
