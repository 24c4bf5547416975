"""Genuine buyers: arrivals, search and choice, chat, payment, and their reaction to what arrives.

Owns the buyer population (index ``j`` is account id ``sellers + j + 1``): archetype (direct, sociable,
bargainer, non-payer, perfectionist, vindictive, each with the parameters of
``sim.scenario.schema.Archetype``), activity, trust in reputation signals, account age, and the last
seller that satisfied them (repeat purchases).

Three hourly steps, at ranks 0, 1 and 4 of the same-time order:

- **arrivals** (rank 0): the visits of the hour just ended are Poisson with a rate shaped by the daily
  and weekly rhythm and festival surges (and their 0:00-2:00 peaks). A visit either returns to the
  buyer's last satisfying seller (``repeat_prob``) or searches a category and sees the platform's
  ranked list (shielded sellers are absent). The choice is a logit over the list: reputation signals
  (level badge, positive rate, DSR, 30-day sales: what the scorer shows, pending reviews invisible)
  weighted by the buyer's trust, price, list position and Gumbel taste noise. The buyer may chat with
  customer service first: a slow (over capacity), rude (temper) or unconvincing (1 - skill) reply may
  lose the sale. Then the order is placed.
- **payment** (rank 1): bargainers haggle (the seller changes the price, which restarts
  TX-UNPAID-CLOSE's clock), then buyers pay after a short delay, or never (non-payers mostly).
- **reactions** (rank 4): on delivery the buyer compares perceived quality (true quality, noise,
  courier damage, lateness) with the expectation (archetype's expectation plus the seller's description
  exaggeration). Satisfied buyers confirm early or let the timer run; mildly disappointed ones may ask a
  partial refund; disappointed ones may ask a return and refund. Impatient buyers ask a refund of an
  unshipped order (TX-REFUND-UNSHIPPED); buyers whose parcel never comes report it not received.
"""

from __future__ import annotations

import numpy as np

from sim.market import orders as O
from sim.market.sellers import REQ_NOT_RECEIVED, REQ_PARTIAL, REQ_RETURN
from sim.timeutil import DAY, HOUR, parse_date
from sim.vocabulary import ARCHETYPES

CHAT_NONE, CHAT_GOOD, CHAT_SLOW, CHAT_RUDE, CHAT_UNCONVINCING = range(5)
CHAT_NAMES = ("", "good", "slow", "rude", "unconvincing")


