"""Reading a TOML file of user input (a scenario or a rule set) into plain data, or one ``InputError``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from sim.errors import InputError


def read_toml(path: str | Path, what: str = "file") -> dict:
    """The parsed contents of ``path``; a missing, unreadable, non-UTF-8 or malformed file is an
    ``InputError`` naming the file (``what`` says which kind of file was expected)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "", f"an existing {what}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), "", f"a readable UTF-8 TOML file ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), "", f"valid TOML ({exc})") from None
