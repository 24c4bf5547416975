"""Reviewers: whether and when buyers review after success, what they rate, and the sellers' side.

Runs hourly at rank 6. When a genuine order succeeds, this family plans:

- the buyer's review: with the archetype's ``review_prob`` (plus ``cashback_review_boost`` when the
  seller pays cash back for good reviews, 好评返现), after an exponential delay; a delay beyond the
  review window (REV-WINDOW) means the buyer never gets round to it. The credit rating follows the
  satisfaction on delivery: satisfied -> ``good``; mildly disappointed -> ``good`` with
  ``mild_good_prob`` (higher under cash back) else ``neutral``; disappointed, or refused after-sales ->
  ``bad`` with ``bad_prob`` else ``neutral``. With ``dsr_prob`` the buyer adds the four DSRs (DSR-DIMS):
  ``described`` from the quality gap, ``service`` from the chat and the after-sales outcome, ``shipping``
  from the dispatch delay, ``logistics`` from the courier's lateness, damage or loss. A tmall order
  gets no credit review (REV-TMALL): its buyer gives only the DSRs;
- the seller's rating of the buyer (taobao orders only): ``good``, or ``bad`` in retaliation for a
  ``bad`` review (``retaliate_prob``), within the window.

A seller answers a ``neutral``/``bad`` review after ``answer_delay_days``: a seller who asks reviewers
to change (``ask_change_share``) phones the buyer, who agrees with the archetype's
``change_accept_prob`` and uses the once-only modification to ``good`` (REV-MODIFY, inside its
window); otherwise the seller posts an explanation. The answer is recorded on the review's row.
"""

from __future__ import annotations

import numpy as np

from sim.market import orders as O
from sim.market.buyers import CHAT_RUDE, CHAT_SLOW, CHAT_UNCONVINCING
from sim.reputation import log as L
from sim.timeutil import DAY, days as to_seconds

BUYER_REVIEW, SELLER_REVIEW = 0, 1


