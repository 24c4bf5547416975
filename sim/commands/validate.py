"""``repsim validate FILE...``: check scenario files (and rule-set and experiment files) before anything runs.

A file is taken for a rule set when its top level has no scenario section (``run``, ``buyers``,
``sellers``, ...) but a ``preset`` key or only rule-set fields; otherwise it is a scenario. A scenario
is also checked for its rule set (``run.rules``) and for fitting in memory. Each bad file prints one
line naming the file, the key path and what was expected; the exit code is 2 if any file is bad.
A file with ``[[scenarios]]`` or ``[log]`` is an experiment (``sim.experiment.spec``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import InputError
from sim.tomlfile import read_toml


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="scenario (docs/market.md) or rule-set (docs/rules.md) .toml files")


def is_ruleset(data: dict) -> bool:
    from sim.rules.ruleset import field_names
    from sim.scenario.schema import Scenario
    import dataclasses

    sections = {f.name for f in dataclasses.fields(Scenario)}
    if sections & set(data):
        return False
    return "preset" in data or (bool(data) and set(data) <= set(field_names()) | {"preset"})


def validate_file(path: str | Path) -> str:
    """Validate one file; return what it is ('scenario' or 'rule set'); raise InputError if bad."""
    from sim.commands.common import resolve_rules
    from sim.rules import presets
    from sim.scenario.schema import load
    from sim.scenario.sizing import check_fits, estimate_bytes

    path = Path(path)
    data = read_toml(path)
    if is_ruleset(data):
        presets.from_mapping(data, str(path))
        return "rule set"
    if "scenarios" in data or "log" in data:  # an experiment (docs/experiments.md)
        from sim.experiment import spec
        exp = spec.load(path)
        return f"experiment, {len(exp.runs())} runs ({len(exp.sized(True).runs())} with --quick)"
    scenario = load(path)
    resolve_rules(scenario, None)
    check_fits(scenario)
    return f"scenario, about {estimate_bytes(scenario) / 2**20:,.0f} MiB"


def main(args: argparse.Namespace) -> int:
    bad = 0
    for name in args.files:
        try:
            what = validate_file(name)
        except InputError as exc:
            print(f"repsim: error: {exc.message()}", file=sys.stderr)
            bad += 1
            continue
        print(f"{name}: ok ({what})")
    return 2 if bad else 0
