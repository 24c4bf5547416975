"""Sellers: their latent traits, packing paid orders, and their answers to after-sales requests.

Owns the seller population (one row per seller in numpy arrays, index ``i`` is account id ``i + 1``):
latent true quality, description honesty, price, category, catalogue size, delivery kind, courier,
platform (taobao or tmall), dispatch delay and packing capacity, customer-service capacity, skill and
temper, after-sales policy (generous, or restrictive: "exchange, no return"), cash back for good
reviews, and whether it asks neutral/bad reviewers to change.

Each hour (rank 2 of the same-time order) the sellers family:

1. packs the paid orders whose dispatch delay has run: virtual, auto-delivered and hand-over goods are
   shipped and delivered at once; physical goods join their courier's queue for the next pickup round.
   The dispatch delay is ``dispatch_days`` times the seller's load (open paid orders / capacity, at
   least 1): under heavy load sellers ship late (the promotion example, seed 000 L120);
2. answers after-sales requests that reached it: a return (generous: agree, extending the auto-confirm
   deadline, TX-EXTEND, then TX-RETURN; restrictive: offer an exchange, or refuse, TX-REFUND-REFUSED),
   a partial refund, or a parcel not received (reship first and claim from the courier, or refund).
"""

from __future__ import annotations

import numpy as np

from sim.market import orders as O
from sim.reputation import log as L
from sim.timeutil import DAY, HOUR
from sim.vocabulary import DELIVERY_KINDS

REQ_RETURN, REQ_PARTIAL, REQ_NOT_RECEIVED = range(3)
PHYSICAL = (O.EXPRESS, O.EMS, O.SURFACE_MAIL)


