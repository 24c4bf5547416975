"""Genuine buyers: arrivals, search and choice, chat, payment, and their reaction to what arrives.

Owns the buyer population (index ``j`` is account id ``sellers + j + 1``): archetype (direct, sociable,
bargainer, non-payer, perfectionist, vindictive, each with the parameters of
``sim.scenario.schema.Archetype``), activity, trust in reputation signals, account age, the last
seller that satisfied them (repeat purchases) and the sellers they avoid after a disappointment. Every
draw is keyed (``sim.market.keyed``): traits by the buyer's account, a visit and the order it places by
(buyer, visit number).

Three hourly steps, at ranks 0, 1 and 4 of the same-time order:

- **arrivals** (rank 0): each buyer visits as its own Poisson process, its activity times a rate shaped
  by the daily and weekly rhythm and festival surges (and their 0:00-2:00 peaks); the gaps are keyed by
  (buyer, visit), so visit times do not depend on the rest of the market. A visit either returns to the
  buyer's last satisfying seller (``repeat_prob``) or searches a category and sees the platform's
  ranked list (shielded and avoided sellers left out). The choice is a logit over the list: the signal
  utility (``Platform.reputation``: level badge, shrunk positive rate, shrunk DSR, 30-day sales, what the
  scorer shows) weighted by the buyer's trust, price, list position and Gumbel taste noise. The buyer may chat with
  customer service first: a slow (over capacity), rude (temper) or unconvincing (1 - skill) reply may
  lose the sale. Then the order is placed.
- **payment** (rank 1): bargainers haggle (the seller changes the price, which restarts
  TX-UNPAID-CLOSE's clock), then buyers pay after a short delay, or never (non-payers mostly).
- **reactions** (rank 4): on delivery the buyer compares perceived quality (true quality, noise, and
  every service failure: courier damage, late delivery, late dispatch, a lost first parcel) with the
  expectation (archetype's expectation plus the seller's description exaggeration). Satisfied buyers
  confirm early or let the timer run; mildly disappointed ones may return covered goods under the
  seven-day no-reason return (seed 004) or ask a partial refund; disappointed ones may ask a return and
  refund, and avoid the seller for ``avoid_days``. Impatient buyers ask a refund of an unshipped order
  (TX-REFUND-UNSHIPPED); buyers whose parcel never comes report it not received.
"""

from __future__ import annotations

import numpy as np

from scipy.special import ndtri

from sim.market import orders as O
from sim.market.keyed import EVENT_KEY, event_hash, to_integers
from sim.market.sellers import REQ_NO_REASON, REQ_NOT_RECEIVED, REQ_PARTIAL, REQ_RETURN
from sim.timeutil import DAY, HOUR, parse_date
from sim.vocabulary import ARCHETYPES

CHAT_NONE, CHAT_GOOD, CHAT_SLOW, CHAT_RUDE, CHAT_UNCONVINCING = range(5)
CHAT_NAMES = ("", "good", "slow", "rude", "unconvincing")
_EMPTY = np.empty(0, np.int64)


