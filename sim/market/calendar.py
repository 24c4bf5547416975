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

    A push only copies its batch into a staging area. The first pop after some pushes turns the
    staged entries into one chunk (a (3, k) array of due times, rows and tags) sorted by due time; as
    every push between two pops sees the same last tick, raising past due times then gives what it
    would have at the push.
    The chunks stay in push order, and the newest are merged while the older of the last two holds
    no more than twice the newer one's pending entries (as in a binary counter), so there are only a
    few chunks and each entry is merged a few times; chunks already in due order (fixed delays) are
    joined without sorting. Ties of (due, row) come out in push order. The earliest pending due time
    is kept, so a pop with nothing due returns at once.
    """

    _EMPTY = np.empty(0, np.int64)  # never written: every returned empty array is this one

    def __init__(self, origin: int, tick: int) -> None:
        self.origin = int(origin)
        self.tick = int(tick)
        self.chunks: list[list] = []  # [(3, k) array of due, row, tag; position of the first pending]
        self.staged = np.empty((3, 64), np.int64)  # entries pushed since the last pop, in push order
        self.n_staged = 0
        self.last = self.origin  # the last tick time handled
        self.size = 0
        self.next_due = _NONE  # the earliest pending due time of the chunks

    def push(self, rows: np.ndarray, due: np.ndarray, tag: np.ndarray | int = 0) -> None:
        rows = np.asarray(rows)
        k = rows.size
        if k == 0:
            return
        a = self.n_staged
        if a + k > self.staged.shape[1]:
            grown = np.empty((3, max(2 * self.staged.shape[1], a + k)), np.int64)
            grown[:, :a] = self.staged[:, :a]
            self.staged = grown
        self.staged[_DUE, a:a + k] = due
        self.staged[_ROW, a:a + k] = rows
        self.staged[_TAG, a:a + k] = tag
        self.n_staged = a + k
        self.size += k

    def _settle(self) -> None:
        """The staged entries become one sorted chunk."""
        staged = self.staged[:, : self.n_staged]
        self.n_staged = 0
        due = np.maximum(staged[_DUE], self.last + 1, out=staged[_DUE])
        if due.size > 1 and not (due[1:] >= due[:-1]).all():
            entries = staged[:, np.argsort(due, kind="stable")]
        else:
            entries = staged.copy()
        self.chunks.append([entries, 0])
        self.next_due = min(self.next_due, int(entries[_DUE, 0]))
        chunks = self.chunks
        while len(chunks) > 1 and _pending(chunks[-2]) <= 2 * _pending(chunks[-1]):
            chunks[-2:] = [_merge(chunks[-2], chunks[-1])]

    def pop(self, now: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Everything due at or before ``now`` (a tick time), sorted by (due, row), ties in push order."""
        now = int(now)
        if self.n_staged:
            self._settle()
        self.last = max(self.last, now)
        if now < self.next_due:
            return self._EMPTY, self._EMPTY, self._EMPTY
        parts = []
        keep = []
        next_due = _NONE
        for chunk in self.chunks:
            entries, pos = chunk
            due = entries[_DUE]
            if due[pos] <= now:
                end = int(due.searchsorted(now, side="right"))
                parts.append(entries[:, pos:end])
                chunk[1] = pos = end
            if pos < due.size:
                keep.append(chunk)
                next_due = min(next_due, int(due[pos]))
        self.chunks = keep
        self.next_due = next_due
        out = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        self.size -= out.shape[1]
        out = out[:, np.lexsort((out[_ROW], out[_DUE]))]
        return out[_ROW], out[_DUE], out[_TAG]


_DUE, _ROW, _TAG = range(3)  # the rows of a chunk
_NONE = 1 << 63  # a due time after every other: no entry pending


def _pending(chunk: list) -> int:
    return chunk[0].shape[1] - chunk[1]


def _merge(older: list, newer: list) -> list:
    """One chunk of the pending entries of two adjacent chunks; among equal due times the older
    chunk's entries stay first (a stable sort, or none when the newer chunk starts after the older
    one ends)."""
    entries = np.concatenate([older[0][:, older[1]:], newer[0][:, newer[1]:]], axis=1)
    if older[0][_DUE, -1] > newer[0][_DUE, newer[1]]:
        entries = entries[:, np.argsort(entries[_DUE], kind="stable")]
    return [entries, 0]