class Reviewers:
    def __init__(self, world) -> None:
        self.world = world
        self.cal = world.calendar()
        self.answers = world.calendar()
        self.cashback_paid = 0.0
        world.book.on("success", self._on_success)

    def _on_success(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        o = w.book.orders
        gen = o["actor"][rows] == O.ACTOR_GENUINE
        rows, at = rows[gen], at[gen]
        if rows.size == 0:
            return
        rng = w.rng["reviews"]
        n = rows.size
        window = to_seconds(w.rules.review_window_days)
        arch = o["archetype"][rows]
        p = w.buyers.arch_param("review_prob", arch)
        p = np.minimum(1.0, p + np.where(o["cashback"][rows], w.scenario.sellers.cashback_review_boost, 0.0))
        mean = np.rint(w.buyers.arch_param("review_delay_days", arch) * DAY)
        delay = mean.astype(np.int64) if w.deterministic else \
            np.rint(rng.exponential(np.maximum(mean, 1.0))).astype(np.int64)
        s = o["satisfaction"][rows]
        upset = ~(s >= 0)  # disappointed, or nothing arrived (NaN)
        p = np.where(upset, p * (1 - w.buyers.arch_param("disappointed_silence", arch)), p)
        reviews = (rng.random(n) < p) & (delay <= window)
        self.cal.push(rows[reviews], at[reviews] + delay[reviews], BUYER_REVIEW)
        taobao = o["platform"][rows] == L.TAOBAO
        sdelay = w.exp_delay(rng, w.scenario.sellers.rate_buyer_delay_days * DAY, n)
        srates = taobao & (rng.random(n) < w.scenario.sellers.rate_buyer_prob) & (sdelay <= window)
        self.cal.push(rows[srates], at[srates] + sdelay[srates], SELLER_REVIEW)

    def tick(self, now: int) -> None:
        rows, due, tag = self.cal.pop(now)
        if rows.size:
            b = tag == BUYER_REVIEW
            self._buyer_reviews(rows[b], due[b])
            self._seller_reviews(rows[~b], due[~b])
        rows, due, action_row = self.answers.pop(now)
        if rows.size:
            self._answer(rows, due, action_row)

    def _buyer_reviews(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        if rows.size == 0:
            return
        o = w.book.orders
        rng = w.rng["reviews"]
        n = rows.size
        arch = o["archetype"][rows]
        s = o["satisfaction"][rows].astype(np.float64)
        s = np.where(np.isnan(s), -1.0, s)  # nothing arrived and the timer ran out
        margin = w.scenario.buyers.mild_margin
        refused = O.among(o["after_sales"][rows], (O.AS_REFUSED, O.AS_INTERVENED))
        satisfied = (s >= 0) & ~refused
        mild = (s < 0) & (s >= -margin) & ~refused
        cash = o["cashback"][rows]
        mild_good = w.buyers.arch_param("mild_good_prob", arch)
        mild_good = np.where(cash, np.maximum(mild_good, 0.95), mild_good)
        bad = rng.random(n) < w.buyers.arch_param("bad_prob", arch)
        rating = np.where(satisfied, L.GOOD,
                          np.where(mild, np.where(rng.random(n) < mild_good, L.GOOD, L.NEUTRAL),
                                   np.where(bad, L.BAD, L.NEUTRAL))).astype(np.int8)
        taobao = o["platform"][rows] == L.TAOBAO
        # DSR-DIMS
        noise = 0.35 * rng.standard_normal((4, n))
        described = 5 + np.minimum(0.0, s) * 12 + noise[0]
        chat = o["chat"][rows]
        service = (5 - O.select([chat == CHAT_RUDE, chat == CHAT_SLOW, chat == CHAT_UNCONVINCING], [2.0, 1.0, 0.5], 0.0)
                   - 2.0 * refused + noise[1])
        dispatch_days = (o["shipped_at"][rows] - o["paid_at"][rows]) / DAY
        shipping = 5 - 0.7 * np.maximum(0.0, dispatch_days - 2) + noise[2]
        outcome = o["courier_outcome"][rows]
        logistics = (5 - 0.5 * o["late_days"][rows] - 2.0 * (outcome == O.C_DAMAGED)
                     - 2.0 * O.among(outcome, (O.C_LOST, O.C_UNDELIVERABLE)) + noise[3])
        dims = [np.clip(np.rint(x), 1, 5).astype(np.int8) for x in (described, service, shipping, logistics)]
        gives_dsr = np.where(taobao, rng.random(n) < w.buyers.arch_param("dsr_prob", arch), True)
        book = w.book
        credit = rows[taobao]
        arow = book.rate(credit, L.BUYER, at[taobao], rating[taobao], cashback=cash[taobao])
        o["buyer_rating"][credit] = rating[taobao]
        book.dsr(rows[gives_dsr], at[gives_dsr], *[d[gives_dsr] for d in dims], cashback=cash[gives_dsr])
        # cash back for good reviews (好评返现), outside escrow
        paid = taobao & cash & (rating == L.GOOD)
        amount = w.scenario.sellers.cashback_amount
        if paid.any() and amount > 0:
            book.escrow.transfer(o["seller_id"][rows[paid]], o["buyer_id"][rows[paid]], np.full(int(paid.sum()), amount))
            self.cashback_paid += amount * int(paid.sum())
        # the seller answers neutral and bad reviews
        nb = rating[taobao] != L.GOOD
        if nb.any():
            r_rows, r_at = credit[nb], at[taobao][nb]
            delay = w.exp_delay(rng, w.scenario.sellers.answer_delay_days * DAY, r_rows.size)
            self.answers.push(r_rows, r_at + delay, arow[nb])

    def _seller_reviews(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        if rows.size == 0:
            return
        o = w.book.orders
        rng = w.rng["reviews"]
        retaliate = (o["buyer_rating"][rows] == L.BAD) & (rng.random(rows.size) < w.scenario.sellers.retaliate_prob)
        rating = np.where(retaliate, L.BAD, L.GOOD).astype(np.int8)
        w.book.rate(rows, L.SELLER, at, rating)

    def _answer(self, rows: np.ndarray, at: np.ndarray, action_row: np.ndarray) -> None:
        w = self.world
        o = w.book.orders
        a = w.book.actions
        rng = w.rng["reviews"]
        seller = o["seller_id"][rows] - 1
        asks = w.sellers.ask_change[seller]
        a["answer"][action_row] = np.where(asks, O.ANSWER_CHANGE_REQUEST, O.ANSWER_EXPLANATION)
        given = a["at"][action_row]
        inside = at <= given + to_seconds(w.rules.modify_window_days)  # REV-MODIFY window
        agree = asks & inside & (rng.random(rows.size) < w.buyers.arch_param("change_accept_prob", o["archetype"][rows]))
        w.book.modify(rows[agree], L.BUYER, at[agree], L.GOOD)
        o["buyer_rating"][rows[agree]] = L.GOOD
