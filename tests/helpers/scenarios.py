"""Scenario text shared by the market tests."""

from __future__ import annotations

from sim.vocabulary import ARCHETYPES


def only_direct_buyers(direct_keys: str = "") -> str:
    """The ``[buyers.archetypes.*]`` tables of a market whose buyers are all ``direct``, with
    ``direct_keys`` (TOML lines) set on that archetype."""
    tables = [f"[buyers.archetypes.direct]\nshare = 1.0\n{direct_keys}".rstrip() + "\n"]
    tables += [f"[buyers.archetypes.{name}]\nshare = 0.0\n" for name in ARCHETYPES if name != "direct"]
    return "".join(tables)
