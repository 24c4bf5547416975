"""The ``signals`` detector: a score per order from the signals a platform actually has.

docs/attacks.md "Detection": detection is "driven by the signals a platform actually has (confirm
speed, logistics records, account age and graph, bursts)", plus the chats with customer service. Each signal is a
number in [0, 1] per order; the score is their weighted mean, and an order whose score reaches
``threshold`` is flagged. An account with ``account_flags`` or more flagged orders in one sweep is
flagged too.

- confirm speed: ``1 - (success - delivery) / fast_confirm_hours``, floored at 0 (brushing workers
  confirm at once; genuine buyers confirm after using the goods, or let the timer run);
- logistics: 1 for an empty parcel, ``virtual_signal`` for virtual or auto-delivered goods;
- account age at the order: ``1 - age / young_days``, floored at 0;
- buyer credit: ``1 - credit / low_credit``, floored at 0;
- repeated pair: 1 when the buyer placed ``repeat_orders`` or more orders with the seller in the
  lookback window;
- seller burst: 1 when the seller's orders that local day number at least ``burst_min`` and at least
  ``burst_ratio`` times its daily mean over the lookback window;
- no chat: 1 when the buyer did not chat first (a weak signal: most genuine buyers do not either).

Orders are scored once they succeed (confirm speed is then known), if created in the lookback
window and not removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.detection.view import ACCOUNT, ORDER, Detections, PlatformView
from sim.scenario.schema import knob
from sim.timeutil import DAY, HOUR, NEVER, local_day_index

VIRTUAL_KINDS = (3, 4)  # sim.market.orders VIRTUAL, AUTO_DELIVERY

NONNEG = {"lo": 0.0}
POS = {"lo": 0.0, "lo_open": True}


@dataclass(frozen=True)
class SignalsConfig:
    lookback_days: float = knob(30.0, "orders created this many days before the sweep are scored", **POS)
    threshold: float = knob(0.5, "an order whose score reaches this is flagged", lo=0.0, hi=1.0)
    account_flags: int = knob(2, "an account with this many flagged orders in a sweep is flagged", lo=1)
    fast_confirm_hours: float = knob(6.0, "confirmation within this of delivery is suspicious", **POS)
    virtual_signal: float = knob(0.5, "logistics signal of virtual or auto-delivered goods", lo=0.0, hi=1.0)
    young_days: float = knob(90.0, "accounts younger than this are suspicious", **POS)
    low_credit: float = knob(10.0, "buyer credit below this is suspicious", **POS)
    repeat_orders: int = knob(3, "orders of one pair in the window that make a repeated pair", lo=2)
    burst_min: int = knob(10, "a seller's day with at least this many orders can be a burst", lo=1)
    burst_ratio: float = knob(3.0, "... and at least this many times its daily mean", lo=1.0)
    w_confirm: float = knob(1.0, "weight of confirm speed", **NONNEG)
    w_logistics: float = knob(1.0, "weight of the logistics record", **NONNEG)
    w_age: float = knob(1.0, "weight of account age", **NONNEG)
    w_credit: float = knob(0.5, "weight of buyer credit", **NONNEG)
    w_repeat: float = knob(1.0, "weight of a repeated pair", **NONNEG)
    w_burst: float = knob(1.0, "weight of a seller burst", **NONNEG)
    w_no_chat: float = knob(0.25, "weight of no chat", **NONNEG)

    def check(self, source: str, path: str) -> None:
        from sim.errors import InputError

        if self.weights().sum() <= 0:
            raise InputError(source, f"{path}.w_*" if path else "w_*", "at least one positive weight", 0)

    def weights(self) -> np.ndarray:
        return np.array([self.w_confirm, self.w_logistics, self.w_age, self.w_credit, self.w_repeat,
                         self.w_burst, self.w_no_chat])


def features(view: PlatformView, rows: np.ndarray, c: SignalsConfig) -> np.ndarray:
    """The seven signals (columns, in ``SignalsConfig.weights`` order) of the view's orders ``rows``."""
    o = view.orders
    n = len(rows)
    f = np.zeros((n, 7))
    speed = (o.success_at[rows] - view.delivered_at[rows]).astype(float)
    f[:, 0] = np.clip(1.0 - speed / (c.fast_confirm_hours * HOUR), 0.0, 1.0)
    f[:, 1] = np.where(view.empty[rows], 1.0, np.where(np.isin(view.kind[rows], VIRTUAL_KINDS),
                                                       c.virtual_signal, 0.0))
    opened, credit, _ = view.account_facts(o.buyer_id[rows])
    age = (o.created_at[rows] - opened).astype(float)
    f[:, 2] = np.clip(1.0 - age / (c.young_days * DAY), 0.0, 1.0)
    f[:, 3] = np.clip(1.0 - credit / c.low_credit, 0.0, 1.0)
    # Repeated pairs and bursts count every live order of the window, scored or not.
    window = np.flatnonzero(view.recent(c.lookback_days))
    _, seller = np.unique(o.seller_id[window], return_inverse=True)
    _, buyer = np.unique(o.buyer_id[window], return_inverse=True)
    n_sellers = int(seller.max()) + 1 if len(window) else 1
    pair = buyer.astype(np.int64) * n_sellers + seller
    _, pair_group, pair_count = np.unique(pair, return_inverse=True, return_counts=True)
    day = local_day_index(o.created_at[window])
    day = day - (day.min() if len(day) else 0)
    seller_day = seller.astype(np.int64) * (int(day.max()) + 1 if len(day) else 1) + day
    _, sd_group, sd_count = np.unique(seller_day, return_inverse=True, return_counts=True)
    per_seller = np.bincount(seller, minlength=n_sellers) / c.lookback_days
    at = np.searchsorted(window, rows)  # every scored row lies in the window
    day_count = sd_count[sd_group[at]]
    f[:, 4] = pair_count[pair_group[at]] >= c.repeat_orders
    f[:, 5] = (day_count >= c.burst_min) & (day_count >= c.burst_ratio * per_seller[seller[at]])
    f[:, 6] = ~view.chat[rows]
    return f


@dataclass
class SignalsDetector:
    config: SignalsConfig
    name: str = "signals"

    def sweep(self, view: PlatformView, since: int, rng: np.random.Generator) -> Detections:
        c = self.config
        o = view.orders
        rows = np.flatnonzero(view.recent(c.lookback_days) & (o.success_at < NEVER))
        w = c.weights()
        score = features(view, rows, c) @ w / w.sum()
        flagged = score >= c.threshold - 1e-12
        found = Detections.make(view.as_of, self.name, ORDER, o.order_id[rows[flagged]], score[flagged], True)
        accounts, counts = np.unique(o.buyer_id[rows[flagged]], return_counts=True)
        many = counts >= c.account_flags
        acc = Detections.make(view.as_of, self.name, ACCOUNT, accounts[many], counts[many], True)
        return Detections.concat([found, acc])
