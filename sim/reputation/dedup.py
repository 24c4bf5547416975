"""Stage 3, dedup and the clamp: SCORE-DEDUP and SCORE-CLAMP over the units of each pair.

``credit_statuses(ctx, units)`` marks units ``deduplicated`` or ``capped``. The groups are ordered by
``sorted_segments`` (also used for the DSR caps), dedup's greedy anchoring is ``dedup_anchors``, and
the clamp's running sum is ``scan.capped_mask``.
"""

from __future__ import annotations

import numpy as np

from sim.reputation import log as L
from sim.reputation import scan
from sim.reputation.ids import dense_rank
from sim.reputation.ledger import Units
from sim.reputation.view import ChunkContext
from sim.timeutil import days

_BIG = np.int64(1 << 40)  # a cap bound that never binds


def sorted_segments(rows: np.ndarray, group: np.ndarray, time: np.ndarray,
                     order_id: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` sorted by (group, time, order_id), and the start mask of runs of equal group.

    Usually order ids increase with the row, so a stable sort on (group, time) alone gives the
    order_id tie-break; when the two also fit one 64-bit key, one sort does it, three times
    cheaper than sorting by the three keys in turn."""
    if len(rows) == 0:
        return rows, np.zeros(0, bool)
    g, t, oid = group[rows], time[rows], order_id[rows]
    order = None
    if bool((oid[1:] > oid[:-1]).all()):
        t0 = int(t.min())
        span = int(t.max()) - t0 + 1
        if int(g.max()) < (1 << 62) // span:
            order = np.argsort(g * span + (t - t0), kind="stable")
    if order is None:
        order = np.lexsort((oid, t, g))
    rows = rows[order]
    return rows, scan.segment_starts(group[rows])


def combine(*columns: np.ndarray) -> np.ndarray:
    """One int64 group key from non-negative integer columns (dense-ranking when it could overflow)."""
    key = np.zeros(len(columns[0]), np.int64)
    for col in columns:
        col = np.asarray(col, np.int64)
        width = int(col.max()) + 1 if len(col) else 1
        if len(key) and int(key.max()) >= (1 << 62) // width:
            key = dense_rank(key)[0]
        key = key * width + col
    return key


def credit_statuses(ctx: ChunkContext, u: Units) -> None:
    """Stage 3 for one chunk: mark counted units ``deduplicated`` (SCORE-DEDUP) or ``capped``
    (SCORE-CLAMP), in place."""
    rules, n = ctx.rules, ctx.n
    live = u.exists & (u.status == L.COUNTED)
    if not live.any():
        return
    pair_rank, multi = ctx.pair_groups
    flat_status = u.status.reshape(-1)
    direction = np.repeat(np.arange(2, dtype=np.int64), n)
    order_of = np.tile(np.arange(n, dtype=np.int64), 2)
    rating = u.rating.reshape(-1)
    created = ctx.orders.created_at[order_of]
    oid = ctx.orders.order_id[order_of]

    # SCORE-DEDUP: (direction, pair, item or not, sign), ordered by created_at, order_id.
    if rules.dedup_days > 0:
        cand = np.flatnonzero(live.reshape(-1) & (rating != L.NEUTRAL) & multi[order_of])
        if len(cand):
            item = ctx.orders.item_id[order_of[cand]]
            item_rank = dense_rank(item)[0] if rules.dedup_scope == "item" else np.zeros(len(cand), np.int64)
            key = np.full(2 * n, -1, np.int64)
            key[cand] = combine(pair_rank[order_of[cand]], direction[cand], item_rank,
                                 (rating[cand] > 0).astype(np.int64))
            rows, start = sorted_segments(cand, key, created, oid)
            dup = ~dedup_anchors(created[rows], start, days(rules.dedup_days))
            flat_status[rows[dup]] = L.DEDUPLICATED

    # SCORE-CLAMP: (direction, pair, natural month) or (direction, pair), in effect order.
    if rules.cap_period != "none" and (rules.cap_max is not None or rules.cap_min is not None):
        hi = rules.cap_max if rules.cap_max is not None else int(_BIG)
        lo = rules.cap_min if rules.cap_min is not None else -int(_BIG)
        safe = min(hi, -lo)  # a segment this short can never leave [lo, hi]
        alive = (flat_status == L.COUNTED) & u.exists.reshape(-1)
        cand = np.flatnonzero(alive & (multi[order_of] | (safe < 1)))
        if len(cand):
            period = ctx.month[order_of[cand]] if rules.cap_period == "month" else np.zeros(len(cand), np.int64)
            period = period - (period.min() if len(period) else 0)
            key = np.full(2 * n, -1, np.int64)
            key[cand] = combine(pair_rank[order_of[cand]], direction[cand], period)
            eff = u.effective_at.reshape(-1)
            rows, start = sorted_segments(cand, key, eff, oid)
            long = scan.segment_lengths(start) > safe
            rows, start = rows[long], start[long]
            capped = scan.capped_mask(rating[rows], start, lo, hi)
            flat_status[rows[capped]] = L.CAPPED
    u.status = flat_status.reshape(2, n)


def dedup_anchors(created: np.ndarray, start: np.ndarray, window: np.int64) -> np.ndarray:
    """SCORE-DEDUP's greedy anchoring, vectorised. Within each segment (sorted by ``created``), the
    first element is an anchor, and the next anchor is the first element created at least
    ``window`` after the previous anchor.

    With ``next(i)`` = the first element of i's segment at or after ``created[i] + window`` (or a
    sink past the segment's end), the anchors are the orbit of the segment's first element under
    ``next``. Binary lifting finds it: the jump tables ``next^(2^k)`` and the distances to the sink
    come from pointer doubling, then the t-th anchor of every segment is reached by composing the
    jumps of the bits of t. The work is O(n log depth), with no loop per segment or per window.
    """
    n = len(created)
    if n == 0:
        return np.zeros(0, bool)
    seg = scan.segment_ids(start)
    seg_first = np.flatnonzero(start)
    seg_end = np.append(seg_first[1:], n)[seg]  # one past each element's segment
    rel = created - created.min()
    span = np.int64(rel.max()) + np.int64(window) + 1
    key = seg * span + rel  # monotone across the whole array
    nxt = np.searchsorted(key, key + window, side="left")
    sink = n
    jump = np.append(np.where(nxt < seg_end, nxt, sink), sink)  # jump[sink] = sink
    dist = np.append(np.ones(n, np.int64), 0)  # nodes from here to the sink
    jumps = [jump]
    while True:
        further = jump[jump]
        if np.array_equal(further, jump):
            break
        dist = dist + dist[jump]
        jump = further
        jumps.append(jump)
    # The t-th anchor of each segment, t < (number of anchors = distance from its first element).
    count = dist[seg_first]
    first_of = np.repeat(seg_first, count)
    t = np.arange(len(first_of), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    pos = first_of
    for bit, table in enumerate(jumps):
        if not (t >> bit).any():
            break
        pos = np.where((t >> bit) & 1, table[pos], pos)
    anchors = np.zeros(n, dtype=bool)
    anchors[pos] = True
    return anchors
