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
2. answers after-sales requests that reached it: a return (generous, or covered by the seven-day
   no-reason return of seed 004: agree, extending the auto-confirm deadline, TX-EXTEND, then TX-RETURN;
   restrictive: offer an exchange, or refuse, TX-REFUND-REFUSED, after which the buyer escalates,
   changes the request to a partial refund, or lets it lapse), a partial refund, or a parcel not
   received (reship first and claim from the courier, or refund, or refuse: the buyer may then ask the
   platform to intervene, TX-INTERVENE).

Every trait is a keyed draw of the seller's account (``sim.market.keyed``), every decision about an
order a keyed draw of that order.
"""

from __future__ import annotations

import numpy as np

from scipy.special import betaincinv, ndtri
from scipy.stats import poisson

from sim.market import orders as O
from sim.reputation import log as L
from sim.timeutil import DAY, HOUR, days as to_seconds
from sim.vocabulary import DELIVERY_KINDS

REQ_RETURN, REQ_PARTIAL, REQ_NOT_RECEIVED, REQ_NO_REASON = range(4)
PHYSICAL = (O.EXPRESS, O.EMS, O.SURFACE_MAIL)
NO_REASON_KINDS = PHYSICAL  # the goods the seven-day no-reason return covers (seed 004; decision)


class Sellers:
    def __init__(self, world) -> None:
        self.world = w = world
        sc = world.scenario.sellers
        S = world.n_sellers  # the first sellers, then those entering during the run
        self.n = S
        # every trait is a keyed draw of the seller's account id (slot = trait), so adding a seller or a
        # buyer changes no other seller's traits
        k = world.keyed["seller_traits"].at(world.seller_ids, 0)
        u = k.uniform
        self.quality = betaincinv(sc.quality_a, sc.quality_b, u(0))
        self.honesty = betaincinv(sc.honesty_a, sc.honesty_b, u(1))
        q_mean = sc.quality_a / (sc.quality_a + sc.quality_b)
        self.price = np.round(sc.price_mean * np.exp(sc.price_sd * ndtri(u(2)) - sc.price_sd ** 2 / 2
                                                     + sc.quality_price * (self.quality - q_mean)), 2)
        self.category = k.integers(3, world.scenario.search.categories)
        self.items = 1 + poisson.ppf(u(4), max(sc.items_mean - 1, 1e-9)).astype(np.int64)
        self.tmall = u(5) < sc.tmall_share
        self.platform = np.where(self.tmall, L.TMALL, L.TAOBAO).astype(np.int8)
        shares = np.array([getattr(world.scenario.delivery, kk) for kk in DELIVERY_KINDS])
        self.kind = k.choice(6, shares).astype(np.int8)
        couriers = world.scenario.courier_list
        self.courier = k.choice(7, np.array([c.share for c in couriers])).astype(np.int8)
        self.courier[~np.isin(self.kind, PHYSICAL)] = -1
        self.cs_capacity = sc.cs_capacity * np.exp(sc.cs_capacity_sd * ndtri(u(8)))
        self.skill = betaincinv(sc.cs_skill_a, sc.cs_skill_b, u(9))
        t = sc.temper_mean
        self.temper = betaincinv(1.0, (1 - t) / t, u(10)) if 0 < t < 1 else np.full(S, t)
        self.generous = u(11) < sc.generous_share
        self.cashback = u(12) < sc.cashback_share
        self.ask_change = u(13) < sc.ask_change_share
        self.created_at = world.start - np.rint(-np.log(u(14)) * sc.account_age_days * DAY).astype(np.int64)
        E = world.entrants
        if E:  # entry times spread evenly over the run, each jittered within its slot (a keyed draw)
            slot = (np.arange(E) + u(15)[S - E:]) / E
            self.created_at[S - E:] = world.start + np.rint(slot * world.days * DAY).astype(np.int64)
        self.backlog = np.zeros(S, np.int64)  # paid orders not yet shipped
        self.chats_today = np.zeros(S, np.int64)
        self.dispatch = world.calendar()
        self.requests = world.calendar()
        book = world.book
        book.on("paid", self._on_paid)
        book.on("shipped", self._on_shipped)
        book.on("refunded", self._on_refunded)

    def item_price(self, seller: np.ndarray, item: np.ndarray) -> np.ndarray:
        """The price of a seller's item (seller index, item number): it varies around the seller's price
        level, fixed per item (a golden-ratio hash). Its id is ``seller_id * 100_000 + item``."""
        frac = (item * 0.6180339887 + seller * 0.4142135) % 1.0
        return np.round(self.price[seller] * (1 + self.world.scenario.sellers.item_price_spread * (2 * frac - 1)), 2)

    # --- listeners ----------------------------------------------------------------------------
    def _on_paid(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        sc = w.scenario.sellers
        o = w.book.orders
        seller = o["seller_id"][rows] - 1
        np.add.at(self.backlog, seller, 1)
        capacity = sc.dispatch_capacity + sc.capacity_per_sale * w.platform.sales30[seller]
        load = np.maximum(1.0, self.backlog[seller] / capacity)
        delay = w.draws("dispatch", rows).lognormal_delay(0, sc.dispatch_days * DAY * load, sc.dispatch_sd)
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
            returns = (tag == REQ_RETURN) | (tag == REQ_NO_REASON)  # the policy and the window decide
            for sel, handler in ((returns, self._answer_return), (tag == REQ_PARTIAL, self._answer_partial),
                                 (tag == REQ_NOT_RECEIVED, self._answer_not_received)):
                if sel.any():
                    handler(rows[sel], due[sel])

    def request(self, rows: np.ndarray, at: np.ndarray, kind: int) -> None:
        """A buyer's after-sales request reaches the seller, who answers after a few hours."""
        if rows.size == 0:
            return
        w = self.world
        o = w.book.orders
        slot = 10 * (kind + 1) + o["shipments"][rows].astype(np.int64)  # a reship's loss is a new event
        delay = w.draws("after_sales", rows).exp_delay(slot, w.scenario.sellers.request_answer_hours * HOUR)
        self.requests.push(rows, at + delay, kind)

    def no_reason_covered(self, rows: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Whether the seven-day no-reason return (seed 004) covers these orders at ``at``: physical goods,
        delivered at most ``platform.no_reason_return_days`` before."""
        w = self.world
        o = w.book.orders
        days = w.scenario.platform.no_reason_return_days
        if days <= 0:
            return np.zeros(rows.size, bool)
        delivered = o["delivered_at"][rows]
        return (O.among(o["kind"][rows], NO_REASON_KINDS) & (delivered != O.NEVER)
                & (at - delivered <= to_seconds(days)))

    def _answer_return(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        o = w.book.orders
        bsc = w.scenario.buyers
        ok = (o["state"][rows] == O.SHIPPED) & o["dispute_open"][rows]
        rows, at = rows[ok], at[ok]
        if rows.size == 0:
            return
        seller = o["seller_id"][rows] - 1
        # within the no-reason window the seller must accept a return of covered goods, whatever its policy
        forced = self.no_reason_covered(rows, o["request_at"][rows])
        gen = self.generous[seller] | forced
        # agree to return and refund; extend the deadline so the return fits (TX-EXTEND)
        agree, agree_at = rows[gen], at[gen]
        o["after_sales"][agree] = np.where(self.generous[seller[gen]], O.AS_RETURN, O.AS_NO_REASON)
        w.platform.extend(agree)
        w.platform.plan_return(agree, agree_at)
        # restrictive: offer an exchange ("exchange, no return")
        rest, rest_at = rows[~gen], at[~gen]
        if rest.size == 0:
            return
        d = w.draws("after_sales", rest)
        accepts = d.uniform(60) < bsc.exchange_accept_prob
        ex, ex_at = rest[accepts], rest_at[accepts]
        o["after_sales"][ex] = O.AS_EXCHANGE
        w.platform.extend(ex)
        w.platform.close_dispute(ex, ex_at)
        w.couriers.enqueue(ex, ex_at)  # the seller reships at once (TX-EXTEND covers the transit)
        # otherwise a refusal (TX-REFUND-REFUSED): escalate, change the request, or let it lapse
        refused, ref_at = rest[~accepts], rest_at[~accepts]
        o["after_sales"][refused] = O.AS_REFUSED
        d = w.draws("after_sales", refused)
        acknowledged = d.uniform(61) < self.skill[o["seller_id"][refused] - 1]
        self._after_refusal(refused, ref_at, acknowledged, d)

    def _after_refusal(self, rows: np.ndarray, at: np.ndarray, acknowledged: np.ndarray, d) -> None:
        """TX-REFUND-REFUSED: the refused buyer asks the platform to intervene, or changes the request to
        a partial refund (within the window), or does neither and the request lapses."""
        w = self.world
        if rows.size == 0:
            return
        o = w.book.orders
        bsc = w.scenario.buyers
        arch = o["archetype"][rows]
        escalate_p = w.buyers.arch_param("escalate_prob", arch)
        calm = w.buyers.arch_param("anger_acknowledged_calm", arch)
        escalate_p = np.where(acknowledged, escalate_p * (1 - calm), escalate_p)
        esc = d.uniform(62) < escalate_p
        w.platform.escalate(rows[esc], at[esc] + d.exp_delay(63, bsc.escalate_delay_days * DAY)[esc])
        window = to_seconds(w.rules.refund_refused_days)
        change_at = at + d.exp_delay(64, bsc.change_request_delay_days * DAY)
        change = (~esc & (d.uniform(65) < w.buyers.arch_param("change_request_prob", arch))
                  & (change_at - at <= window) & (o["after_sales"][rows] == O.AS_REFUSED))
        o["after_sales"][rows[change]] = O.AS_CHANGED
        w.platform.counts_timer["changed_requests"] += int(change.sum())
        self.request(rows[change], change_at[change], REQ_PARTIAL)
        w.platform.refused(rows[~esc], at[~esc])  # lapses unless changed in time

    def _answer_partial(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        sc = w.scenario.sellers
        o = w.book.orders
        changed = o["after_sales"][rows] == O.AS_CHANGED  # a changed request inside an open dispute
        agree = w.draws("after_sales", rows).uniform(30) < sc.agree_partial_prob
        done = w.book.partial_refund(rows[agree], at[agree], sc.partial_share)
        o["after_sales"][done] = O.AS_PARTIAL
        settled = agree & changed
        w.platform.close_dispute(rows[settled], at[settled])
        again = ~agree & changed  # refused again: this time the request lapses
        o["after_sales"][rows[again]] = O.AS_REFUSED
        w.platform.refused(rows[again], at[again])

    def _answer_not_received(self, rows: np.ndarray, at: np.ndarray) -> None:
        """A lost parcel: reship first and claim from the courier, or refund, or refuse (claiming delivery),
        after which the buyer may ask the platform to intervene (TX-INTERVENE)."""
        w = self.world
        sc = w.scenario.sellers
        o = w.book.orders
        ok = (o["state"][rows] == O.SHIPPED) & o["dispute_open"][rows]
        rows, at = rows[ok], at[ok]
        if rows.size == 0:
            return
        d = w.draws("after_sales", rows)
        slot = 40 + 4 * o["shipments"][rows].astype(np.int64)
        reship = d.uniform(slot) < sc.reship_on_loss_prob
        refund = ~reship & (d.uniform(slot + 1) < sc.refund_on_loss_prob)
        rs, rs_at = rows[reship], at[reship]
        o["after_sales"][rs] = O.AS_RESHIPPED
        w.platform.extend(rs)
        w.platform.close_dispute(rs, rs_at)
        w.couriers.enqueue(rs, rs_at)
        rf = rows[refund]
        o["after_sales"][rf] = O.AS_NOT_RECEIVED
        w.platform.courier_compensates(w.book.refund(rf, at[refund], L.NOT_RECEIVED))
        refused = ~reship & ~refund
        rr = rows[refused]
        o["after_sales"][rr] = O.AS_LOSS_REFUSED
        w.platform.counts_timer["lost_refused"] += int(rr.size)
        self._after_refusal(rr, at[refused], np.zeros(rr.size, bool), w.draws("after_sales", rr))
