"""Stage 4, DSRs and tmall buyer credits: the accepted DSR's status (DSR-ELIGIBLE, DSR-CAP) and the
tmall buyer credit it gives (DSR-TMALL-BUYER).

``dsr_statuses(ctx, accepted)`` returns the ``Dsr`` part of the ledger.
"""

from __future__ import annotations

import numpy as np

from sim.reputation import log as L
from sim.reputation import scan
from sim.reputation.dedup import combine, sorted_segments
from sim.reputation.ids import pick
from sim.reputation.ledger import Accepted, Dsr
from sim.reputation.view import ChunkContext, account_opened
from sim.timeutil import NEVER, days


def _rank_in_groups(ctx: ChunkContext, rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    """1-based rank of each of ``rows`` within its (pair, natural month), by ``at`` then order_id."""
    pair_rank, multi = ctx.pair_groups
    ranks = np.ones(len(rows), np.int64)  # an order alone in its pair is first
    shared = multi[rows]
    rows = rows[shared]
    key = np.full(ctx.n, -1, np.int64)
    month = ctx.month[rows]
    key[rows] = combine(pair_rank[rows], month - (month.min() if len(month) else 0))
    sorted_rows, start = sorted_segments(rows, key, at, ctx.orders.order_id)
    rank = np.zeros(ctx.n, np.int64)
    rank[sorted_rows] = scan.segmented_cumsum(np.ones(len(sorted_rows), np.int64), start)
    ranks[shared] = rank[rows]
    return ranks


def dsr_statuses(ctx: ChunkContext, acc: Accepted) -> Dsr:
    """Stage 4 for one chunk: the status of each accepted DSR and of the tmall buyer credit it gives."""
    o, a, rules, n = ctx.orders, ctx.actions, ctx.rules, ctx.n
    exists = acc.dsr_row >= 0
    at = pick(a.at, acc.dsr_row, NEVER)
    status = np.full(n, L.COUNTED, np.int8)
    status[ctx.cancelled] = L.CANCELLED
    if rules.min_reviewer_age_days is not None:  # KNOB-REVIEWER-AGE
        young = at - account_opened(ctx.accounts, o.buyer_id) < days(rules.min_reviewer_age_days)
        status = np.where(young, np.minimum(status, L.INELIGIBLE), status)
    status = np.where(ctx.removed, np.minimum(status, L.REMOVED), status)  # SCORE-REMOVED
    if rules.dsr_cap is not None:  # DSR-CAP: the first dsr_cap per (buyer, seller, month)
        live = np.flatnonzero(exists & (status == L.COUNTED))
        over = _rank_in_groups(ctx, live, at) > rules.dsr_cap
        status[live[over]] = L.CAPPED

    # DSR-TMALL-BUYER: a counted DSR of a tmall order is a default good for the buyer.
    rates_described = pick(a.described, acc.dsr_row, 0) > 0
    credit_exists = exists & (status == L.COUNTED) & (o.platform == L.TMALL) & rates_described
    credit_status = np.full(n, L.COUNTED, np.int8)
    if rules.min_amount is not None:
        credit_status[o.amount <= rules.min_amount] = L.INELIGIBLE
    if rules.tmall_buyer_credit_cap is not None:
        live = np.flatnonzero(credit_exists & (credit_status == L.COUNTED))
        over = _rank_in_groups(ctx, live, at) > rules.tmall_buyer_credit_cap
        credit_status[live[over]] = L.CAPPED
    return Dsr(exists, at, status, credit_exists, credit_status)
