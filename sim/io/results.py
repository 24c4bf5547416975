"""Writing a scoring result: sellers, buyers and reviews as CSV or Parquet, plus a manifest.

Tables are built straight from the numpy columns of ``ScoreResult``: code columns become
dictionary arrays over their names, NaN becomes an empty cell, ``NEVER`` an empty time. CSV and
Parquet hold the same columns; in Parquet ``effective_at`` is a ``timestamp[s, tz=+08:00]`` column,
in CSV an ISO 8601 string with ``+08:00``, and the columns that can never be empty are declared
so (Parquet ``required``). See docs/formats.md.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from sim.io.ahead import ahead
from sim.io.parquet import table_of, write_parquet_parts
from sim.reputation.log import (
    AUTHOR_NAMES, KIND_NAMES, NO_RATING, ORIGIN_NAMES, RATING_NAMES, STATUS_NAMES, BuyerScores,
    ReviewParts, ReviewRows, ScoreResult, SellerScores,
)
from sim.timeutil import DAY, NEVER, PLATFORM_UTC_OFFSET, format_timestamp, format_timestamps

FORMATS = ("csv", "parquet")
TIME_TYPE = pa.timestamp("s", tz="+08:00")  # TIME-ZONE: shown in platform-local time
_RATING_ORDER = ("good", "neutral", "bad")


def write_result(result: ScoreResult, directory: str | Path, fmt: str = "csv", rules=None) -> list[Path]:
    """Write ``sellers``, ``buyers`` and ``reviews`` (and ``manifest.json``) into ``directory``.

    ``rules`` decides whether credit and points are whole numbers (``rules.integral``); without it
    they are written as floats. Returns the paths written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    integral = bool(rules is not None and rules.integral)
    directory = Path(directory)
    tables = {
        "sellers": lambda: iter([sellers_table(result.sellers, integral)]),
        "buyers": lambda: iter([buyers_table(result.buyers, integral)]),
        "reviews": lambda: ahead(reviews_tables(result.reviews, integral, fmt)),
    }
    written = [directory / f"{name}.{fmt}" for name in tables]
    write = write_parquet_parts if fmt == "parquet" else write_csv_parts
    # pyarrow's writers release the GIL: the small tables are written while the big one is. The
    # reviews are written a slice at a time, the next slice made into a table while this one is
    # encoded, so only two slices' tables are held at a time.
    with ThreadPoolExecutor(max_workers=len(tables)) as pool:
        rows = dict(zip(tables, pool.map(lambda make, path: write(make(), path), tables.values(), written)))
    written.append(write_manifest(directory, result.as_of, rules, fmt, rows))
    return written


def write_manifest(directory: Path, as_of: int, rules, fmt: str, rows: dict, **more) -> Path:
    """``manifest.json``: the as-of time, the rule set, the format and the rows of each table
    (and ``more`` entries)."""
    manifest = {
        "as_of": int(as_of),
        "as_of_local": format_timestamp(as_of) if as_of < NEVER else None,
        "rules": rules.to_dict() if rules is not None else None,
        "format": fmt,
        "rows": rows,
        **more,
    }
    try:
        from sim import __version__
        manifest["version"] = __version__
    except ImportError:  # pragma: no cover
        pass
    path = Path(directory) / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def write_csv(table: pa.Table, path: str | Path) -> None:
    """CSV with a plain header line, no quoting (no value of ours holds a comma or a quote), and
    empty cells for nulls."""
    write_csv_parts(iter([table]), path)


def write_csv_parts(tables: Iterator[pa.Table], path: str | Path) -> int:
    """The rows of ``tables`` (of one schema) as one CSV file like ``write_csv``'s; returns the
    number of rows."""
    rows = 0
    with pa.OSFile(str(path), "wb") as sink:
        for k, table in enumerate(tables):
            if k == 0:
                sink.write((",".join(table.column_names) + "\n").encode())
            pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False, quoting_style="none"))
            rows += table.num_rows
    return rows


# --- tables ----------------------------------------------------------------------------------

