"""Reading review logs from CSV and Parquet: orders, review actions and accounts, validated.

One table reader (``read_table``) serves all three logs. Their columns are declared in
``sim.io.schema`` (kind, code table, what an empty cell means, range), and the reader turns every column into a
numpy array in one vectorised pass over pyarrow arrays: no Python loop per row. The file type is
chosen by the extension (``.csv`` or ``.parquet``); extra columns are ignored.

- CSV cells are read as strings and converted with ``pyarrow.compute``; an empty cell is empty.
- Parquet columns may be strings (converted like CSV cells) or native types: integers, floats,
  dictionary-encoded strings and timestamps. A tz-naive native timestamp is UTC+8 wall time; a
  tz-aware one is converted (TIME-ZONE).
- Timestamps: ISO 8601, ``2024-09-01T10:00:00``, ``2024-09-01 10:00:00``, with or without an
  offset (``+08:00``, ``+0800``, ``+08``, ``Z``); no offset means UTC+8 (TIME-ZONE). Fractional
  seconds are truncated (floored) to whole seconds. Empty times become ``NEVER`` where allowed.

Bad input raises ``InputError`` naming the file, the 1-based data row (the header is not a row),
the column, what was expected and what was there. Conversions are all-or-nothing in pyarrow, so the
first bad row is found by bisection (a few more vectorised passes, only on the error path) or from
a null mask after parsing.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable, Iterator, NoReturn, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.io.ahead import ahead
from sim.io.schema import ACCOUNT_COLUMNS, ACTION_COLUMNS, ORDER_COLUMNS, TIMESTAMP_EXPECTED, Column
from sim.reputation.ids import first_repeat, is_member
from sim.reputation.log import ACTION_NAMES, DSR, DSR_DIMENSIONS, MODIFY, NO_RATING, Accounts, Actions, Orders
from sim.timeutil import DAY, PLATFORM_UTC_OFFSET

FORMATS = {".csv": "csv", ".parquet": "parquet"}

# A time of day followed by a UTC offset ("Z", "+08:00", "+0800", "+08"): an aware timestamp.
_OFFSET_RE = r"\d:\d\d(?::\d\d)?(?:[.,]\d*)?\s*(?:[Zz]|[+-]\d\d(?::?\d\d)?)$"
_UNIT_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_CONVERT_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


class LogTable:
    """A log file read into numpy columns. ``raw_column(name)`` reads a column of the file again,
    as pyarrow gives it, to quote a bad cell in an error message (the raw table itself is let go
    column by column while converting, so its memory serves the next column)."""

    def __init__(self, source: str, raw_column: Callable[[str], pa.ChunkedArray], present: list[str],
                 n: int) -> None:
        self.source = source
        self.raw_column = raw_column
        self.present = present
        self.n = n
        self.first_row = 0  # of a piece of a file: the file's row of the piece's first row
        self.columns: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def cell(self, row: int, column: str) -> str:
        """The cell as the user wrote it (native Parquet values as text); empty cells are ''."""
        if column not in self.present:
            return ""
        value = self.raw_column(column)[row].as_py()
        return "" if value is None else str(value)

    def fail(self, row: int, column: str, expected: str) -> NoReturn:
        """Raise the error for one cell: ``file: row N, column 'c': expected ..., got '...'``."""
        raise InputError(self.source, f"row {self.first_row + int(row) + 1}, column '{column}'", expected,
                         self.cell(int(row), column))

    def check(self, bad: np.ndarray, column: str, expected: str | Callable[[int], str]) -> None:
        """Raise for the first row where ``bad`` holds (``expected`` may depend on the row)."""
        if bad.any():
            row = int(np.argmax(bad))
            self.fail(row, column, expected(row) if callable(expected) else expected)


# --- the readers -----------------------------------------------------------------------------

def read_orders(path: str | Path) -> Orders:
    """Orders from a CSV or Parquet file; order ids must be unique."""
    log = read_table(path, ORDER_COLUMNS)
    _check_unique(log, "order_id", "an order id not used on an earlier row")
    return Orders(**log.columns)


def read_actions(path: str | Path, orders: Orders, orders_source: str = "the orders") -> Actions:
    """Review actions from a CSV or Parquet file, checked against ``orders``.

    Every action must name an order of ``orders``; ``rate`` and ``modify`` need a rating and the
    other actions none; ``dsr`` needs the four scores (DSR-DIMS) and the other actions none.
    """
    log = read_table(path, ACTION_COLUMNS)
    log.check(~is_member(log["order_id"], orders.order_id, keys_unique=True), "order_id",
              f"an order id of {orders_source}")
    check_action_rows(log)
    return Actions(**log.columns)


def check_action_rows(log: LogTable) -> None:
    """The checks of ``read_actions`` that need no other table: ratings and DSR scores present
    exactly where the action takes them."""
    action = log["action"]

    def on_row(text: str) -> Callable[[int], str]:
        return lambda row: f"{text} on a '{ACTION_NAMES[action[row]]}' row"

    rated = action <= MODIFY  # RATE or MODIFY
    has_rating = log["rating"] != NO_RATING
    log.check(rated & ~has_rating, "rating", on_row("one of good, neutral, bad"))
    log.check(~rated & has_rating, "rating", on_row("empty"))
    is_dsr = action == DSR
    for dim in DSR_DIMENSIONS:
        scored = log[dim] != 0
        log.check(is_dsr & ~scored, dim, on_row("an integer from 1 to 5"))
        log.check(~is_dsr & scored, dim, on_row("empty"))


def read_accounts(path: str | Path) -> Accounts:
    """Account opening times (for the reviewer-age knob); account ids must be unique."""
    log = read_table(path, ACCOUNT_COLUMNS)
    _check_unique(log, "account_id", "an account id not used on an earlier row")
    return Accounts(**log.columns)


def read_table(path: str | Path, columns: Sequence[Column], constants: dict[str, str] | None = None,
               row_groups: tuple[int, int] | None = None) -> LogTable:
    """Read ``columns`` of a CSV or Parquet file into numpy arrays, or raise ``InputError``.

    For a dataset (``sim.io.dataset``): ``constants`` are columns absent from the file whose every
    cell is the given text (hive partitioning), and ``row_groups`` (first, stop) reads only those
    row groups of a Parquet file (errors still name the row within the whole file)."""
    source = str(path)
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    kind = {"csv": "CSV", "parquet": "Parquet"}.get(fmt)
    if fmt is None:
        raise InputError(source, "", "a .csv or .parquet file")
    if not path.is_file():
        raise InputError(source, "", "an existing file")
    try:
        present = _csv_header(path, source) if fmt == "csv" else pq.read_schema(path).names
    except (OSError, UnicodeDecodeError, csv.Error, pa.ArrowException) as exc:
        raise InputError(source, "", f"a readable {kind} file ({_first_line(exc)})") from None
    read = _read_csv if fmt == "csv" else _read_parquet
    first_row = 0
    if row_groups is not None and fmt == "parquet":
        read, first_row = _groups_reader(path, source, *row_groups)
    constants = {k: v for k, v in (constants or {}).items() if k not in present}
    if constants:
        present = present + list(constants)
        read = _with_constants(read, constants)
    for column in columns:
        if not column.optional and column.name not in present:
            raise InputError(source, "header", f"a column '{column.name}'",
                             ", ".join(map(str, present)))
    wanted = [c.name for c in columns if c.name in present]
    log = LogTable(source, lambda name: read(path, source, [name]).column(name), wanted, 0)
    log.first_row = first_row
    for name, raw in _raw_columns(read, path, source, wanted, whole=fmt == "csv"):
        log.n = len(raw)
        log.columns[name] = _convert(log, next(c for c in columns if c.name == name), raw)
        del raw  # its memory serves the next column
    for column in columns:
        if column.name not in present:
            log.columns[column.name] = np.full(log.n, column.empty, dtype=column.dtype)
    log.columns = {c.name: log.columns[c.name] for c in columns}
    return log


def _raw_columns(read: Callable[[Path, str, list[str]], pa.Table], path: Path, source: str,
                 names: list[str], whole: bool) -> Iterator[tuple[str, pa.ChunkedArray]]:
    """The raw columns ``names``, in order. CSV is parsed whole. Parquet is read a column at a time,
    the next column in a second thread while this one is converted: pyarrow decodes with the GIL
    released, and only two raw columns are held beside the converted ones."""
    if whole:
        table = read(path, source, names)
        for name in names:
            column = table.column(name)
            table = table.drop_columns([name])
            yield name, column
        return
    yield from ahead((name, read(path, source, [name]).column(name)) for name in names)


# --- file formats ----------------------------------------------------------------------------

def _with_constants(read: Callable[[Path, str, list[str]], pa.Table],
                    constants: dict[str, str]) -> Callable[[Path, str, list[str]], pa.Table]:
    """``read`` that also gives the ``constants`` columns, as text repeated on every row."""
    def with_constants(path: Path, source: str, names: list[str]) -> pa.Table:
        table = read(path, source, [n for n in names if n not in constants])  # [] still counts rows
        rows = table.num_rows
        for name in names:
            if name in constants:
                table = table.append_column(name, pa.repeat(pa.scalar(constants[name], pa.string()), rows))
        return table.select(names)
    return with_constants


def _csv_header(path: Path, source: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise InputError(source, "line 1", "a header line naming the columns", "")
    return header


def _read_csv(path: Path, source: str, wanted: list[str]) -> pa.Table:
    convert = pcsv.ConvertOptions(column_types={name: pa.string() for name in wanted},
                                  include_columns=wanted, null_values=[""],
                                  strings_can_be_null=True, quoted_strings_can_be_null=True)
    try:
        return pcsv.read_csv(path, convert_options=convert)
    except pa.ArrowInvalid as exc:
        # Read again, single-threaded, to learn the line of a malformed row (error path only).
        invalid: list = []

        def handler(row):
            invalid.append(row)
            return "error"

        try:
            pcsv.read_csv(path, read_options=pcsv.ReadOptions(use_threads=False),
                          parse_options=pcsv.ParseOptions(invalid_row_handler=handler),
                          convert_options=convert)
        except pa.ArrowInvalid:
            pass
        if invalid and invalid[0].number is not None:
            row = invalid[0]
            raise InputError(source, f"row {row.number - 1}",
                             f"{row.expected_columns} comma-separated fields like the header, "
                             f"not {row.actual_columns}") from None
        raise InputError(source, "", f"a well-formed CSV file ({_first_line(exc)})") from None
    except (OSError, pa.ArrowException) as exc:
        raise InputError(source, "", f"a readable CSV file ({_first_line(exc)})") from None


def _read_parquet(path: Path, source: str, wanted: list[str]) -> pa.Table:
    try:
        return pq.read_table(path, columns=wanted)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(source, "", f"a readable Parquet file ({_first_line(exc)})") from None


def _groups_reader(path: Path, source: str, first: int, stop: int):
    """A reader of the row groups ``first:stop`` of a Parquet file, and the file's row of their
    first row."""
    try:
        meta = pq.ParquetFile(path).metadata
    except (OSError, pa.ArrowException) as exc:
        raise InputError(source, "", f"a readable Parquet file ({_first_line(exc)})") from None
    first_row = sum(meta.row_group(k).num_rows for k in range(first))

    def read(path: Path, source: str, wanted: list[str]) -> pa.Table:
        try:
            return pq.ParquetFile(path).read_row_groups(range(first, stop), columns=wanted)
        except (OSError, pa.ArrowException) as exc:
            raise InputError(source, "", f"a readable Parquet file ({_first_line(exc)})") from None
    return read, first_row


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- column conversion -----------------------------------------------------------------------
#
# Converters return ``(values, valid)``: a numpy array (anything where a cell is empty) and the
# mask of non-empty cells, or ``None`` when no cell is empty. Fixed-width columns are read straight
# from their Arrow buffers (zero-copy), so Parquet's native columns cost almost nothing.

def _convert(log: LogTable, column: Column, arr: pa.ChunkedArray) -> np.ndarray:
    """One raw column to its numpy array; raises at the first bad cell.

    A column of several chunks (Parquet row groups, CSV blocks) is converted a chunk at a time into
    one output array: the temporaries stay small and reused, and the column is not first copied
    into one piece.
    """
    if arr.num_chunks == 1:
        return _convert_chunk(log, column, arr.chunk(0))
    out = np.empty(len(arr), column.dtype)
    start = 0
    for chunk in arr.iterchunks():
        out[start:start + len(chunk)] = _convert_chunk(_Rows(log, start), column, chunk)
        start += len(chunk)
    return out


class _Rows:
    """The rows of a log from ``start`` on: a chunk's errors name their row in the whole file."""

    def __init__(self, log: LogTable, start: int) -> None:
        self.log, self.start, self.source = log, start, log.source

    def fail(self, row: int, column: str, expected: str) -> NoReturn:
        self.log.fail(self.start + int(row), column, expected)

    check = LogTable.check  # the first bad row, through this fail


