"""The one error type for bad user input: it names where the problem is and what was expected.

The CLI turns an ``InputError`` into a one-line message and exit code 2, with no traceback.
"""

from __future__ import annotations

import difflib
from typing import Iterable


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """``"did you mean 'x'?"`` when one of ``choices`` is close to ``word`` (a likely typo), else ``""``."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


class InputError(Exception):
    """Malformed user input: a log file, a rule-set file or a scenario file.

    ``source`` is the file (or option) at fault, ``where`` the row/column or key path,
    ``expected`` what should have been there, and ``hint`` an optional last word (``did_you_mean``).
    """

    def __init__(self, source: str, where: str, expected: str, got: object = None, hint: str = "") -> None:
        self.source = str(source)
        self.where = where
        self.expected = expected
        self.got = got
        self.hint = hint
        super().__init__(self.message())

    def message(self) -> str:
        text = f"{self.source}"
        if self.where:
            text += f": {self.where}"
        text += f": expected {self.expected}"
        if self.got is not None:
            text += f", got {self.got!r}"
        if self.hint:
            text += f"; {self.hint}"
        return text
