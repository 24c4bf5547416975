"""Reviewers: whether and when buyers review after success, what they rate, and the sellers' side.

Runs hourly at rank 6. When a genuine order succeeds, this family plans:

- the buyer's review: with the archetype's ``review_prob`` (plus ``cashback_review_boost`` when the
  seller pays cash back for good reviews, 好评返现), after an exponential delay; a delay beyond the
  review window (REV-WINDOW) means the buyer never gets round to it. The credit rating follows the
  satisfaction on delivery: satisfied -> ``good``; mildly disappointed -> ``good`` with
  ``mild_good_prob`` (higher under cash back) else ``neutral``; disappointed, or refused after-sales ->
  ``bad`` with ``bad_prob`` else ``neutral``. With ``dsr_prob`` the buyer adds the four DSRs (DSR-DIMS),
  each ``reviews.dsr_base`` plus its terms plus noise, rounded to 1-5: ``described`` proportional to the
  satisfaction (so it responds to quality over the whole range), ``service`` from the chat and the
  after-sales outcome, ``shipping`` from the dispatch delay, ``logistics`` from the courier's lateness,
  damage or loss (the ``[reviews]`` knobs, docs/market.md). A tmall order
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

from scipy.special import ndtri

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
        d = w.draws("reviews", rows)
        window = to_seconds(w.rules.review_window_days)
        arch = o["archetype"][rows]
        p = w.buyers.arch_param("review_prob", arch)
        p = np.minimum(1.0, p + np.where(o["cashback"][rows], w.scenario.sellers.cashback_review_boost, 0.0))
        u = d.uniforms(0, 4)  # slots 0 review delay, 1 reviews, 2 seller's delay, 3 seller rates
        delay = d.exp_delay_from(u[0], np.maximum(np.rint(w.buyers.arch_param("review_delay_days", arch) * DAY), 1.0))
        s = o["satisfaction"][rows]
        upset = ~(s >= 0)  # disappointed, or nothing arrived (NaN)
        p = np.where(upset, p * (1 - w.buyers.arch_param("disappointed_silence", arch)), p)
        reviews = (u[1] < p) & (delay <= window)
        self.cal.push(rows[reviews], at[reviews] + delay[reviews], BUYER_REVIEW)
        taobao = o["platform"][rows] == L.TAOBAO
        sdelay = d.exp_delay_from(u[2], w.scenario.sellers.rate_buyer_delay_days * DAY)
        srates = taobao & (u[3] < w.scenario.sellers.rate_buyer_prob) & (sdelay <= window)
        self.cal.push(rows[srates], at[srates] + sdelay[srates], SELLER_REVIEW)

    def tick(self, now: int) -> None:
        rows, due, tag = self.cal.pop(now)
        accounts = self.world.accounts
        if rows.size and accounts.any_sealed:  # a sealed account writes no reviews
            o = self.world.book.orders
            author = np.where(tag == BUYER_REVIEW, o["buyer_id"][rows], o["seller_id"][rows])
            live = ~accounts.sealed(author)
            rows, due, tag = rows[live], due[live], tag[live]
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
        rv = w.scenario.reviews
        d = w.draws("reviews", rows)
        arch = o["archetype"][rows]
        s = o["satisfaction"][rows].astype(np.float64)
        s = np.where(np.isnan(s), -1.0, s)  # nothing arrived and the timer ran out
        margin = w.scenario.buyers.mild_margin
        refused = O.among(o["after_sales"][rows], (O.AS_REFUSED, O.AS_INTERVENED, O.AS_LOSS_REFUSED))
        satisfied = (s >= 0) & ~refused
        mild = (s < 0) & (s >= -margin) & ~refused
        cash = o["cashback"][rows]
        mild_good = w.buyers.arch_param("mild_good_prob", arch)
        mild_good = np.where(cash, np.maximum(mild_good, rv.cashback_mild_good_prob), mild_good)
        u = d.uniforms(4, 7)  # slots 4 bad, 5 mild good, 6-9 DSR noise, 10 gives DSRs
        bad = u[0] < w.buyers.arch_param("bad_prob", arch)
        rating = np.where(satisfied, L.GOOD,
                          np.where(mild, np.where(u[1] < mild_good, L.GOOD, L.NEUTRAL),
                                   np.where(bad, L.BAD, L.NEUTRAL))).astype(np.int8)
        taobao = o["platform"][rows] == L.TAOBAO
        # DSR-DIMS: each score a noisy, rounded mean that responds to the order over the whole range
        noise = rv.dsr_noise * ndtri(u[2:6])
        described = rv.dsr_base + rv.described_per_satisfaction * s + noise[0]
        chat = o["chat"][rows]
        service = (rv.dsr_base + rv.service_bonus
                   - O.select([chat == CHAT_RUDE, chat == CHAT_SLOW, chat == CHAT_UNCONVINCING],
                              [rv.service_rude, rv.service_slow, rv.service_unconvincing], 0.0)
                   - rv.service_refused * refused + noise[1])
        late_dispatch = np.maximum(0.0, (o["shipped_at"][rows] - o["paid_at"][rows]) / DAY
                                   - w.scenario.buyers.dispatch_grace_days)
        shipping = rv.dsr_base + rv.shipping_bonus - rv.shipping_per_late_day * late_dispatch + noise[2]
        outcome = o["courier_outcome"][rows]
        logistics = (rv.dsr_base + rv.logistics_bonus - rv.logistics_per_late_day * o["late_days"][rows]
                     - rv.logistics_damage * (outcome == O.C_DAMAGED)
                     - rv.logistics_loss * O.among(outcome, (O.C_LOST, O.C_UNDELIVERABLE)) + noise[3])
        dims = [np.clip(np.rint(x), 1, 5).astype(np.int8) for x in (described, service, shipping, logistics)]
        gives_dsr = np.where(taobao, u[6] < w.buyers.arch_param("dsr_prob", arch), True)
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
            delay = w.draws("reviews", r_rows).exp_delay(11, w.scenario.sellers.answer_delay_days * DAY)
            self.answers.push(r_rows, r_at + delay, arow[nb])

    def _seller_reviews(self, rows: np.ndarray, at: np.ndarray) -> None:
        w = self.world
        if rows.size == 0:
            return
        o = w.book.orders
        retaliate = ((o["buyer_rating"][rows] == L.BAD)
                     & (w.draws("reviews", rows).uniform(12) < w.scenario.sellers.retaliate_prob))
        rating = np.where(retaliate, L.BAD, L.GOOD).astype(np.int8)
        w.book.rate(rows, L.SELLER, at, rating)

    def _answer(self, rows: np.ndarray, at: np.ndarray, action_row: np.ndarray) -> None:
        w = self.world
        o = w.book.orders
        a = w.book.actions
        seller = o["seller_id"][rows] - 1
        asks = w.sellers.ask_change[seller]
        a["answer"][action_row] = np.where(asks, O.ANSWER_CHANGE_REQUEST, O.ANSWER_EXPLANATION)
        given = a["at"][action_row]
        inside = at <= given + to_seconds(w.rules.modify_window_days)  # REV-MODIFY window
        accept = w.buyers.arch_param("change_accept_prob", o["archetype"][rows])
        agree = asks & inside & (w.draws("reviews", rows).uniform(13) < accept)
        w.book.modify(rows[agree], L.BUYER, at[agree], L.GOOD)
        o["buyer_rating"][rows[agree]] = L.GOOD