def _convert_chunk(log: LogTable | _Rows, column: Column, arr: pa.Array) -> np.ndarray:
    """One chunk of a raw column to numpy, empty cells filled or refused."""
    if pa.types.is_null(arr.type):  # a column with no value at all
        values, valid = np.zeros(len(arr), np.int64), np.zeros(len(arr), dtype=bool)
    else:
        if pa.types.is_dictionary(arr.type) and column.kind != "enum":
            arr = arr.dictionary_decode()
        if pa.types.is_large_string(arr.type):
            arr = arr.cast(pa.string())
        is_text = pa.types.is_string(arr.type)
        if column.kind == "enum":
            values, valid = _enum_codes(log, column, arr)
        elif column.kind == "time":
            values, valid = _times(log, column, arr, is_text)
        else:
            values, valid = _numbers(log, column, arr, is_text)
    if valid is not None:
        if column.empty is None:
            log.check(~valid, column.name, column.expected())
        elif values.base is None and values.flags.writeable:  # an array of our own: fill in place
            values[~valid] = column.empty
        else:  # a view of pyarrow's memory
            values = np.where(valid, values, column.empty)
    return values.astype(column.dtype, copy=False)


def _type_error(log: LogTable | _Rows, column: Column, arr: pa.Array) -> NoReturn:
    raise InputError(log.source, f"column '{column.name}'",
                     f"{column.expected()} (a column of text or of that type)", str(arr.type))


