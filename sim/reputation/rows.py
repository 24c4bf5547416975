"""The result's review rows: one row per input action (REV-ACTIONS output rules), then the system
rows: the default reviews (REV-DEFAULT-GOOD) and the tmall buyer credits (DSR-TMALL-BUYER).

Per chunk, ``action_results`` gives the status, effect time and points of each of its action rows
and ``system_rows`` its system rows; ``system_part`` puts every chunk's system rows in order_id
order as one ``ReviewRows`` part.
"""

from __future__ import annotations

import numpy as np

from sim.reputation import log as L
from sim.reputation.ledger import Ledger
from sim.reputation.log import ReviewRows
from sim.reputation.view import ChunkContext
from sim.timeutil import NEVER

EFFECT_STAGE = L.SUPERSEDED  # statuses after this one have an effect time to show


def system_part(order_ids: np.ndarray, chunk_parts: list[tuple]) -> ReviewRows:
    """The system rows of every chunk (``system_rows``), in order_id order, as review rows (the
    columns that are the same on every row are read-only broadcast arrays)."""
    d_row, d_author, d_status, d_eff, d_points, c_row, c_status, c_eff, c_points = (
        np.concatenate([p[i] for p in chunk_parts]) for i in range(9))
    del chunk_parts[:]  # the caller's list too: its arrays are copied
    id_rank = _id_rank(order_ids)
    d_key, c_key = (d_row, c_row) if id_rank is None else (id_rank[d_row], id_rank[c_row])
    d_row, d_author, d_status, d_eff, d_points = _by_key(
        d_key * np.int64(2) + d_author, d_row, d_author, d_status, d_eff, d_points)
    c_row, c_status, c_eff, c_points = _by_key(c_key, c_row, c_status, c_eff, c_points)
    n, c = len(d_row) + len(c_row), len(c_row)
    return ReviewRows(
        source=np.broadcast_to(np.int64(-1), (n,)),
        order_id=np.concatenate([order_ids[d_row], order_ids[c_row]]),
        author=np.concatenate([d_author.astype(np.int8), np.full(c, L.SELLER, np.int8)]),
        kind=np.broadcast_to(np.int8(L.CREDIT), (n,)), origin=np.broadcast_to(np.int8(L.DEFAULT), (n,)),
        rating=np.broadcast_to(np.int8(L.GOOD), (n,)),
        effective_at=np.concatenate([d_eff, c_eff]), status=np.concatenate([d_status, c_status]),
        points=np.concatenate([d_points, c_points]))


def action_part(actions: L.Actions, status: np.ndarray, effective_at: np.ndarray, points: np.ndarray) -> ReviewRows:
    """The input's actions in input order as review rows, with their ``status``, ``effective_at``
    and ``points``."""
    a, m = actions, len(actions)
    return ReviewRows(
        source=np.arange(m, dtype=np.int64), order_id=a.order_id, author=a.author,
        kind=np.where(a.action == L.DSR, np.int8(L.DSR_KIND), np.int8(L.CREDIT)),
        origin=np.broadcast_to(np.int8(L.GIVEN), (m,)),
        rating=np.where((a.action == L.DELETE) | (a.action == L.DSR), np.int8(L.NO_RATING), a.rating),
        effective_at=effective_at, status=status, points=points)




def action_results(ctx: ChunkContext, ledger: Ledger, points: np.ndarray):
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
        shown = unit_status > EFFECT_STAGE
        # The rate row carries the review unless it was changed; then it is superseded.
        status[rate_rows] = np.where(changed, np.minimum(unit_status, L.SUPERSEDED), unit_status)
        eff[rate_rows] = np.where(~changed & shown, unit_eff, NEVER)
        pts[rate_rows] = np.where(changed, 0.0, points[author][given])
        c_rows, c_idx = change_rows[changed], given[changed]
        is_delete = a.action[c_rows] == L.DELETE
        c_status = u.status[author][c_idx]
        status[c_rows] = np.where(is_delete, np.minimum(c_status, L.SUPERSEDED), c_status)
        eff[c_rows] = np.where(~is_delete & (c_status > EFFECT_STAGE), u.effective_at[author][c_idx], NEVER)
        pts[c_rows] = np.where(is_delete, 0.0, points[author][c_idx])
    # DSRs.
    d_orders = np.flatnonzero(dsr.exists)
    d_rows = acc.dsr_row[d_orders]
    status[d_rows] = dsr.status[d_orders]
    eff[d_rows] = np.where(dsr.status[d_orders] > EFFECT_STAGE, dsr.at[d_orders], NEVER)
    return status, eff, pts


def system_rows(ctx: ChunkContext, ledger: Ledger, points: np.ndarray, credit_points: np.ndarray) -> tuple:
    """A chunk's system rows: the default reviews (input order row, author, status, effect time,
    points) in (order, author) order, then the tmall buyer credits (row, status, effect time,
    points)."""
    u, dsr = ledger.units, ledger.dsr
    d_order, d_author = np.nonzero(u.default.T)  # order-major, the buyer's first
    d_status = u.status[d_author, d_order]
    d_eff = np.where(d_status > EFFECT_STAGE, u.effective_at[d_author, d_order], NEVER)
    c_order = np.flatnonzero(dsr.credit_exists)
    c_status = dsr.credit_status[c_order]
    c_eff = np.where(c_status > EFFECT_STAGE, dsr.at[c_order], NEVER)
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
