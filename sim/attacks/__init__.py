"""Attackers of the reputation system, as data and plans (docs/attacks.md).

- ``strategy``: brushing-farm evasion strategies and presets, farm costs and hiring, extortion and
  sabotage gangs, and the sellers' response to a demand;
- ``planner``: a brushing campaign's schedule of fake orders and its cost;
- ``extortion``: extortion and sabotage attacks, the targets' answers, and their orders and payments;
- ``streams``: random streams keyed by an attack's or detector's name;
- ``metrics``: the attack metrics of a run, from its tables;
- ``synthetic``: a quick genuine market log for detector tests and benchmarks.

Detection and penalties are in ``sim.detection``. See docs/attacks.md.
"""
