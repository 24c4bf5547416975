"""Due work, bucketed by tick: how batch processes find what is due without a SimPy event per order.

A :class:`Calendar` holds (row, due time, tag) triples. A family's process, waking at a tick, pops
everything due by then and handles every due row in one vectorised step. Entries
are never deleted: a handler checks that the row is still in the state the entry was made for (lazy
cancellation), so an order that was paid need not be taken out of the unpaid-close calendar.

Time is absolute seconds (``sim.timeutil``). An entry due at ``t`` is handled at the first tick at or
after ``t``, with ``t`` itself (not the tick time) recorded as the event's time. An entry pushed with a
due time this calendar has already passed (a back edge within a tick, e.g. a reship decided after the
courier ran) has its due time raised to one second after the last handled tick, so no event is ever
recorded at or before a time the platform has already scored.
"""

from __future__ import annotations

import numpy as np


class Calendar:
    """Pending (row, due, tag) entries in chunks sorted by due time; a pop takes every due prefix.

    Each push sorts its batch once; a pop binary-searches each chunk for the entries due by ``now``.
    When more than ``MAX_CHUNKS`` chunks are pending they are merged into one, so a pop costs a few
    binary searches whatever the spread of due times.
    """

    MAX_CHUNKS = 16

    def __init__(self, origin: int, tick: int) -> None:
        self.origin = int(origin)
        self.tick = int(tick)
        self.chunks: list[list] = []  # [due, rows, tag, position of the first pending entry]
        self.last = self.origin  # the last tick time handled
        self.size = 0

    def push(self, rows: np.ndarray, due: np.ndarray, tag: np.ndarray | int = 0) -> None:
        rows = np.asarray(rows, np.int64)
        if rows.size == 0:
            return
        due = np.maximum(np.broadcast_to(np.asarray(due, np.int64), rows.shape), self.last + 1)
        tag = np.broadcast_to(np.asarray(tag, np.int64), rows.shape)
        order = np.argsort(due, kind="stable")
        self.chunks.append([due[order], rows[order], tag[order], 0])
        self.size += rows.size
        if len(self.chunks) > self.MAX_CHUNKS:
            self._merge()

    def _merge(self) -> None:
        due = np.concatenate([c[0][c[3]:] for c in self.chunks])
        rows = np.concatenate([c[1][c[3]:] for c in self.chunks])
        tag = np.concatenate([c[2][c[3]:] for c in self.chunks])
        order = np.argsort(due, kind="stable")
        self.chunks = [[due[order], rows[order], tag[order], 0]]

    def pop(self, now: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Everything due at or before ``now`` (a tick time), sorted by (due, row)."""
        now = int(now)
        self.last = max(self.last, now)
        parts = []
        keep = []
        for chunk in self.chunks:
            due, rows, tag, pos = chunk
            if due[pos] > now:  # nothing due in this chunk yet
                keep.append(chunk)
                continue
            end = int(np.searchsorted(due, now, side="right"))
            if end > pos:
                parts.append((rows[pos:end], due[pos:end], tag[pos:end]))
                chunk[3] = end
            if chunk[3] < due.size:
                keep.append(chunk)
        self.chunks = keep
        if not parts:
            empty = np.empty(0, np.int64)
            return empty, empty, empty
        if len(parts) == 1:
            rows, due, tag = parts[0]
        else:
            rows = np.concatenate([p[0] for p in parts])
            due = np.concatenate([p[1] for p in parts])
            tag = np.concatenate([p[2] for p in parts])
        self.size -= rows.size
        order = np.lexsort((rows, due))
        return rows[order], due[order], tag[order]
