"""Atomic output directories: all files appear together, or none do.

A command writes into a hidden staging directory beside the target and renames it into place
only when every file is complete. An error or Ctrl-C removes the staging directory, so no
half-written output is ever left where a user would take it for a finished result.

The staging directory is made with ``os.mkdir``'s default mode, so the finished directory has the
user's normal permissions (the umask decides), as ``mkdir`` in a shell would give it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterator

from sim.errors import InputError


@contextlib.contextmanager
def atomic_output_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a staging directory; on success, it replaces ``target`` (which must be empty or absent).

    A target that cannot be made (its parent is a file, read-only or a system directory such as
    ``/proc``) is refused with ``InputError`` before anything is computed.
    """
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(str(target), "--out", "a new or empty directory")
    for above in target.absolute().parents:
        if above.exists():
            if not above.is_dir():
                raise InputError(str(target), "--out", f"a directory path, but {above} is a file")
            break
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = _make_staging(target)
    except OSError as exc:
        raise InputError(str(target), "--out", "a directory that can be created and written (cannot create "
                                               f"a directory in {target.parent}: {exc.strerror or exc})") from None
    try:
        yield staging
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _make_staging(target: Path) -> Path:
    """A new hidden directory beside ``target``, mode 0o777 less the umask (unlike ``mkdtemp``'s 0o700)."""
    for _ in range(100):
        staging = target.parent / f".{target.name}.partial-{secrets.token_hex(4)}"
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        return staging
    raise FileExistsError(f"no free staging name beside {target}")
