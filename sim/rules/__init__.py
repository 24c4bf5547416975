"""Rule sets: plain data naming every knob of the rules (docs/rules.md), with the presets."""

from sim.rules.presets import NAIVE, PRESETS, TAOBAO, load
from sim.rules.ruleset import RuleSet

__all__ = ["RuleSet", "TAOBAO", "NAIVE", "PRESETS", "load"]
