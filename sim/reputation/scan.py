"""Segmented scans and group helpers: the vectorised building blocks of the scoring core.

Everything here works on arrays already sorted so that each group (segment) is contiguous, and
costs a constant number of numpy passes per element, whatever the lengths of the segments.

The running clamp of SCORE-CLAMP is a scan: the step "add p, then clamp to [lo, hi]" is the map
``s -> clamp(s + a, b, c)``, and the composition of two such maps is again one:

    clamp(clamp(s + a1, b1, c1) + a2, b2, c2) = clamp(s + a1 + a2, clamp(b1 + a2, b2, c2), clamp(c1 + a2, b2, c2))

so the maps form a monoid and the running state is an (inclusive, segmented) prefix composition.
``clamp_scan`` evaluates it with a blocked Hillis-Steele scan: log2(BLOCK) rounds inside blocks of
BLOCK elements, then the same scan over the block totals, recursively. The work per element is
constant, so one pair with 100,000 reviews in a month costs per review what a pair with one does.
"""

from __future__ import annotations

import numpy as np

BLOCK = 32


def segment_starts(*sorted_keys: np.ndarray) -> np.ndarray:
    """Boolean mask of the first element of each run of equal keys (the keys already sorted)."""
    n = len(sorted_keys[0]) if sorted_keys else 0
    start = np.zeros(n, dtype=bool)
    if n == 0:
        return start
    start[0] = True
    for key in sorted_keys:
        start[1:] |= key[1:] != key[:-1]
    return start


def segment_ids(start: np.ndarray) -> np.ndarray:
    """The index of each element's segment, 0-based, from a start mask."""
    return np.cumsum(start, dtype=np.int64) - 1


def segment_lengths(start: np.ndarray) -> np.ndarray:
    """For each element, the length of its segment."""
    ids = segment_ids(start)
    return np.bincount(ids)[ids] if len(ids) else np.zeros(0, np.int64)