class Sellers:
    def __init__(self, world) -> None:
        self.world = w = world
        sc = world.scenario.sellers
        rng = world.rng["accounts"]
        S = sc.count
        self.n = S
        self.quality = rng.beta(sc.quality_a, sc.quality_b, S)
        self.honesty = rng.beta(sc.honesty_a, sc.honesty_b, S)
        q_mean = sc.quality_a / (sc.quality_a + sc.quality_b)
        self.price = np.round(sc.price_mean * np.exp(sc.price_sd * rng.standard_normal(S) - sc.price_sd ** 2 / 2
                                                     + sc.quality_price * (self.quality - q_mean)), 2)
        self.category = rng.integers(0, world.scenario.search.categories, S)
        self.items = 1 + rng.poisson(max(sc.items_mean - 1, 0), S)
        self.tmall = rng.random(S) < sc.tmall_share
        self.platform = np.where(self.tmall, L.TMALL, L.TAOBAO).astype(np.int8)
        shares = np.array([getattr(world.scenario.delivery, k) for k in DELIVERY_KINDS])
        self.kind = rng.choice(len(DELIVERY_KINDS), S, p=shares / shares.sum()).astype(np.int8)
        couriers = world.scenario.courier_list
        cshare = np.array([c.share for c in couriers])
        self.courier = rng.choice(len(couriers), S, p=cshare / cshare.sum()).astype(np.int8)
        self.courier[~np.isin(self.kind, PHYSICAL)] = -1
        self.cs_capacity = sc.cs_capacity * np.exp(0.3 * rng.standard_normal(S))
        self.skill = rng.beta(sc.cs_skill_a, sc.cs_skill_b, S)
        t = sc.temper_mean
        self.temper = rng.beta(1.0, (1 - t) / t, S) if 0 < t < 1 else np.full(S, t)
        self.generous = rng.random(S) < sc.generous_share
        self.cashback = rng.random(S) < sc.cashback_share
        self.ask_change = rng.random(S) < sc.ask_change_share
        self.created_at = world.start - np.rint(rng.exponential(sc.account_age_days * DAY, S)).astype(np.int64)
        self.backlog = np.zeros(S, np.int64)  # paid orders not yet shipped
        self.chats_today = np.zeros(S, np.int64)
        self.dispatch = world.calendar()
        self.requests = world.calendar()
        book = world.book
        book.on("paid", self._on_paid)
        book.on("shipped", self._on_shipped)
        book.on("refunded", self._on_refunded)

    # --- listeners ----------------------------------------------------------------------------
    def _on_paid(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        sc = w.scenario.sellers
        o = w.book.orders
        seller = o["seller_id"][rows] - 1
        np.add.at(self.backlog, seller, 1)
        capacity = sc.dispatch_capacity + sc.capacity_per_sale * w.platform.sales30[seller]
        load = np.maximum(1.0, self.backlog[seller] / capacity)
        delay = w.lognormal_delay(w.rng["sellers"], sc.dispatch_days * DAY * load, 0.5, rows.size)
        ready = at + delay
        o["ready_at"][rows] = ready
        self.dispatch.push(rows, ready)

    def _on_shipped(self, rows: np.ndarray, at: np.ndarray) -> None:
        o = self.world.book.orders
        first = o["shipments"][rows] == 1
        np.subtract.at(self.backlog, o["seller_id"][rows[first]] - 1, 1)

    def _on_refunded(self, rows: np.ndarray, at: np.ndarray) -> None:
        o = self.world.book.orders
        unshipped = o["shipped_at"][rows] == O.NEVER
        np.subtract.at(self.backlog, o["seller_id"][rows[unshipped]] - 1, 1)

    # --- the hourly tick ----------------------------------------------------------------------
    def tick(self, now: int) -> None:
        w = self.world
        book = w.book
        o = book.orders
        rows, due, _ = self.dispatch.pop(now)
        if rows.size:
            keep = o["state"][rows] == O.PAID
            rows, due = rows[keep], due[keep]
            physical = O.among(o["kind"][rows], PHYSICAL)
            direct = rows[~physical]
            book.ship(direct, due[~physical])
            book.deliver(direct, due[~physical])
            w.couriers.enqueue(rows[physical], due[physical])
        rows, due, tag = self.requests.pop(now)
        if rows.size:
            for kind, handler in ((REQ_RETURN, self._answer_return), (REQ_PARTIAL, self._answer_partial),
                                  (REQ_NOT_RECEIVED, self._answer_not_received)):
                sel = tag == kind
                if sel.any():
                    handler(rows[sel], due[sel])

    def request(self, rows: np.ndarray, at: np.ndarray, kind: int) -> None:
        """A buyer's after-sales request reaches the seller, who answers after a few hours."""
        w = self.world
        delay = w.exp_delay(w.rng["after_sales"], 6 * HOUR, rows.size)
        self.requests.push(rows, at + delay, kind)

    def _answer_return(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        o = w.book.orders
        rng = w.rng["after_sales"]
        bsc = w.scenario.buyers
        ok = (o["state"][rows] == O.SHIPPED) & o["dispute_open"][rows]
        rows, at = rows[ok], at[ok]
        seller = o["seller_id"][rows] - 1
        gen = self.generous[seller]
        # generous: agree to return and refund; extend the deadline so the return fits (TX-EXTEND)
        agree, agree_at = rows[gen], at[gen]
        o["after_sales"][agree] = O.AS_RETURN
        w.platform.extend(agree)
        w.platform.plan_return(agree, agree_at)
        # restrictive: offer an exchange ("exchange, no return")
        rest, rest_at = rows[~gen], at[~gen]
        accepts = rng.random(rest.size) < bsc.exchange_accept_prob
        ex, ex_at = rest[accepts], rest_at[accepts]
        o["after_sales"][ex] = O.AS_EXCHANGE
        w.platform.extend(ex)
        w.platform.close_dispute(ex, ex_at)
        w.couriers.enqueue(ex, ex_at)  # the seller reships at once (TX-EXTEND covers the transit)
        # otherwise a refusal (TX-REFUND-REFUSED): escalate to the platform or let it lapse
        refused, ref_at = rest[~accepts], rest_at[~accepts]
        o["after_sales"][refused] = O.AS_REFUSED
        arch = o["archetype"][refused]
        escalate_p = w.buyers.arch_param("escalate_prob", arch)
        acknowledged = rng.random(refused.size) < self.skill[o["seller_id"][refused] - 1]
        calm = w.buyers.arch_param("anger_acknowledged_calm", arch)
        escalate_p = np.where(acknowledged, escalate_p * (1 - calm), escalate_p)
        esc = rng.random(refused.size) < escalate_p
        w.platform.escalate(refused[esc], ref_at[esc] + w.exp_delay(rng, 1 * DAY, int(esc.sum())))
        w.platform.refused(refused[~esc], ref_at[~esc])

    def _answer_partial(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        sc = w.scenario.sellers
        agree = w.rng["after_sales"].random(rows.size) < sc.agree_partial_prob
        done = w.book.partial_refund(rows[agree], at[agree], sc.partial_share)
        w.book.orders["after_sales"][done] = O.AS_PARTIAL

    def _answer_not_received(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        o = w.book.orders
        ok = (o["state"][rows] == O.SHIPPED) & o["dispute_open"][rows]
        rows, at = rows[ok], at[ok]
        reship = w.rng["after_sales"].random(rows.size) < w.scenario.sellers.reship_on_loss_prob
        rs, rs_at = rows[reship], at[reship]
        o["after_sales"][rs] = O.AS_RESHIPPED
        w.platform.extend(rs)
        w.platform.close_dispute(rs, rs_at)
        w.couriers.enqueue(rs, rs_at)
        refund = rows[~reship]
        o["after_sales"][refund] = O.AS_NOT_RECEIVED
        w.book.refund(refund, at[~reship], L.NOT_RECEIVED)
