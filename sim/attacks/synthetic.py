"""A synthetic genuine market log, with the platform's extras, for detector tests and benchmarks.

Not the market model (``sim.market``): a quick stand-in with the shapes that matter to detectors.
Buyers pick sellers by a Zipf-like popularity (a few popular shops with many distinct buyers, a
long tail), order at uniform times, receive express parcels after 1-4 days (a share of virtual
goods delivered at once), confirm after a delay of days (or let the timer run), and rate ``good``
with probability ``review_prob``. Accounts are 30 days to 5 years old with a buyer credit that grows
with age. Everything comes from the generator passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.reputation import log as L
from sim.timeutil import DAY, HOUR


@dataclass
class MarketLog:
    orders: L.Orders
    actions: L.Actions
    delivered_at: np.ndarray
    kind: np.ndarray
    empty: np.ndarray
    chat: np.ndarray
    fake: np.ndarray  # ground truth: False for every genuine order
    account_id: np.ndarray
    account_created_at: np.ndarray
    account_credit: np.ndarray

    def extras(self) -> dict:
        """The keyword arguments of ``PlatformView.build`` / ``offline.run`` besides the log."""
        return dict(delivered_at=self.delivered_at, kind=self.kind, empty=self.empty, chat=self.chat,
                    account_id=self.account_id, account_created_at=self.account_created_at,
                    account_credit=self.account_credit)


def genuine_market(rng: np.random.Generator, *, orders: int, buyers: int, sellers: int, start: int, days: int,
                   first_seller: int = 1, first_buyer: int = 1_000_000, first_order: int = 1,
                   review_prob: float = 0.6, virtual_share: float = 0.05, chat_share: float = 0.3) -> MarketLog:
    n = orders
    popularity = 1.0 / np.arange(1, sellers + 1) ** 0.8
    seller = first_seller + rng.choice(sellers, n, p=popularity / popularity.sum())
    buyer = first_buyer + rng.integers(0, buyers, n)
    created = start + np.sort(rng.integers(0, days * DAY, n))
    virtual = rng.random(n) < virtual_share
    shipped = created + rng.integers(2 * HOUR, 2 * DAY, n)
    delivered = np.where(virtual, shipped, shipped + rng.integers(DAY, 4 * DAY, n))
    early = rng.random(n) < 0.6
    success = delivered + np.where(early, rng.exponential(1.5 * DAY, n).astype(np.int64), 10 * DAY)
    order_id = first_order + np.arange(n, dtype=np.int64)
    log_orders = L.Orders.build(order_id, buyer, seller, seller * 100 + rng.integers(0, 20, n), created,
                                amount=np.round(rng.lognormal(4.0, 0.6, n), 2), success_at=success)
    rated = np.flatnonzero(rng.random(n) < review_prob)
    at = success[rated] + rng.exponential(2 * DAY, len(rated)).astype(np.int64)
    actions = L.Actions.build(order_id[rated], None, None, at, np.full(len(rated), L.GOOD))
    account = first_buyer + np.arange(buyers, dtype=np.int64)
    age = rng.integers(30 * DAY, 5 * 365 * DAY, buyers)
    return MarketLog(log_orders, actions, delivered, np.where(virtual, 3, 0).astype(np.int8), np.zeros(n, bool),
                     rng.random(n) < chat_share, np.zeros(n, bool), account, start - age,
                     np.floor(age / (30 * DAY)).astype(float))