class Buyers:
    def __init__(self, world) -> None:
        self.world = w = world
        sc = world.scenario.buyers
        B = sc.count
        self.n = B
        self.params = [getattr(sc.archetypes, a) for a in ARCHETYPES]
        self._arch_tables: dict[str, np.ndarray] = {}  # parameter name -> value per archetype
        self._shown_cache: _Shown | None = None
        # traits: keyed draws of the buyer's account id (slot = trait)
        ids = w.buyer_ids
        k = w.keyed["buyer_traits"].at(ids, 0)
        self.archetype = k.choice(0, np.array([p.share for p in self.params])).astype(np.int8)
        activity = np.exp(sc.activity_sd * k.normal(1))
        self.intensity = activity / activity.mean()  # the buyer's visit rate relative to the mean buyer
        trust_arch = self.arch_param("signal_trust", self.archetype)
        self.trust = trust_arch * np.exp(w.scenario.search.trust_sd * k.normal(2))
        self.created_at = w.start - np.rint(k.exponential(3, sc.account_age_days * DAY)).astype(np.int64)
        self.verified = k.uniform(4) < sc.verified_share
        # visits: buyer j's k-th visit comes when the market's cumulative visit intensity per buyer
        # (visit_mass) reaches next_visit[j]; the gaps are keyed exponentials of (buyer, k) scaled by the
        # buyer's intensity, so a buyer's visit times depend on the scenario's rhythm alone
        self._gaps = w.keyed["arrivals"]
        self.visit_count = np.zeros(B, np.int64)
        self.visit_mass = 0.0
        self.next_visit = self._gaps.exponential(ids, 0) / self.intensity
        self.visit_log: list | None = None  # set to a list to record (times, buyer indices, visit numbers)
        self._soon, self._soon_mass = _EMPTY, -1.0
        self.last_seller = np.full(B, -1, np.int64)
        self.avoid_seller = np.full((B, sc.avoid_memory), -1, np.int64)
        self.avoid_until = np.zeros((B, sc.avoid_memory), np.int64)
        self.orders_placed = np.zeros(B, np.int64)
        self.visits = 0
        self.chats = np.zeros(5, np.int64)
        self.lost_to_chat = 0
        self.pay_cal = world.calendar()
        self.react_cal = world.calendar()
        self.confirm_cal = world.calendar()
        self.patience_cal = world.calendar()
        self.lost_cal = world.calendar()
        self._festivals = self._festival_days()
        # the fixed parts of rate_at
        self._base_rate = sc.count * sc.visits_per_day / 24.0
        hourly, weekly = np.asarray(sc.hourly_profile), np.asarray(sc.weekly_profile)
        self._profiles = (hourly, max(hourly.mean(), 1e-12), weekly, max(weekly.mean(), 1e-12))
        self._first_weekday = w.first_date.weekday()
        book = world.book
        book.on("paid", self._on_paid)
        book.on("delivered", self._on_delivered)

    def arch_param(self, name: str, archetype: np.ndarray) -> np.ndarray:
        table = self._arch_tables.get(name)
        if table is None:
            table = self._arch_tables[name] = np.array([getattr(p, name) for p in self.params], np.float64)
        return table[np.asarray(archetype, np.int64)]

    def _festival_days(self) -> dict[int, tuple[float, set, float]]:
        """day index -> (visit factor, peak hours, peak factor)."""
        w = self.world
        start = w.first_date
        out: dict[int, tuple[float, set, float]] = {}
        for fest in w.scenario.buyers.festivals:
            first = (parse_date(fest.date) - start).days
            for d in range(first - fest.presale_days, first):
                out[d] = (fest.presale_multiplier, set(), 1.0)
            for d in range(first, first + fest.days):
                out[d] = (fest.multiplier, set(fest.peak_hours), fest.peak_multiplier)
        return out

    def rate_at(self, t0: int) -> float:
        """Expected visits in the hour starting at ``t0`` (absolute seconds)."""
        w = self.world
        rel = t0 - w.start
        day, hour = int(rel // DAY), int((rel // HOUR) % 24)
        weekday = (self._first_weekday + day) % 7
        hourly, hourly_mean, weekly, weekly_mean = self._profiles
        rate = self._base_rate
        rate *= hourly[hour] / hourly_mean * weekly[weekday] / weekly_mean
        fest = self._festivals.get(day)
        if fest is not None:
            rate *= fest[0] * (fest[2] if hour in fest[1] else 1.0)
        return rate

    # --- arrivals (rank 0) --------------------------------------------------------------------
    def _visits(self, t0: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The visits in (t0, t0 + 1 h]: times, buyer indices and each buyer's visit numbers, by time."""
        inc = self.rate_at(t0) / self.n  # visits of the mean buyer in this hour
        c0 = self.visit_mass
        c1 = self.visit_mass = c0 + inc
        if c1 > self._soon_mass:
            # the buyers who may come in the next 24 hours, found once a day rather than every hour (a
            # buyer's next_visit only grows, so the hourly due set is always inside this one)
            ahead = sum(self.rate_at(t0 + i * HOUR) for i in range(24)) / self.n
            self._soon_mass = max(c0 + ahead * (1 + 1e-9), c1)
            self._soon = np.flatnonzero(self.next_visit <= self._soon_mass)
        due = self._soon[self.next_visit[self._soon] <= c1]
        if inc <= 0 or due.size == 0:
            return _EMPTY, _EMPTY, _EMPTY
        parts = []
        while due.size:  # a buyer may come twice in one hour
            at = t0 + np.clip(np.ceil((self.next_visit[due] - c0) / inc * HOUR), 1, HOUR).astype(np.int64)
            k = self.visit_count[due].copy()
            parts.append((at, due, k))
            self.visit_count[due] = k + 1
            self.next_visit[due] += self._gaps.exponential(self.world.buyer_ids[due], k + 1) / self.intensity[due]
            due = due[self.next_visit[due] <= c1]
        at, buyer, k = (np.concatenate(x) for x in zip(*parts)) if len(parts) > 1 else parts[0]
        order = np.lexsort((buyer, at))
        return at[order], buyer[order], k[order]

    def arrivals_tick(self, now: int) -> None:
        w = self.world
        at, buyer, visit = self._visits(now - HOUR)
        if w.accounts.any_sealed:  # a sealed account places no orders
            live = ~w.accounts.sealed(w.buyer_ids[buyer])
            at, buyer, visit = at[live], buyer[live], visit[live]
        if self.visit_log is not None:
            self.visit_log.append((at, buyer, visit))
        n = at.size
        if n == 0:
            return
        self.visits += n
        arch = self.archetype[buyer]
        event = event_hash(EVENT_KEY, w.buyer_ids[buyer], visit)  # (buyer, visit): the key of its draws
        vd = w.keyed["visit"].on(event)  # the visit's own draws, by slot
        u = vd.uniforms(0, 4)  # slots 0 repeat, 1 category, 2 buy, 3 item
        seller = self._choose(at, buyer, arch, vd, u)
        keep = seller >= 0
        at, buyer, visit, arch, seller, u = at[keep], buyer[keep], visit[keep], arch[keep], seller[keep], u[:, keep]
        event = event[keep]
        chat, lost = self._chat(event, arch, seller)
        buys = ~lost & (u[2] < w.scenario.buyers.buy_prob)
        self.lost_to_chat += int(lost.sum())
        at, buyer, visit, arch, seller, chat = at[buys], buyer[buys], visit[buys], arch[buys], seller[buys], chat[buys]
        if buyer.size == 0:
            return
        self.place(at, buyer, visit, arch, seller, chat, u[3][buys], event[buys])

    def place(self, at, buyer, visit, arch, seller, chat, item_u, event) -> np.ndarray:
        w = self.world
        S = w.sellers
        ssc = w.scenario.sellers
        item = to_integers(item_u, S.items[seller])
        amount = S.item_price(seller, item)
        expectation = self.arch_param("expectation", arch) + ssc.exaggeration * (1 - S.honesty[seller])
        rows = w.book.place(
            at, w.buyer_ids[buyer], w.seller_ids[seller], w.seller_ids[seller] * 100_000 + item, amount,
            platform=S.platform[seller], kind=S.kind[seller], courier=S.courier[seller],
            category=S.category[seller], archetype=arch, quality=S.quality[seller], expectation=expectation,
            chat=chat, cashback=S.cashback[seller], visit=visit, event=event)
        np.add.at(self.orders_placed, buyer, 1)
        # payment plans (rank 1): haggle first (bargainers), then pay, or never pay
        d = w.draws("payment", rows)
        u = d.uniforms(0, 4)  # slots 0 pays, 1 haggles, 2 haggle delay, 3 pay delay
        pays = u[0] < self.arch_param("pay_prob", arch)
        haggles = u[1] < self.arch_param("bargain_prob", arch)
        haggle_at = at + d.exp_delay_from(u[2], w.scenario.buyers.haggle_delay_hours * HOUR)
        # tag 1: a price change, then payment; tag 2: a price change, then no payment
        self.pay_cal.push(rows[haggles], haggle_at[haggles], np.where(pays[haggles], 1, 2))
        p = pays & ~haggles
        delay = d.exp_delay_from(u[3][p], self.arch_param("pay_delay_hours", arch[p]) * HOUR)
        self.pay_cal.push(rows[p], at[p] + delay, 0)  # tag 0: payment
        return rows

    def _pay_delay(self, rows: np.ndarray, arch: np.ndarray) -> np.ndarray:
        mean = self.arch_param("pay_delay_hours", arch) * HOUR
        return self.world.draws("payment", rows).exp_delay(3, mean)

    def _choose(self, at: np.ndarray, buyer: np.ndarray, arch: np.ndarray, vd, u: np.ndarray) -> np.ndarray:
        """Repeat purchase, or a logit choice from the ranked search list, leaving out the sellers the
        buyer avoids. -1 if nothing is left to choose."""
        w = self.world
        se = w.scenario.search
        plat = w.platform
        n = buyer.size
        seller = np.full(n, -1, np.int64)
        last = self.last_seller[buyer]
        repeat = (last >= 0) & (u[0] < self.arch_param("repeat_prob", arch))
        repeat &= ~plat.shielded[np.maximum(last, 0)]
        repeat &= ~((self.avoid_seller[buyer] == last[:, None]) & (self.avoid_until[buyer] > at[:, None])).any(axis=1)
        seller[repeat] = last[repeat]
        rest = np.flatnonzero(~repeat)
        if rest.size:
            rd = vd.take(rest)
            cat = to_integers(u[1][rest], se.categories)
            shown = self._shown()
            lists = shown.lists[cat]  # (m, K) seller indices, -1 padded
            trust = self.trust[buyer[rest]][:, None]
            util = trust * shown.signal[cat] - shown.price[cat]
            util -= shown.position
            positions = 100 + np.arange(lists.shape[1])
            rd.base = rd.base[:, None]  # one Gumbel per list position
            util += se.choice_noise * rd.gumbel(positions[None, :])
            b = buyer[rest]
            ok = shown.valid[cat]
            active = self.avoid_until[b] > at[rest][:, None]
            hit = np.flatnonzero(active.any(axis=1))  # only buyers who avoid someone now
            if hit.size:
                ok[hit] &= ~((lists[hit][:, :, None] == self.avoid_seller[b[hit]][:, None, :])
                             & active[hit][:, None, :]).any(axis=2)
            util[~ok] = -np.inf
            best = np.argmax(util, axis=1)
            chosen = lists[np.arange(rest.size), best]
            seller[rest] = np.where(ok.any(axis=1), chosen, -1)
        return seller

    def avoid(self, buyer: np.ndarray, seller: np.ndarray, at: np.ndarray) -> None:
        """A disappointed buyer leaves this seller out of its choices for ``avoid_days`` (it replaces the
        entry of the same seller, or the one that ends first)."""
        sc = self.world.scenario.buyers
        if buyer.size == 0 or sc.avoid_days <= 0:
            return
        first = np.zeros(buyer.size, bool)
        first[np.unique(buyer, return_index=True)[1]] = True
        if not first.all():  # a buyer twice in one batch: one entry at a time
            self.avoid(buyer[first], seller[first], at[first])
            self.avoid(buyer[~first], seller[~first], at[~first])
            return
        known = self.avoid_seller[buyer] == seller[:, None]
        slot = np.where(known.any(axis=1), known.argmax(axis=1), self.avoid_until[buyer].argmin(axis=1))
        self.avoid_seller[buyer, slot] = seller
        self.avoid_until[buyer, slot] = at + int(round(sc.avoid_days * DAY))
        gone = self.last_seller[buyer] == seller
        self.last_seller[buyer[gone]] = -1

    def _shown(self) -> "_Shown":
        """What each category's search list shows, gathered once per ranking (the platform replaces
        the lists and the signals together, daily)."""
        plat = self.world.platform
        shown = self._shown_cache
        if shown is None or shown.lists is not plat.search_lists or shown.source_signal is not plat.signal_utility \
                or shown.source_price is not plat.log_price_ratio:
            shown = self._shown_cache = _Shown(plat, self.world.scenario.search)
        return shown

    def _chat(self, event: np.ndarray, arch: np.ndarray, seller: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Customer-service chat before buying (seeds 001, 003): outcome code and whether the sale is lost."""
        w = self.world
        S = w.sellers
        ssc = w.scenario.sellers
        n = event.size
        ck = w.keyed["chat"].on(event).uniforms(0, 4)  # chats, rude, weak, lost
        chats = ck[0] < self.arch_param("chat_prob", arch)
        code = np.zeros(n, np.int8)
        lost = np.zeros(n, bool)
        idx = np.flatnonzero(chats)
        if idx.size:
            s = seller[idx]
            # the k-th chat of a seller today: earlier chats in this batch count first
            order = np.argsort(s, kind="stable")
            ss = s[order]
            first = np.searchsorted(ss, ss, side="left")
            rank_in = np.empty(idx.size, np.int64)
            rank_in[order] = np.arange(idx.size) - first
            load = S.chats_today[s] + rank_in + 1
            np.add.at(S.chats_today, s, 1)
            slow = load > S.cs_capacity[s]
            ck = ck[:, idx]
            rude = ck[1] < S.temper[s]
            weak = ck[2] < (1 - S.skill[s])
            c = O.select([rude, slow, weak], [CHAT_RUDE, CHAT_SLOW, CHAT_UNCONVINCING], CHAT_GOOD).astype(np.int8)
            p_lost = O.select([c == CHAT_RUDE, c == CHAT_SLOW, c == CHAT_UNCONVINCING],
                               [ssc.rude_abandon, ssc.slow_abandon, ssc.unskilled_abandon], 0.0)
            code[idx] = c
            lost[idx] = ck[3] < p_lost
            np.add.at(self.chats, c, 1)
        return code, lost

    # --- payment (rank 1) ---------------------------------------------------------------------
    def payment_tick(self, now: int) -> None:
        w = self.world
        book = w.book
        o = book.orders
        rows, due, tag = self.pay_cal.pop(now)
        if rows.size == 0:
            return
        unpaid_limit = int(round(w.rules.unpaid_close_days * DAY))
        # a price change: the seller agrees a discount (TX-UNPAID-CLOSE restarts from here)
        h = tag >= 1
        if h.any():
            hr, hat, htag = rows[h], due[h], tag[h]
            disc = self.arch_param("bargain_discount", o["archetype"][hr])
            ok = o["state"][hr] == O.PLACED
            hr, hat, htag, disc = hr[ok], hat[ok], htag[ok], disc[ok]
            changed = book.change_terms(hr, hat, np.round(o["amount"][hr] * (1 - disc), 2))
            pays = htag == 1
            delay = self._pay_delay(changed[pays], o["archetype"][changed[pays]])
            self.pay_cal.push(changed[pays], hat[pays] + delay, 0)
        p = tag == 0
        if p.any():
            pr, pat = rows[p], due[p]
            in_time = pat < o["terms_at"][pr] + unpaid_limit  # TX-UNPAID-CLOSE: too late to pay
            book.pay(pr[in_time], pat[in_time])

    # --- reactions (rank 4) -------------------------------------------------------------------
    def _on_paid(self, rows: np.ndarray, at: np.ndarray) -> None:
        o = self.world.book.orders
        gen = o["actor"][rows] == O.ACTOR_GENUINE
        rows, at = rows[gen], at[gen]
        patience = np.rint(self.arch_param("ship_patience_days", o["archetype"][rows]) * DAY).astype(np.int64)
        self.patience_cal.push(rows, at + patience)

    def _on_delivered(self, rows: np.ndarray, at: np.ndarray) -> None:
        o = self.world.book.orders
        gen = o["actor"][rows] == O.ACTOR_GENUINE
        self.react_cal.push(rows[gen], at[gen])

    def expect_parcel(self, rows: np.ndarray, expected_at: np.ndarray) -> None:
        """A parcel that will never arrive: the buyer reports it after waiting past the expected day."""
        w = self.world
        o = w.book.orders
        gen = o["actor"][rows] == O.ACTOR_GENUINE
        wait = int(round(w.scenario.buyers.lost_wait_days * DAY))
        self.lost_cal.push(rows[gen], expected_at[gen] + wait, o["shipments"][rows[gen]])

    def reactions_tick(self, now: int) -> None:
        w = self.world
        book = w.book
        o = book.orders
        rows, due, _ = self.react_cal.pop(now)
        if rows.size:
            self._judge(rows, due)
        rows, due, _ = self.confirm_cal.pop(now)
        if rows.size:
            ok = (o["state"][rows] == O.SHIPPED) & ~o["dispute_open"][rows] & (due < o["autoconfirm_at"][rows])
            book.confirm(rows[ok], due[ok], O.HOW_BUYER)  # TX-CONFIRM
        rows, due, _ = self.patience_cal.pop(now)
        if rows.size:
            # TX-REFUND-UNSHIPPED: not shipped yet -> the buyer asks for a refund
            ok = (o["state"][rows] == O.PAID) & (o["request_at"][rows] == O.NEVER)
            rows, due = rows[ok], due[ok]
            o["after_sales"][rows] = O.AS_UNSHIPPED
            o["request_at"][rows] = due
            w.platform.unshipped_request(rows, due)
        rows, due, tag = self.lost_cal.pop(now)
        if rows.size:
            ok = ((o["state"][rows] == O.SHIPPED) & (o["delivered_at"][rows] == O.NEVER)
                  & (o["shipments"][rows] == tag) & ~o["dispute_open"][rows])
            rows, due = rows[ok], due[ok]
            o["request_at"][rows] = due
            w.platform.open_dispute(rows, due)
            w.sellers.request(rows, due, REQ_NOT_RECEIVED)
            self.avoid(o["buyer_id"][rows] - w.n_sellers - 1, o["seller_id"][rows] - 1, due)

    def _judge(self, rows: np.ndarray, at: np.ndarray) -> None:
        """Satisfaction on delivery, and what the buyer does about it. Every service failure the buyer
        sees lowers the perceived quality: courier damage, late delivery, late dispatch and a lost first
        parcel (the buyer blames the seller, docs/market.md "Stylised facts")."""
        w = self.world
        o = w.book.orders
        sc = w.scenario.buyers
        d = w.draws("satisfaction", rows)
        base = 8 * o["shipments"][rows].astype(np.int64)  # a reshipment is judged afresh
        arch = o["archetype"][rows]
        again = O.among(o["after_sales"][rows], (O.AS_EXCHANGE, O.AS_RESHIPPED))
        u = d.uniforms(base, 8)  # perception, exchange fixed, early, its delay, partial, no-reason, return, delay
        perceived = o["quality"][rows] + sc.perception_sd * ndtri(u[0])
        perceived -= np.where(o["courier_outcome"][rows] == O.C_DAMAGED, sc.damage_penalty, 0.0)
        late = np.maximum(0.0, (at - o["expected_at"][rows]) / DAY)
        late = np.where(o["expected_at"][rows] == O.NEVER, 0.0, late)
        o["late_days"][rows] = late
        perceived -= sc.lateness_penalty * late
        dispatch = (o["shipped_at"][rows] - o["paid_at"][rows]) / DAY
        perceived -= sc.late_dispatch_penalty * np.maximum(0.0, dispatch - sc.dispatch_grace_days)
        perceived -= np.where(o["after_sales"][rows] == O.AS_RESHIPPED, sc.loss_penalty, 0.0)
        s = perceived - o["expectation"][rows]
        exch = o["after_sales"][rows] == O.AS_EXCHANGE
        fixed = exch & (u[1] < sc.exchange_fix_prob)
        s = np.where(fixed, np.maximum(s, 0.01), s)  # a good exchange satisfies
        o["satisfaction"][rows] = s
        satisfied = s >= 0
        mild = ~satisfied & (s >= -sc.mild_margin)
        bad = ~satisfied & ~mild
        buyer = o["buyer_id"][rows] - w.n_sellers - 1
        seller = o["seller_id"][rows] - 1
        self.last_seller[buyer[satisfied]] = seller[satisfied]
        # early confirmation (TX-CONFIRM) of satisfied buyers, if before the timer
        early = satisfied & (u[2] < self.arch_param("confirm_early_prob", arch))
        ea = arch[early]
        cdelay = d.exp_delay_from(u[3][early], np.maximum(self.arch_param("confirm_delay_days", ea) * DAY, 1.0))
        self.confirm_cal.push(rows[early], at[early] + cdelay)
        # the rest is about the disappointed few (a subset, so an hour's batch costs little)
        upset = np.flatnonzero(~satisfied)
        if upset.size == 0:
            return
        rows, at, arch, u, mild, bad = rows[upset], at[upset], arch[upset], u[:, upset], mild[upset], bad[upset]
        self.avoid(buyer[upset], seller[upset], at)
        # mild disappointment: covered goods may go back under the seven-day no-reason return (seed 004),
        # otherwise maybe a partial refund
        open_ = ~again[upset] & ~o["dispute_open"][rows]
        covered = w.sellers.no_reason_covered(rows, at)
        no_reason = mild & open_ & covered & (u[5] < self.arch_param("no_reason_prob", arch))
        partial = mild & open_ & ~no_reason & (u[4] < self.arch_param("partial_prob", arch))
        w.sellers.request(rows[partial], at[partial], REQ_PARTIAL)
        # real disappointment: maybe a return and refund (a dispute until resolved)
        ret = bad & open_ & (u[6] < self.arch_param("after_sales_prob", arch))
        rat = at + d.exp_delay_from(u[7], sc.request_delay_hours * HOUR)
        for want, kind in ((ret, REQ_RETURN), (no_reason, REQ_NO_REASON)):
            if want.any():
                rr, ra = rows[want], rat[want]
                o["request_at"][rr] = ra
                w.platform.open_dispute(rr, ra)
                w.sellers.request(rr, ra, kind)


class _Shown:
    """Per category and list position: the seller shown, its signal utility and price term (the
    same products ``Buyers._choose`` would form per visit), and the position penalty."""

    def __init__(self, plat, search) -> None:
        self.lists, self.source_signal, self.source_price = plat.search_lists, plat.signal_utility, plat.log_price_ratio
        self.valid = self.lists >= 0
        self.any = self.valid.any(axis=1)
        safe = np.maximum(self.lists, 0)
        self.signal = self.source_signal[safe]
        self.price = search.w_price * self.source_price[safe]
        self.position = search.position_decay * np.arange(self.lists.shape[1])[None, :]
