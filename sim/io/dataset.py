"""Logs given as datasets: a directory of CSV or Parquet files, optionally hive-partitioned.

A log argument of ``repsim score`` is a single file or a directory. A directory's files are every
``.csv`` and ``.parquet`` file below it, in the order of their paths relative to it (compared as
strings, so ``part-00002`` comes before ``part-00010``); files and directories whose name starts
with ``.`` or ``_`` are skipped (``_SUCCESS``, ``.crc``, staging files). The log is the rows of the
files one after the other: a row's input row, which breaks ties as in a single file, is its rank in
that order. Directories named ``column=value`` (hive partitioning) give that column's value to
every row of the files below them when a file lacks the column; the value is read like a CSV cell.

Every file is validated as a single file is (``sim.io.logfiles``), and errors name the file and the
row within it. What spans files (repeated order and account ids, reviews of unknown orders) is
checked over the whole log and reported at the later row's file and row.

``read_orders``, ``read_actions`` and ``read_accounts`` read a file or a dataset whole into one
machine's memory; ``sim.distributed`` reads a dataset a file at a time on a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.io import logfiles as F
from sim.reputation.ids import first_repeat, is_member
from sim.reputation.log import Accounts, Actions, Orders


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset, with the hive partition values of the directories above it."""

    path: Path
    constants: dict
    row_groups: tuple[int, int] | None = None  # a piece of a Parquet file: these row groups only

    def read(self, columns) -> F.LogTable:
        return F.read_table(self.path, columns, self.constants, self.row_groups)

    def pieces(self, rows: int) -> list["DataFile"]:
        """The file cut into pieces of whole row groups of about ``rows`` rows at most (a row
        group bigger than that is a piece of its own); a CSV file is one piece."""
        if self.path.suffix.lower() != ".parquet":
            return [self]
        try:
            meta = pq.ParquetFile(self.path).metadata
        except (OSError, pa.ArrowException):
            return [self]  # reading the piece reports the error
        if meta.num_row_groups == 0:
            return [self]
        pieces, start, size = [], 0, 0
        for k in range(meta.num_row_groups):
            n = meta.row_group(k).num_rows
            if k > start and size + n > rows:
                pieces.append(DataFile(self.path, self.constants, (start, k)))
                start, size = k, 0
            size += n
        pieces.append(DataFile(self.path, self.constants, (start, max(start + 1, meta.num_row_groups))))
        return pieces


def dataset_files(path: str | Path) -> list[DataFile]:
    """The files of a log: the file itself, or the data files below a directory, in order."""
    path = Path(path)
    if not path.is_dir():
        return [DataFile(path, {})]
    found = []
    for file in path.rglob("*"):
        rel = file.relative_to(path)
        if any(part.startswith((".", "_")) for part in rel.parts) or not file.is_file():
            continue
        if file.suffix.lower() in F.FORMATS:
            found.append((rel.as_posix(), file))
    if not found:
        raise InputError(str(path), "", "a .csv or .parquet file, or a directory holding some")
    found.sort()
    return [DataFile(file, hive_values(Path(rel).parent)) for rel, file in found]


def hive_values(directory: Path) -> dict[str, str]:
    """``column -> value`` of the ``column=value`` parts of a relative directory path."""
    values = {}
    for part in directory.parts:
        if "=" in part:
            key, value = part.split("=", 1)
            values[unquote(key)] = unquote(value)
    return values


class Located:
    """Input rows of a dataset located in its files: file ``k`` holds rows ``starts[k]`` on."""

    def __init__(self, files: list[DataFile], counts: list[int]) -> None:
        self.files = files
        self.starts = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])

    def where(self, row: int) -> tuple[str, int]:
        """(file, 0-based row within it) of an input row."""
        k = int(np.searchsorted(self.starts, row, side="right")) - 1
        return str(self.files[k].path), int(row - self.starts[k])

    def fail(self, row: int, column: str, expected: str, got: object) -> InputError:
        source, local = self.where(row)
        return InputError(source, f"row {local + 1}, column '{column}'", expected, str(got))


# --- the log read whole, on one machine ------------------------------------------------------

def _read_all(path, columns) -> tuple[dict[str, np.ndarray], Located, list[F.LogTable]]:
    files = dataset_files(path)
    logs = [f.read(columns) for f in files]
    located = Located(files, [log.n for log in logs])
    if len(logs) == 1:
        return logs[0].columns, located, logs
    joined = {c.name: np.concatenate([log[c.name] for log in logs]) for c in columns}
    return joined, located, logs


def repeated_key(ids: np.ndarray, located: Located, column: str, expected: str) -> InputError | None:
    """The error for the first row that repeats an id of an earlier row of a dataset, or None."""
    repeat = first_repeat(ids)
    if repeat is None:
        return None
    row, first = repeat
    return repeat_error(located.where(row), located.where(first), column, expected, ids[row])


def repeat_error(at: tuple[str, int], first: tuple[str, int], column: str, expected: str, got) -> InputError:
    """Row ``at`` (file, 0-based row) repeats the key of row ``first``."""
    here = f"row {first[1] + 1}" if first[0] == at[0] else f"row {first[1] + 1} of {first[0]}"
    return InputError(at[0], f"row {at[1] + 1}, column '{column}'", f"{expected} ({here} has it)", str(got))


UNIQUE_ORDER = "an order id not used on an earlier row"
UNIQUE_ACCOUNT = "an account id not used on an earlier row"


def read_orders(path: str | Path) -> Orders:
    """Orders from a file or a dataset; order ids must be unique over the whole log."""
    if not Path(path).is_dir():
        return F.read_orders(path)
    return Orders(**_read_keyed(path, F.ORDER_COLUMNS, "order_id", UNIQUE_ORDER))


def _read_keyed(path, columns, key: str, expected: str) -> dict[str, np.ndarray]:
    """The columns of a dataset whose ``key`` column must hold distinct ids."""
    read, located, _ = _read_all(path, columns)
    error = repeated_key(read[key], located, key, expected)
    if error is not None:
        raise error
    return read


def read_actions(path: str | Path, orders: Orders, orders_source: str = "the orders") -> Actions:
    """Review actions from a file or a dataset, each file checked as ``logfiles.read_actions``
    checks one, and every action's order looked up in ``orders``."""
    if not Path(path).is_dir():
        return F.read_actions(path, orders, orders_source)
    columns, located, logs = _read_all(path, F.ACTION_COLUMNS)
    unknown = ~is_member(columns["order_id"], orders.order_id, keys_unique=True)
    if unknown.any():
        row = int(np.argmax(unknown))
        raise located.fail(row, "order_id", f"an order id of {orders_source}", columns["order_id"][row])
    for log in logs:
        F.check_action_rows(log)
    return Actions(**columns)


def read_accounts(path: str | Path) -> Accounts:
    """Account opening times from a file or a dataset; account ids must be unique."""
    if not Path(path).is_dir():
        return F.read_accounts(path)
    return Accounts(**_read_keyed(path, F.ACCOUNT_COLUMNS, "account_id", UNIQUE_ACCOUNT))
