"""Helpers that more than one ``repsim`` subcommand uses; the subcommands never import each other."""

from __future__ import annotations

import argparse

from sim.rules.ruleset import RuleSet


def resolve_rules(scenario, spec: "str | RuleSet | None") -> RuleSet:
    """The rule set of a run: ``spec`` (a ``RuleSet``, a preset name or rule-set .toml path) if given,
    else the scenario's ``run.rules`` (a .toml path there is relative to the scenario file)."""
    from sim.rules import presets

    if isinstance(spec, RuleSet):
        return spec
    if spec is None:
        path = scenario.rules_path
        spec = str(path) if path is not None else scenario.run.rules
    return presets.load(spec)


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (``--workers``)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value