class Buyers:
    def __init__(self, world) -> None:
        self.world = w = world
        sc = world.scenario.buyers
        rng = world.rng["accounts"]
        B = sc.count
        self.n = B
        self.params = [getattr(sc.archetypes, a) for a in ARCHETYPES]
        self._arch_tables: dict[str, np.ndarray] = {}  # parameter name -> value per archetype
        self._shown_cache: _Shown | None = None
        shares = np.array([p.share for p in self.params])
        self.archetype = rng.choice(len(ARCHETYPES), B, p=shares / shares.sum()).astype(np.int8)
        activity = np.exp(sc.activity_sd * rng.standard_normal(B))
        self.activity_cum = np.cumsum(activity / activity.sum())
        self.activity_cum[-1] = 1.0
        trust_arch = self.arch_param("signal_trust", self.archetype)
        self.trust = trust_arch * np.exp(w.scenario.search.trust_sd * rng.standard_normal(B))
        self.created_at = w.start - np.rint(rng.exponential(sc.account_age_days * DAY, B)).astype(np.int64)
        self.verified = rng.random(B) < sc.verified_share
        self.last_seller = np.full(B, -1, np.int64)
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
        self._first_weekday = parse_date(w.scenario.run.start).weekday()
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
        start = parse_date(w.scenario.run.start)
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
    def arrivals_tick(self, now: int) -> None:
        w = self.world
        rng = w.rng["arrivals"]
        t0 = now - HOUR
        n = int(rng.poisson(self.rate_at(t0)))
        if n == 0:
            return
        self.visits += n
        at = t0 + np.sort(rng.integers(1, HOUR + 1, n)).astype(np.int64)  # in (now - 1 h, now]
        buyer = np.searchsorted(self.activity_cum, rng.random(n), side="right").clip(0, self.n - 1)
        arch = self.archetype[buyer]
        seller = self._choose(buyer, arch)
        keep = seller >= 0
        at, buyer, arch, seller = at[keep], buyer[keep], arch[keep], seller[keep]
        chat, lost = self._chat(buyer, arch, seller)
        buys = ~lost & (w.rng["choice"].random(buyer.size) < w.scenario.buyers.buy_prob)
        self.lost_to_chat += int(lost.sum())
        at, buyer, arch, seller, chat = at[buys], buyer[buys], arch[buys], seller[buys], chat[buys]
        if buyer.size == 0:
            return
        self.place(at, buyer, arch, seller, chat)

    def place(self, at, buyer, arch, seller, chat) -> np.ndarray:
        w = self.world
        S = w.sellers
        crng = w.rng["choice"]
        item = crng.integers(0, S.items[seller])
        # an item's price varies around the seller's price level, fixed per item
        factor = 0.8 + 0.4 * ((item * 0.6180339887 + seller * 0.4142135) % 1.0)
        amount = np.round(S.price[seller] * factor, 2)
        expectation = self.arch_param("expectation", arch) + w.scenario.sellers.exaggeration * (1 - S.honesty[seller])
        rows = w.book.place(
            at, w.buyer_ids[buyer], w.seller_ids[seller], w.seller_ids[seller] * 100_000 + item, amount,
            platform=S.platform[seller], kind=S.kind[seller], courier=S.courier[seller],
            category=S.category[seller], archetype=arch, quality=S.quality[seller], expectation=expectation,
            chat=chat, cashback=S.cashback[seller])
        np.add.at(self.orders_placed, buyer, 1)
        # payment plans (rank 1): haggle first (bargainers), then pay, or never pay
        prng = w.rng["payment"]
        pays = prng.random(rows.size) < self.arch_param("pay_prob", arch)
        haggles = prng.random(rows.size) < self.arch_param("bargain_prob", arch)
        haggle_at = at + w.exp_delay(prng, 1 * HOUR, rows.size)
        # tag 1: a price change, then payment; tag 2: a price change, then no payment
        self.pay_cal.push(rows[haggles], haggle_at[haggles], np.where(pays[haggles], 1, 2))
        p = pays & ~haggles
        self.pay_cal.push(rows[p], at[p] + self._pay_delay(arch[p]), 0)  # tag 0: payment
        return rows

    def _pay_delay(self, arch: np.ndarray) -> np.ndarray:
        w = self.world
        mean = self.arch_param("pay_delay_hours", arch) * HOUR
        if w.deterministic:
            return np.rint(mean).astype(np.int64)
        return np.rint(w.rng["payment"].exponential(np.maximum(mean, 1e-9))).astype(np.int64)

    def _choose(self, buyer: np.ndarray, arch: np.ndarray) -> np.ndarray:
        """Repeat purchase, or a logit choice from the ranked search list. -1 if nothing is shown."""
        w = self.world
        rng = w.rng["choice"]
        se = w.scenario.search
        plat = w.platform
        n = buyer.size
        seller = np.full(n, -1, np.int64)
        last = self.last_seller[buyer]
        repeat = (last >= 0) & (rng.random(n) < self.arch_param("repeat_prob", arch))
        repeat &= ~plat.shielded[np.maximum(last, 0)]
        seller[repeat] = last[repeat]
        rest = np.flatnonzero(~repeat)
        if rest.size:
            cat = rng.integers(0, se.categories, rest.size)
            shown = self._shown()
            lists = shown.lists[cat]  # (m, K) seller indices, -1 padded
            trust = self.trust[buyer[rest]][:, None]
            util = trust * shown.signal[cat] - shown.price[cat]
            util -= shown.position
            util += se.choice_noise * rng.gumbel(size=lists.shape)
            util[~shown.valid[cat]] = -np.inf
            best = np.argmax(util, axis=1)
            chosen = lists[np.arange(rest.size), best]
            seller[rest] = np.where(shown.any[cat], chosen, -1)
        return seller

    def _shown(self) -> "_Shown":
        """What each category's search list shows, gathered once per ranking (the platform replaces
        the lists and the signals together, daily)."""
        plat = self.world.platform
        shown = self._shown_cache
        if shown is None or shown.lists is not plat.search_lists or shown.source_signal is not plat.signal_utility \
                or shown.source_price is not plat.log_price_ratio:
            shown = self._shown_cache = _Shown(plat, self.world.scenario.search)
        return shown

    def _chat(self, buyer: np.ndarray, arch: np.ndarray, seller: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Customer-service chat before buying (seeds 001, 003): outcome code and whether the sale is lost."""
        w = self.world
        rng = w.rng["chat"]
        S = w.sellers
        ssc = w.scenario.sellers
        n = buyer.size
        chats = rng.random(n) < self.arch_param("chat_prob", arch)
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
            rude = rng.random(idx.size) < S.temper[s]
            weak = rng.random(idx.size) < (1 - S.skill[s])
            c = O.select([rude, slow, weak], [CHAT_RUDE, CHAT_SLOW, CHAT_UNCONVINCING], CHAT_GOOD).astype(np.int8)
            p_lost = O.select([c == CHAT_RUDE, c == CHAT_SLOW, c == CHAT_UNCONVINCING],
                               [ssc.rude_abandon, ssc.slow_abandon, ssc.unskilled_abandon], 0.0)
            code[idx] = c
            lost[idx] = rng.random(idx.size) < p_lost
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
            delay = self._pay_delay(o["archetype"][changed[pays]])
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

    def _judge(self, rows: np.ndarray, at: np.ndarray) -> None:
        """Satisfaction on delivery, and what the buyer does about it."""
        w = self.world
        o = w.book.orders
        sc = w.scenario.buyers
        rng = w.rng["satisfaction"]
        n = rows.size
        arch = o["archetype"][rows]
        again = O.among(o["after_sales"][rows], (O.AS_EXCHANGE, O.AS_RESHIPPED))
        perceived = o["quality"][rows] + sc.perception_sd * rng.standard_normal(n)
        perceived -= np.where(o["courier_outcome"][rows] == O.C_DAMAGED, sc.damage_penalty, 0.0)
        late = np.maximum(0.0, (at - o["expected_at"][rows]) / DAY)
        late = np.where(o["expected_at"][rows] == O.NEVER, 0.0, late)
        o["late_days"][rows] = late
        perceived -= sc.lateness_penalty * late
        s = perceived - o["expectation"][rows]
        exch = o["after_sales"][rows] == O.AS_EXCHANGE
        fixed = exch & (rng.random(n) < sc.exchange_fix_prob)
        s = np.where(fixed, 0.01, s)  # a good exchange satisfies
        o["satisfaction"][rows] = s
        satisfied = s >= 0
        mild = ~satisfied & (s >= -sc.mild_margin)
        bad = ~satisfied & ~mild
        buyer = o["buyer_id"][rows] - w.n_sellers - 1
        sat_rows = rows[satisfied]
        self.last_seller[buyer[satisfied]] = o["seller_id"][sat_rows] - 1
        # early confirmation (TX-CONFIRM) of satisfied buyers, if before the timer
        early = satisfied & (rng.random(n) < self.arch_param("confirm_early_prob", arch))
        cdelay = np.rint(self.arch_param("confirm_delay_days", arch) * DAY).astype(np.int64)
        if not w.deterministic:
            cdelay = np.rint(rng.exponential(np.maximum(cdelay, 1))).astype(np.int64)
        self.confirm_cal.push(rows[early], at[early] + cdelay[early])
        # mild disappointment: maybe a partial refund
        partial = mild & ~again & (rng.random(n) < self.arch_param("partial_prob", arch))
        w.sellers.request(rows[partial], at[partial], REQ_PARTIAL)
        # real disappointment: maybe a return and refund (a dispute until resolved)
        ret = bad & ~again & (rng.random(n) < self.arch_param("after_sales_prob", arch))
        rr = rows[ret]
        ok = ~o["dispute_open"][rr]
        rr, rat = rr[ok], (at[ret] + w.exp_delay(rng, 6 * HOUR, int(ret.sum())))[ok]
        o["request_at"][rr] = rat
        w.platform.open_dispute(rr, rat)
        w.sellers.request(rr, rat, REQ_RETURN)


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
