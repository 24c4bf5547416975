"""Atomic output directories: all files appear together, or none do.

A command writes into a hidden staging directory beside the target and renames it into place
only when every file is complete. An error or Ctrl-C removes the staging directory, so no
half-written output is ever left where a user would take it for a finished result.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from sim.errors import InputError


@contextlib.contextmanager
def atomic_output_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a staging directory; on success, it replaces ``target`` (which must be empty or absent)."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(str(target), "--out", "a new or empty directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield staging
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
