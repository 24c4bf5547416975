"""The one error type for bad user input: it names where the problem is and what was expected.

The CLI turns an ``InputError`` into a one-line message and exit code 2, with no traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """Malformed user input: a log file, a rule-set file or a scenario file.

    ``source`` is the file (or option) at fault, ``where`` the row/column or key path, and
    ``expected`` what should have been there.
    """

    def __init__(self, source: str, where: str, expected: str, got: object = None) -> None:
        self.source = str(source)
        self.where = where
        self.expected = expected
        self.got = got
        super().__init__(self.message())

    def message(self) -> str:
        text = f"{self.source}"
        if self.where:
            text += f": {self.where}"
        text += f": expected {self.expected}"
        if self.got is not None:
            text += f", got {self.got!r}"
        return text
