"""repsim's Parquet writing convention, shared by every table it writes.

Per column, the encoding that is both fast to write and to read at tens of millions of rows:
dictionary pages for the name columns (dictionary arrays or text), delta encoding for integers and
timestamps (ids and times are mostly increasing, so the deltas pack into few bits), and
byte-stream-split for floats; snappy compression on top. Statistics only for the first column
(the key); the others gain little from them.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet(table: pa.Table, path: str | Path) -> None:
    """Write ``table`` to ``path`` with the encodings above."""
    dictionary, encoding = [], {}
    for field in table.schema:
        if pa.types.is_dictionary(field.type) or pa.types.is_string(field.type):
            dictionary.append(field.name)
        elif pa.types.is_integer(field.type) or pa.types.is_timestamp(field.type):
            encoding[field.name] = "DELTA_BINARY_PACKED"
        elif pa.types.is_floating(field.type):
            encoding[field.name] = "BYTE_STREAM_SPLIT"
    pq.write_table(table, path, use_dictionary=dictionary, column_encoding=encoding,
                   write_statistics=table.column_names[:1], compression="snappy")
