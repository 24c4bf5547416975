"""The platform: section-1 timers, disputes, daily scoring, search ranking, penalties and growth.

Every timeout is a field of the rule set (``sim.rules.RuleSet``), converted to seconds here:

- TX-UNPAID-CLOSE: an order still ``placed`` ``unpaid_close_days`` after its terms (placement or the
  last price change) closes.
- TX-REFUND-UNSHIPPED: ``refund_unshipped_days`` after a buyer's refund request on an unshipped order,
  if the seller has still not shipped, the buyer is refunded (code ``not_received``). A seller who ships
  first defeats the request.
- TX-AUTOCONFIRM: ``shipped_at`` + the delay of the delivery kind (auto_delivery, virtual, express/EMS/
  no_logistics, surface mail); the timer waits while a dispute is open, and an order whose deadline
  passed during a dispute succeeds when the dispute ends without a refund (decision).
- TX-EXTEND: the seller extends the deadline by ``extend_days`` when it agrees a return or an exchange
  or reships a lost parcel, at most ``max_extensions`` times.
- TX-REFUND-REFUSED: a refused buyer who neither changes the request nor escalates within
  ``refund_refused_days`` loses it, and the trade continues.
- TX-RETURN: after an agreed return the buyer ships within ``return_ship_days`` or the request closes;
  the seller confirms the returned parcel within ``return_confirm_express_days`` /
  ``return_confirm_surface_days``, or the buyer is refunded automatically.
- TX-INTERVENE: an escalated dispute is judged ``intervene_days`` later; the buyer wins with a
  probability set by the evidence (courier loss, damage, a quality defect, nothing). A seller who loses
  gets general violation points; a won lost-parcel claim is a ``not_received`` refund and the courier
  (at fault) pays the postage, any other a return whose postage the party at fault pays.
- TX-ESCROW: through ``sim.market.orders.Escrow``.

Daily (rank 8, at local midnight) the platform: decays and credits growth (GROWTH-DECAY, then
GROWTH-EARN, then GROWTH-VIP), scores the log with the incremental scorer as of that instant (what
buyers see is the scorer's view: pending reviews are invisible), applies penalty nodes and shielding
(PEN-POINTS, PEN-NODES; general points reset on 1 January), recomputes the search ranking (shielded
sellers excluded), and records one row per seller for ``sellers_daily``.
"""

from __future__ import annotations

import numpy as np

from sim.detection.penalties import PenaltyState, settle
from sim.market import orders as O
from sim.reputation import log as L
from sim.timeutil import DAY, NEVER, days as to_seconds

GENERAL, SERIOUS = 0, 1


def _make_scorer(rules, expected_orders: int):
    """The incremental scorer; with no incremental module, a full rescoring each day (same results)."""
    try:
        from sim.reputation.incremental import IncrementalScorer
        # About 1.7 review actions per order in the calibrated scenarios.
        return IncrementalScorer(rules, expected_orders=expected_orders, expected_actions=2 * expected_orders), True
    except ImportError:  # pragma: no cover - the incremental scorer ships with the package
        return None, False


