"""The brushing farm as a market actor (kind ``farm``): hiring sellers, campaigns, and fake orders
through the same batch order lifecycle as honest buyers (docs/attacks.md, "Brushing farms").

Configured by ``[[actors]]`` with ``kind = "farm"`` and the keys of
:class:`sim.attacks.strategy.FarmConfig` (``strategy`` a preset name or a table with ``preset`` and
overrides). Each run the farm:

- opens its pool at the start: ``accounts`` buyer accounts (role ``farm``, owner the farm's name)
  aged exponentially with mean ``account_age_days``; accounts it creates for a campaign
  (``max_new_accounts`` at most) are opened when the campaign is planned;
- at local midnight of the first day and of every natural month, asks each seller whether it hires
  the farm (:class:`~sim.attacks.strategy.HirePolicy`: younger than ``max_seller_age_days``, credit
  below ``max_credit``, 30-day sales at most ``max_sales30`` when set, its shop open and no campaign
  running; then with probability ``monthly_prob``) and plans each hiring seller's campaign with
  :func:`sim.attacks.planner.plan` (target ``target_credit``, budget ``budget_yuan``; the pool's
  accounts not sealed, those already used with the seller excluded for ``fresh_pairs``);
- hourly, places the orders due: order (with the chat flag), payment at once; the seller packs and
  ships them with its real capacity (``sim.market.sellers``), parcels go through the couriers, virtual
  items are sent at dispatch; an ``empty_parcel`` shows in the logistics record (``empty``);
- confirms ``confirm_delay`` after delivery, rates ``good`` with DSR 5/5/5/5 ``review_delay`` after
  success, and the seller rates the worker ``good`` back (that is the worker's buyer credit); the
  seller then refunds the merchandise outside escrow (``escrow.transfer``) and pays the order's cost
  (fee, parcel, commission) to the outside world (account 0).

A sealed account places no order and writes no review; orders for a seller whose shop is shielded,
delisted or closed are not placed (nothing can be bought there). Every order and action the farm makes
carries ``fake = True`` and the farm's ``attack`` code; every draw comes from the farm's own stream.
"""

from __future__ import annotations

import numpy as np

from sim.actors import register
from sim.attacks import planner as P
from sim.attacks.strategy import FarmConfig, read_farm
from sim.market import orders as O
from sim.market.accounts import BUYER
from sim.market.attacker import Attacker
from sim.reputation import log as L
from sim.timeutil import DAY


