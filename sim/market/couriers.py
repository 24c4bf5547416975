"""Courier companies: pickup rounds with a capacity, transit by delivery kind, and failures.

Each company keeps a FIFO queue of packed parcels. At each of its daily pickup hours (local time) it
takes the oldest parcels up to its round capacity (``capacity_per_round + capacity_per_seller`` x the
sellers using it; 0 = unlimited); the rest wait for the next round, so festival volume backs up into
late shipping. A parcel is marked shipped (TX-AUTOCONFIRM's clock starts) at the pickup instant.

Transit is log-normal around the company's mean for the delivery kind (express, EMS, surface mail),
exactly the mean with ``deterministic_delays``. Each shipment draws one outcome: delayed (extra days),
lost, damaged (arrives; the buyer's perceived quality falls) or undeliverable (never arrives), with the
company's probabilities. A failure hurts the seller even when the courier is at fault: the buyer blames
the seller, and the ``logistics``/``shipping`` DSRs fall (reviewers.py). Lost and undeliverable parcels
are reported by the buyer (buyers.py) and reshipped or refunded by the seller (sellers.py).

Runs hourly at rank 3: pickup rounds first, then the deliveries due in the hour.
"""

from __future__ import annotations

import numpy as np

from sim.market import orders as O
from sim.timeutil import DAY


class Couriers:
    def __init__(self, world) -> None:
        self.world = world
        self.companies = world.scenario.courier_list
        k = len(self.companies)
        sellers = world.sellers
        users = np.bincount(sellers.courier[sellers.courier >= 0], minlength=k)
        self.capacity = np.array([c.capacity_per_round + c.capacity_per_seller * users[i]
                                  for i, c in enumerate(self.companies)])
        self.queue_rows: list[list[np.ndarray]] = [[] for _ in range(k)]
        self.queue_ready: list[list[np.ndarray]] = [[] for _ in range(k)]
        self.backlog = np.zeros(k, np.int64)  # parcels waiting after the last round
        self.max_backlog = np.zeros(k, np.int64)
        self.deliveries = world.calendar()
        self.pickup = [set(c.pickup_hours) for c in self.companies]

    def enqueue(self, rows: np.ndarray, ready_at: np.ndarray) -> None:
        """Packed parcels (first shipments and reships) join their seller's courier queue."""
        if rows.size == 0:
            return
        o = self.world.book.orders
        comp = o["courier"][rows]
        missing = comp < 0  # a reship of goods that had none: use the seller's courier or the first
        if missing.any():
            comp = comp.copy()
            comp[missing] = np.maximum(self.world.sellers.courier[o["seller_id"][rows[missing]] - 1], 0)
            o["courier"][rows[missing]] = comp[missing]
        for c in np.unique(comp).tolist():
            sel = comp == c
            self.queue_rows[c].append(rows[sel])
            self.queue_ready[c].append(np.asarray(ready_at, np.int64)[sel])

    def tick(self, now: int) -> None:
        w = self.world
        hour = w.local_hour(now)
        for c, company in enumerate(self.companies):
            if hour in self.pickup[c] and self.queue_rows[c]:
                self._round(c, now)
        rows, due, tag = self.deliveries.pop(now)
        if rows.size:
            o = w.book.orders
            # tag carries the shipment number: a delivery of an earlier shipment is stale
            fresh = o["shipments"][rows] == tag
            w.book.deliver(rows[fresh], due[fresh])

    def _round(self, c: int, now: int) -> None:
        w = self.world
        book = w.book
        o = book.orders
        rows = np.concatenate(self.queue_rows[c])
        ready = np.concatenate(self.queue_ready[c])
        order = np.lexsort((rows, ready))
        rows, ready = rows[order], ready[order]
        live = O.among(o["state"][rows], (O.PAID, O.SHIPPED)) & (ready <= now)
        waiting = (ready > now) & O.among(o["state"][rows], (O.PAID, O.SHIPPED))
        take = np.flatnonzero(live)
        cap = self.capacity[c]
        if cap > 0 and take.size > cap:
            take = take[: int(cap)]
        keep = waiting.copy()
        keep[np.flatnonzero(live)] = True
        keep[take] = False
        self.queue_rows[c] = [rows[keep]] if keep.any() else []
        self.queue_ready[c] = [ready[keep]] if keep.any() else []
        self.backlog[c] = int(keep.sum())
        self.max_backlog[c] = max(self.max_backlog[c], self.backlog[c])
        picked = rows[take]
        shipped = book.ship(picked, np.full(picked.size, now, np.int64))
        self._transit(c, shipped, now)

    def _transit(self, c: int, rows: np.ndarray, now: int) -> None:
        if rows.size == 0:
            return
        w = self.world
        company = self.companies[c]
        o = w.book.orders
        d = w.draws("couriers", rows)
        base = 8 * o["shipments"][rows].astype(np.int64)  # each shipment of an order draws afresh
        kind = o["kind"][rows]
        mean = O.select([kind == O.EMS, kind == O.SURFACE_MAIL], [company.ems_days, company.surface_days],
                         company.express_days) * DAY
        draws = d.uniforms(base, 3)  # transit, outcome, extra delay
        transit = d.lognormal_delay_from(draws[0], mean, company.transit_sd)
        u = draws[1]
        edges = np.cumsum([company.loss_prob, company.undeliverable_prob, company.damage_prob, company.delay_prob])
        outcome = O.select([u < edges[0], u < edges[1], u < edges[2], u < edges[3]],
                            [O.C_LOST, O.C_UNDELIVERABLE, O.C_DAMAGED, O.C_DELAYED], O.C_OK).astype(np.int8)
        delayed = outcome == O.C_DELAYED
        extra = d.exp_delay_from(draws[2], company.delay_days * DAY)
        arrive = now + transit + np.where(delayed, extra, 0)
        o["courier_outcome"][rows] = outcome
        o["expected_at"][rows] = now + np.rint(mean).astype(np.int64)
        arrives = ~O.among(outcome, (O.C_LOST, O.C_UNDELIVERABLE))
        self.deliveries.push(rows[arrives], arrive[arrives], o["shipments"][rows[arrives]])
        w.buyers.expect_parcel(rows[~arrives], o["expected_at"][rows[~arrives]])
