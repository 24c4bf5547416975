"""Atomic single files: written under a hidden name beside the target, then renamed over it.

A reader sees the old file or the whole new one, never a part (``sim.io.atomic`` does the same for
whole directories).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable


def write_atomic(path: str | os.PathLike, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` to make the file, then rename it to ``path``; on any error remove it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
