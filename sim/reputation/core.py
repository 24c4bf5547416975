"""The vectorised scoring core: (orders, actions, rule set, as-of) -> statuses and account scores.

A pure function with no SimPy and no Python loop per review, pair or month: sorts, segmented
scans (``sim.reputation.scan``) and scatter/gather over columnar arrays. ``docs/scoring.md`` is
its contract, and ``sim.reputation.reference`` its slow, obvious twin; the property tests hold the
two to identical results.

The stages:

1. ``_accept``: each party's actions on each order are reduced to at most one *review* (the
   accepted rate, plus its accepted change) and one DSR; every other action gets ``invalid``,
   ``outside_window`` or ``pending`` (REV-ACTIONS, REV-MODIFY, DSR-ELIGIBLE).
2. ``_units``: one unit per (order, direction): the given review or the system default
   (REV-DEFAULT-GOOD), with its effect time (REV-EFFECT, REV-HOLD, SCORE-FINAL-RATING).
3. ``_credit_statuses``: the status precedence, then SCORE-DEDUP and SCORE-CLAMP.
4. ``_dsr_statuses``: DSR-CAP and the tmall buyer credits (DSR-TMALL-BUYER).
5. ``_accounts``: credit, level, counts, positive rate and DSR means per account.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np

from sim.reputation import log as L
from sim.reputation import chunking, scan
from sim.reputation.log import Accounts, Actions, Orders, ScoreResult, default_as_of
from sim.rules.ruleset import RuleSet
from sim.timeutil import FOREVER, NEVER, days, hours, month_index

_BIG = np.int64(1 << 40)  # a cap bound that never binds
#: A lookup table over an id range this small costs less than sorting even a few ids.
_SMALL_TABLE = 1 << 18


#: Orders per chunk of the evaluation, at most. A chunk holds whole sellers, so whole pairs
#: (SCORE-SCOPE), and is scored on its own: its sorts stay short and its temporaries small and
#: reused. Each chunk gathers its rows from the whole log, so fewer, bigger chunks read less memory,
#: but two chunks in flight hold more: at 10M orders 2^19 and 2^20 scored about as fast, and 2^19
#: ran a cold ``repsim score`` faster, with 0.35 GB less peak memory.
CHUNK_ORDERS = 1 << 19
#: Smaller logs are cut into one chunk per worker, down to chunks of this size.
MIN_CHUNK_ORDERS = 1 << 16


def default_workers() -> int:
    """Threads for chunked evaluation: the CPUs this process may use (numpy releases the GIL in
    the heavy array passes, so chunks run in parallel)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def score(orders: Orders, actions: Actions, rules: RuleSet, as_of: int | None = None,
          accounts: Accounts | None = None, workers: int | None = None,
          chunk_orders: int | None = None) -> ScoreResult:
    """Score a review log under ``rules`` as of ``as_of`` (SCORE-DEFAULT-AS-OF when None).

    The log is scored in chunks of about ``chunk_orders`` orders of whole sellers
    (``sim.reputation.chunking``; by default one per worker, between ``MIN_CHUNK_ORDERS`` and
    ``CHUNK_ORDERS``), by ``workers`` threads (default: every CPU this process may use). Neither
    changes the result, to the last bit.
    """
    if as_of is None:
        as_of = default_as_of(orders, actions)
    workers = workers or default_workers()
    if chunk_orders is None:
        chunk_orders = min(CHUNK_ORDERS, max(MIN_CHUNK_ORDERS, -(-len(orders) // workers)))
    rows = chunking.row_type(len(orders))
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The buyer ranks are made in a second thread beside the order rows, the seller ranks and
        # the plan (these whole-log passes are mostly page faults, which two threads take in
        # about two thirds of the time of one, 10M orders).
        buyers = pool.submit(dense_rank, orders.buyer_id, rows)
        order_row = order_rows(orders.order_id, actions.order_id, rows)
        sellers = dense_rank(orders.seller_id, rows)
        plan = chunking.plan(sellers[0], len(sellers[1]), order_row, chunk_orders)
        view = _View(orders, actions, rules, np.int64(as_of), ranks=(buyers.result(), sellers))
    if plan is None:
        chunks = [lambda: chunking.whole(order_row.astype(np.int64), len(view.seller_ids))]
    else:
        chunks = plan.chunks()
        del order_row  # the plan keeps its own, smaller copy
    totals = _Totals(view, with_rows=True)
    _sum_chunks(view, accounts, chunks, totals, workers)
    # Let the plan go before the result rows are built: fresh memory is slow to fault in, and
    # the rows can reuse the plan's.
    del plan, chunks
    return totals.result()


@dataclass
class Ledger:
    """Everything scoring decides, per order and per action, before account scores are summed.

    The incremental scorer keeps one Ledger for the whole log and refreshes it pair by pair.
    """

    accepted: "_Accepted"
    units: "_Units"
    dsr: "_Dsr"


def evaluate(orders: Orders, actions: Actions, rules: RuleSet, as_of: int,
             accounts: Accounts | None = None) -> Ledger:
    """Stages 1-4 in one piece: statuses and effect times of every action, review and DSR."""
    view = _View(orders, actions, rules, np.int64(as_of))
    whole = chunking.whole(order_rows(orders.order_id, actions.order_id), len(view.seller_ids))
    return _evaluate(_Context(view, accounts, whole))


def _evaluate(ctx: "_Context") -> Ledger:
    acc = _accept(ctx)
    units = _units(ctx, acc)
    _credit_statuses(ctx, units)
    dsr = _dsr_statuses(ctx, acc)
    return Ledger(acc, units, dsr)


def assemble(orders: Orders, actions: Actions, rules: RuleSet, as_of: int, ledger: Ledger) -> ScoreResult:
    """Stage 5: result rows and account scores from a ledger of the whole log."""
    return _sum_ledger(orders, actions, rules, as_of, ledger, with_rows=True).result()


def account_scores(orders: Orders, actions: Actions, rules: RuleSet, as_of: int,
                   ledger: Ledger) -> tuple[L.SellerScores, L.BuyerScores]:
    """Only the account scores of ``assemble`` (what a market needs every day)."""
    totals = _sum_ledger(orders, actions, rules, as_of, ledger, with_rows=False)
    return totals.sellers(), totals.buyers()


def _sum_ledger(orders, actions, rules, as_of, ledger: Ledger, with_rows: bool) -> "_Totals":
    view = _View(orders, actions, rules, np.int64(as_of))
    totals = _Totals(view, with_rows)
    # The ledger already holds every action's verdict; no order row is needed.
    whole = chunking.whole(np.zeros(0, np.int64), len(view.seller_ids))
    _sum_chunks(view, None, [lambda: whole], totals, 1, ledger)
    return totals


class _View:
    """The whole log, the rules, the as-of time and the account ranks."""

    def __init__(self, orders: Orders, actions: Actions, rules: RuleSet, as_of: np.int64,
                 ranks: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        """``ranks``: the ``dense_rank`` of the buyer and of the seller ids, if already made."""
        self.orders, self.actions, self.rules, self.as_of = orders, actions, rules, as_of
        self.n = len(orders)
        if ranks is None:  # 32-bit ranks while they fit: they live through the whole scoring.
            rows = chunking.row_type(self.n)
            ranks = dense_rank(orders.buyer_id, rows), dense_rank(orders.seller_id, rows)
        (self.buyer_rank, self.buyer_ids), (self.seller_rank, self.seller_ids) = ranks


class _Context:
    """One chunk: its orders and actions, the rule set's windows in seconds, and per-order derived
    columns. ``chunk.order_row`` is the chunk row of each of its actions' orders."""

    def __init__(self, view: _View, accounts: Accounts | None, chunk: chunking.Chunk) -> None:
        rules = view.rules
        self.chunk = chunk
        self.orders, self.actions = _Gathered(view.orders, chunk.rows), _Gathered(view.actions, chunk.acts)
        self.rules, self.as_of, self.accounts = rules, view.as_of, accounts
        self.n = len(self.orders)
        self.window = days(rules.review_window_days)  # REV-WINDOW
        self.modify_window = days(rules.modify_window_days)  # REV-MODIFY
        self.dsr_window = days(rules.dsr_window_days)  # DSR-ELIGIBLE
        self.delay = hours(rules.mutual_delay_hours)  # REV-EFFECT
        self.order_row = chunk.order_row
        self.seller_rank = view.seller_rank[chunk.rows] - chunk.sellers.start
        self.seller_ids = view.seller_ids[chunk.sellers]
        self.buyer_rank = view.buyer_rank[chunk.rows]
        o = self.orders
        self.cancelled = (o.refund == L.NOT_RECEIVED) | (o.refund == L.RETURN)  # REV-ELIGIBLE
        self.removed = o.removed_at <= view.as_of  # SCORE-REMOVED
        self.month = month_index(o.created_at)  # TIME-MONTH

    @functools.cached_property
    def pair_groups(self) -> tuple[np.ndarray, np.ndarray]:
        """A dense pair number of each order (SCORE-SCOPE), and whether its pair has more than one
        order (only those can collide in dedup or the caps).

        Most pairs have one order, so a hash count first finds the orders that may share a pair
        (a collision only lets a lone order in), and only those are sorted into exact groups; every
        other order is a pair of its own.
        """
        n = self.n
        pair = self.buyer_rank * np.int64(len(self.seller_ids)) + self.seller_rank
        bits = max(10, n.bit_length() + 2)
        slot = ((pair.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits)).astype(np.intp)
        maybe = np.bincount(slot, minlength=1 << bits)[slot] > 1
        rank = np.empty(n, np.int64)
        shared_rank, _ = dense_rank(pair[maybe])
        rank[maybe] = shared_rank
        groups = int(shared_rank.max()) + 1 if len(shared_rank) else 0
        rank[~maybe] = np.arange(groups, groups + n - len(shared_rank))
        multi = np.zeros(n, bool)
        multi[maybe] = np.bincount(shared_rank)[shared_rank] > 1 if len(shared_rank) else False
        return rank, multi

    def input_rows(self, local: np.ndarray) -> np.ndarray:
        """Input rows of chunk orders."""
        rows = self.chunk.rows
        return local if isinstance(rows, slice) else rows[local]


class _Gathered:
    """Some rows of a columnar table, each column gathered on first use: a rule set leaves some
    columns unused, and gathering is the costly part of cutting a chunk."""

    def __init__(self, table, rows: np.ndarray | slice) -> None:
        self._table, self._rows = table, rows
        self._len = len(table) if isinstance(rows, slice) else len(rows)

    def __len__(self) -> int:
        return self._len

    def __getattr__(self, name: str) -> np.ndarray:
        column = getattr(self._table, name)[self._rows]
        setattr(self, name, column)  # cached: __getattr__ is not called again for it
        return column


def _sum_chunks(view: _View, accounts: Accounts | None, chunks: list[Callable[[], chunking.Chunk]],
                totals: "_Totals", workers: int, ledger: Ledger | None = None) -> None:
    """Stages 1-5 chunk by chunk, in ``workers`` threads, into ``totals``. ``chunks`` make their
    chunk when called, so that only the chunks being scored are in memory.

    With reviewer weighting (KNOB-REVIEWER-WEIGHT) a review's weight depends on its author's buyer
    credit over the whole log, so the chunks are evaluated twice: once for that credit, once for
    the points.
    """
    def run(step):
        def task(k: int) -> None:
            ctx = _Context(view, accounts, chunks[k]())
            step(k, ctx, ledger if ledger is not None else _evaluate(ctx))
        if workers == 1 or len(chunks) == 1:
            for k in range(len(chunks)):
                task(k)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(task, range(len(chunks))))

    weight = None
    if view.rules.reviewer_weight == "buyer_credit":
        run(totals.add_plain_buyer_points)
        weight = totals.reviewer_weight()
    run(lambda k, ctx, led: totals.add(k, ctx, led, weight))


# --- helpers over ids -------------------------------------------------------------------------

def dense_rank(ids: np.ndarray, dtype: type = np.int64) -> tuple[np.ndarray, np.ndarray]:
    """(rank of each id among the sorted distinct ids, as ``dtype``; the sorted distinct ids)."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) == 0:
        return np.zeros(0, dtype), np.zeros(0, np.int64)
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo <= max(4 * len(ids), _SMALL_TABLE):  # dense enough ids: a lookup table, no sort
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


def order_rows(order_ids: np.ndarray, wanted: np.ndarray, dtype: type = np.int64) -> np.ndarray:
    """Row of each wanted order_id in ``order_ids``, as ``dtype``; raises ValueError for an unknown
    id."""
    order_ids = np.asarray(order_ids, np.int64)
    wanted = np.asarray(wanted, np.int64)
    if len(wanted) == 0:
        return np.zeros(0, dtype)
    if len(order_ids) == 0:
        raise ValueError(f"review of unknown order {int(wanted[0])}")
    lo, hi = int(order_ids.min()), int(order_ids.max())
    if hi - lo + 1 == len(order_ids) and bool((order_ids[1:] > order_ids[:-1]).all()):
        # The ids are lo, lo + 1, ..., hi in row order. (An id out of range may wrap around in
        # ``dtype``; it is marked unknown next.)
        rows = np.subtract(wanted, lo, dtype=dtype, casting="unsafe")
        rows[(wanted < lo) | (wanted > hi)] = -1
    elif hi - lo <= max(4 * len(order_ids), _SMALL_TABLE):
        table = np.full(hi - lo + 1, -1, dtype)
        table[order_ids - lo] = np.arange(len(order_ids))
        inside = (wanted >= lo) & (wanted <= hi)
        rows = np.full(len(wanted), -1, dtype)
        rows[inside] = table[wanted[inside] - lo]
    else:
        order = np.argsort(order_ids, kind="stable")
        pos = np.searchsorted(order_ids[order], wanted)
        pos = np.minimum(pos, len(order) - 1)
        rows = np.where(order_ids[order][pos] == wanted, order[pos], -1).astype(dtype, copy=False)
    if (rows < 0).any():
        raise ValueError(f"review of unknown order {int(wanted[rows < 0][0])}")
    return rows


def pick(values: np.ndarray, rows: np.ndarray, fill) -> np.ndarray:
    """``values[rows]`` where ``rows >= 0``, else ``fill`` (rows of -1 mean "none")."""
    return np.append(values, np.asarray(fill, values.dtype))[rows]  # row -1 reads the appended fill


def _group_sorted(key: np.ndarray, *within: np.ndarray) -> np.ndarray:
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


# --- 1. accepting actions ----------------------------------------------------------------------

@dataclass
class _Accepted:
    """Per action row: its status where the action itself decides it (else -1), and per order and
    author the accepted review; per order the accepted DSR."""

    row_status: np.ndarray  # int8 per action, -1 where the review's status applies
    rate_row: np.ndarray  # (2, n) action row of the accepted rate, -1 if none
    change_row: np.ndarray  # (2, n) action row of the accepted modify/delete, -1 if none
    dsr_row: np.ndarray  # (n,) action row of the accepted DSR, -1 if none


def _first_accepted(valid, inside, segments: scan.Segments):
    """Per segment, the first row that is valid and inside its window is accepted; a valid row after
    an accepted one is a second attempt (invalid); a valid row outside the window with none accepted
    before it is outside_window (REV-ACTIONS). Returns the accepted rows, their mask and the
    statuses."""
    firsts = segments.first(valid & inside)
    after = segments.after(firsts)
    status = np.where(~valid | after, L.INVALID, np.where(inside, -1, L.OUTSIDE_WINDOW))
    return firsts, segments.mark(firsts), status.astype(np.int8)


def _accept(ctx: _Context) -> _Accepted:
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
    perm = credit[_group_sorted(key, a.at[credit], a.action[credit], a.rating[credit])]
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
    dperm = dsr[_group_sorted(dkey, a.at[dsr], a.author[dsr], a.described[dsr], a.service[dsr],
                              a.shipping[dsr], a.logistics[dsr])]
    dsegments = scan.Segments(scan.segment_starts(orow[dperm]))
    valid_dsr = (a.author[dperm] == L.BUYER) & (a.at[dperm] >= success[dperm])
    inside_dsr = a.at[dperm] <= success[dperm] + ctx.dsr_window
    _, dsr_accepted, dsr_status = _first_accepted(valid_dsr, inside_dsr, dsegments)
    row_status[dperm] = dsr_status
    _outrank_window(ctx, row_status, dperm, a.at[dperm], credit=False)
    dsr_row = np.full(n, -1, np.int64)
    dsr_row[orow[dperm][dsr_accepted]] = dperm[dsr_accepted]
    return _Accepted(row_status, rate_row, change_row, dsr_row)


def _outrank_window(ctx: _Context, row_status: np.ndarray, rows: np.ndarray, given_at: np.ndarray,
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


# --- 2. units: one credit review per (order, direction) ----------------------------------------

@dataclass
class _Units:
    """Arrays of shape (2, n): index 0 is the buyer's review of the seller, 1 the seller's of the buyer."""

    exists: np.ndarray  # bool
    default: np.ndarray  # bool: a system default review (REV-DEFAULT-GOOD)
    given_at: np.ndarray  # int64
    rating: np.ndarray  # int8: the final rating (SCORE-FINAL-RATING)
    effective_at: np.ndarray  # int64
    status: np.ndarray  # int8


def _units(ctx: _Context, acc: _Accepted) -> _Units:
    o, a, rules, n = ctx.orders, ctx.actions, ctx.rules, ctx.n
    has = acc.rate_row >= 0
    g = pick(a.at, acc.rate_row, NEVER)
    orig = pick(a.rating, acc.rate_row, L.NO_RATING)
    changed = acc.change_row >= 0
    m = pick(a.at, acc.change_row, NEVER)  # time of the accepted change
    deleted = pick(a.action, acc.change_row, -1) == L.DELETE
    final = np.where(changed & ~deleted, np.int8(L.GOOD), orig).astype(np.int8)
    success = o.success_at

    # REV-DEFAULT-GOOD: at T = success + W, a silent party gives a default good to a party whose
    # review is good at T (after any change made by then). A deleted review counts as given.
    close = success + ctx.window
    default = np.zeros((2, n), dtype=bool)
    if rules.default_good and rules.review_window_days is not None:
        can = (o.platform == L.TAOBAO) & ~ctx.cancelled & (close <= ctx.as_of)
        good_at_close = has & ~(deleted & (m <= close)) & ((orig == L.GOOD) | (m <= close))
        default[0] = can & good_at_close[1] & ~has[0]  # the buyer's default review of the seller
        default[1] = can & good_at_close[0] & ~has[1]

    # REV-EFFECT / REV-HOLD / SCORE-FINAL-RATING: docs/scoring.md section 3.
    if rules.delayed_effect:
        other_g, other_m, other_orig, other_has = g[::-1], m[::-1], orig[::-1], has[::-1]
        # The other party's review is neutral or bad at the instant this one is given.
        other_nongood_at_g = other_has & (other_g <= g) & ~(other_m <= g) & (other_orig != L.GOOD)
        good_at_g = (orig == L.GOOD) | (m <= g)
        held = np.where(other_nongood_at_g, g + ctx.delay, g)
        # With no review window, a one-sided neutral or bad review waits for ever.
        alone = close + ctx.delay if rules.review_window_days is not None else np.full(n, NEVER)
        mutual = np.where(other_has, np.maximum(g, other_g) + ctx.delay, alone)
        eff = np.where(good_at_g, held, mutual)
        eff = np.where(changed & ~deleted, np.minimum(eff, m), eff)
    else:
        eff = g.copy()
    eff = np.where(default, close, np.where(has, eff, NEVER))

    exists = has | default
    given_at = np.where(default, close, g)
    rating = np.where(default, np.int8(L.GOOD), final).astype(np.int8)

    # SCORE-STATUS-ORDER, up to `pending`; dedup and the clamp follow in _credit_statuses.
    status = np.full((2, n), L.COUNTED, np.int8)
    status[:, ctx.cancelled] = L.CANCELLED
    ineligible = np.zeros((2, n), dtype=bool)
    if rules.min_amount is not None:  # KNOB-MIN-AMOUNT
        ineligible |= (o.amount <= rules.min_amount)[None, :]
    if rules.min_reviewer_age_days is not None:  # KNOB-REVIEWER-AGE
        for author, ids in ((L.BUYER, o.buyer_id), (L.SELLER, o.seller_id)):
            opened = account_opened(ctx.accounts, ids)
            ineligible[author] |= given_at[author] - opened < days(rules.min_reviewer_age_days)
    status = np.where(ineligible, np.minimum(status, L.INELIGIBLE), status)
    status = np.where(deleted, np.minimum(status, L.SUPERSEDED), status)
    status = np.where(ctx.removed[None, :], np.minimum(status, L.REMOVED), status)  # SCORE-REMOVED
    status = np.where(eff > ctx.as_of, np.minimum(status, L.PENDING), status)  # SCORE-EFFECTIVE-ONLY
    return _Units(exists, default, given_at, rating, eff, status.astype(np.int8))


def account_opened(accounts: Accounts | None, ids: np.ndarray) -> np.ndarray:
    """When each account was opened; an account missing from the table counts as always there."""
    out = np.full(len(ids), -NEVER, np.int64)
    if accounts is None or len(accounts) == 0:
        return out
    order = np.argsort(accounts.account_id, kind="stable")
    table = accounts.account_id[order]
    pos = np.minimum(np.searchsorted(table, ids), len(table) - 1)
    found = table[pos] == ids
    out[found] = accounts.created_at[order][pos[found]]
    return out


# --- 3. dedup and clamp -----------------------------------------------------------------------

def _sorted_segments(rows: np.ndarray, group: np.ndarray, time: np.ndarray,
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


def _combine(*columns: np.ndarray) -> np.ndarray:
    """One int64 group key from non-negative integer columns (dense-ranking when it could overflow)."""
    key = np.zeros(len(columns[0]), np.int64)
    for col in columns:
        col = np.asarray(col, np.int64)
        width = int(col.max()) + 1 if len(col) else 1
        if len(key) and int(key.max()) >= (1 << 62) // width:
            key = dense_rank(key)[0]
        key = key * width + col
    return key


def _credit_statuses(ctx: _Context, u: _Units) -> None:
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
            key[cand] = _combine(pair_rank[order_of[cand]], direction[cand], item_rank,
                                 (rating[cand] > 0).astype(np.int64))
            rows, start = _sorted_segments(cand, key, created, oid)
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
            key[cand] = _combine(pair_rank[order_of[cand]], direction[cand], period)
            eff = u.effective_at.reshape(-1)
            rows, start = _sorted_segments(cand, key, eff, oid)
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


# --- 4. DSRs and tmall buyer credits ----------------------------------------------------------

@dataclass
class _Dsr:
    """Per order: the accepted DSR's status, and the tmall buyer credit it gives (DSR-TMALL-BUYER)."""

    exists: np.ndarray  # bool
    at: np.ndarray  # int64
    status: np.ndarray  # int8
    credit_exists: np.ndarray  # bool: a tmall buyer-credit row
    credit_status: np.ndarray  # int8


def _rank_in_groups(ctx: _Context, rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    """1-based rank of each of ``rows`` within its (pair, natural month), by ``at`` then order_id."""
    pair_rank, multi = ctx.pair_groups
    ranks = np.ones(len(rows), np.int64)  # an order alone in its pair is first
    shared = multi[rows]
    rows = rows[shared]
    key = np.full(ctx.n, -1, np.int64)
    month = ctx.month[rows]
    key[rows] = _combine(pair_rank[rows], month - (month.min() if len(month) else 0))
    sorted_rows, start = _sorted_segments(rows, key, at, ctx.orders.order_id)
    rank = np.zeros(ctx.n, np.int64)
    rank[sorted_rows] = scan.segmented_cumsum(np.ones(len(sorted_rows), np.int64), start)
    ranks[shared] = rank[rows]
    return ranks


def _dsr_statuses(ctx: _Context, acc: _Accepted) -> _Dsr:
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
    return _Dsr(exists, at, status, credit_exists, credit_status)


# --- 5. result rows ---------------------------------------------------------------------------

_EFFECT_STAGE = L.SUPERSEDED  # statuses after this one have an effect time to show


def _plain_points(ctx: _Context, ledger: Ledger) -> tuple[np.ndarray, np.ndarray]:
    """Points per unit (2, n) and per tmall credit (n,) before decay and weighting."""
    u, dsr = ledger.units, ledger.dsr
    points = np.where(u.exists & (u.status == L.COUNTED), u.rating, 0).astype(np.float64)
    credit_points = (dsr.credit_exists & (dsr.credit_status == L.COUNTED)).astype(np.float64)
    return points, credit_points


def _weights(ctx: _Context, ledger: Ledger, weight: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Points per unit (2, n) and per tmall credit (n,), with reviewer weighting (``weight``, per
    buyer rank) and decay (KNOB-REVIEWER-WEIGHT, KNOB-DECAY)."""
    rules, as_of, u, dsr = ctx.rules, ctx.as_of, ledger.units, ledger.dsr
    points, credit_points = _plain_points(ctx, ledger)
    if weight is not None:
        points[0] *= weight[ctx.buyer_rank]
    if rules.credit_half_life_days is not None:
        half_life = float(days(rules.credit_half_life_days))
        points *= np.exp2(-(as_of - np.minimum(u.effective_at, as_of)) / half_life)
        credit_points *= np.exp2(-(as_of - np.minimum(dsr.at, as_of)) / half_life)
    return points, credit_points


class _Totals:
    """What the chunks contribute, gathered in input order, and summed up into the result.

    Per order, the buyer side (points and counted ratings) is kept in input order so that buyer
    sums run over the whole log in one pass and do not depend on the chunking, to the last bit.
    With whole-number points (``rules.integral``) the counted ratings alone give the buyer credit,
    exactly, and the points are not kept. Sellers are whole in one chunk; each chunk's seller
    scores are final.
    """

    def __init__(self, view: _View, with_rows: bool) -> None:
        n, m = view.n, len(view.actions)
        self.view = view
        self.whole_points = view.rules.integral
        if not self.whole_points:
            self.buyer_points = np.zeros(n)  # the seller's review of the buyer
            self.credit_points = np.zeros(n)  # the tmall buyer credit (DSR-TMALL-BUYER)
        self.buyer_rating = np.empty(n, np.int8)  # of the counted seller review, else NO_RATING
        self.credit_counted = np.empty(n, bool)
        self.with_rows = with_rows
        if with_rows:
            self.status = np.empty(m, np.int8)
            self.effective_at = np.empty(m, np.int64)
            self.points = np.empty(m, np.float64)
            self.system: dict[int, tuple] = {}
        self.seller_parts: dict[int, L.SellerScores] = {}

    def add_plain_buyer_points(self, k: int, ctx: _Context, ledger: Ledger) -> None:
        points, credit_points = _plain_points(ctx, ledger)
        self.buyer_points[ctx.chunk.rows] = points[1]
        self.credit_points[ctx.chunk.rows] = credit_points

    def reviewer_weight(self) -> np.ndarray:
        """Per buyer rank: the weight of the buyer's reviews, from its plain buyer credit (counted
        points, before any decay)."""
        rules = self.view.rules
        return np.clip(self._buyer_points_sum() / rules.reviewer_weight_full_credit,
                       rules.reviewer_weight_floor, 1.0)

    def _buyer_points_sum(self) -> np.ndarray:
        """Per buyer rank, the kept points of the seller reviews and tmall credits."""
        v = self.view
        return (np.bincount(v.buyer_rank, self.buyer_points, minlength=len(v.buyer_ids))
                + np.bincount(v.buyer_rank, self.credit_points, minlength=len(v.buyer_ids)))

    def add(self, k: int, ctx: _Context, ledger: Ledger, weight: np.ndarray | None) -> None:
        points, credit_points = _weights(ctx, ledger, weight)
        u, dsr, rows = ledger.units, ledger.dsr, ctx.chunk.rows
        if not self.whole_points:
            self.buyer_points[rows] = points[1]
            self.credit_points[rows] = credit_points
        self.buyer_rating[rows] = np.where(u.exists[1] & (u.status[1] == L.COUNTED), u.rating[1], L.NO_RATING)
        self.credit_counted[rows] = dsr.credit_exists & (dsr.credit_status == L.COUNTED)
        self.seller_parts[k] = _seller_scores(ctx, ledger, points)
        if self.with_rows:
            acts = ctx.chunk.acts
            self.status[acts], self.effective_at[acts], self.points[acts] = _action_results(ctx, ledger, points)
            self.system[k] = _system_rows(ctx, ledger, points, credit_points)

    def sellers(self) -> L.SellerScores:
        return L.SellerScores.concat([self.seller_parts[k] for k in sorted(self.seller_parts)])

    def buyers(self) -> L.BuyerScores:
        v = self.view
        rank, size = v.buyer_rank, len(v.buyer_ids)

        def count(mask):
            return np.bincount(rank[mask], minlength=size).astype(np.int64)

        if self.whole_points:  # the points are the counted ratings, and one per tmall credit
            counted = self.buyer_rating != L.NO_RATING
            credit = (np.bincount(rank[counted], self.buyer_rating[counted], minlength=size)
                      + np.bincount(rank[self.credit_counted], minlength=size)).astype(np.float64)
        else:
            credit = self._buyer_points_sum()
        return L.BuyerScores(
            buyer_id=v.buyer_ids, credit=credit, level=level_of(credit, v.rules.level_thresholds),
            good=count(self.buyer_rating == L.GOOD) + count(self.credit_counted),
            neutral=count(self.buyer_rating == L.NEUTRAL), bad=count(self.buyer_rating == L.BAD))

    def result(self) -> ScoreResult:
        """The result. The buyer scores and then the system rows are made in a second thread
        and handed over as futures, so that a caller can start writing the action rows meanwhile:
        the Parquet writer encodes on one core, and the other would otherwise idle."""
        pool = ThreadPoolExecutor(max_workers=1)
        buyers, system = pool.submit(self.buyers), pool.submit(self.system_part)
        pool.shutdown(wait=False)
        return ScoreResult(as_of=int(self.view.as_of), reviews=self.reviews(system),
                           sellers=self.sellers(), buyers=buyers)

    def system_part(self) -> dict:
        """The system rows of every chunk as one part of review columns (``_system_part``)."""
        chunk_parts = [self.system.pop(k) for k in sorted(self.system)]
        return _system_part(self.view.orders.order_id, chunk_parts)

    def reviews(self, system: Future | dict) -> L.ReviewParts:
        """The input's actions in input order, then the system defaults (REV-DEFAULT-GOOD) by
        order_id (the buyer's before the seller's on one order), then the tmall buyer credits
        (DSR-TMALL-BUYER) by order_id: two parts, whose columns are joined only if read."""
        a = self.view.actions
        m = len(a)
        given = {
            "source": lambda: np.arange(m, dtype=np.int64), "order_id": a.order_id, "author": a.author,
            "kind": np.where(a.action == L.DSR, np.int8(L.DSR_KIND), np.int8(L.CREDIT)),
            "origin": lambda: np.full(m, L.GIVEN, np.int8),
            "rating": np.where((a.action == L.DELETE) | (a.action == L.DSR), np.int8(L.NO_RATING), a.rating),
            "effective_at": self.effective_at, "status": self.status, "points": self.points}
        return L.ReviewParts([given, system])


def _system_part(order_ids: np.ndarray, chunk_parts: list[tuple]) -> dict:
    """The system rows of every chunk (``_system_rows``), in order_id order, as review columns."""
    d_row, d_author, d_status, d_eff, d_points, c_row, c_status, c_eff, c_points = (
        np.concatenate([p[i] for p in chunk_parts]) for i in range(9))
    del chunk_parts[:]  # the caller's list too: its arrays are copied
    id_rank = _id_rank(order_ids)
    d_key, c_key = (d_row, c_row) if id_rank is None else (id_rank[d_row], id_rank[c_row])
    d_row, d_author, d_status, d_eff, d_points = _by_key(
        d_key * np.int64(2) + d_author, d_row, d_author, d_status, d_eff, d_points)
    c_row, c_status, c_eff, c_points = _by_key(c_key, c_row, c_status, c_eff, c_points)
    n, c = len(d_row) + len(c_row), len(c_row)
    return {
        "source": lambda: np.full(n, -1, np.int64),
        "order_id": np.concatenate([order_ids[d_row], order_ids[c_row]]),
        "author": np.concatenate([d_author.astype(np.int8), np.full(c, L.SELLER, np.int8)]),
        "kind": lambda: np.full(n, L.CREDIT, np.int8), "origin": lambda: np.full(n, L.DEFAULT, np.int8),
        "rating": lambda: np.full(n, L.GOOD, np.int8),
        "effective_at": np.concatenate([d_eff, c_eff]), "status": np.concatenate([d_status, c_status]),
        "points": np.concatenate([d_points, c_points])}


def _action_results(ctx: _Context, ledger: Ledger, points: np.ndarray):
    """Status, effect time and points of every action row of a chunk (REV-ACTIONS output rules)."""
    a, acc, u, dsr = ctx.actions, ledger.accepted, ledger.units, ledger.dsr
    m = len(a)
    status = acc.row_status.copy()
    eff = np.full(m, NEVER, np.int64)
    pts = np.zeros(m, np.float64)
    # Credit reviews: the rate row, and the change row if any.
    for author in (L.BUYER, L.SELLER):
        given = np.flatnonzero(acc.rate_row[author] >= 0)
        rate_rows = acc.rate_row[author][given]
        change_rows = acc.change_row[author][given]
        changed = change_rows >= 0
        unit_status = u.status[author][given]
        unit_eff = u.effective_at[author][given]
        shown = unit_status > _EFFECT_STAGE
        # The rate row carries the review unless it was changed; then it is superseded.
        status[rate_rows] = np.where(changed, np.minimum(unit_status, L.SUPERSEDED), unit_status)
        eff[rate_rows] = np.where(~changed & shown, unit_eff, NEVER)
        pts[rate_rows] = np.where(changed, 0.0, points[author][given])
        c_rows, c_idx = change_rows[changed], given[changed]
        is_delete = a.action[c_rows] == L.DELETE
        c_status = u.status[author][c_idx]
        status[c_rows] = np.where(is_delete, np.minimum(c_status, L.SUPERSEDED), c_status)
        eff[c_rows] = np.where(~is_delete & (c_status > _EFFECT_STAGE), u.effective_at[author][c_idx], NEVER)
        pts[c_rows] = np.where(is_delete, 0.0, points[author][c_idx])
    # DSRs.
    d_orders = np.flatnonzero(dsr.exists)
    d_rows = acc.dsr_row[d_orders]
    status[d_rows] = dsr.status[d_orders]
    eff[d_rows] = np.where(dsr.status[d_orders] > _EFFECT_STAGE, dsr.at[d_orders], NEVER)
    return status, eff, pts


def _system_rows(ctx: _Context, ledger: Ledger, points: np.ndarray, credit_points: np.ndarray) -> tuple:
    """A chunk's system rows: the default reviews (input order row, author, status, effect time,
    points) in (order, author) order, then the tmall buyer credits (row, status, effect time,
    points)."""
    u, dsr = ledger.units, ledger.dsr
    d_order, d_author = np.nonzero(u.default.T)  # order-major, the buyer's first
    d_status = u.status[d_author, d_order]
    d_eff = np.where(d_status > _EFFECT_STAGE, u.effective_at[d_author, d_order], NEVER)
    c_order = np.flatnonzero(dsr.credit_exists)
    c_status = dsr.credit_status[c_order]
    c_eff = np.where(c_status > _EFFECT_STAGE, dsr.at[c_order], NEVER)
    return (ctx.input_rows(d_order), d_author.astype(np.int8), d_status, d_eff, points[d_author, d_order],
            ctx.input_rows(c_order), c_status, c_eff, credit_points[c_order])


def _id_rank(order_ids: np.ndarray) -> np.ndarray | None:
    """Each order's position in order_id order, or None if that is its row."""
    n = len(order_ids)
    if n < 2 or bool((order_ids[1:] > order_ids[:-1]).all()):  # logs usually come sorted by id
        return None
    rank = np.empty(n, np.int64)
    rank[np.argsort(order_ids)] = np.arange(n)
    return rank


def _by_key(key: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """``columns`` reordered by their distinct ``key``. The keys come as one sorted run per chunk,
    which a merge sort (numpy's stable sort) merges in few passes."""
    if len(key) > 1 and not bool((key[1:] > key[:-1]).all()):
        order = np.argsort(key, kind="stable")
        columns = tuple(col[order] for col in columns)
    return columns


# --- 6. account scores ------------------------------------------------------------------------

def _seller_scores(ctx: _Context, ledger: Ledger, points: np.ndarray) -> L.SellerScores:
    """The chunk's sellers: buyer -> seller reviews (SCORE-CREDIT, SCORE-POSITIVE-RATE) and DSRs
    (DSR-MEAN)."""
    rules, as_of, u, dsr = ctx.rules, ctx.as_of, ledger.units, ledger.dsr
    n_sellers, s_rank = len(ctx.seller_ids), ctx.seller_rank
    counted = u.exists[0] & (u.status[0] == L.COUNTED)

    def count(mask):
        return np.bincount(s_rank[mask], minlength=n_sellers).astype(np.int64)

    recent = counted & (u.effective_at[0] > as_of - days(rules.positive_rate_days))  # SCORE-WINDOW-BOUNDS
    window = dsr.exists & (dsr.status == L.COUNTED) & (dsr.at > as_of - days(rules.dsr_mean_days))
    d_rows = ledger.accepted.dsr_row[window]
    d_sellers = s_rank[window]
    rated, total = {}, {}
    for dim in L.DSR_DIMENSIONS:
        values = getattr(ctx.actions, dim)[d_rows]
        # A dimension left empty (0) is not rated and stays out of its mean.
        rated[dim] = np.bincount(d_sellers, values > 0, minlength=n_sellers)
        total[dim] = np.bincount(d_sellers, values.astype(np.float64), minlength=n_sellers)
    return seller_scores(
        ctx.seller_ids, np.bincount(s_rank, points[0], minlength=n_sellers),
        count(counted & (u.rating[0] == L.GOOD)), count(counted & (u.rating[0] == L.NEUTRAL)),
        count(counted & (u.rating[0] == L.BAD)), count(recent & (u.rating[0] == L.GOOD)), count(recent),
        rated, total, rules.level_thresholds)


def seller_scores(seller_id, credit, good, neutral, bad, recent_good, recent_all, dsr_rated: dict,
                  dsr_total: dict, thresholds: tuple[int, ...]) -> L.SellerScores:
    """Seller scores from per-seller sums: the positive rate over the recent counted reviews
    (SCORE-POSITIVE-RATE) and each dimension's mean over its rated DSRs (DSR-MEAN), NaN where there
    are none. One-shot and incremental scoring both finish here."""
    with np.errstate(invalid="ignore", divide="ignore"):
        positive_rate = np.where(recent_all > 0, recent_good / np.maximum(recent_all, 1), np.nan)
        means = {d: np.where(dsr_rated[d] > 0, dsr_total[d] / np.maximum(dsr_rated[d], 1), np.nan)
                 for d in L.DSR_DIMENSIONS}
    whole = lambda x: np.asarray(x).astype(np.int64, copy=False)  # noqa: E731
    return L.SellerScores(
        seller_id=seller_id, credit=credit, level=level_of(credit, thresholds),
        good=whole(good), neutral=whole(neutral), bad=whole(bad), positive_rate=positive_rate,
        dsr_described=means["described"], dsr_service=means["service"],
        dsr_shipping=means["shipping"], dsr_logistics=means["logistics"])


def level_of(credit: np.ndarray, thresholds: tuple[int, ...]) -> np.ndarray:
    """LEVEL-20: the number of level thresholds at or below floor(credit)."""
    return np.searchsorted(np.asarray(thresholds, np.float64), np.floor(credit), side="right").astype(np.int64)
