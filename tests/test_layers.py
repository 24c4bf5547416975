"""Imports point one way (see ``sim/__init__.py``): a scenario never imports the market, the neutral
modules import no package of ``sim``, and subcommands share helpers through ``sim.commands.common``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"


def imported_modules(path: Path) -> set[str]:
    """Every ``sim...`` module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m == "sim" or m.startswith("sim.")}


def files_of(package: str) -> list[Path]:
    path = SIM / package
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


#: package -> packages of sim it must never import
FORBIDDEN = {
    "scenario": ("sim.market", "sim.commands", "sim.cli", "sim.io"),
    "rules": ("sim.market", "sim.scenario", "sim.reputation", "sim.commands", "sim.cli", "sim.io"),
    "reputation": ("sim.market", "sim.scenario", "sim.commands", "sim.cli", "sim.io"),
    "io": ("sim.market", "sim.scenario", "sim.commands", "sim.cli"),
    "market": ("sim.commands", "sim.cli"),
    "vocabulary": ("sim.",),
    "timeutil": ("sim.",),
    "errors": ("sim.",),
    "tomlfile": ("sim.market", "sim.scenario", "sim.rules", "sim.reputation", "sim.io", "sim.commands"),
    "actors": ("sim.market", "sim.scenario", "sim.rules", "sim.reputation", "sim.io", "sim.commands"),
    # figures draw tidy tables: no simulation, no scoring, no commands
    "plot": ("sim.market", "sim.reputation", "sim.scenario", "sim.commands", "sim.cli"),
    # experiments run the commands' work (repsim run, repsim score), never the command line
    "experiment": ("sim.cli", "sim.plot"),
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    for path in files_of(package):
        bad = sorted(m for m in imported_modules(path) if m.startswith(FORBIDDEN[package]))
        assert not bad, f"{path.relative_to(SIM.parent)} imports {bad}"


def test_commands_do_not_import_each_other():
    commands = {p.stem for p in (SIM / "commands").glob("*.py")} - {"__init__", "common"}
    for path in (SIM / "commands").glob("*.py"):
        others = {f"sim.commands.{c}" for c in commands - {path.stem}}
        bad = sorted(imported_modules(path) & others)
        assert not bad, f"{path.name} imports {bad}; shared helpers belong in sim/commands/common.py"
