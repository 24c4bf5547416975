"""Stage 1, accepting actions: each party's actions on each order are reduced to at most one review
(the accepted rate, plus its accepted change) and one DSR; every other action gets ``invalid``,
``outside_window`` or ``pending`` (REV-ACTIONS, REV-MODIFY, DSR-ELIGIBLE; docs/scoring.md section 1).

``accept(ctx)`` returns the ``Accepted`` part of the ledger.
"""

from __future__ import annotations

import numpy as np

from sim.reputation import log as L
from sim.reputation import scan
from sim.reputation.ledger import Accepted
from sim.reputation.view import ChunkContext, account_opened
from sim.timeutil import NEVER, days


def group_sorted(key: np.ndarray, *within: np.ndarray) -> np.ndarray:
    """A permutation that makes ``key`` groups contiguous, each sorted by the ``within`` keys (most
    significant first, then input order). Only groups of more than one element are sorted: most
    groups are singletons and need no sort."""
    n = len(key)
    if n == 0:
        return np.zeros(0, np.int64)
    counts = np.bincount(key)
    multi = counts[key] > 1
    single_rows = np.flatnonzero(~multi)
    multi_rows = np.flatnonzero(multi)
    if len(multi_rows):
        sub = np.lexsort([k[multi_rows] for k in reversed(within)] + [key[multi_rows]])
        multi_rows = multi_rows[sub]
    return np.concatenate([single_rows, multi_rows])



def _first_accepted(valid, inside, segments: scan.Segments):
    """Per segment, the first row that is valid and inside its window is accepted; a valid row after
    an accepted one is a second attempt (invalid); a valid row outside the window with none accepted
    before it is outside_window (REV-ACTIONS). Returns the accepted rows, their mask and the
    statuses."""
    firsts = segments.first(valid & inside)
    after = segments.after(firsts)
    status = np.where(~valid | after, L.INVALID, np.where(inside, -1, L.OUTSIDE_WINDOW))
    return firsts, segments.mark(firsts), status.astype(np.int8)


def accept(ctx: ChunkContext) -> Accepted:
    """Stage 1 for one chunk: every action's own status, and the accepted review, change and DSR."""
    o, a, rules, n = ctx.orders, ctx.actions, ctx.rules, ctx.n
    m = len(a)
    row_status = np.full(m, -1, np.int8)
    now = a.at <= ctx.as_of
    row_status[~now] = L.PENDING  # REV-ACTIONS: actions after the as-of time
    orow = ctx.order_row
    success = o.success_at[orow]
    taobao = o.platform[orow] == L.TAOBAO
    rate_row = np.full((2, n), -1, np.int64)
    change_row = np.full((2, n), -1, np.int64)

    # Credit actions, grouped by (order, author), in time order (ties: rate, modify, delete; bad
    # before good) -- docs/scoring.md section 1.
    credit = np.flatnonzero(now & (a.action != L.DSR))
    key = orow[credit] * 2 + a.author[credit]
    perm = credit[group_sorted(key, a.at[credit], a.action[credit], a.rating[credit])]
    segments = scan.Segments(scan.segment_starts(orow[perm] * 2 + a.author[perm]))
    at, rating = a.at[perm], a.rating[perm]
    is_rate = a.action[perm] == L.RATE
    valid_rate = is_rate & taobao[perm] & (at >= success[perm])  # REV-TMALL, REV-ELIGIBLE
    inside = at <= success[perm] + ctx.window  # REV-WINDOW
    # Only rate rows compete for acceptance here; change rows are judged below.
    rate_first, accepted, rate_status = _first_accepted(valid_rate, inside, segments)
    # The accepted rate's time and rating, spread over its group.
    rate_at = segments.spread(at[rate_first], rate_first, NEVER)
    rate_rating = segments.spread(rating[rate_first], rate_first, np.int8(L.NO_RATING))
    has_rate = rate_at < NEVER
    accepted_before = segments.after(rate_first, inclusive=True)
    is_change = ~is_rate
    valid_change = (is_change & has_rate & accepted_before & (rate_rating != L.GOOD)
                    & ((a.action[perm] == L.DELETE) | (rating == L.GOOD))
                    & (rules.modifications_allowed > 0))  # REV-MODIFY
    inside_change = at <= rate_at + ctx.modify_window
    _, change_accepted, change_status = _first_accepted(valid_change, inside_change, segments)
    # A rate row's verdict comes from the rate competition; a change row's from the change one.
    # (_first_accepted counts "after" among its own candidates only.)
    row_status[perm] = np.where(is_rate, rate_status, change_status)
    # SCORE-STATUS-ORDER: cancelled and ineligible outrank outside_window. A change was "given"
    # with the review it changes, so the reviewer's age is taken at the accepted rate.
    given_at = np.where(is_rate, at, rate_at)
    _outrank_window(ctx, row_status, perm, given_at, credit=True)
    authors = a.author[perm]
    rate_row[authors[accepted], orow[perm][accepted]] = perm[accepted]
    change_row[authors[change_accepted], orow[perm][change_accepted]] = perm[change_accepted]

    # DSRs, grouped by order (DSR-ELIGIBLE): only the buyer rates; the first in the window counts.
    dsr = np.flatnonzero(now & (a.action == L.DSR))
    dkey = orow[dsr]
    dperm = dsr[group_sorted(dkey, a.at[dsr], a.author[dsr], a.described[dsr], a.service[dsr],
                              a.shipping[dsr], a.logistics[dsr])]
    dsegments = scan.Segments(scan.segment_starts(orow[dperm]))
    valid_dsr = (a.author[dperm] == L.BUYER) & (a.at[dperm] >= success[dperm])
    inside_dsr = a.at[dperm] <= success[dperm] + ctx.dsr_window
    _, dsr_accepted, dsr_status = _first_accepted(valid_dsr, inside_dsr, dsegments)
    row_status[dperm] = dsr_status
    _outrank_window(ctx, row_status, dperm, a.at[dperm], credit=False)
    dsr_row = np.full(n, -1, np.int64)
    dsr_row[orow[dperm][dsr_accepted]] = dperm[dsr_accepted]
    return Accepted(row_status, rate_row, change_row, dsr_row)


def _outrank_window(ctx: ChunkContext, row_status: np.ndarray, rows: np.ndarray, given_at: np.ndarray,
                    credit: bool) -> None:
    """Give ``outside_window`` rows the ``cancelled`` or ``ineligible`` status that outranks it."""
    late = row_status[rows] == L.OUTSIDE_WINDOW
    if not late.any():
        return
    rows, given_at = rows[late], given_at[late]
    orow = ctx.order_row[rows]
    status = np.full(len(rows), L.OUTSIDE_WINDOW, np.int8)
    ineligible = np.zeros(len(rows), bool)
    if credit and ctx.rules.min_amount is not None:
        ineligible |= ctx.orders.amount[orow] <= ctx.rules.min_amount
    if ctx.rules.min_reviewer_age_days is not None:
        author_id = np.where(ctx.actions.author[rows] == L.BUYER, ctx.orders.buyer_id[orow], ctx.orders.seller_id[orow])
        ineligible |= given_at - account_opened(ctx.accounts, author_id) < days(ctx.rules.min_reviewer_age_days)
    status[ineligible] = L.INELIGIBLE
    status[ctx.cancelled[orow]] = L.CANCELLED
    row_status[rows] = status

