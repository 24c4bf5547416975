"""Example logs and the same logs in other shapes, for the tests of reading, writing and ``repsim score``."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.io.results import iso_strings
from sim.reputation import log as L
from sim.timeutil import NEVER, PLATFORM_UTC_OFFSET

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORDERS_CSV = EXAMPLES / "orders.csv"
REVIEWS_CSV = EXAMPLES / "reviews.csv"



# --- writing logs in other shapes ------------------------------------------------------------

def _time_array(t: np.ndarray, style: str) -> pa.Array:
    t = np.asarray(t, np.int64)
    never = t >= NEVER
    safe = np.where(never, 0, t)
    if style == "naive":  # UTC+8 wall time, no zone
        return pa.array(safe + PLATFORM_UTC_OFFSET, pa.timestamp("s"), mask=never)
    if style == "aware_ms":
        return pa.array(safe * 1000, pa.timestamp("ms", tz="UTC"), mask=never)
    if style == "aware_local":
        return pa.array(safe, pa.timestamp("s", tz="+08:00"), mask=never)
    return iso_strings(t)  # text with +08:00


def _names(codes: np.ndarray, names, dictionary: bool, empty_code=None) -> pa.Array:
    lookup = dict(names) if isinstance(names, dict) else dict(enumerate(names))
    values = [None if c == empty_code else lookup[int(c)] for c in codes]
    arr = pa.array(values, pa.string())
    return arr.dictionary_encode() if dictionary else arr


def write_native_parquet(orders: L.Orders, actions: L.Actions, directory: Path) -> tuple[Path, Path]:
    """The same log as Parquet with native columns: ints, dictionaries, timestamps of each kind."""
    o = pa.table({
        "order_id": orders.order_id,
        "buyer_id": orders.buyer_id.astype(np.int32),
        "seller_id": orders.seller_id,
        "item_id": orders.item_id.astype(np.float64),  # pandas-style whole floats are accepted
        "platform": _names(orders.platform, L.PLATFORM_NAMES, dictionary=True),
        "amount": orders.amount,
        "created_at": _time_array(orders.created_at, "naive"),
        "success_at": _time_array(orders.success_at, "aware_ms"),
        "refund": _names(orders.refund, L.REFUND_NAMES, dictionary=False, empty_code=L.REFUND_NONE),
        "removed_at": _time_array(orders.removed_at, "text"),
        "note": pa.array(["extra column"] * len(orders)),
    })
    dims = {d: pa.array(getattr(actions, d), pa.int8(), mask=getattr(actions, d) == 0) for d in L.DSR_DIMENSIONS}
    a = pa.table({
        "order_id": actions.order_id,
        "author": _names(actions.author, L.AUTHOR_NAMES, dictionary=True),
        "action": _names(actions.action, L.ACTION_NAMES, dictionary=False),
        "at": _time_array(actions.at, "aware_local"),
        "rating": _names(actions.rating, L.RATING_NAMES, dictionary=True, empty_code=L.NO_RATING),
        **dims,
    })
    paths = directory / "orders.parquet", directory / "reviews.parquet"
    pq.write_table(o, paths[0], row_group_size=7)  # several chunks, each with its own dictionary
    pq.write_table(a, paths[1], row_group_size=7)
    return paths


def csv_as_text_parquet(source: Path, target: Path) -> Path:
    """A CSV file as a Parquet file of text columns ('' for empty cells)."""
    with open(source, newline="") as handle:
        rows = list(csv.reader(handle))
    table = pa.table({name: [row[i] for row in rows[1:]] for i, name in enumerate(rows[0])})
    pq.write_table(table, target)
    return target


def parquet_as_csv_text(path: Path) -> str:
    """A Parquet output rendered as our CSV would be (effective_at as +08:00 text)."""
    table = pq.read_table(path)
    if "effective_at" in table.column_names:
        seconds = table.column("effective_at").cast(pa.timestamp("s", tz="+08:00")).cast(pa.int64())
        seconds = seconds.fill_null(NEVER).to_numpy()
        table = table.set_column(table.column_names.index("effective_at"), "effective_at", iso_strings(seconds))
    from sim.io.results import write_csv
    tmp = path.with_suffix(".roundtrip.csv")
    write_csv(table, tmp)
    text = tmp.read_text()
    tmp.unlink()
    return text
