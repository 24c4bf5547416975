"""The log schema: the columns and types of the orders, review actions and accounts logs, declared
once (docs/formats.md).

Each log is a tuple of ``Column`` declarations: name, kind (``int``, ``float``, ``time`` or
``enum``), numpy dtype, the code table of an enum, what an empty cell means, and the range of a
number. The reader (``sim.io.logfiles``) reads logs by them; ``arrow_columns`` writes numpy columns
in that schema (enums as names, empty cells as nulls, times as ``TIME_TYPE``), for the market's
records (``sim.market.records``) and the benchmark's generator (``benchmarks/gen_log.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim.reputation.log import (
    ACTION_NAMES, AUTHOR_NAMES, BAD, DSR_DIMENSIONS, GOOD, NEUTRAL, NO_RATING, PLATFORM_NAMES, REFUND_NAMES,
    REFUND_NONE,
)
from sim.timeutil import NEVER

TIMESTAMP_EXPECTED = "an ISO 8601 timestamp"
#: How times are written: seconds, shown in platform-local time (TIME-ZONE).
TIME_TYPE = pa.timestamp("s", tz="+08:00")


@dataclass(frozen=True)
class Column:
    """How to read one column of a log.

    ``kind``: ``int``, ``float``, ``time`` or ``enum`` (``names`` mapped to ``codes``).
    ``empty``: the value of an empty cell, or ``None`` if an empty cell is an error.
    ``optional``: the column may be absent; then every cell is empty.
    ``low``/``high``: the inclusive range of a number.
    """

    name: str
    kind: str
    empty: object = None
    optional: bool = False
    names: tuple[str, ...] = ()
    codes: tuple[int, ...] = ()
    low: float | None = None
    high: float | None = None
    dtype: type = np.int64
    text: str | None = None  # overrides the generated description of the expected value

    def expected(self) -> str:
        if self.text is not None:
            return self.text
        if self.kind == "int":
            text = "an integer" if self.low is None else f"an integer from {self.low:g} to {self.high:g}"
        elif self.kind == "float":
            text = "a number" if self.low is None else f"a number >= {self.low:g}"
        elif self.kind == "time":
            text = TIMESTAMP_EXPECTED
        else:
            text = "one of " + ", ".join(self.names)
        return text if self.empty is None else f"{text} or empty"


ORDER_COLUMNS = (
    Column("order_id", "int"),
    Column("buyer_id", "int"),
    Column("seller_id", "int"),
    Column("item_id", "int"),
    Column("platform", "enum", names=PLATFORM_NAMES, codes=(0, 1), dtype=np.int8),  # PLATFORM
    Column("amount", "float", low=0.0, dtype=np.float64),
    Column("created_at", "time"),
    Column("success_at", "time", empty=NEVER),
    Column("refund", "enum", empty=REFUND_NONE, names=REFUND_NAMES[1:], codes=(1, 2, 3),
           dtype=np.int8),  # REV-ELIGIBLE
    Column("removed_at", "time", empty=NEVER, optional=True),  # PEN-FAKE-ORDER
)

_RATINGS = {GOOD: "good", NEUTRAL: "neutral", BAD: "bad"}
ACTION_COLUMNS = (
    Column("order_id", "int"),
    Column("author", "enum", names=AUTHOR_NAMES, codes=(0, 1), dtype=np.int8),
    Column("action", "enum", names=ACTION_NAMES, codes=(0, 1, 2, 3), dtype=np.int8),
    Column("at", "time"),
    Column("rating", "enum", empty=NO_RATING, names=tuple(_RATINGS.values()),
           codes=tuple(_RATINGS), dtype=np.int8),  # REV-VALUES
) + tuple(Column(dim, "int", empty=0, low=1, high=5, dtype=np.int8, text="an integer from 1 to 5")
        for dim in DSR_DIMENSIONS)  # DSR-DIMS

ACCOUNT_COLUMNS = (
    Column("account_id", "int"),
    Column("created_at", "time"),
)


def arrow_column(column: Column, values: np.ndarray, dictionary: bool = False) -> pa.Array:
    """``values`` (numpy, as the reader gives them) as an Arrow column of the log schema: an enum as
    its names (a dictionary array if ``dictionary``), a time as ``TIME_TYPE``, and the column's
    empty value as null."""
    values = np.asarray(values, column.dtype)
    if column.kind == "time":  # NEVER is empty, whether or not a reader would accept it
        return pa.array(values, pa.int64(), mask=values >= NEVER).cast(TIME_TYPE)
    empty = None if column.empty is None else values == column.empty
    if column.kind != "enum":
        return pa.array(values, pa.from_numpy_dtype(column.dtype), mask=empty)
    low = min(column.codes)
    position = np.zeros(max(column.codes) - low + 1, np.int8)
    position[np.asarray(column.codes) - low] = np.arange(len(column.codes))
    index = position[np.clip(values.astype(np.int64) - low, 0, len(position) - 1)]
    if dictionary:
        return pa.DictionaryArray.from_arrays(pa.array(index, pa.int8(), mask=empty),
                                              pa.array(column.names, pa.string()))
    return pa.array(np.array(column.names, dtype=object)[index], pa.string(), mask=empty)


def arrow_columns(columns: Sequence[Column], values: Mapping[str, np.ndarray],
                  dictionary: bool = False) -> dict[str, pa.Array]:
    """Every column of a log from ``values`` (by name), in the log's order (``arrow_column``)."""
    return {c.name: arrow_column(c, values[c.name], dictionary) for c in columns}
