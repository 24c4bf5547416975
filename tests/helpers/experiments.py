"""A tiny scenario and experiment files for the experiment and sweep tests."""

from __future__ import annotations

from pathlib import Path

TINY_SCENARIO = """
[run]
name = "tiny"
days = 6
[buyers]
count = 300
[sellers]
count = 15
"""


def write_experiment(tmp_path: Path, body: str, scenario: str = TINY_SCENARIO) -> Path:
    """``exp.toml`` with ``body`` beside ``tiny.toml`` (the scenario) in ``tmp_path``."""
    (tmp_path / "tiny.toml").write_text(scenario, encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text(body, encoding="utf-8")
    return path