class Farm(Attacker):
    actor_code = O.ACTOR_FARM

    def __init__(self, world, config: FarmConfig, rng: np.random.Generator) -> None:
        super().__init__(world, config.name)
        w = world
        self.config = config
        self.rng = rng
        age = rng.exponential(config.account_age_days * DAY, config.accounts).astype(np.int64)
        self.ids = w.accounts.create(config.accounts, BUYER, "farm", config.name, w.start - age)
        self.credit = np.zeros(config.accounts, np.int64)  # the workers' buyer credit, as the farm counts it
        self.created = 0  # accounts created during the run
        self.used: dict[int, np.ndarray] = {}  # seller id -> accounts used with it
        self.busy_until = np.zeros(w.n_sellers, np.int64)  # a running campaign's last order, per seller
        self.queue = {name: np.zeros(0, dtype) for name, dtype in (
            ("at", np.int64), ("buyer_id", np.int64), ("seller_id", np.int64), ("item_id", np.int64),
            ("amount", np.float64), ("kind", np.int8), ("empty", bool), ("chat", np.int8),
            ("confirm_delay", np.int64), ("review_delay", np.int64), ("cost", np.float64))}
        self.confirm_cal = w.calendar()
        self.review_cal = w.calendar()
        # the worker's delays of each order placed, by order row (rows increase as orders are placed); a
        # growable table, as copying whole arrays every hour cost seconds at 100,000 fake orders a month
        self.placed = O.Table({"row": (np.int64, 0), "confirm": (np.int64, 0), "review": (np.int64, 0)})
        w.book.on("delivered", self._on_delivered)
        w.book.on("success", self._on_success)

    # --- the lifecycle's listeners -----------------------------------------------------------
    def _on_delivered(self, rows: np.ndarray, at: np.ndarray) -> None:
        rows, at = self.mine(rows, at)
        self.confirm_cal.push(rows, at + self.placed["confirm"][np.searchsorted(self.placed["row"], rows)])

    def _on_success(self, rows: np.ndarray, at: np.ndarray) -> None:
        rows, at = self.mine(rows, at)
        self.review_cal.push(rows, at + self.placed["review"][np.searchsorted(self.placed["row"], rows)])

    # --- hiring -------------------------------------------------------------------------------
    def _hire(self, now: int) -> None:
        w = self.world
        h = self.config.hire
        p = w.platform
        u = self.rng.random(w.n_sellers)  # one draw per seller and month, whatever is eligible
        age = now - w.sellers.created_at
        eligible = ((age < h.max_seller_age_days * DAY) & (p.credit < h.max_credit) & ~p.shielded
                    & (self.busy_until <= now) & ~w.sellers.tmall)
        if h.max_sales30 > 0:
            eligible &= p.sales30 <= h.max_sales30
        parts = [self._campaign(int(s), now) for s in np.flatnonzero(eligible & (u < h.monthly_prob))]
        parts = [p for p in parts if p is not None]
        if parts:  # merged into the queue once a month (one sort, not one per campaign)
            self.queue = self.merge(self.queue, parts)

    def _campaign(self, s: int, now: int) -> dict | None:
        """Plan one seller's campaign; returns its orders' queue columns (None if it buys nothing)."""
        w = self.world
        c = self.config
        live = ~w.accounts.sealed(self.ids)
        seller = int(w.seller_ids[s])
        items = tuple(seller * 100_000 + np.arange(int(w.sellers.items[s]), dtype=np.int64))
        pool = P.Pool(account_id=self.ids[live], created_at=w.accounts.created_at(self.ids[live]),
                      buyer_credit=self.credit[live], exclude=self.used.get(seller),
                      next_account_id=len(w.accounts) + 1, max_new_accounts=c.max_new_accounts - self.created)
        campaign = P.Campaign(seller=seller, items=items, start=now, target_credit=c.hire.target_credit,
                              budget=c.hire.budget_yuan, planned_at=now, attack=c.name)
        plan = P.plan(campaign, pool, c.strategy, c.costs, self.rng)
        campaign_rows = plan.campaign_rows()
        if campaign_rows.size == 0:
            return None
        if len(plan.new_account_id):  # fresh ids from the run's account table (the planner's are the same)
            made = w.accounts.create(len(plan.new_account_id), BUYER, "farm", c.name, plan.new_created_at,
                                     plan.new_cost)
            assert made[0] == plan.new_account_id[0]
            self.ids = np.concatenate([self.ids, made])
            self.credit = np.concatenate([self.credit, np.zeros(made.size, np.int64)])
            self.created += made.size
        rows = campaign_rows  # warm-up orders need nursery shops, which the market run does not have
        self.used[seller] = np.union1d(self.used.get(seller, np.zeros(0, np.int64)), plan.buyer_id[rows])
        self.busy_until[s] = int(plan.at[rows].max())
        return {name: getattr(plan, name)[rows].astype(v.dtype) for name, v in self.queue.items()}

    # --- the hourly tick ------------------------------------------------------------------------
    def tick(self, now: int) -> None:
        w = self.world
        first = self.new_month(now)
        if first is None:
            return
        if first:
            self._hire(now)
        self._place(now)
        book = w.book
        rows, due, _ = self.confirm_cal.pop(now)
        if rows.size:
            book.confirm(rows, due, O.HOW_BUYER)
        rows, due, _ = self.review_cal.pop(now)
        if rows.size:
            self._review(rows, due)

    def _place(self, now: int) -> None:
        w = self.world
        due, self.queue = self.take_due(self.queue, now)
        s = due["seller_id"] - 1
        ok = ~w.accounts.sealed(due["buyer_id"]) & ~w.platform.shielded[s]
        due = {name: v[ok] for name, v in due.items()}
        s = s[ok]
        n = s.size
        if n == 0:
            return
        kind = due["kind"]
        courier = np.where(kind == O.VIRTUAL, -1, np.maximum(w.sellers.courier[s], 0)).astype(np.int8)
        book = w.book
        rows = book.place(due["at"], due["buyer_id"], due["seller_id"], due["item_id"], due["amount"],
                          platform=w.sellers.platform[s], kind=kind, courier=courier, category=w.sellers.category[s],
                          chat=due["chat"], empty=due["empty"], cost=due["cost"], quality=w.sellers.quality[s],
                          **self.tags)
        self.placed.append(rows.size, row=rows, confirm=due["confirm_delay"], review=due["review_delay"])
        book.pay(rows, due["at"])

    def _review(self, rows: np.ndarray, at: np.ndarray) -> None:
        book = self.world.book
        o = book.orders
        rows, at = self.review(rows, at, L.GOOD, 5)
        if rows.size == 0:
            return
        book.rate(rows, L.SELLER, at, L.GOOD, **self.tags)  # the client rates the worker back
        pos = np.searchsorted(self.ids, o["buyer_id"][rows])
        np.add.at(self.credit, pos, 1)
        # the merchandise back to the worker, outside escrow; the order's cost to the outside world
        book.escrow.transfer(o["seller_id"][rows], o["buyer_id"][rows], o["amount"][rows])
        book.escrow.transfer(o["seller_id"][rows], np.zeros(rows.size, np.int64), o["cost"][rows])


@register("farm", FarmConfig, read=read_farm, doc="a brushing farm (sim.market.farm)")
def make(world, config: FarmConfig, rng: np.random.Generator) -> Farm:
    return Farm(world, config, rng)