class Platform:
    def __init__(self, world) -> None:
        self.world = w = world
        r = world.rules
        S = world.n_sellers
        self.unpaid = to_seconds(r.unpaid_close_days)
        self.refund_unshipped = to_seconds(r.refund_unshipped_days)
        self.autoconfirm_by_kind = np.array([
            to_seconds(r.autoconfirm_express_days), to_seconds(r.autoconfirm_express_days),  # express, ems
            to_seconds(r.autoconfirm_surface_mail_days), to_seconds(r.autoconfirm_virtual_days),
            to_seconds(r.autoconfirm_auto_delivery_days), to_seconds(r.autoconfirm_express_days),  # no_logistics
        ], np.int64)
        self.cal_unpaid = w.calendar()
        self.cal_unshipped = w.calendar()
        self.cal_autoconfirm = w.calendar()
        self.cal_refused = w.calendar()
        self.cal_return = w.calendar()
        self.cal_intervene = w.calendar()
        self.cal_growth = w.calendar()
        # what buyers see (the scorer's view), per seller index
        self.level = np.zeros(S, np.int64)
        self.credit = np.zeros(S)
        self.positive_rate = np.full(S, np.nan)
        self.dsr = np.full((4, S), np.nan)
        self.counts = np.zeros((3, S), np.int64)  # good, neutral, bad
        self.sales_days = np.zeros((w.scenario.platform.sales_window_days, S), np.int64)
        self.sales30 = np.zeros(S, np.int64)
        self.signal_utility = np.zeros(S)
        self.log_price_ratio = np.zeros(S)
        self.search_lists = np.full((w.scenario.search.categories, 1), -1, np.int64)
        # penalties (sim.detection.penalties: PEN-POINTS, PEN-NODES, PEN-FAKE-ORDER)
        self.pen = PenaltyState.new(S, w.start)
        self.shielded = w.sellers.created_at > w.start  # a seller entering later is not there yet
        # growth, per buyer index (GROWTH-*)
        B = w.n_buyers
        self.growth = w.keyed["buyer_traits"].exponential(w.buyer_ids, 0, 5, w.scenario.buyers.growth_mean)
        self.growth_start = self.growth.copy()
        self.growth_earned = np.zeros(B)
        self.vip_days = np.zeros(3, np.int64)
        # interventions and timer counts, for the summary
        self.counts_timer = {k: 0 for k in ("unpaid_closed", "unshipped_refunded", "autoconfirmed",
                                            "refused_lapsed", "returns_refunded", "returns_auto_refunded",
                                            "returns_lapsed", "interventions", "interventions_won",
                                            "extensions", "changed_requests", "lost_refused")}
        self.postage = {"buyer": 0.0, "seller": 0.0, "courier": 0.0}  # postage charged, by the party at fault
        self.dsr_given = np.zeros(S, np.int64)  # DSR ratings given per seller, as of the last scoring
        self._dsr_counted = 0
        self.scorer, self.incremental = _make_scorer(w.rules, w.book.orders.cap)
        self.view = None
        self.day = 0
        # daily records, filled by daily_tick: (days, sellers)
        D = w.days
        self.rec = {name: np.zeros((D, S), dtype) for name, dtype in (
            ("credit", np.float64), ("level", np.int64), ("positive_rate", np.float64),
            ("dsr_described", np.float64), ("dsr_service", np.float64), ("dsr_shipping", np.float64),
            ("dsr_logistics", np.float64), ("good", np.int64), ("neutral", np.int64), ("bad", np.int64),
            ("orders", np.int64), ("paid", np.int64), ("revenue", np.float64), ("refunds", np.int64),
            ("sales30", np.int64), ("shielded", np.bool_), ("general_points", np.int64),
            ("serious_points", np.int64), ("balance", np.float64), ("rank_score", np.float64),
            ("fake_orders", np.int64), ("fakes_detected", np.int64), ("sealed", np.bool_))}
        self.fake_bought = np.zeros(S, np.int64)  # fake orders placed with each seller so far (ground truth)
        self.today = {k: np.zeros(S, np.float64 if k == "revenue" else np.int64)
                      for k in ("orders", "paid", "revenue", "refunds")}
        book = w.book
        book.on("placed", self._on_placed)
        book.on("terms", self._on_terms)
        book.on("paid", self._on_paid)
        book.on("shipped", self._on_shipped)
        book.on("success", self._on_success)
        book.on("refunded", self._on_refunded)
        book.on("removed", self._on_removed)
        self.sales_recorded = -1  # the last day whose paid orders are in sales_days
        self._rank(w.start)

    # --- listeners: timers start ---------------------------------------------------------------
    def _on_placed(self, rows: np.ndarray, at: np.ndarray) -> None:
        self.cal_unpaid.push(rows, at + self.unpaid)  # TX-UNPAID-CLOSE
        o = self.world.book.orders
        np.add.at(self.today["orders"], o["seller_id"][rows] - 1, 1)
        fake = o["fake"][rows]
        if fake.any():
            np.add.at(self.fake_bought, o["seller_id"][rows[fake]] - 1, 1)

    def _on_terms(self, rows: np.ndarray, at: np.ndarray) -> None:
        self.cal_unpaid.push(rows, at + self.unpaid)  # TX-UNPAID-CLOSE restarts from a change of terms

    def _on_paid(self, rows: np.ndarray, at: np.ndarray) -> None:
        o = self.world.book.orders
        np.add.at(self.today["paid"], o["seller_id"][rows] - 1, 1)

    def _on_shipped(self, rows: np.ndarray, at: np.ndarray) -> None:
        o = self.world.book.orders
        first = o["shipments"][rows] == 1  # a reship does not restart the clock (TX-EXTEND does)
        rows, at = rows[first], at[first]
        deadline = at + self.autoconfirm_by_kind[o["kind"][rows]]  # TX-AUTOCONFIRM
        o["autoconfirm_at"][rows] = deadline
        self.cal_autoconfirm.push(rows, deadline)
        p = self.world.scenario.platform
        if p.points_late_shipping > 0:  # late shipping is a general violation (PEN-POINTS)
            late = at - o["paid_at"][rows] > to_seconds(p.late_shipping_days)
            self.add_points(o["seller_id"][rows[late]] - 1, GENERAL, p.points_late_shipping, 0)

    def _on_success(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        o = w.book.orders
        np.add.at(self.today["revenue"], o["seller_id"][rows] - 1, o["amount"][rows] - o["refunded_amount"][rows])
        self.cal_growth.push(rows, at + to_seconds(w.rules.growth_earn_delay_days))  # GROWTH-EARN

    def _on_refunded(self, rows: np.ndarray, at: np.ndarray) -> None:
        o = self.world.book.orders
        np.add.at(self.today["refunds"], o["seller_id"][rows] - 1, 1)

    def _on_removed(self, rows: np.ndarray, at: np.ndarray) -> None:
        """A removed order leaves the shown 30-day sales (PEN-FAKE-ORDER, PEN-EXTORTION)."""
        w = self.world
        o = w.book.orders
        paid = o["paid_at"][rows]
        rows, paid = rows[paid < NEVER], paid[paid < NEVER]
        seller = o["seller_id"][rows] - 1
        day = (paid - w.start) // DAY
        W = self.sales_days.shape[0]
        today = day > self.sales_recorded
        np.subtract.at(self.today["paid"], seller[today], 1)
        shown = ~today & (day > self.sales_recorded - W)
        if shown.any():
            np.subtract.at(self.sales_days, (day[shown] % W, seller[shown]), 1)
            self.sales30 = self.sales_days.sum(axis=0)

    # --- public operations used by buyers and sellers ------------------------------------------
    def open_dispute(self, rows: np.ndarray, at: np.ndarray) -> None:
        self.world.book.orders["dispute_open"][rows] = True

    def close_dispute(self, rows: np.ndarray, at: np.ndarray) -> None:
        """The dispute ends without a refund: the auto-confirm timer resumes (past deadlines fire now)."""
        o = self.world.book.orders
        o["dispute_open"][rows] = False
        live = o["state"][rows] == O.SHIPPED
        rows, at = rows[live], np.asarray(at, np.int64)[live] if np.ndim(at) else np.full(live.sum(), at)
        self.cal_autoconfirm.push(rows, np.maximum(o["autoconfirm_at"][rows], at))

    def extend(self, rows: np.ndarray) -> np.ndarray:
        """TX-EXTEND: push the auto-confirm deadline by ``extend_days``, at most ``max_extensions`` times."""
        w = self.world
        o = w.book.orders
        ok = (o["extensions"][rows] < w.rules.max_extensions) & (o["autoconfirm_at"][rows] < NEVER)
        rows = rows[ok]
        o["extensions"][rows] += 1
        o["autoconfirm_at"][rows] += to_seconds(w.rules.extend_days)
        self.cal_autoconfirm.push(rows, o["autoconfirm_at"][rows])
        self.counts_timer["extensions"] += int(rows.size)
        return rows

    def unshipped_request(self, rows: np.ndarray, at: np.ndarray) -> None:
        self.cal_unshipped.push(rows, at + self.refund_unshipped)  # TX-REFUND-UNSHIPPED

    def refused(self, rows: np.ndarray, at: np.ndarray) -> None:
        self.cal_refused.push(rows, at + to_seconds(self.world.rules.refund_refused_days))  # TX-REFUND-REFUSED

    def escalate(self, rows: np.ndarray, at: np.ndarray) -> None:
        """TX-INTERVENE: the platform judges ``intervene_days`` after the buyer escalates."""
        self.world.book.orders["after_sales"][rows] = O.AS_INTERVENED
        self.cal_intervene.push(rows, at + to_seconds(self.world.rules.intervene_days))

    def plan_return(self, rows: np.ndarray, at: np.ndarray) -> None:
        """TX-RETURN, after the seller agrees: the buyer ships the return (or not) within the window; the
        seller confirms its receipt in time (refund then), or the platform refunds when that window ends."""
        w = self.world
        r = w.rules
        o = w.book.orders
        sc = w.scenario
        p = sc.platform
        n = rows.size
        if n == 0:
            return
        d = w.draws("after_sales", rows)
        ship_delay = d.exp_delay(70, sc.buyers.return_ship_delay_days * DAY)
        ships = (d.uniform(71) < sc.buyers.return_ship_prob) & (ship_delay <= to_seconds(r.return_ship_days))
        surface = o["kind"][rows] == O.SURFACE_MAIL
        transit = d.lognormal_delay(72, np.where(surface, p.return_surface_days, p.return_express_days) * DAY,
                                    p.return_transit_sd)
        arrive = at + ship_delay + transit
        limit = np.where(surface, to_seconds(r.return_confirm_surface_days), to_seconds(r.return_confirm_express_days))
        confirm_delay = d.exp_delay(73, sc.sellers.return_confirm_delay_days * DAY)
        seller_ok = (d.uniform(74) < sc.sellers.return_confirm_prob) & (confirm_delay <= limit)
        when = np.where(~ships, at + to_seconds(r.return_ship_days),
                        np.where(seller_ok, arrive + confirm_delay, arrive + limit))
        tag = np.where(~ships, 2, np.where(seller_ok, 0, 1))  # 0 seller confirms, 1 auto refund, 2 lapsed
        self.cal_return.push(rows, when, tag)

    def add_points(self, seller: np.ndarray, track: int, points: np.ndarray | int, at: int) -> None:
        """Violation points (PEN-POINTS); node sanctions follow at the next daily tick (PEN-NODES)."""
        np.add.at(self.points[track], np.asarray(seller, np.int64), points)

    # --- the hourly timers (rank 5) ------------------------------------------------------------
    def timers_tick(self, now: int) -> None:
        w = self.world
        book = w.book
        o = book.orders
        rows, due, _ = self.cal_unpaid.pop(now)
        if rows.size:  # TX-UNPAID-CLOSE (a stale entry of a changed price does not match terms_at)
            ok = (o["state"][rows] == O.PLACED) & (due == o["terms_at"][rows] + self.unpaid)
            self.counts_timer["unpaid_closed"] += book.close(rows[ok], due[ok]).size
        rows, due, _ = self.cal_unshipped.pop(now)
        if rows.size:  # TX-REFUND-UNSHIPPED
            ok = o["state"][rows] == O.PAID
            self.counts_timer["unshipped_refunded"] += book.refund(rows[ok], due[ok], L.NOT_RECEIVED).size
        rows, due, _ = self.cal_return.pop(now)
        if rows.size:  # TX-RETURN
            pass_ = (o["state"][rows] == O.SHIPPED) & o["dispute_open"][rows]
            rows, due, tag = rows[pass_], due[pass_], _[pass_]
            refund = tag <= 1
            done = book.refund(rows[refund], due[refund], L.RETURN)
            self._postage(done)
            self.counts_timer["returns_refunded"] += int((tag == 0).sum())
            self.counts_timer["returns_auto_refunded"] += int((tag == 1).sum())
            self.counts_timer["returns_lapsed"] += int((tag == 2).sum())
            self.close_dispute(rows[~refund], due[~refund])
        rows, due, _ = self.cal_refused.pop(now)
        if rows.size:  # TX-REFUND-REFUSED: the request lapses, the trade goes on
            ok = O.among(o["after_sales"][rows], (O.AS_REFUSED, O.AS_LOSS_REFUSED)) & o["dispute_open"][rows]
            self.counts_timer["refused_lapsed"] += int(ok.sum())
            self.close_dispute(rows[ok], due[ok])
        rows, due, _ = self.cal_intervene.pop(now)
        if rows.size:  # TX-INTERVENE
            ok = (o["state"][rows] == O.SHIPPED) & o["dispute_open"][rows]
            rows, due = rows[ok], due[ok]
            self._judge(rows, due)
        rows, due, _ = self.cal_autoconfirm.pop(now)
        if rows.size:  # TX-AUTOCONFIRM (waits while a dispute is open; stale entries do not match)
            ok = (o["state"][rows] == O.SHIPPED) & ~o["dispute_open"][rows] & (due >= o["autoconfirm_at"][rows])
            self.counts_timer["autoconfirmed"] += book.confirm(rows[ok], due[ok], O.HOW_AUTO).size

    def _judge(self, rows: np.ndarray, at: np.ndarray) -> None:
        """TX-INTERVENE: the buyer wins with a probability set by the evidence. A won claim is refunded: a
        lost parcel as ``not_received`` (the courier, at fault, pays the postage), anything else as a
        return (postage by the party at fault); the seller gets general violation points."""
        w = self.world
        p = w.scenario.platform
        o = w.book.orders
        outcome = o["courier_outcome"][rows]
        lost = O.among(outcome, (O.C_LOST, O.C_UNDELIVERABLE)) & (o["delivered_at"][rows] == NEVER)
        damaged = outcome == O.C_DAMAGED
        defect = o["quality"][rows] < p.defect_quality
        win_p = O.select([lost, damaged, defect], [p.intervene_win_loss, p.intervene_win_damage,
                                                      p.intervene_win_defect], p.intervene_win_none)
        win = w.draws("platform", rows).uniform(20 + o["shipments"][rows].astype(np.int64)) < win_p
        self.counts_timer["interventions"] += int(rows.size)
        self.counts_timer["interventions_won"] += int(win.sum())
        code = np.where(lost[win], L.NOT_RECEIVED, L.RETURN).astype(np.int8)
        done = w.book.refund(rows[win], at[win], code)
        gone = o["refund"][done] == L.NOT_RECEIVED
        self.courier_compensates(done[gone])
        self._postage(done[~gone])
        self.add_points(o["seller_id"][done] - 1, GENERAL, p.points_lost_dispute, int(at.max()) if at.size else 0)
        self.close_dispute(rows[~win], at[~win])

    def _postage(self, rows: np.ndarray) -> None:
        """Return postage is paid by the party at fault: the seller for damage or a defect, else the buyer
        (a no-reason return, a matter of taste); it goes to account 0, the outside world (the courier)."""
        w = self.world
        postage = w.scenario.platform.postage
        if rows.size == 0 or postage <= 0:
            return
        o = w.book.orders
        fault = (o["courier_outcome"][rows] == O.C_DAMAGED) | (o["quality"][rows] < w.scenario.platform.defect_quality)
        payer = np.where(fault, o["seller_id"][rows], o["buyer_id"][rows])
        w.book.escrow.transfer(payer, np.zeros(rows.size, np.int64), np.full(rows.size, postage))
        self.postage["seller"] += postage * int(fault.sum())
        self.postage["buyer"] += postage * int((~fault).sum())

    def courier_compensates(self, rows: np.ndarray) -> None:
        """A refunded lost parcel: the courier, at fault, pays the seller the postage (the seller's claim)."""
        w = self.world
        postage = w.scenario.platform.postage
        if rows.size == 0 or postage <= 0:
            return
        o = w.book.orders
        w.book.escrow.transfer(np.zeros(rows.size, np.int64), o["seller_id"][rows], np.full(rows.size, postage))
        self.postage["courier"] += postage * rows.size

    # --- the daily work (rank 8) ---------------------------------------------------------------
    def daily_tick(self, now: int) -> None:
        w = self.world
        d = int((now - w.start) // DAY) - 1  # the day that just ended
        self._growth(now)
        interval = w.scenario.platform.scoring_interval_days
        if (d + 1) % interval == 0 or d == w.days - 1:
            self._score(now)
        self._sales(d)
        if w.detection is not None:
            w.detection.daily(now)  # the detectors' sweeps due today and PEN-FAKE-ORDER
        self._penalties(now)
        self._rank(now)
        self._record(d)
        w.daily.record(d)
        w.sellers.chats_today[:] = 0
        if w.on_day is not None:
            w.on_day(d)

    def _growth(self, now: int) -> None:
        w = self.world
        r = w.rules
        self.growth *= (1.0 - r.growth_decay_per_day)  # GROWTH-DECAY: 0.4% of the current value a day
        rows, due, _ = self.cal_growth.pop(now)
        if rows.size:
            o = w.book.orders
            ok = o["state"][rows] == O.SUCCESS
            rows = rows[ok]
            paid = o["amount"][rows] - o["refunded_amount"][rows]
            earn = paid > r.growth_min_amount  # GROWTH-EARN: above 1 yuan, the day after success
            buyer = o["buyer_id"][rows[earn]] - w.n_sellers - 1
            genuine = (buyer >= 0) & (buyer < w.n_buyers)
            amount = paid[earn][genuine] * r.growth_per_yuan
            np.add.at(self.growth, buyer[genuine], amount)
            np.add.at(self.growth_earned, buyer[genuine], amount)
        tiers = self.vip_tier()
        self.vip_days += np.bincount(tiers, minlength=4)[1:]

    def vip_tier(self) -> np.ndarray:
        """GROWTH-VIP: 0 none, 1 gold (needs real-name verification), 2 platinum, 3 diamond."""
        r = self.world.rules
        g = self.growth
        tier = np.where(g >= r.vip_diamond, 3, np.where(g >= r.vip_platinum, 2, np.where(g >= r.vip_gold, 1, 0)))
        if r.vip_gold_requires_verified:
            tier = np.where(self.world.buyers.verified, tier, 0)
        return tier

    def _score(self, now: int) -> None:
        w = self.world
        book = w.book
        orders, actions = book.scoring_orders(), book.scoring_actions()
        changed = book.take_changed()
        if self.incremental:
            self.scorer.accounts = w.accounts.scoring()  # the reviewer-age knob sees accounts opened in the run
            self.scorer.advance(orders, actions, now, changed)
            sellers = self.scorer.sellers()
        else:  # pragma: no cover
            from sim.reputation import core
            sellers = core.score(orders, actions, w.rules, as_of=now, accounts=w.accounts.scoring()).sellers
        self.view_as_of = now
        a = book.actions
        new = slice(self._dsr_counted, a.n)
        is_dsr = a["action"][new] == L.DSR
        seller_of = book.orders["seller_id"][a["order_id"][new][is_dsr]] - 1
        self.dsr_given += np.bincount(seller_of[seller_of < w.n_sellers], minlength=w.n_sellers)
        self._dsr_counted = a.n
        idx = sellers.seller_id - 1
        inside = (idx >= 0) & (idx < w.n_sellers)
        idx = idx[inside]
        self.credit[idx] = sellers.credit[inside]
        self.level[idx] = sellers.level[inside]
        self.positive_rate[idx] = sellers.positive_rate[inside]
        for k, name in enumerate(("dsr_described", "dsr_service", "dsr_shipping", "dsr_logistics")):
            self.dsr[k, idx] = getattr(sellers, name)[inside]
        self.counts[0, idx] = sellers.good[inside]
        self.counts[1, idx] = sellers.neutral[inside]
        self.counts[2, idx] = sellers.bad[inside]

    def _sales(self, d: int) -> None:
        slot = d % self.sales_days.shape[0]
        self.sales_days[slot] = self.today["paid"]
        self.sales30 = self.sales_days.sum(axis=0)
        self.sales_recorded = d

    def _penalties(self, now: int) -> None:
        """PEN-POINTS and PEN-NODES: the pure functions of ``sim.detection.penalties`` (the yearly reset
        of general points, then every node crossed applies its sanction)."""
        w = self.world
        settle(w.rules, self.pen, now)
        if self.pen.sealed.any():  # PEN-NODES: the shop closed, its account sealed
            w.accounts.seal(w.seller_ids[self.pen.sealed], now)
        # absent from search and closed to orders (repeat purchases too): shielded, listings removed, or
        # the shop closed (PEN-SANCTIONS: shield, no_listing, close_shop)
        self.shielded = self.pen.shielded | (self.pen.no_listing_until > now)
        if w.entrants:
            self.shielded |= w.sellers.created_at > now  # not entered yet

    # the penalty state, by the names the families read
    points = property(lambda self: self.pen.points)
    sealed = property(lambda self: self.pen.sealed)
    penalty_events = property(lambda self: self.pen.penalty_events)


    def reputation(self, w_level: float, w_positive: float, prior: float, prior_weight: float, w_dsr: float,
                   dsr_reference: float, dsr_weight: float, w_sales: float) -> np.ndarray:
        """A score per seller from what the scorer shows, used both for the search rank (platform knobs)
        and for the buyer's signal utility (search knobs); documented in docs/market.md:

        ``w_level log(1 + level) + w_positive 100 (p~ - prior) + w_dsr (d~ - dsr_reference)
        + w_sales log(1 + sales30)``, with the positive rate shrunk by its review count n,
        ``p~ = (n p + prior_weight prior) / (n + prior_weight)``, and the mean of the four DSRs by the
        number of DSR ratings k, ``d~ = (k d + dsr_weight dsr_reference) / (k + dsr_weight)``. A tmall
        seller has no credit (REV-TMALL): its level and positive terms are the median of the taobao
        sellers' (so it is judged on its DSRs and sales, not penalised for lacking credit)."""
        n = self.counts.sum(axis=0)
        pos = np.nan_to_num(self.positive_rate)
        shrunk = (n * pos + prior_weight * prior) / np.maximum(n + prior_weight, 1e-12)
        credit = w_level * np.log1p(self.level) + w_positive * 100 * (shrunk - prior)
        tmall = self.world.sellers.tmall
        if tmall.any():
            credit[tmall] = np.median(credit[~tmall]) if (~tmall).any() else 0.0
        known = ~np.isnan(self.dsr)
        with np.errstate(invalid="ignore", divide="ignore"):
            dsr = np.where(known, self.dsr, 0.0).sum(axis=0) / known.sum(axis=0)
        k = np.where(np.isnan(dsr), 0, self.dsr_given)
        dsr_shrunk = (k * np.nan_to_num(dsr) + dsr_weight * dsr_reference) / np.maximum(k + dsr_weight, 1e-12)
        return credit + w_dsr * (dsr_shrunk - dsr_reference) + w_sales * np.log1p(self.sales30)

    def rank_score(self) -> np.ndarray:
        p = self.world.scenario.platform
        return self.reputation(p.rank_w_level, p.rank_w_positive, p.rank_positive_prior, p.rank_positive_prior_weight,
                               p.rank_w_dsr, p.rank_dsr_reference, p.rank_dsr_prior_weight, p.rank_w_sales)

    def _rank(self, now: int) -> None:
        """Search ranking per category from the scorer's view, shielded sellers excluded; and the signal
        utility a buyer derives from what it sees (level badge, positive rate, DSR, sales)."""
        w = self.world
        se = w.scenario.search
        S = w.sellers
        day = int((now - w.start) // DAY)
        self.signal_utility = self.reputation(se.w_level, se.w_positive, se.positive_prior, se.positive_prior_weight,
                                              se.w_dsr, se.dsr_reference, se.dsr_prior_weight, se.w_sales)
        cat_mean = np.ones(se.categories)
        for c in range(se.categories):
            sel = S.category == c
            if sel.any():
                cat_mean[c] = np.exp(np.log(S.price[sel]).mean())
        self.log_price_ratio = np.log(S.price / cat_mean[S.category])
        # keyed by (day, seller): the daily personalisation noise and the draw of the fresh listings
        pk = w.keyed["platform"].at(day, w.seller_ids)
        score = self.rank_score() + w.scenario.platform.rank_noise * pk.normal(0)
        fresh_key = pk.uniform(1)
        self.rank_today = score
        K = se.list_length
        top_k = max(K - se.fresh_slots, 0)
        lists = np.full((se.categories, K), -1, np.int64)
        visible = ~self.shielded
        for c in range(se.categories):
            cand = np.flatnonzero((S.category == c) & visible)
            if cand.size == 0:
                continue
            order = cand[np.lexsort((cand, -score[cand]))]
            top = order[:top_k]
            rest = order[top_k:]
            fresh = rest[np.argsort(fresh_key[rest], kind="stable")[: se.fresh_slots]]
            chosen = np.concatenate([top, fresh])[:K]
            lists[c, : chosen.size] = chosen
        self.search_lists = lists

    def _record(self, d: int) -> None:
        w = self.world
        rec = self.rec
        rec["credit"][d] = self.credit
        rec["level"][d] = self.level
        rec["positive_rate"][d] = self.positive_rate
        for k, name in enumerate(("dsr_described", "dsr_service", "dsr_shipping", "dsr_logistics")):
            rec[name][d] = self.dsr[k]
        rec["good"][d], rec["neutral"][d], rec["bad"][d] = self.counts
        for k in ("orders", "paid", "revenue", "refunds"):
            rec[k][d] = self.today[k]
            self.today[k][:] = 0
        rec["sales30"][d] = self.sales30
        rec["shielded"][d] = self.shielded
        rec["general_points"][d] = self.points[GENERAL]
        rec["serious_points"][d] = self.points[SERIOUS]
        rec["balance"][d] = w.book.escrow.balance[1: w.n_sellers + 1]
        rec["rank_score"][d] = self.rank_score()
        rec["fake_orders"][d] = self.fake_bought
        rec["fakes_detected"][d] = self.pen.fakes_detected
        rec["sealed"][d] = self.pen.sealed
