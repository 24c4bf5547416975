"""Id lookups over int64 id columns: dense ranks, membership, row lookup, repeats, growing slots.

The scoring core, the log reader and the incremental scorer all turn ids (order, buyer, seller
ids) into dense numbers or rows. Each lookup has the same fast paths, chosen by one rule
(``use_table``): ids that go up by one in row order need only a subtraction; ids dense enough in
their range use a lookup table over the range (no sort); sparse ids are sorted and searched.
Every path gives the same answer; only the cost differs.
"""

from __future__ import annotations

import numpy as np

from sim.reputation import scan

#: A lookup table over an id range this small costs less than sorting even a few ids.
MIN_TABLE_SPAN = 1 << 18


def use_table(lo: int, hi: int, n: int) -> bool:
    """Whether ``n`` ids in ``[lo, hi]`` are dense enough for a lookup table over the range: at
    most four table entries per id (or a small table whatever the count)."""
    return hi - lo <= max(4 * n, MIN_TABLE_SPAN)


def dense_rank(ids: np.ndarray, dtype: type = np.int64) -> tuple[np.ndarray, np.ndarray]:
    """(rank of each id among the sorted distinct ids, as ``dtype``; the sorted distinct ids)."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) == 0:
        return np.zeros(0, dtype), np.zeros(0, np.int64)
    lo, hi = int(ids.min()), int(ids.max())
    if use_table(lo, hi, len(ids)):
        offset = ids - lo
        present = np.zeros(hi - lo + 1, dtype=bool)
        present[offset] = True
        rank_of = np.cumsum(present, dtype=dtype)
        rank_of -= 1
        return rank_of[offset], np.flatnonzero(present).astype(np.int64) + lo
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    start = scan.segment_starts(sorted_ids)
    ranks = np.empty(len(ids), dtype)
    ranks[order] = scan.segment_ids(start)
    return ranks, sorted_ids[start]


#: ``rows_of`` layouts a caller may already know of its keys.
CONTIGUOUS, INCREASING = "contiguous", "increasing"


def rows_of(keys: np.ndarray, wanted: np.ndarray, dtype: type = np.int64, layout: str | None = None) -> np.ndarray:
    """Row of each wanted id in ``keys`` (distinct ids), as ``dtype``; -1 for an id not there.

    ``layout``: ``CONTIGUOUS`` if the keys are known to be lo, lo + 1, ... in row order,
    ``INCREASING`` if known to increase with the row; by default the contiguous layout is
    recognised, and other keys use a table or a sort."""
    keys = np.asarray(keys, np.int64)
    wanted = np.asarray(wanted, np.int64)
    if len(wanted) == 0:
        return np.zeros(0, dtype)
    if len(keys) == 0:
        return np.full(len(wanted), -1, dtype)
    lo, hi = int(keys[0]), int(keys[-1])
    if layout is None:
        lo, hi = int(keys.min()), int(keys.max())
        if hi - lo + 1 == len(keys) and bool((keys[1:] > keys[:-1]).all()):
            layout = CONTIGUOUS
    if layout == CONTIGUOUS:
        # (An id out of range may wrap around in ``dtype``; it is marked unknown next.)
        rows = np.subtract(wanted, lo, dtype=dtype, casting="unsafe")
        rows[(wanted < lo) | (wanted > hi)] = -1
    elif layout == INCREASING:
        pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        rows = np.where(keys[pos] == wanted, pos, -1).astype(dtype, copy=False)
    elif use_table(lo, hi, len(keys)):
        table = np.full(hi - lo + 1, -1, dtype)
        table[keys - lo] = np.arange(len(keys))
        inside = (wanted >= lo) & (wanted <= hi)
        rows = np.full(len(wanted), -1, dtype)
        rows[inside] = table[wanted[inside] - lo]
    else:
        order = np.argsort(keys, kind="stable")
        pos = np.searchsorted(keys[order], wanted)
        pos = np.minimum(pos, len(order) - 1)
        rows = np.where(keys[order][pos] == wanted, order[pos], -1).astype(dtype, copy=False)
    return rows


def order_rows(order_ids: np.ndarray, wanted: np.ndarray, dtype: type = np.int64,
               layout: str | None = None) -> np.ndarray:
    """``rows_of`` for the orders of review actions; raises ValueError for an unknown order id."""
    rows = rows_of(order_ids, wanted, dtype, layout)
    if (rows < 0).any():
        raise ValueError(f"review of unknown order {int(np.asarray(wanted)[rows < 0][0])}")
    return rows


def pick(values: np.ndarray, rows: np.ndarray, fill) -> np.ndarray:
    """``values[rows]`` where ``rows >= 0``, else ``fill`` (rows of -1 mean "none")."""
    return np.append(values, np.asarray(fill, values.dtype))[rows]  # row -1 reads the appended fill


def is_member(values: np.ndarray, keys: np.ndarray, keys_unique: bool = False) -> np.ndarray:
    """Which ``values`` occur in ``keys``."""
    if len(values) == 0:
        return np.ones(0, dtype=bool)
    if len(keys) == 0:
        return np.zeros(len(values), dtype=bool)
    lo, hi = int(keys.min()), int(keys.max())
    if keys_unique and hi - lo + 1 == len(keys):  # every id from lo to hi
        return (values >= lo) & (values <= hi)
    if use_table(lo, hi, len(keys)):
        present = np.zeros(hi - lo + 1, dtype=bool)
        present[keys - lo] = True
        member = (values >= lo) & (values <= hi)
        member[member] = present[values[member] - lo]
        return member
    # Sparse ids: search the sorted values in the sorted keys (cache-friendly, unlike searching
    # unsorted values); the per-row mask is only needed when some value is missing.
    keys = np.sort(keys)
    ranked = np.sort(values)
    pos = np.searchsorted(keys, ranked).clip(max=len(keys) - 1)
    if bool(np.all(keys[pos] == ranked)):
        return np.ones(len(values), dtype=bool)
    return np.isin(values, keys)


def first_repeat(ids: np.ndarray) -> tuple[int, int] | None:
    """The earliest row that repeats an id of an earlier row, and that earlier row; None if the
    ids are distinct."""
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):  # fast path: strictly increasing
        return None
    lo, hi = int(ids.min()), int(ids.max())
    if use_table(lo, hi, len(ids)) and int(np.bincount(ids - lo).max()) < 2:  # count, no sort
        return None
    order = np.argsort(ids, kind="stable")
    ranked = ids[order]
    repeat = ranked[1:] == ranked[:-1]
    if not repeat.any():
        return None
    row = int(order[1:][repeat].min())  # a later occurrence, the earliest such row
    return row, int(np.flatnonzero(ids == ids[row])[0])


class Slots:
    """Dense slots for int64 keys, handed out as keys first appear (the incremental scorer's ids
    of a growing log).

    While every key is a small non-negative number (account ids usually are), a direct table maps
    key to slot. Otherwise the keys live in two sorted tables: a large one, and a small one that
    takes the new keys and is merged into the large one when it reaches an eighth of its size.
    Adding a day's keys then costs a binary search and an insert into the small table, not a copy
    of every key seen so far.
    """

    DIRECT_LIMIT = 1 << 22  # keys below this may use the direct table

    def __init__(self) -> None:
        empty = np.zeros(0, np.int64)
        self.direct: np.ndarray | None = empty  # slot per key, -1 if unseen; None once keys are large
        self.tables = [[empty, empty], [empty, empty]]  # [sorted keys, their slots]: large, small
        self.n = 0

    def __call__(self, keys: np.ndarray) -> np.ndarray:
        """The slot of each key, adding the unseen ones."""
        keys = np.asarray(keys, np.int64)
        if len(keys) == 0:
            return keys
        if self.direct is not None:
            if keys.min() >= 0 and keys.max() < self.DIRECT_LIMIT:
                return self._direct(keys)
            self._add(0, *self.sorted())  # the direct table becomes the sorted one, for good
            self.direct = None
        order = np.argsort(keys, kind="stable")
        wanted = keys[order]  # sorted queries search a large table faster
        slot = np.full(len(keys), -1, np.int64)
        for table, slots in self.tables:
            pos = np.minimum(np.searchsorted(table, wanted), max(len(table) - 1, 0))
            hit = table[pos] == wanted if len(table) else np.zeros(len(wanted), bool)
            slot[hit] = slots[pos[hit]]
        miss = slot < 0
        if miss.any():
            new = wanted[miss]
            new = new[np.append(True, new[1:] != new[:-1])]
            slot[miss] = self.n + np.searchsorted(new, wanted[miss])
            self._add(1, new, np.arange(self.n, self.n + len(new), dtype=np.int64))
            self.n += len(new)
            large, small = self.tables
            if len(small[0]) > max(1024, len(large[0]) // 8):
                self._add(0, *small)
                self.tables[1] = [np.zeros(0, np.int64), np.zeros(0, np.int64)]
        out = np.empty(len(keys), np.int64)
        out[order] = slot
        return out

    def _add(self, level: int, keys: np.ndarray, slots: np.ndarray) -> None:
        """Insert sorted keys, none of them present, into one table."""
        table, table_slots = self.tables[level]
        at = np.searchsorted(table, keys)
        self.tables[level] = [np.insert(table, at, keys), np.insert(table_slots, at, slots)]

    def _direct(self, keys: np.ndarray) -> np.ndarray:
        """The slots of keys below DIRECT_LIMIT, through the direct table."""
        table = self.direct = grow(self.direct, int(keys.max()) + 1, -1)
        slot = table[keys]
        miss = slot < 0
        if miss.any():
            new = np.unique(keys[miss])
            table[new] = np.arange(self.n, self.n + len(new), dtype=np.int64)
            self.n += len(new)
            slot = table[keys]
        return slot

    def sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """Every key in increasing order, and its slot."""
        if self.direct is not None:
            keys = np.flatnonzero(self.direct >= 0).astype(np.int64)
            return keys, self.direct[keys]
        self._add(0, *self.tables[1])
        self.tables[1] = [np.zeros(0, np.int64), np.zeros(0, np.int64)]
        return self.tables[0][0], self.tables[0][1]


def grow(buf: np.ndarray, need: int, fill) -> np.ndarray:
    """``buf`` with room for ``need`` entries on its last axis (doubling), new room filled."""
    cap = buf.shape[-1]
    if need <= cap:
        return buf
    new = np.full(buf.shape[:-1] + (max(need, 2 * cap, 1024),), fill, buf.dtype)
    new[..., :cap] = buf
    return new