def _credit(values: np.ndarray, integral: bool) -> pa.Array:
    values = np.asarray(values, dtype=np.float64)
    if integral:
        return pa.array(np.rint(values).astype(np.int64))
    return pa.array(values)


def _nullable(values: np.ndarray) -> pa.Array:
    """Floats with NaN as an empty cell."""
    return pa.array(np.asarray(values, dtype=np.float64), from_pandas=True)


def _codes(indices: np.ndarray, names, mask: np.ndarray | None = None) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(np.asarray(indices, dtype=np.int8),
                                          pa.array(list(names), pa.string()), mask=mask)


def _account_columns(id_name: str, scores, integral: bool) -> dict[str, pa.Array]:
    """The columns sellers and buyers share: id, credit, level and the counted ratings."""
    return {
        id_name: pa.array(getattr(scores, id_name), pa.int64()),
        "credit": _credit(scores.credit, integral),
        **{name: pa.array(getattr(scores, name), pa.int64()) for name in ("level", "good", "neutral", "bad")},
    }


_SELLER_SCORES = ("positive_rate", "dsr_described", "dsr_service", "dsr_shipping", "dsr_logistics")


def sellers_table(sellers: SellerScores, integral: bool) -> pa.Table:
    return table_of({
        **_account_columns("seller_id", sellers, integral),
        **{name: _nullable(getattr(sellers, name)) for name in _SELLER_SCORES},
    }, optional=set(_SELLER_SCORES))


def buyers_table(buyers: BuyerScores, integral: bool) -> pa.Table:
    return table_of(_account_columns("buyer_id", buyers, integral))


def reviews_table(reviews: ReviewRows, integral: bool, fmt: str = "parquet") -> pa.Table:
    """The reviews as a table; a ``ReviewParts`` becomes a table of one chunk per part, without
    joining its columns."""
    return pa.concat_tables(reviews_tables(reviews, integral, fmt))


#: Review rows turned into a table at a time: one Parquet row group (pyarrow's default size), so
#: that the columns converted for writing (points as int64, the text of times in CSV) are small.
WRITE_SLICE_ROWS = 1 << 20
_WRITTEN = ("order_id", "author", "kind", "origin", "rating", "effective_at", "status", "points")


def reviews_tables(reviews: ReviewRows, integral: bool, fmt: str = "parquet") -> Iterator[pa.Table]:
    """The reviews as consecutive tables of at most ``WRITE_SLICE_ROWS`` rows, made when reached;
    a ``ReviewParts`` is read part by part, without joining its columns."""
    if isinstance(reviews, ReviewParts):
        parts = reviews.parts(_WRITTEN)
    else:
        parts = iter([{name: getattr(reviews, name) for name in _WRITTEN}])
    empty = True
    for part in parts:
        for start in range(0, len(part["order_id"]), WRITE_SLICE_ROWS):
            piece = {name: column[start:start + WRITE_SLICE_ROWS] for name, column in part.items()}
            yield _reviews_part_table(piece, integral, fmt)
            empty = False
        if empty:  # no row yet: keep this part's empty columns, for a table with no rows
            no_rows = {name: column[:0] for name, column in part.items()}
    if empty:
        yield _reviews_part_table(no_rows, integral, fmt)


# rating code (as a byte) -> index in _RATING_ORDER
_RATING_INDEX = np.zeros(256, dtype=np.int8)
for _index, _name in enumerate(_RATING_ORDER):
    _RATING_INDEX[np.int8(next(c for c, n in RATING_NAMES.items() if n == _name)).view(np.uint8)] = _index


