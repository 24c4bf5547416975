"""The scratch directory of a distributed scoring job: shards of the log as small Arrow files.

Workers hand rows to each other through files on storage every worker sees, never through the
scheduler: a shard ``name`` of kind ``kind`` is the directory ``kind/name`` holding one file per
writer, and its reader concatenates them. Every row carries ``_key``, its place in the input
(``file index << 40 | row within the file``), so a reader restores input order by sorting on it,
whatever the writers and their number. Shards are Arrow IPC (Feather) files with LZ4 frames: at a
million orders, 0.18 s to write and 0.08 s to read, against 0.42 s and 0.20 s as Parquet, for the
same size (uncompressed is faster again but twice the size, which a shared file system pays for).

``part_of`` spreads ids over shards by a multiplicative hash, so that sellers, buyers, orders and
accounts fall into partitions of about equal size whatever their id ranges.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as pf

KEY = "_key"
FILE_BITS = 40  # rows per input file below 2^40; files below 2^23


def row_keys(file_index: int, first_row: int, n: int) -> np.ndarray:
    """The ``_key`` of ``n`` rows of input file ``file_index`` from its row ``first_row`` on."""
    return (np.int64(file_index) << np.int64(FILE_BITS)) + first_row + np.arange(n, dtype=np.int64)


def key_file(key: int) -> tuple[int, int]:
    """(input file index, row within the file) of a ``_key``."""
    return int(key) >> FILE_BITS, int(key) & ((1 << FILE_BITS) - 1)


def global_rows(keys: np.ndarray, file_starts: np.ndarray) -> np.ndarray:
    """Input rows of the log from ``_key``s, given the first input row of every file."""
    return file_starts[keys >> np.int64(FILE_BITS)] + (keys & np.int64((1 << FILE_BITS) - 1))


def part_of(ids: np.ndarray, parts: int) -> np.ndarray:
    """The shard of each id, in ``range(parts)`` (Fibonacci hashing of the 64-bit id)."""
    mixed = np.asarray(ids, np.int64).view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return ((mixed >> np.uint64(32)) % np.uint64(parts)).astype(np.int64)


class Scratch:
    """Shard directories below ``root``. The job makes every directory before the tasks that write
    into it run, and tasks never make directories: a task still running after the job was stopped
    (and the scratch directory removed) fails instead of leaving a directory behind."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def shard(self, kind: str, name: int) -> Path:
        return self.root / kind / f"{name:05d}"

    def make(self, kind: str, shards: int) -> None:
        for k in range(shards):
            self.shard(kind, k).mkdir(parents=True, exist_ok=True)

    def write(self, kind: str, name: int, writer: int, columns: dict[str, np.ndarray]) -> None:
        """One writer's rows of a shard."""
        pf.write_feather(pa.table(columns), self.shard(kind, name) / f"{writer:07d}.arrow", compression="lz4")

    def split(self, kind: str, part: np.ndarray, parts: int, writer: int, columns: dict[str, np.ndarray]) -> None:
        """Rows sent to shards ``part`` (one per row) of ``kind``, keeping their order in each."""
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(parts + 1))
        for k in range(parts):
            if bounds[k + 1] > bounds[k]:
                rows = order[bounds[k]:bounds[k + 1]]
                self.write(kind, k, writer, {name: col[rows] for name, col in columns.items()})

    def read(self, kind: str, name: int, columns: list[str] | None = None,
             by_key: bool = True) -> dict[str, np.ndarray]:
        """Every writer's rows of a shard, in input order (``by_key``), as numpy columns; a
        ``_writer`` column gives each row's writer."""
        files = sorted(self.shard(kind, name).glob("*.arrow"))
        tables = [pf.read_table(f, columns=columns) for f in files]
        if not tables:
            return {}
        writers = np.repeat(np.array([int(f.stem) for f in files], np.int64), [t.num_rows for t in tables])
        table = pa.concat_tables(tables)
        out = {c: table.column(c).to_numpy() for c in table.column_names}
        out["_writer"] = writers
        if by_key:
            order = np.argsort(out[KEY], kind="stable")
            out = {c: v[order] for c, v in out.items()}
        return out