def segmented_cumsum(values: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Inclusive running sum of ``values`` that restarts at every segment start."""
    total = np.cumsum(values, dtype=np.int64)
    if len(total) == 0:
        return total
    before = total - values  # exclusive sum
    offset = np.maximum.accumulate(np.where(start, before, np.iinfo(np.int64).min))
    return total - offset


class Segments:
    """The segments of a grouped array, from its start mask. Each element's segment is found once;
    then the "first element of each segment where ..." questions cost a pass over the hits."""

    def __init__(self, start: np.ndarray) -> None:
        self.n = len(start)
        self.id = segment_ids(start)
        self.count = int(self.id[-1]) + 1 if self.n else 0

    def first(self, mask: np.ndarray) -> np.ndarray:
        """Ascending indices of the first element of each segment where ``mask`` holds (segments
        where it never holds have none)."""
        hits = np.flatnonzero(mask)
        if len(hits) > 1:
            seg = self.id[hits]
            keep = np.empty(len(hits), dtype=bool)
            keep[0] = True
            np.not_equal(seg[1:], seg[:-1], out=keep[1:])
            hits = hits[keep]
        return hits

    def mark(self, rows: np.ndarray) -> np.ndarray:
        """A mask that holds at ``rows``."""
        out = np.zeros(self.n, dtype=bool)
        out[rows] = True
        return out

    def after(self, firsts: np.ndarray, inclusive: bool = False) -> np.ndarray:
        """True for each element after (or at, if ``inclusive``) its segment's entry of ``firsts``;
        False in segments without one."""
        pos = np.full(self.count, self.n, np.int64)
        pos[self.id[firsts]] = firsts
        here = np.arange(self.n)
        return here >= pos[self.id] if inclusive else here > pos[self.id]

    def spread(self, values: np.ndarray, firsts: np.ndarray, fill) -> np.ndarray:
        """Give every element of a segment the value that ``values`` (one per entry of ``firsts``)
        holds for its segment, or ``fill``."""
        per_segment = np.full(self.count, fill, dtype=np.asarray(values).dtype)
        per_segment[self.id[firsts]] = values
        return per_segment[self.id]


# --- the clamp-add monoid -------------------------------------------------------------------

def _compose(f1, a1, b1, c1, f2, a2, b2, c2):
    """(x then y) for segmented clamp-add maps; a set flag f2 means y starts a segment."""
    a = a1 + a2
    b = np.minimum(np.maximum(b1 + a2, b2), c2)
    c = np.minimum(np.maximum(c1 + a2, b2), c2)
    return (f1 | f2, np.where(f2, a2, a), np.where(f2, b2, b), np.where(f2, c2, c))


def _scan_rows(f, a, b, c):
    """Inclusive Hillis-Steele scan along axis 1 of (rows, BLOCK) arrays."""
    width = f.shape[1]
    step = 1
    while step < width:
        nf, na, nb, nc = _compose(f[:, :-step], a[:, :-step], b[:, :-step], c[:, :-step],
                                  f[:, step:], a[:, step:], b[:, step:], c[:, step:])
        f = np.concatenate([f[:, :step], nf], axis=1)
        a = np.concatenate([a[:, :step], na], axis=1)
        b = np.concatenate([b[:, :step], nb], axis=1)
        c = np.concatenate([c[:, :step], nc], axis=1)
        step *= 2
    return f, a, b, c


def _scan(f, a, b, c):
    """Inclusive segmented scan of clamp-add maps, blocked so the work per element is constant."""
    n = len(f)
    rows = -(-n // BLOCK)
    pad = rows * BLOCK - n
    if pad:
        # Padding elements start their own segments with the identity map.
        f = np.concatenate([f, np.ones(pad, bool)])
        a = np.concatenate([a, np.zeros(pad, a.dtype)])
        b = np.concatenate([b, np.full(pad, np.iinfo(np.int64).min // 4)])
        c = np.concatenate([c, np.full(pad, np.iinfo(np.int64).max // 4)])
    shape = (rows, BLOCK)
    f, a, b, c = _scan_rows(f.reshape(shape), a.reshape(shape), b.reshape(shape), c.reshape(shape))
    if rows > 1:
        tf, ta, tb, tc = _scan(f[:, -1].copy(), a[:, -1].copy(), b[:, -1].copy(), c[:, -1].copy())
        # Exclusive prefix of each row: the scanned total of the rows before it.
        pf = np.concatenate([[True], tf[:-1]])
        pa = np.concatenate([[0], ta[:-1]])
        pb = np.concatenate([[np.iinfo(np.int64).min // 4], tb[:-1]])
        pc = np.concatenate([[np.iinfo(np.int64).max // 4], tc[:-1]])
        f, a, b, c = _compose(pf[:, None], pa[:, None], pb[:, None], pc[:, None], f, a, b, c)
    return f.ravel()[:n], a.ravel()[:n], b.ravel()[:n], c.ravel()[:n]


def clamp_scan(points: np.ndarray, start: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Running clamped sum per segment (SCORE-CLAMP): ``s_k = clamp(s_{k-1} + p_k, lo, hi)``, ``s = 0`` at
    each segment start. Returns the state after each element."""
    n = len(points)
    if n == 0:
        return np.zeros(0, np.int64)
    p = np.asarray(points, dtype=np.int64)
    f = np.asarray(start, dtype=bool)
    _, a, b, c = _scan(f.copy(), p.copy(), np.full(n, lo, np.int64), np.full(n, hi, np.int64))
    return np.minimum(np.maximum(a, b), c)  # the composed map applied to s = 0


def capped_mask(points: np.ndarray, start: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """True for each element whose points would push its segment's running sum outside [lo, hi]."""
    state = clamp_scan(points, start, lo, hi)
    before = np.where(start, 0, np.concatenate([[0], state[:-1]]))
    after = before + np.asarray(points, dtype=np.int64)
    return (after > hi) | (after < lo)