def _reviews_part_table(reviews: dict[str, np.ndarray], integral: bool, fmt: str) -> pa.Table:
    reviews = SimpleNamespace(**reviews)
    rating = np.asarray(reviews.rating, dtype=np.int8)
    no_rating = rating == NO_RATING
    effective_at = np.asarray(reviews.effective_at, dtype=np.int64)
    never = effective_at >= NEVER
    if fmt == "parquet":
        effective = pa.array(effective_at, TIME_TYPE, mask=never)  # masked cells are never read
    else:
        effective = iso_strings(effective_at)
    points = np.asarray(reviews.points, dtype=np.float64)
    return table_of({
        "order_id": pa.array(reviews.order_id, pa.int64()),
        "author": _codes(reviews.author, AUTHOR_NAMES),
        "kind": _codes(reviews.kind, KIND_NAMES),
        "origin": _codes(reviews.origin, ORIGIN_NAMES),
        "rating": _codes(_RATING_INDEX[rating.view(np.uint8)], _RATING_ORDER, mask=no_rating),
        "effective_at": effective,
        "status": _codes(reviews.status, STATUS_NAMES),
        # Whole-number rules give whole-number points exactly, so the cast loses nothing.
        "points": pa.array(points.astype(np.int64)) if integral else pa.array(points),
    }, optional={"rating", "effective_at"})


# --- fast ISO 8601 text ----------------------------------------------------------------------

_MIN_LOCAL = -62_135_596_800  # 0001-01-01T00:00:00 as seconds since the epoch
_MAX_LOCAL = 253_402_300_799  # 9999-12-31T23:59:59
_MAX_DAY_SPAN = 1_000_000  # days covered by one table of dates (about 2700 years)
_TIME_OF_DAY: np.ndarray | None = None


def _time_of_day_table() -> np.ndarray:
    """``HH:MM:SS`` of every second of a day, as an (86400, 8) byte array (built once)."""
    global _TIME_OF_DAY
    if _TIME_OF_DAY is None:
        second = np.arange(DAY)
        table = np.full((DAY, 8), ord(":"), dtype=np.uint8)
        for col, value in ((0, second // 3600), (3, second // 60 % 60), (6, second % 60)):
            table[:, col] = ord("0") + value // 10
            table[:, col + 1] = ord("0") + value % 10
        _TIME_OF_DAY = table
    return _TIME_OF_DAY


def iso_strings(t: np.ndarray) -> pa.Array:
    """Seconds to ``YYYY-MM-DDTHH:MM:SS+08:00`` strings in platform-local time; ``NEVER`` is empty.

    The same text as ``sim.timeutil.format_timestamps``, built as fixed-width bytes: each row is a
    gather from a table of the dates in the column's range and a table of the 86,400 times of day
    (pyarrow's strftime is far slower at tens of millions of rows).
    """
    t = np.asarray(t, dtype=np.int64)
    n = len(t)
    known = t < NEVER
    local = np.where(known, t, 0) + PLATFORM_UTC_OFFSET
    day = local // DAY
    first_day = int(day.min()) if n else 0
    span = int(day.max()) - first_day + 1 if n else 1
    if n and (local.min() < _MIN_LOCAL or local.max() > _MAX_LOCAL or span > _MAX_DAY_SPAN):
        text = format_timestamps(t)  # outside years 1-9999, or a huge range: the general formatter
        return pa.array(np.where(known, text, None).tolist(), pa.string())
    dates = np.arange(first_day, first_day + span).astype("datetime64[D]")
    date_bytes = np.frombuffer(np.datetime_as_string(dates).astype("S10").tobytes(), np.uint8).reshape(span, 10)
    width = 25
    out = np.empty((n, width), dtype=np.uint8)
    out[:, :10] = date_bytes[day - first_day]
    out[:, 10] = ord("T")
    out[:, 11:19] = _time_of_day_table()[local - day * DAY]
    out[:, 19:] = np.frombuffer(b"+08:00", np.uint8)
    offsets_type = np.int32 if width * n < 2**31 else np.int64
    offsets = np.arange(0, width * (n + 1), width, dtype=offsets_type)
    validity = None if known.all() else pa.py_buffer(np.packbits(known, bitorder="little"))
    string_type = pa.string() if offsets_type is np.int32 else pa.large_string()
    return pa.Array.from_buffers(string_type, n, [validity, pa.py_buffer(offsets), pa.py_buffer(out)],
                                 null_count=int(n - known.sum()))
