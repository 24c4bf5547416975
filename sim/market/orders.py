"""The order table, the review-action log, escrow, and the batch order lifecycle every actor uses.

This module owns the market's records. There is no Python object per order: an order is a row of
growable numpy columns (:class:`Table`), and every lifecycle operation takes arrays of rows and
applies to all of them at once. Genuine buyers, sellers, couriers and the platform call these
operations, and so can any later actor (a brushing farm, an extortion gang): placing an order, paying,
confirming, reviewing and being judged go through the same functions, so the platform's timers and
scoring see attackers exactly as they see anyone else.

Lifecycle (``docs/rules.md`` section 1)::

    placed --pay--> paid --ship--> shipped --confirm--> success
       \\--close (TX-UNPAID-CLOSE)     \\--refund (full) --> refunded

Every operation checks the state it needs (a row in another state is skipped, and the rows that
applied are returned), records the time it is given, moves money through :class:`Escrow`
(TX-ESCROW), marks rows whose ``success_at``/``refund``/``removed_at`` changed (for the incremental
scorer) and calls the listeners registered for it (the platform's timers, the genuine buyers'
reactions). Review operations append to the action log with no judgement: the scoring core decides
what counts (an attacker's invalid action is recorded and then scored ``invalid``).

Ids: the row of an order is its ``order_id``. Account ids are dense from 1 and shared by sellers and
buyers (``Accounts``), so one account table serves the reviewer-age knob and escrow balances.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.market.keyed import EVENT_KEY, event_hash
from sim.reputation import log as L
from sim.timeutil import NEVER
from sim.vocabulary import DELIVERY_KINDS

# order states
PLACED, PAID, SHIPPED, SUCCESS, CLOSED, REFUNDED = range(6)
STATE_NAMES = ("placed", "paid", "shipped", "success", "closed", "refunded")

# delivery kinds (codes are positions in sim.vocabulary.DELIVERY_KINDS)
EXPRESS, EMS, SURFACE_MAIL, VIRTUAL, AUTO_DELIVERY, NO_LOGISTICS = range(6)
KIND_NAMES = DELIVERY_KINDS

# courier outcomes
C_NONE, C_OK, C_DELAYED, C_LOST, C_DAMAGED, C_UNDELIVERABLE = range(6)
COURIER_OUTCOMES = ("", "ok", "delayed", "lost", "damaged", "undeliverable")

# how an order reached success
HOW_NONE, HOW_BUYER, HOW_AUTO = range(3)
HOW_NAMES = ("", "buyer", "auto")

# after-sales flow of an order (the last one opened)
AS_NONE, AS_UNSHIPPED, AS_RETURN, AS_EXCHANGE, AS_REFUSED, AS_INTERVENED, AS_PARTIAL, AS_NOT_RECEIVED, \
    AS_RESHIPPED, AS_CHANGED, AS_NO_REASON, AS_LOSS_REFUSED = range(12)
AFTER_SALES_NAMES = ("", "refund_unshipped", "return", "exchange", "refused", "intervened", "partial",
                     "not_received", "reshipped", "changed_to_partial", "no_reason_return", "loss_refused")

# which actor family placed an order
ACTOR_GENUINE, ACTOR_FARM, ACTOR_GANG = 0, 1, 2


class Table:
    """Growable columns with a shared length: append in batches, read views of the filled part."""

    def __init__(self, spec: dict[str, tuple[type, object]], capacity: int = 1024) -> None:
        self.spec = spec
        self.n = 0
        self.cap = max(int(capacity), 16)
        self.cols = {name: np.full(self.cap, fill, dtype) for name, (dtype, fill) in spec.items()}

    def __len__(self) -> int:
        return self.n

    def _grow(self, need: int) -> None:
        cap = self.cap
        while cap < need:
            cap *= 2
        if cap == self.cap:
            return
        for name, (dtype, fill) in self.spec.items():
            new = np.full(cap, fill, dtype)
            new[: self.n] = self.cols[name][: self.n]
            self.cols[name] = new
        self.cap = cap

    def append(self, k: int, **values) -> np.ndarray:
        """Append ``k`` rows; columns not given keep their fill value. Returns the new rows."""
        self._grow(self.n + k)
        rows = np.arange(self.n, self.n + k, dtype=np.int64)
        for name, value in values.items():
            self.cols[name][self.n: self.n + k] = value
        self.n += k
        return rows

    def __getitem__(self, name: str) -> np.ndarray:
        """The filled part of a column (a view: writes go to the table)."""
        return self.cols[name][: self.n]


ORDER_COLUMNS: dict[str, tuple[type, object]] = {
    # the scoring input (sim.reputation.log.Orders)
    "buyer_id": (np.int64, 0), "seller_id": (np.int64, 0), "item_id": (np.int64, 0),
    "platform": (np.int8, L.TAOBAO), "amount": (np.float64, 0.0), "created_at": (np.int64, NEVER),
    "success_at": (np.int64, NEVER), "refund": (np.int8, L.REFUND_NONE), "removed_at": (np.int64, NEVER),
    # the simulation's own columns
    "actor": (np.int8, ACTOR_GENUINE), "state": (np.int8, PLACED), "category": (np.int16, 0),
    "kind": (np.int8, EXPRESS), "courier": (np.int8, -1), "courier_outcome": (np.int8, C_NONE),
    "archetype": (np.int8, -1), "quality": (np.float32, np.nan), "expectation": (np.float32, np.nan),
    "satisfaction": (np.float32, np.nan), "chat": (np.int8, 0), "list_price": (np.float64, 0.0),
    "terms_at": (np.int64, NEVER), "paid_at": (np.int64, NEVER), "ready_at": (np.int64, NEVER),
    "shipped_at": (np.int64, NEVER), "expected_at": (np.int64, NEVER), "delivered_at": (np.int64, NEVER),
    "autoconfirm_at": (np.int64, NEVER), "closed_at": (np.int64, NEVER), "refund_at": (np.int64, NEVER),
    "refunded_amount": (np.float64, 0.0), "how": (np.int8, HOW_NONE), "after_sales": (np.int8, AS_NONE),
    "dispute_open": (np.bool_, False), "extensions": (np.int8, 0), "shipments": (np.int8, 0),
    "cashback": (np.bool_, False), "late_days": (np.float32, 0.0), "buyer_rating": (np.int8, L.NO_RATING),
    "request_at": (np.int64, NEVER),
    # the key of the order's random draws (sim.market.keyed): with buyer_id, the buyer's visit number for a
    # genuine order, -(row + 1) for an order placed by another actor
    "visit": (np.int64, 0),
    # ground truth (docs/attacks.md): placed by an attacker, and the attack's code (World.attack_names; 0:
    # genuine); the logistics record shows an empty parcel; what the order cost its attacker, yuan
    "fake": (np.bool_, False), "attack": (np.int16, 0), "empty": (np.bool_, False), "cost": (np.float64, 0.0),
    "event": (np.uint64, 0),  # keyed.event_hash(buyer_id, visit), made once at placement
}

ACTION_COLUMNS: dict[str, tuple[type, object]] = {
    "order_id": (np.int64, 0), "author": (np.int8, L.BUYER), "action": (np.int8, L.RATE),
    "at": (np.int64, NEVER), "rating": (np.int8, L.NO_RATING), "described": (np.int8, 0),
    "service": (np.int8, 0), "shipping": (np.int8, 0), "logistics": (np.int8, 0),
    # simulation-only
    "actor": (np.int8, ACTOR_GENUINE), "answer": (np.int8, 0), "cashback": (np.bool_, False),
    "fake": (np.bool_, False), "attack": (np.int16, 0),  # ground truth: written by an attacker, which attack
}

# seller answers to neutral/bad reviews
ANSWER_NONE, ANSWER_EXPLANATION, ANSWER_CHANGE_REQUEST = range(3)
ANSWER_NAMES = ("", "explanation", "change_request")


class Escrow:
    """TX-ESCROW: money moves only through the platform. Balances are signed, per account id.

    A buyer's balance falls when it pays and rises on a refund; the platform holds the money in
    between (``held``) and releases it to the seller on success. ``transfer`` books side payments
    outside escrow (cash back, postage, fees) so the books always balance:
    ``balance.sum() + held == 0``.
    """

    def __init__(self, accounts: int) -> None:
        self.balance = np.zeros(accounts + 1)
        self.held = 0.0

    def ensure(self, accounts: int) -> None:
        if len(self.balance) <= accounts:
            self.balance = np.concatenate([self.balance, np.zeros(max(accounts + 1 - len(self.balance),
                                                                      len(self.balance)))])

    def pay(self, buyer: np.ndarray, amount: np.ndarray) -> None:
        np.subtract.at(self.balance, buyer, amount)
        self.held += float(amount.sum())

    def release(self, seller: np.ndarray, amount: np.ndarray) -> None:
        np.add.at(self.balance, seller, amount)
        self.held -= float(amount.sum())

    def refund(self, buyer: np.ndarray, amount: np.ndarray) -> None:
        np.add.at(self.balance, buyer, amount)
        self.held -= float(amount.sum())

    def transfer(self, payer: np.ndarray, payee: np.ndarray, amount: np.ndarray) -> None:
        np.subtract.at(self.balance, payer, amount)
        np.add.at(self.balance, payee, amount)


Listener = Callable[[np.ndarray, np.ndarray], None]


def among(values: np.ndarray, codes: tuple) -> np.ndarray:
    """Whether each value is one of a few codes: ``np.isin`` without its set machinery, which costs
    more than the test itself on the small batches of an hourly tick."""
    out = values == codes[0]
    for code in codes[1:]:
        out |= values == code
    return out


def select(conditions: list, choices: list, default) -> np.ndarray:
    """``np.select`` as nested ``np.where`` (the same values and dtype; ``np.select`` prepares its
    arguments at a cost above the choice itself on an hour's batch)."""
    out = np.where(conditions[-1], choices[-1], default)
    for condition, choice in zip(conditions[-2::-1], choices[-2::-1]):
        out = np.where(condition, choice, out)
    return out.astype(np.result_type(*choices, default), copy=False)


def per_row(value, n: int, dtype) -> np.ndarray:
    """``value`` as an array of ``n`` entries (a scalar repeated)."""
    value = np.asarray(value, dtype)
    if value.ndim == 0:
        return np.full(n, value, dtype)
    return value if value.shape == (n,) else np.broadcast_to(value, (n,))


class OrderBook:
    """Orders, review actions and escrow, with the batch lifecycle operations."""

    EVENTS = ("placed", "terms", "paid", "shipped", "delivered", "success", "refunded", "closed",
              "reviewed", "removed")

    def __init__(self, accounts: int, capacity: int = 1024) -> None:
        self.orders = Table(ORDER_COLUMNS, capacity)
        self.actions = Table(ACTION_COLUMNS, capacity * 3)
        self.escrow = Escrow(accounts)
        self.listeners: dict[str, list[Listener]] = {e: [] for e in self.EVENTS}
        self._changed: list[np.ndarray] = []

    # --- plumbing ---------------------------------------------------------------------------
    def on(self, event: str, listener: Listener) -> None:
        """Call ``listener(rows, at)`` after every ``event`` applies to some rows."""
        self.listeners[event].append(listener)

    def _emit(self, event: str, rows: np.ndarray, at: np.ndarray) -> None:
        if rows.size:
            for listener in self.listeners[event]:
                listener(rows, at)

    def take_changed(self) -> np.ndarray:
        """Rows whose success_at, refund or removed_at changed since the last call (for the scorer)."""
        if not self._changed:
            return np.empty(0, np.int64)
        rows = np.sort(np.concatenate(self._changed))
        self._changed = []
        if rows.size == 0:  # only empty batches changed
            return rows
        rows = rows[np.append(True, rows[1:] != rows[:-1])]
        return rows

    def _select(self, rows, at, ok: np.ndarray):
        """The rows (and times) where ``ok`` holds, each row once (its first, earliest entry)."""
        rows = np.asarray(rows, np.int64)
        at = per_row(at, rows.size, np.int64)
        ok = self._once(rows, np.asarray(ok, bool))
        return rows[ok], at[ok]

    @staticmethod
    def _once(rows: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """``ok`` restricted to the first entry of each row (a row listed twice applies once)."""
        if rows.size > 1:
            ordered = np.sort(rows)
            if (ordered[1:] != ordered[:-1]).all():  # no row listed twice (the usual case)
                return ok
            _, first = np.unique(rows, return_index=True)
            once = np.zeros(rows.size, bool)
            once[first] = True
            return ok & once
        return ok

    def scoring_orders(self) -> L.Orders:
        """The order table as the scoring core's ``Orders`` (views, no copy)."""
        o = self.orders
        return L.Orders(order_id=np.arange(o.n, dtype=np.int64), buyer_id=o["buyer_id"], seller_id=o["seller_id"],
                        item_id=o["item_id"], platform=o["platform"], amount=o["amount"],
                        created_at=o["created_at"], success_at=o["success_at"], refund=o["refund"],
                        removed_at=o["removed_at"])

    def scoring_actions(self) -> L.Actions:
        a = self.actions
        return L.Actions(order_id=a["order_id"], author=a["author"], action=a["action"], at=a["at"],
                         rating=a["rating"], described=a["described"], service=a["service"],
                         shipping=a["shipping"], logistics=a["logistics"])

    # --- the lifecycle ------------------------------------------------------------------------
    def place(self, created_at, buyer_id, seller_id, item_id, amount, *, platform=L.TAOBAO, kind=EXPRESS,
              courier=-1, category=0, actor=ACTOR_GENUINE, **extra) -> np.ndarray:
        """New orders in state ``placed`` (the unpaid clock of TX-UNPAID-CLOSE starts at ``created_at``)."""
        created_at = np.asarray(created_at, np.int64)
        k = created_at.size
        if "visit" not in extra:
            extra["visit"] = -1 - np.arange(self.orders.n, self.orders.n + k, dtype=np.int64)
        if "event" not in extra:
            extra["event"] = event_hash(EVENT_KEY, np.broadcast_to(np.asarray(buyer_id, np.int64), (k,)),
                                        extra["visit"])
        rows = self.orders.append(
            k, created_at=created_at, terms_at=created_at, buyer_id=buyer_id, seller_id=seller_id,
            item_id=item_id, amount=amount, list_price=amount, platform=platform, kind=kind, courier=courier,
            category=category, actor=actor, state=PLACED, **extra)
        self._emit("placed", rows, created_at)
        return rows

    def change_terms(self, rows, at, amount) -> np.ndarray:
        """The seller changes the price before payment; TX-UNPAID-CLOSE restarts from ``at``."""
        o = self.orders
        rows = np.asarray(rows, np.int64)
        ok = self._once(rows, o["state"][rows] == PLACED)
        amount = per_row(amount, rows.size, np.float64)[ok]
        rows, at = self._select(rows, at, ok)
        o["amount"][rows] = amount
        o["terms_at"][rows] = at
        self._emit("terms", rows, at)
        return rows

    def pay(self, rows, at) -> np.ndarray:
        """placed -> paid: the buyer's money goes into escrow (TX-ESCROW)."""
        o = self.orders
        rows, at = self._select(rows, at, self.orders["state"][np.asarray(rows, np.int64)] == PLACED)
        o["state"][rows] = PAID
        o["paid_at"][rows] = at
        self.escrow.pay(o["buyer_id"][rows], o["amount"][rows])
        self._emit("paid", rows, at)
        return rows

    def close(self, rows, at) -> np.ndarray:
        """placed -> closed (TX-UNPAID-CLOSE)."""
        o = self.orders
        rows, at = self._select(rows, at, o["state"][np.asarray(rows, np.int64)] == PLACED)
        o["state"][rows] = CLOSED
        o["closed_at"][rows] = at
        self._emit("closed", rows, at)
        return rows

    def ship(self, rows, at) -> np.ndarray:
        """paid -> shipped (the seller hands the parcel over); the auto-confirm clock starts (TX-AUTOCONFIRM).

        Shipping an already shipped order again (a reship) keeps the state and counts the shipment.
        """
        o = self.orders
        rows = np.asarray(rows, np.int64)
        rows, at = self._select(rows, at, among(o["state"][rows], (PAID, SHIPPED)))
        first = o["state"][rows] == PAID
        o["state"][rows] = SHIPPED
        o["shipped_at"][rows[first]] = at[first]
        o["shipments"][rows] += 1
        o["delivered_at"][rows] = NEVER
        self._emit("shipped", rows, at)
        return rows

    def deliver(self, rows, at) -> np.ndarray:
        """The parcel reaches the buyer (state stays ``shipped``)."""
        o = self.orders
        rows, at = self._select(rows, at, o["state"][np.asarray(rows, np.int64)] == SHIPPED)
        o["delivered_at"][rows] = at
        self._emit("delivered", rows, at)
        return rows

    def confirm(self, rows, at, how=HOW_BUYER) -> np.ndarray:
        """shipped -> success: TX-CONFIRM (buyer) or TX-AUTOCONFIRM (timer). Escrow pays the seller."""
        o = self.orders
        rows = np.asarray(rows, np.int64)
        how = per_row(how, rows.size, np.int8)
        ok = self._once(rows, o["state"][rows] == SHIPPED)
        how = how[ok]
        rows, at = self._select(rows, at, ok)
        o["state"][rows] = SUCCESS
        o["success_at"][rows] = at
        o["how"][rows] = how
        o["dispute_open"][rows] = False
        self.escrow.release(o["seller_id"][rows], o["amount"][rows] - o["refunded_amount"][rows])
        self._changed.append(rows)
        self._emit("success", rows, at)
        return rows

    def refund(self, rows, at, code=L.NOT_RECEIVED) -> np.ndarray:
        """paid/shipped -> refunded: the rest of the money goes back to the buyer (TX-REFUND-*)."""
        o = self.orders
        rows = np.asarray(rows, np.int64)
        code = per_row(code, rows.size, np.int8)
        ok = self._once(rows, among(o["state"][rows], (PAID, SHIPPED)))
        code = code[ok]
        rows, at = self._select(rows, at, ok)
        back = o["amount"][rows] - o["refunded_amount"][rows]
        o["state"][rows] = REFUNDED
        o["refund"][rows] = code
        o["refund_at"][rows] = at
        o["refunded_amount"][rows] = o["amount"][rows]
        o["dispute_open"][rows] = False
        self.escrow.refund(o["buyer_id"][rows], back)
        self._changed.append(rows)
        self._emit("refunded", rows, at)
        return rows

    def partial_refund(self, rows, at, share) -> np.ndarray:
        """A partial refund before success (refund code ``partial``; the trade goes on, REV-ELIGIBLE)."""
        o = self.orders
        rows = np.asarray(rows, np.int64)
        share = per_row(share, rows.size, np.float64)
        ok = self._once(rows, among(o["state"][rows], (PAID, SHIPPED)) & (o["refund"][rows] == L.REFUND_NONE))
        share = share[ok]
        rows, at = self._select(rows, at, ok)
        back = o["amount"][rows] * share
        o["refund"][rows] = L.PARTIAL
        o["refund_at"][rows] = at
        o["refunded_amount"][rows] = back
        self.escrow.refund(o["buyer_id"][rows], back)
        self._changed.append(rows)
        return rows

    def remove(self, rows, at) -> np.ndarray:
        """The platform judges orders fake: their reviews, DSRs and sales are removed (PEN-FAKE-ORDER)."""
        o = self.orders
        rows = np.asarray(rows, np.int64)
        rows, at = self._select(rows, at, o["removed_at"][rows] == NEVER)
        o["removed_at"][rows] = at
        self._changed.append(rows)
        self._emit("removed", rows, at)
        return rows

    # --- review actions (recorded as given; the scoring core judges them) ---------------------
    def _act(self, rows, author, action, at, rating=L.NO_RATING, dims=None, **extra) -> np.ndarray:
        rows = np.asarray(rows, np.int64)
        k = rows.size
        if k == 0:
            return np.empty(0, np.int64)
        cols = dict(order_id=rows, author=author, action=action, at=at, rating=rating)
        if dims is not None:
            for name, value in zip(L.DSR_DIMENSIONS, dims):
                cols[name] = value
        out = self.actions.append(k, **cols, **extra)
        self._emit("reviewed", rows, per_row(at, k, np.int64))
        return out

    def rate(self, rows, author, at, rating, **extra) -> np.ndarray:
        """A credit review (REV-VALUES)."""
        return self._act(rows, author, L.RATE, at, rating, **extra)

    def dsr(self, rows, at, described, service, shipping, logistics, **extra) -> np.ndarray:
        """The buyer's four shop ratings (DSR-DIMS)."""
        return self._act(rows, L.BUYER, L.DSR, at, L.NO_RATING, (described, service, shipping, logistics), **extra)

    def modify(self, rows, author, at, rating=L.GOOD, **extra) -> np.ndarray:
        """The once-only change of a neutral/bad review to good (REV-MODIFY)."""
        return self._act(rows, author, L.MODIFY, at, rating, **extra)

    def delete(self, rows, author, at, **extra) -> np.ndarray:
        """The once-only deletion of a neutral/bad review (REV-MODIFY)."""
        return self._act(rows, author, L.DELETE, at, **extra)
