"""Helpers that more than one ``repsim`` subcommand uses; the subcommands never import each other."""

from __future__ import annotations

from sim.rules.ruleset import RuleSet


def resolve_rules(scenario, spec: str | None) -> RuleSet:
    """The rule set of a run: ``spec`` (a preset name or rule-set .toml path) if given, else the
    scenario's ``run.rules`` (a .toml path there is relative to the scenario file)."""
    from sim.rules import presets

    if spec is None:
        path = scenario.rules_path
        spec = str(path) if path is not None else scenario.run.rules
    return presets.load(spec)
