"""Incremental scoring: the core fed day by day, for a simulation that grows its log as it runs.

Scoring is independent per pair of accounts (SCORE-SCOPE): dedup, the clamp and the DSR caps
never look across pairs, and the effect rules never look across orders. So when the as-of time
moves from t0 to t1, only pairs where something happened in (t0, t1] can change: a new action, an
order whose success, refund or removal changed, or a scheduled instant (a review taking effect, a
review window closing where a default review may follow, a removal, an already-logged future
action). An order with no action has no review, default or DSR, so it changes nothing until its
first action arrives. The scorer re-evaluates exactly those pairs with the vectorised core and
writes them into one ledger for the whole log (an order never evaluated keeps the empty fill, which
no sum reads). ``result()`` sums the ledger with the code that serves one-shot scoring, so it equals
``core.score`` on the same log and as-of time, which the property tests check.

Account scores are kept as running sums per account. Under an integral rule set (no decay, no
reviewer weighting) each order adds fixed amounts to its seller's and buyer's sums that change only
when its pair is rescored or when one of its reviews or its DSR leaves the positive-rate or DSR-mean
window (SCORE-POSITIVE-RATE, DSR-MEAN). The scorer keeps each order's amounts (small whole
numbers, int8), and at each advance it subtracts the old amounts of exactly those orders and adds
the new ones. The sums are whole numbers held in float64, so they are exact and ``scores()``
equals the account scores of ``core.score``. Under decay or reviewer weighting every point changes
every day, and ``scores()`` sums the whole ledger instead.

Every per-order and per-action array lives in a buffer whose capacity doubles, so growing the log
by a day costs the new rows only.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from sim.reputation import core
from sim.reputation import log as L
from sim.reputation.ids import CONTIGUOUS, INCREASING, Slots, grow, order_rows, pick
from sim.reputation.ledger import (
    LEDGER_FIELDS, Ledger, counted_dsr, counted_reviews, dsr_values, dsr_window_exit, empty_ledger,
    review_window_exit, shares,
)
from sim.reputation.log import Accounts, Actions, BuyerScores, Orders, ScoreResult, SellerScores
from sim.reputation.totals import level_of, seller_scores
from sim.rules.ruleset import RuleSet
from sim.timeutil import NEVER, days

#: Columns of the running sums per seller and per buyer (``_seller_terms``, ``_buyer_terms``).
_SELLER_COLS = ("credit", "good", "neutral", "bad", "recent_good", "recent_all",
                *(f"n_{d}" for d in L.DSR_DIMENSIONS), *(f"total_{d}" for d in L.DSR_DIMENSIONS))
_BUYER_COLS = ("credit", "good", "neutral", "bad")


def _add(sums: np.ndarray, slot: np.ndarray, delta: np.ndarray) -> None:
    """Add each column of ``delta`` to the sums of its account ``slot`` (whole numbers: exact)."""
    for k in range(len(sums)):
        add = np.bincount(slot, delta[k])
        sums[k, : len(add)] += add


def _link(first: np.ndarray, following: np.ndarray, owner: np.ndarray, base: int) -> None:
    """Put new items ``base, base + 1, ...`` at the front of their owners' linked lists
    (``first[owner]`` is an owner's first item, ``following[item]`` the next one, -1 the end)."""
    if len(owner) == 0:
        return
    order = np.argsort(owner, kind="stable")
    items, owner = base + order, owner[order]
    starts = np.append(True, owner[1:] != owner[:-1])
    ends = np.append(starts[1:], True)
    after = np.empty(len(items), np.int64)
    after[:-1] = items[1:]
    after[ends] = first[owner[ends]]
    following[items] = after
    first[owner[starts]] = items[starts]


def _walk(first: np.ndarray, following: np.ndarray, owners: np.ndarray, mark: np.ndarray) -> np.ndarray:
    """Every item of the given (distinct) owners' linked lists, sorted."""
    item = first[owners]
    parts = []
    while True:
        item = item[item >= 0]
        if len(item) == 0:
            break
        parts.append(item)
        item = following[item]
    return _sorted_set(parts, mark)


def _sorted_set(parts: list[np.ndarray], mark: np.ndarray) -> np.ndarray:
    """The distinct items of ``parts`` in increasing order, through ``mark``, a scratch array of
    False over every item (left False): cheaper than sorting when the items are many."""
    for part in parts:
        mark[part] = True
    out = np.flatnonzero(mark)
    mark[out] = False
    return out


def _distinct(values: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """The distinct values, in no particular order, through ``scratch``, an int64 array indexed by
    value: each value keeps the one position whose index the scratch holds after the scatter."""
    position = np.arange(len(values))
    scratch[values] = position
    return values[scratch[values] == position]


class IncrementalScorer:
    """Scores a growing log. Call ``advance`` with the whole log so far (rows are only appended;
    ``changed_orders`` lists orders whose success_at, refund or removed_at changed), then read
    ``sellers()``, ``buyers()`` or ``result()``."""

    def __init__(self, rules: RuleSet, accounts: Accounts | None = None, expected_orders: int = 0,
                 expected_actions: int = 0) -> None:
        """``expected_orders`` and ``expected_actions`` size the buffers once, if known (they still
        grow past them)."""
        self.rules = rules
        self._expected = (int(expected_orders), int(expected_actions))
        self.accounts = accounts
        self.as_of: int | None = None
        self.ledger = empty_ledger()
        # Each ledger field's buffer; the ledger's fields are views of their first rows.
        self._buf = {(f.part, f.name): getattr(getattr(self.ledger, f.part), f.name) for f in LEDGER_FIELDS}
        self._orders: Orders | None = None
        self._actions: Actions | None = None
        self._n = self._m = 0
        self._action_order = np.zeros(0, np.int64)  # order row of each action
        # Linked lists: the orders of each pair, and the actions of each order (-1 ends a list).
        self._pair_first = np.zeros(0, np.int64)
        self._pair_next = np.zeros(0, np.int64)
        self._pair_scratch = np.zeros(0, np.int64)  # scratch, per pair
        self._order_mark = np.zeros(0, bool)  # scratch, per order
        self._action_mark = np.zeros(0, bool)  # scratch, per action
        self._order_first_action = np.zeros(0, np.int64)
        self._next_action = np.zeros(0, np.int64)
        self._watch = np.zeros(0, np.int64)  # per order: the next instant its pair may change
        self._order_pair = np.zeros(0, np.int64)
        self._pairs = Slots()
        self._sellers, self._buyers = Slots(), Slots()
        self._order_seller = np.zeros(0, np.int64)  # seller slot per order
        self._order_buyer = np.zeros(0, np.int64)
        self._ids_increase = True  # order ids so far strictly increase with the row
        self._ids_contiguous = True  # ... by one from the first
        # Running account sums (integral rule sets only), and per order the next instant one of
        # its reviews or its DSR leaves a window of the sums.
        self._running = rules.integral
        self._seller_sums = np.zeros((len(_SELLER_COLS), 0))
        self._buyer_sums = np.zeros((len(_BUYER_COLS), 0))
        self._terms = np.zeros((len(_SELLER_COLS) + len(_BUYER_COLS), 0), np.int8)  # per order, as summed
        self._exit = np.zeros(0, np.int64)
        self._local = np.zeros(0, np.int64)  # scratch: an order's row in the sub-log being rescored
        self.pairs_rescored = 0

    # -- growing ---------------------------------------------------------------------------

    def _grow(self, orders: Orders, actions: Actions) -> np.ndarray:
        """Extend the ledger to the new rows; return the orders of the new actions."""
        n0, m0 = self._n, self._m
        n, m = len(orders), len(actions)
        room_n, room_m = max(n, self._expected[0]), max(m, self._expected[1])  # buffer sizes
        for f in LEDGER_FIELDS:
            key = f.part, f.name
            buf = self._buf[key] = grow(self._buf[key], room_m if f.per_action else room_n, f.fill)
            setattr(getattr(self.ledger, f.part), f.name, buf[..., : m if f.per_action else n])
        self._order_pair = grow(self._order_pair, room_n, 0)
        self._order_seller = grow(self._order_seller, room_n, 0)
        self._order_buyer = grow(self._order_buyer, room_n, 0)
        self._watch = grow(self._watch, room_n, NEVER)
        self._exit = grow(self._exit, room_n, NEVER)
        self._local = grow(self._local, room_n, 0)
        if self._running:
            self._terms = grow(self._terms, room_n, 0)
        self._action_order = grow(self._action_order, room_m, 0)
        self._pair_next = grow(self._pair_next, room_n, -1)
        self._order_first_action = grow(self._order_first_action, room_n, -1)
        self._next_action = grow(self._next_action, room_m, -1)
        self._order_mark = grow(self._order_mark, room_n, False)
        self._action_mark = grow(self._action_mark, room_m, False)
        # Pairs of the new orders (SCORE-SCOPE), from dense account slots.
        seller = self._sellers(orders.seller_id[n0:])
        buyer = self._buyers(orders.buyer_id[n0:])
        self._order_seller[n0:n], self._order_buyer[n0:n] = seller, buyer
        self._order_pair[n0:n] = self._pairs((buyer << 32) | seller)
        self._pair_first = grow(self._pair_first, self._pairs.n, -1)
        self._pair_scratch = grow(self._pair_scratch, self._pairs.n, NEVER)
        _link(self._pair_first, self._pair_next, self._order_pair[n0:n], n0)
        self._seller_sums = grow(self._seller_sums, self._sellers.n, 0.0)
        self._buyer_sums = grow(self._buyer_sums, self._buyers.n, 0.0)
        new_action_orders = self._order_rows(orders, actions.order_id[m0:], n0)
        self._action_order[m0:m] = new_action_orders
        _link(self._order_first_action, self._next_action, new_action_orders, m0)
        self._n, self._m = n, m
        return new_action_orders

    def _order_rows(self, orders: Orders, wanted: np.ndarray, n0: int) -> np.ndarray:
        """The order row of each wanted order_id. The layout of the order ids (increasing with the
        row, and by one from the first: the market's ids are its rows) is followed as rows are
        added, so that a lookup costs a subtraction or a binary search, not a pass over the log."""
        ids = orders.order_id
        if self._ids_increase and len(ids) > n0:
            step = np.diff(ids[n0 - 1 if n0 else 0:])
            self._ids_increase = bool((step > 0).all())
            self._ids_contiguous = self._ids_contiguous and bool((step == 1).all())
        layout = (CONTIGUOUS if self._ids_contiguous else INCREASING) if self._ids_increase else None
        return order_rows(ids, wanted, layout=layout)

    # -- advancing -------------------------------------------------------------------------

    def advance(self, orders: Orders, actions: Actions, as_of: int,
                changed_orders: np.ndarray | None = None) -> None:
        """Bring the ledger to ``as_of`` for the log given (which extends the previous one)."""
        if self.as_of is not None and as_of < self.as_of:
            raise ValueError("the as-of time of an incremental scorer only moves forward")
        # An order with no action has nothing to score: no review, no DSR and no default (a default
        # answers the other party's review), so nothing in its pair to collide with. It waits in
        # the ledger, empty, and enters with its first action, whatever happened to it before.
        touched = [self._grow(orders, actions)]
        if changed_orders is not None:
            changed = np.asarray(changed_orders, np.int64)
            touched.append(changed[self._order_first_action[changed] >= 0])
        n = len(orders)
        touched.append(np.flatnonzero(self._watch[:n] <= as_of))
        self._orders, self._actions, self.as_of = orders, actions, int(as_of)
        dirty_pairs = _distinct(self._order_pair[np.concatenate(touched)], self._pair_scratch)
        self.pairs_rescored += len(dirty_pairs)
        rows = _walk(self._pair_first, self._pair_next, dirty_pairs, self._order_mark[:n])
        if len(rows):
            arows = _walk(self._order_first_action, self._next_action, rows, self._action_mark[: len(actions)])
            self._rescore(orders, actions, rows, arows, as_of)
        if not self._running:
            return
        # The orders whose share of the account sums may change: rescored or leaving a window.
        moved = _sorted_set([rows, np.flatnonzero(self._exit[:n] <= as_of)], self._order_mark[:n])
        if len(moved) == 0:
            return
        new = np.concatenate([self._seller_terms(moved, as_of), self._buyer_terms(moved, as_of)])
        delta = new.astype(np.int16) - self._terms[:, moved]
        self._terms[:, moved] = new
        self._exit[moved] = self._window_exit(moved, as_of)
        changed = delta.any(axis=0)
        moved, delta = moved[changed], delta[:, changed]
        k = len(_SELLER_COLS)
        _add(self._seller_sums, self._order_seller[moved], delta[:k])
        _add(self._buyer_sums, self._order_buyer[moved], delta[k:])

    def _rescore(self, orders: Orders, actions: Actions, rows: np.ndarray, arows: np.ndarray,
                 as_of: int) -> None:
        """Evaluate the sub-log of ``rows`` (whole pairs) and ``arows`` (their actions) and write it
        into the ledger."""
        sub_orders, sub_actions = orders.take(rows), actions.take(arows)
        # The sub-log's order of each of its actions (rows is sorted).
        self._local[rows] = np.arange(len(rows))
        local = self._local[self._action_order[arows]]
        if self._ids_increase:
            # Order ids only break ties by their order, which the positions keep; contiguous ids
            # spare the core a search.
            sub_orders.order_id = np.arange(len(rows), dtype=np.int64)
            sub_actions.order_id = local
        sub = core.evaluate(sub_orders, sub_actions, self.rules, as_of, self.accounts)
        led = self.ledger
        # Action indices inside the sub-log become indices into the whole log.
        to_global = lambda idx: pick(arows, idx, -1)  # noqa: E731
        led.accepted.row_status[arows] = sub.accepted.row_status
        led.accepted.rate_row[:, rows] = to_global(sub.accepted.rate_row)
        led.accepted.change_row[:, rows] = to_global(sub.accepted.change_row)
        led.accepted.dsr_row[rows] = to_global(sub.accepted.dsr_row)
        for part, sub_part in ((led.units, sub.units), (led.dsr, sub.dsr)):
            for f in fields(part):
                getattr(part, f.name)[..., rows] = getattr(sub_part, f.name)
        self._watch[rows] = self._next_change(sub_orders, sub_actions, sub, rows, local, as_of)

    def _next_change(self, o: Orders, a: Actions, sub: Ledger, rows, local, as_of: int) -> np.ndarray:
        """Per order of the sub-log: the next instant after ``as_of`` at which its pair may change
        with no new input: an effect time, a window close that may bring a default review, a
        removal, or an action already in the log."""
        later = lambda t: np.where((t > as_of) & (t < NEVER), t, NEVER)  # noqa: E731
        rules = self.rules
        watch = later(o.removed_at)  # SCORE-REMOVED
        if rules.default_good and rules.review_window_days is not None:
            # REV-DEFAULT-GOOD: at the close only a silent party facing a review gives a default;
            # a party that reviews later is new input.
            has = sub.accepted.rate_row >= 0
            close = np.where(has[0] != has[1], o.success_at + days(rules.review_window_days), NEVER)
            watch = np.minimum(watch, later(close))
        watch = np.minimum(watch, later(sub.units.effective_at).min(axis=0))  # REV-EFFECT
        pending = np.full(len(o), NEVER, np.int64)
        np.minimum.at(pending, local, later(a.at))
        watch = np.minimum(watch, pending)
        # A pair changes as a whole: every order of it watches the pair's earliest instant.
        pair = self._order_pair[rows]
        first = self._pair_scratch  # scratch, per pair
        first[pair] = NEVER
        np.minimum.at(first, pair, watch)
        return first[pair]

    # -- running account sums --------------------------------------------------------------

    def _seller_terms(self, rows: np.ndarray, as_of: int) -> np.ndarray:
        """What each order adds to its seller's sums (``_SELLER_COLS``) as of ``as_of``: its
        ``ledger.shares``, as small whole numbers."""
        share = shares(self.ledger, self.rules, as_of, rows)
        rating, recent = share.seller_rating, share.recent
        values = dsr_values(self._actions, share.dsr_row).values()
        return np.array([
            np.where(rating != L.NO_RATING, rating, 0),  # SCORE-CREDIT
            rating == L.GOOD, rating == L.NEUTRAL, rating == L.BAD,
            recent & (rating == L.GOOD), recent,  # SCORE-POSITIVE-RATE
            *(v > 0 for v in values), *values,  # DSR-MEAN: an empty dimension (0) is not rated
        ], np.int8)

    def _buyer_terms(self, rows: np.ndarray, as_of: int) -> np.ndarray:
        """What each order adds to its buyer's sums (``_BUYER_COLS``): the seller's review of the
        buyer, and the tmall buyer credit (a good, DSR-TMALL-BUYER)."""
        share = shares(self.ledger, self.rules, as_of, rows)
        rating, tmall = share.buyer_rating, share.tmall
        return np.array([
            np.where(rating != L.NO_RATING, rating, 0) + tmall, (rating == L.GOOD) + tmall,
            rating == L.NEUTRAL, rating == L.BAD,
        ], np.int8)

    def _window_exit(self, rows: np.ndarray, as_of: int) -> np.ndarray:
        """The instant each order's review leaves the positive-rate window or its DSR the DSR-mean
        window (NEVER if neither is inside one now)."""
        led, r = self.ledger, self.rules
        review_out = review_window_exit(led.units.effective_at[L.BUYER, rows], r)
        dsr_out = dsr_window_exit(led.dsr.at[rows], r)
        review_in = counted_reviews(led.units, rows)[L.BUYER] & (review_out > as_of)
        dsr_in = counted_dsr(led.dsr, rows) & (dsr_out > as_of)
        return np.minimum(np.where(review_in, review_out, NEVER), np.where(dsr_in, dsr_out, NEVER))

    # -- reading ---------------------------------------------------------------------------

    def result(self) -> ScoreResult:
        """The full result as of the last ``advance``; equal to ``core.score`` on the same log."""
        self._require()
        return core.assemble(self._orders, self._actions, self.rules, self.as_of, self.ledger)

    def scores(self) -> tuple[SellerScores, BuyerScores]:
        """Seller and buyer scores as of the last ``advance``."""
        self._require()
        if not self._running:
            return core.account_scores(self._orders, self._actions, self.rules, self.as_of, self.ledger)
        return self.sellers(), self.buyers()

    def sellers(self) -> SellerScores:
        self._require()
        if not self._running:
            return self.scores()[0]
        ids, slots = self._sellers.sorted()
        s = dict(zip(_SELLER_COLS, self._seller_sums[:, slots]))
        return seller_scores(
            ids.copy(), s["credit"], s["good"], s["neutral"], s["bad"], s["recent_good"], s["recent_all"],
            {d: s[f"n_{d}"] for d in L.DSR_DIMENSIONS}, {d: s[f"total_{d}"] for d in L.DSR_DIMENSIONS},
            self.rules.level_thresholds)

    def buyers(self) -> BuyerScores:
        self._require()
        if not self._running:
            return self.scores()[1]
        ids, slots = self._buyers.sorted()
        b = dict(zip(_BUYER_COLS, self._buyer_sums[:, slots]))
        return BuyerScores(
            buyer_id=ids.copy(), credit=b["credit"],
            level=level_of(b["credit"], self.rules.level_thresholds),
            good=b["good"].astype(np.int64), neutral=b["neutral"].astype(np.int64),
            bad=b["bad"].astype(np.int64))

    def _require(self) -> None:
        if self.as_of is None:
            raise ValueError("advance the scorer before reading scores")
