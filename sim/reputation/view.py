"""What a stage of the scoring core sees: the whole log, and one chunk of it.

``LogView`` holds the whole log, the rules, the as-of time and the dense ranks of its accounts.
``ChunkContext`` is one chunk of whole sellers (``sim.reputation.chunking``): its orders and
actions (gathered from the log on first use), the rule set's windows in seconds, and per-order
columns every stage reads (cancelled, removed, month, the pair groups). ``account_opened`` reads
the optional accounts table (the reviewer-age knob, KNOB-REVIEWER-AGE).
"""

from __future__ import annotations

import functools

import numpy as np

from sim.reputation import chunking
from sim.reputation import log as L
from sim.reputation.ids import dense_rank
from sim.reputation.log import Accounts, Actions, Orders
from sim.rules.ruleset import RuleSet
from sim.timeutil import NEVER, days, hours, month_index


class LogView:
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


class ChunkContext:
    """One chunk: its orders and actions, the rule set's windows in seconds, and per-order derived
    columns. ``chunk.order_row`` is the chunk row of each of its actions' orders."""

    def __init__(self, view: LogView, accounts: Accounts | None, chunk: chunking.Chunk) -> None:
        rules = view.rules
        self.chunk = chunk
        self.orders, self.actions = Gathered(view.orders, chunk.rows), Gathered(view.actions, chunk.acts)
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


class Gathered:
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