def _validity(arr: pa.Array) -> np.ndarray | None:
    """Mask of the non-null cells, from the validity bitmap; None if there are no nulls."""
    if arr.null_count == 0:
        return None
    bitmap = arr.buffers()[0]
    if bitmap is None:
        return np.zeros(len(arr), dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, np.uint8), count=arr.offset + len(arr), bitorder="little")
    return bits[arr.offset:].view(bool)


def _buffer_values(arr: pa.Array, dtype) -> np.ndarray:
    """The values buffer of a fixed-width array as numpy, zero-copy (anything at null cells)."""
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=arr.offset + len(arr))[arr.offset:]


def _and(bad: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    return bad if valid is None else bad & valid


def _blank_to_null(arr: pa.Array) -> pa.Array:
    """Text with surrounding spaces trimmed and blank cells made empty (the slow path only)."""
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _first_failure(arr: pa.Array, convert: Callable[[pa.Array], object]) -> int:
    """Index of the first element that ``convert`` rejects, given that it rejects ``arr``.

    Bisection over slices: the failing half is searched, about one extra pass over the data.
    """
    lo, hi = 0, len(arr)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            convert(arr.slice(lo, mid - lo))
        except _CONVERT_ERRORS:
            hi = mid
        else:
            lo = mid
    return lo


def _parse_text(log: LogTable | _Rows, column: Column, arr: pa.Array, target: pa.DataType) -> pa.Array:
    """Text cells cast to ``target``; blank cells are empty; raises at the first bad cell."""
    def cast(a: pa.Array) -> pa.Array:
        return pc.cast(a, target)

    try:
        return cast(arr)
    except _CONVERT_ERRORS:
        pass
    arr = _blank_to_null(arr)  # " 12", "" (Parquet text): trimmed, then retried
    try:
        return cast(arr)
    except _CONVERT_ERRORS:
        log.fail(_first_failure(arr, cast), column.name, column.expected())


def _numbers(log: LogTable | _Rows, column: Column, arr: pa.Array, is_text: bool):
    """An ``int`` or ``float`` column."""
    if is_text:
        arr = _parse_text(log, column, arr, pa.int64() if column.kind == "int" else pa.float64())
    typ = arr.type
    if not (pa.types.is_integer(typ) or pa.types.is_floating(typ)):
        _type_error(log, column, arr)
    values = _buffer_values(arr, np.dtype(typ.to_pandas_dtype()))
    valid = _validity(arr)
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        if column.kind == "int":  # a float column of whole numbers (e.g. written by pandas)
            finite &= values == np.trunc(np.where(finite, values, 0))
        log.check(_and(~finite, valid), column.name, column.expected())
    if column.kind == "float" or values.dtype == np.uint64:
        values = values.astype(np.float64 if column.kind == "float" else np.int64, copy=False)
    if column.low is not None:
        log.check(_and(values < column.low, valid), column.name, column.expected())
    if column.high is not None:
        log.check(_and(values > column.high, valid), column.name, column.expected())
    return values, valid


def _enum_codes(log: LogTable | _Rows, column: Column, arr: pa.Array):
    """An ``enum`` column: names looked up in the column's value set, mapped to codes."""
    names = pa.array(column.names, pa.string())
    codes = np.asarray(column.codes + (0,), dtype=column.dtype)  # index -1 (empty) -> the last entry
    if pa.types.is_dictionary(arr.type):
        # Look up the few distinct names once, then map each row through its dictionary index.
        found = pc.index_in(arr.dictionary.cast(pa.string()), value_set=names)
        lookup = np.append(found.fill_null(-1).to_numpy(zero_copy_only=False), -1).astype(np.int64)
        indices = arr.indices
        raw = _buffer_values(indices, np.dtype(indices.type.to_pandas_dtype()))
        present = _validity(indices)
        if present is not None:  # null cells may hold any index: send them to the -1 entry
            raw = np.where(present, raw, len(lookup) - 1)
        if (lookup[:-1] >= 0).all():  # every name known: each row's code in one lookup
            return codes[lookup][raw], present
        index = lookup[raw]
    elif pa.types.is_string(arr.type):
        found = pc.index_in(arr, value_set=names)
        index = _buffer_values(found, np.int32)
        if found.null_count:  # empty cells and unknown names
            index = np.where(_validity(found), index, -1)
        present = _validity(arr)
    else:
        _type_error(log, column, arr)
    known = index >= 0
    if not known.all():
        unknown = _and(~known, present)
        if unknown.any():
            # Slow path: surrounding spaces are ignored, and blank text ('' in Parquet, '  ' in
            # CSV) is an empty cell, not an unknown value.
            text = arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr
            trimmed = pc.utf8_trim_whitespace(text.cast(pa.string()))
            again = pc.index_in(trimmed, value_set=names).fill_null(-1).to_numpy(zero_copy_only=False)
            index = np.where(unknown, again, index)
            known = index >= 0
            blank = pc.equal(trimmed, "").fill_null(False).to_numpy(zero_copy_only=False)
            log.check(_and(~known & ~blank, present), column.name, column.expected())
    return codes[index], (None if known.all() else known)


def _times(log: LogTable | _Rows, column: Column, arr: pa.Array, is_text: bool):
    """A ``time`` column: int64 seconds since the epoch (UTC)."""
    typ = arr.type
    if pa.types.is_timestamp(typ):
        seconds = _buffer_values(arr, np.int64) // _UNIT_PER_SECOND[typ.unit]
        if typ.tz is None:  # TIME-ZONE: naive native timestamps are UTC+8 wall time
            seconds -= PLATFORM_UTC_OFFSET
        return seconds, _validity(arr)
    if pa.types.is_date32(typ):
        days = _buffer_values(arr, np.int32).astype(np.int64)
        return days * DAY - PLATFORM_UTC_OFFSET, _validity(arr)
    if pa.types.is_date64(typ):
        return _buffer_values(arr, np.int64) // 1000 - PLATFORM_UTC_OFFSET, _validity(arr)
    if not is_text:
        _type_error(log, column, arr)
    try:
        return parse_timestamps(arr)
    except _BadTimestamp as bad:
        log.fail(bad.row, column.name, column.expected())


class _BadTimestamp(Exception):
    def __init__(self, row: int) -> None:
        super().__init__(row)
        self.row = row


def _cast_naive(arr: pa.Array) -> np.ndarray:
    """ISO strings without offset (UTC+8 wall time) to UTC seconds (TIME-ZONE)."""
    ns = pc.cast(arr, pa.timestamp("ns"))
    return _buffer_values(ns, np.int64) // 1_000_000_000 - PLATFORM_UTC_OFFSET


def _cast_aware(arr: pa.Array) -> np.ndarray:
    """ISO strings with an offset to UTC seconds."""
    return _buffer_values(pc.cast(arr, pa.timestamp("ns", tz="UTC")), np.int64) // 1_000_000_000


def parse_timestamps(arr: pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """ISO 8601 strings to (int64 UTC seconds, mask of non-empty cells or None), vectorised.

    Raises ``_BadTimestamp(row)`` for the first unparseable cell. Fast paths: every cell without an
    offset, or every cell with one; a mixed column is split by a regular expression.
    """
    if arr.null_count == len(arr):
        return np.zeros(len(arr), np.int64), np.zeros(len(arr), dtype=bool)
    # A failed cast costs as much as several good ones, so guess the column's form from its first
    # value and try that cast only; a mixed (or bad) column takes the slow path.
    valid = _validity(arr)
    first = arr.slice(0 if valid is None else int(np.argmax(valid)), 1)
    guess_aware = pc.match_substring_regex(first, _OFFSET_RE)[0].as_py()
    try:
        return (_cast_aware if guess_aware else _cast_naive)(arr), valid
    except _CONVERT_ERRORS:
        pass
    arr = _blank_to_null(arr)
    valid = _validity(arr)
    aware = pc.match_substring_regex(arr, _OFFSET_RE).fill_null(False).to_numpy(zero_copy_only=False)
    seconds = np.zeros(len(arr), np.int64)
    first_bad = []
    for mask, cast in ((_and(~aware, valid), _cast_naive), (aware, _cast_aware)):
        rows = np.flatnonzero(mask)
        if not len(rows):
            continue
        part = arr.take(pa.array(rows))
        try:
            seconds[rows] = cast(part)
        except _CONVERT_ERRORS:
            first_bad.append(int(rows[_first_failure(part, cast)]))
    if first_bad:
        raise _BadTimestamp(min(first_bad))
    return seconds, valid


def parse_time_option(text: str | int | None, option: str = "--as-of") -> int | None:
    """A single timestamp given on the command line, read like the log's timestamps."""
    if text is None or isinstance(text, (int, np.integer)):
        return None if text is None else int(text)
    try:
        seconds, valid = parse_timestamps(pa.array([str(text)], pa.string()))
    except _BadTimestamp:
        valid = np.array([False])
    if valid is not None and not valid[0]:
        raise InputError(option, "", TIMESTAMP_EXPECTED, str(text))
    return int(seconds[0])


# --- table-level checks ----------------------------------------------------------------------

def _check_unique(log: LogTable, column: str, expected: str) -> None:
    """Ids are keys: the first row that repeats an id of an earlier row is an error."""
    repeat = first_repeat(log[column])
    if repeat is not None:
        row, first = repeat
        log.fail(row, column, f"{expected} (row {first + 1} has it)")
