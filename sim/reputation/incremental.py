"""Incremental scoring: the core fed day by day, for a simulation that grows its log as it runs.

Scoring is independent per pair of accounts (SCORE-SCOPE): dedup, the clamp and the DSR caps
never look across pairs, and the effect rules never look across orders. So when the as-of time
moves from t0 to t1, only pairs where something happened in (t0, t1] can change: a new order or
action, an order whose success, refund or removal changed, or a scheduled instant (a review taking
effect, a review window closing with its default review, a removal, an already-logged future
action). The scorer re-evaluates exactly those pairs with the vectorised core and writes them into
one ledger for the whole log; account scores are then summed from the ledger by the same code
that serves one-shot scoring. ``result()`` therefore equals ``core.score`` on the same log and
as-of time, which the property tests check.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from sim.reputation import core
from sim.reputation.log import Accounts, Actions, BuyerScores, Orders, ScoreResult, SellerScores
from sim.rules.ruleset import RuleSet
from sim.timeutil import NEVER, days


def _empty_ledger() -> core.Ledger:
    z2 = lambda dtype, fill: np.full((2, 0), fill, dtype)  # noqa: E731
    z1 = lambda dtype, fill: np.full(0, fill, dtype)  # noqa: E731
    return core.Ledger(
        accepted=core._Accepted(z1(np.int8, -1), z2(np.int64, -1), z2(np.int64, -1), z1(np.int64, -1)),
        units=core._Units(z2(bool, False), z2(bool, False), z2(np.int64, NEVER), z2(np.int8, 0),
                          z2(np.int64, NEVER), z2(np.int8, 0)),
        dsr=core._Dsr(z1(bool, False), z1(np.int64, NEVER), z1(np.int8, 0), z1(bool, False), z1(np.int8, 0)),
    )


#: Per-order ledger fields and their fill values for new orders; per-action fields likewise.
_ORDER_FILL = {"rate_row": -1, "change_row": -1, "dsr_row": -1, "exists": False, "default": False,
               "given_at": NEVER, "rating": 0, "effective_at": NEVER, "status": 0, "at": NEVER,
               "credit_exists": False, "credit_status": 0}


class IncrementalScorer:
    """Scores a growing log. Call ``advance`` with the whole log so far (rows are only appended;
    ``changed_orders`` lists orders whose success_at, refund or removed_at changed), then read
    ``sellers()``, ``buyers()`` or ``result()``."""

    def __init__(self, rules: RuleSet, accounts: Accounts | None = None) -> None:
        self.rules = rules
        self.accounts = accounts
        self.as_of: int | None = None
        self.ledger = _empty_ledger()
        self._orders: Orders | None = None
        self._actions: Actions | None = None
        self._action_order = np.zeros(0, np.int64)  # order row of each action
        self._watch = np.zeros(0, np.int64)  # per order: the next instant its pair may change
        self._pair_of: dict[tuple[int, int], int] = {}
        self._order_pair = np.zeros(0, np.int64)
        self.pairs_rescored = 0

    # -- growing ---------------------------------------------------------------------------

    def _grow(self, orders: Orders, actions: Actions) -> np.ndarray:
        """Extend the ledger to the new rows; return the order rows touched by new rows."""
        n0, m0 = len(self._order_pair), len(self._action_order)
        n, m = len(orders), len(actions)
        led = self.ledger
        for part in (led.accepted, led.units, led.dsr):
            for f in fields(part):
                arr = getattr(part, f.name)
                if f.name == "row_status":
                    extra = np.full(m - m0, -1, arr.dtype)
                    setattr(part, f.name, np.concatenate([arr, extra]))
                    continue
                shape = arr.shape[:-1] + (n - n0,)
                setattr(part, f.name, np.concatenate([arr, np.full(shape, _ORDER_FILL[f.name], arr.dtype)], axis=-1))
        # Pairs of the new orders (SCORE-SCOPE).
        new_pairs = np.empty(n - n0, np.int64)
        for k, key in enumerate(zip(orders.buyer_id[n0:].tolist(), orders.seller_id[n0:].tolist())):
            new_pairs[k] = self._pair_of.setdefault(key, len(self._pair_of))
        self._order_pair = np.concatenate([self._order_pair, new_pairs])
        self._watch = np.concatenate([self._watch, np.full(n - n0, NEVER, np.int64)])
        new_action_orders = core.order_rows(orders.order_id, actions.order_id[m0:])
        self._action_order = np.concatenate([self._action_order, new_action_orders])
        return np.concatenate([np.arange(n0, n, dtype=np.int64), new_action_orders])

    # -- advancing -------------------------------------------------------------------------

    def advance(self, orders: Orders, actions: Actions, as_of: int,
                changed_orders: np.ndarray | None = None) -> None:
        """Bring the ledger to ``as_of`` for the log given (which extends the previous one)."""
        if self.as_of is not None and as_of < self.as_of:
            raise ValueError("the as-of time of an incremental scorer only moves forward")
        touched = [self._grow(orders, actions)]
        if changed_orders is not None:
            touched.append(np.asarray(changed_orders, np.int64))
        touched.append(np.flatnonzero(self._watch <= as_of))
        self._orders, self._actions, self.as_of = orders, actions, int(as_of)
        dirty_orders = np.concatenate(touched)
        if len(dirty_orders) == 0:
            return
        dirty_pair = np.zeros(len(self._pair_of), dtype=bool)
        dirty_pair[self._order_pair[dirty_orders]] = True
        self.pairs_rescored += int(dirty_pair.sum())
        order_mask = dirty_pair[self._order_pair]
        rows = np.flatnonzero(order_mask)
        arows = np.flatnonzero(order_mask[self._action_order])
        self._rescore(orders.take(rows), actions.take(arows), rows, arows, as_of)

    def _rescore(self, sub_orders: Orders, sub_actions: Actions, rows: np.ndarray, arows: np.ndarray,
                 as_of: int) -> None:
        sub = core.evaluate(sub_orders, sub_actions, self.rules, as_of, self.accounts)
        led = self.ledger
        # Action indices inside the sub-log become indices into the whole log.
        to_global = lambda idx: core.pick(arows, idx, -1)  # noqa: E731
        led.accepted.row_status[arows] = sub.accepted.row_status
        led.accepted.rate_row[:, rows] = to_global(sub.accepted.rate_row)
        led.accepted.change_row[:, rows] = to_global(sub.accepted.change_row)
        led.accepted.dsr_row[rows] = to_global(sub.accepted.dsr_row)
        for part, sub_part in ((led.units, sub.units), (led.dsr, sub.dsr)):
            for f in fields(part):
                getattr(part, f.name)[..., rows] = getattr(sub_part, f.name)
        self._watch[rows] = self._next_change(sub_orders, sub_actions, sub, rows, arows, as_of)

    def _next_change(self, o: Orders, a: Actions, sub: core.Ledger, rows, arows, as_of: int) -> np.ndarray:
        """Per order of the sub-log: the next instant after ``as_of`` at which its pair may change
        with no new input: an effect time, a window close (default review), a removal, or an
        action already in the log."""
        later = lambda t: np.where((t > as_of) & (t < NEVER), t, NEVER)  # noqa: E731
        watch = later(o.success_at + days(self.rules.review_window_days))  # REV-DEFAULT-GOOD
        watch = np.minimum(watch, later(o.removed_at))  # SCORE-REMOVED
        watch = np.minimum(watch, later(sub.units.effective_at).min(axis=0))  # REV-EFFECT
        pending = np.full(len(o), NEVER, np.int64)
        local = core.order_rows(o.order_id, a.order_id)
        np.minimum.at(pending, local, later(a.at))
        watch = np.minimum(watch, pending)
        # A pair changes as a whole: every order of it watches the pair's earliest instant.
        pair = self._order_pair[rows]
        first = np.full(len(self._pair_of), NEVER, np.int64)
        np.minimum.at(first, pair, watch)
        return first[pair]

    # -- reading ---------------------------------------------------------------------------

    def result(self) -> ScoreResult:
        """The full result as of the last ``advance``; equal to ``core.score`` on the same log."""
        self._require()
        return core.assemble(self._orders, self._actions, self.rules, self.as_of, self.ledger)

    def scores(self) -> tuple[SellerScores, BuyerScores]:
        """Seller and buyer scores as of the last ``advance``."""
        self._require()
        return core.account_scores(self._orders, self._actions, self.rules, self.as_of, self.ledger)

    def sellers(self) -> SellerScores:
        return self.scores()[0]

    def buyers(self) -> BuyerScores:
        return self.scores()[1]

    def _require(self) -> None:
        if self.as_of is None:
            raise ValueError("advance the scorer before reading scores")
