"""Scenarios: TOML files of data, validated into frozen dataclasses (``schema``), and their sizing (``sizing``)."""

from sim.scenario.schema import Scenario, canonical, describe, from_mapping, load

__all__ = ["Scenario", "load", "from_mapping", "canonical", "describe"]
