"""Due work, bucketed by tick: how batch processes find what is due without a SimPy event per order.

A :class:`Calendar` holds (row, due time, tag) triples in buckets of one tick (an hour). A family's
process pops the bucket of the current tick and handles every due row in one vectorised step. Entries
are never deleted: a handler checks that the row is still in the state the entry was made for (lazy
cancellation), so an order that was paid need not be taken out of the unpaid-close calendar.

Time is absolute seconds (``sim.timeutil``). A due time ``t`` falls in bucket ``ceil((t - origin) / tick)``
and is handled at that bucket's tick time, with ``t`` itself (not the tick time) recorded as the
event's time. An entry pushed for a bucket this calendar has already handled (a back edge within a
tick, e.g. a reship decided after the courier ran) has its due time raised to one second after the
last handled tick, so no event is ever recorded at or before a time the platform has already scored.
"""

from __future__ import annotations

import numpy as np


class Calendar:
    """Hourly buckets of (row, due, tag)."""

    def __init__(self, origin: int, tick: int) -> None:
        self.origin = int(origin)
        self.tick = int(tick)
        self.buckets: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        self.done = -1  # last bucket handled
        self.size = 0

    def push(self, rows: np.ndarray, due: np.ndarray, tag: np.ndarray | int = 0) -> None:
        rows = np.asarray(rows, np.int64)
        if rows.size == 0:
            return
        due = np.broadcast_to(np.asarray(due, np.int64), rows.shape).copy()
        tag = np.broadcast_to(np.asarray(tag, np.int64), rows.shape).copy()
        floor = self.origin + self.done * self.tick + 1
        np.maximum(due, floor, out=due)
        bucket = -((self.origin - due) // self.tick)  # ceil((due - origin) / tick)
        if bucket.min() == bucket.max():
            self.buckets.setdefault(int(bucket[0]), []).append((rows, due, tag))
        else:
            order = np.argsort(bucket, kind="stable")
            b = bucket[order]
            keys, starts = np.unique(b, return_index=True)
            ends = np.append(starts[1:], len(b))
            for k, s, e in zip(keys.tolist(), starts.tolist(), ends.tolist()):
                sel = order[s:e]
                self.buckets.setdefault(k, []).append((rows[sel], due[sel], tag[sel]))
        self.size += rows.size

    def pop(self, now: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Everything due at or before tick time ``now``, sorted by (due, row)."""
        k = (int(now) - self.origin) // self.tick
        parts = []
        for key in [key for key in self.buckets if key <= k] if self.done < k - 1 else [k]:
            parts.extend(self.buckets.pop(key, []))
        self.done = k
        if not parts:
            empty = np.empty(0, np.int64)
            return empty, empty, empty
        rows = np.concatenate([p[0] for p in parts])
        due = np.concatenate([p[1] for p in parts])
        tag = np.concatenate([p[2] for p in parts])
        self.size -= rows.size
        order = np.lexsort((rows, due))
        return rows[order], due[order], tag[order]
