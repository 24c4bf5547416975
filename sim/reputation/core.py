"""The vectorised scoring core: (orders, actions, rule set, as-of) -> statuses and account scores.

A pure function with no SimPy and no Python loop per review, pair or month: sorts, segmented
scans (``sim.reputation.scan``) and scatter/gather over columnar arrays. ``docs/scoring.md`` is
its contract, and ``sim.reputation.reference`` its slow, obvious twin; the property tests hold the
two to identical results.

A log is scored in chunks of whole sellers (``sim.reputation.chunking``), each seen through a
``ChunkContext`` (``sim.reputation.view``), stage by stage into a ``Ledger``
(``sim.reputation.ledger``):

1. ``accept.accept``: each party's actions on each order become at most one review and one DSR;
   every other action gets its status (REV-ACTIONS, REV-MODIFY, DSR-ELIGIBLE).
2. ``units.units``: one unit per (order, direction), the given review or the system default
   (REV-DEFAULT-GOOD), with its effect time (REV-EFFECT, REV-HOLD, SCORE-FINAL-RATING).
3. ``dedup.credit_statuses``: SCORE-DEDUP and SCORE-CLAMP.
4. ``dsr.dsr_statuses``: DSR-CAP and the tmall buyer credits (DSR-TMALL-BUYER).
5. ``totals.Totals``: credit points (``sim.reputation.credit``), the result's review rows
   (``sim.reputation.rows``), and per account the credit, level, counts, positive rate and DSR
   means.

Public: ``score`` (a whole log), ``evaluate`` (stages 1-4 of a whole log), ``assemble`` and ``account_scores`` (stage 5 from a
ledger), used by the incremental scorer (``sim.reputation.incremental``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sim.reputation import chunking
from sim.reputation import log as L
from sim.reputation.accept import accept
from sim.reputation.dedup import credit_statuses
from sim.reputation.dsr import dsr_statuses
from sim.reputation.ids import dense_rank, order_rows
from sim.reputation.ledger import Ledger
from sim.reputation.log import Accounts, Actions, Orders, ScoreResult, default_as_of
from sim.reputation.totals import Totals
from sim.reputation.units import units
from sim.reputation.view import ChunkContext, LogView
from sim.rules.ruleset import RuleSet

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
    return sum_log(orders, actions, rules, as_of, accounts, workers, chunk_orders).result()


def sum_log(orders: Orders, actions: Actions, rules: RuleSet, as_of: int | None = None,
            accounts: Accounts | None = None, workers: int | None = None,
            chunk_orders: int | None = None, buyer_weight: Callable[[np.ndarray], np.ndarray] | None = None,
            plain_only: bool = False) -> Totals:
    """``score`` up to the sums of every chunk: the ``Totals`` whose methods make the parts of the
    result (``result()`` makes them all). Lets a caller make the parts in its own order.

    For a part of a bigger log (``sim.distributed``), whose buyers also buy outside it:
    ``plain_only`` sums only the buyers' plain points (the first pass of reviewer weighting), and
    ``buyer_weight(buyer_ids)`` gives these buyers' reviewer weights from their credit over the
    whole log, in place of the first pass."""
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
        view = LogView(orders, actions, rules, np.int64(as_of), ranks=(buyers.result(), sellers))
    if plan is None:
        chunks = [lambda: chunking.whole(order_row.astype(np.int64), len(view.seller_ids))]
    else:
        chunks = plan.chunks()
        del order_row  # the plan keeps its own, smaller copy
    totals = Totals(view, with_rows=not plain_only)
    weight = buyer_weight(view.buyer_ids) if buyer_weight is not None else None
    _sum_chunks(view, accounts, chunks, totals, workers, weight=weight, plain_only=plain_only)
    # The plan is let go as this returns, before the result rows are built: fresh memory is slow to
    # fault in, and the rows can reuse the plan's.
    return totals


def evaluate(orders: Orders, actions: Actions, rules: RuleSet, as_of: int,
             accounts: Accounts | None = None) -> Ledger:
    """Stages 1-4 in one piece: statuses and effect times of every action, review and DSR."""
    view = LogView(orders, actions, rules, np.int64(as_of))
    whole = chunking.whole(order_rows(orders.order_id, actions.order_id), len(view.seller_ids))
    return _evaluate(ChunkContext(view, accounts, whole))


def _evaluate(ctx: ChunkContext) -> Ledger:
    acc = accept(ctx)
    u = units(ctx, acc)
    credit_statuses(ctx, u)
    return Ledger(acc, u, dsr_statuses(ctx, acc))


def assemble(orders: Orders, actions: Actions, rules: RuleSet, as_of: int, ledger: Ledger) -> ScoreResult:
    """Stage 5: result rows and account scores from a ledger of the whole log."""
    return _sum_ledger(orders, actions, rules, as_of, ledger, with_rows=True).result()


def account_scores(orders: Orders, actions: Actions, rules: RuleSet, as_of: int,
                   ledger: Ledger) -> tuple[L.SellerScores, L.BuyerScores]:
    """Only the account scores of ``assemble`` (what a market needs every day)."""
    totals = _sum_ledger(orders, actions, rules, as_of, ledger, with_rows=False)
    return totals.sellers(), totals.buyers()


def _sum_ledger(orders, actions, rules, as_of, ledger: Ledger, with_rows: bool) -> Totals:
    view = LogView(orders, actions, rules, np.int64(as_of))
    totals = Totals(view, with_rows)
    # The ledger already holds every action's verdict; no order row is needed.
    whole = chunking.whole(np.zeros(0, np.int64), len(view.seller_ids))
    _sum_chunks(view, None, [lambda: whole], totals, 1, ledger)
    return totals


def _sum_chunks(view: LogView, accounts: Accounts | None, chunks: list[Callable[[], chunking.Chunk]],
                totals: Totals, workers: int, ledger: Ledger | None = None,
                weight: np.ndarray | None = None, plain_only: bool = False) -> None:
    """Stages 1-5 chunk by chunk, in ``workers`` threads, into ``totals``. ``chunks`` make their
    chunk when called, so that only the chunks being scored are in memory.

    With reviewer weighting (KNOB-REVIEWER-WEIGHT, docs/rules.md) a review's weight depends on its author's buyer
    credit over the whole log, so the chunks are evaluated twice: once for that credit, once for
    the points (unless the caller gives the ``weight`` per buyer rank; ``plain_only`` stops after
    the first evaluation).
    """
    def run(step):
        def task(k: int) -> None:
            ctx = ChunkContext(view, accounts, chunks[k]())
            step(k, ctx, ledger if ledger is not None else _evaluate(ctx))
        if workers == 1 or len(chunks) == 1:
            for k in range(len(chunks)):
                task(k)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(task, range(len(chunks))))

    if weight is None and view.rules.reviewer_weight == "buyer_credit":
        run(totals.add_plain_buyer_points)
        if plain_only:
            return
        weight = totals.reviewer_weight()
    run(lambda k, ctx, led: totals.add(k, ctx, led, weight))
