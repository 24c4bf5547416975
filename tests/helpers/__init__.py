"""Helpers shared by test modules (test modules never import each other).

``cases`` generates scoring problems, ``logs`` holds the example logs in their other shapes, and this
module the example-count rule and the installed command.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from hypothesis import settings


def examples(n: int) -> int:
    """A property test's example count: ``n`` under the ``ci`` profile, scaled by the loaded profile's
    ``max_examples`` / 100 otherwise (``dev``: a tenth, at least 5). See ``tests/conftest.py``."""
    return max(5, round(n * settings().max_examples / 100))


def repsim_command() -> str:
    """The installed ``repsim`` command (``pip install -e .`` puts it beside the interpreter)."""
    here = Path(sys.executable).parent / "repsim"
    found = str(here) if here.exists() else shutil.which("repsim")
    assert found, "the repsim command is not installed: pip install -e '.[test]'"
    return found
