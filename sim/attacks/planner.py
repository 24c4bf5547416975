"""A brushing campaign's plan: which account orders what, when, and what it costs.

Given a campaign (seller, items, start, a target of fake orders or of credit, a budget), the farm's
account pool and a :class:`sim.attacks.strategy.Strategy`, :func:`plan` returns the schedule of
fake orders as columns (:class:`Schedule`), drawing every random number from the numpy ``Generator``
it is given. The same inputs and generator state give the same schedule.

How each strategy field shapes the schedule (each beats one rule, see ``strategy.py``):

- the orders are spread evenly over ``spread_days`` days (longer when ``max_orders_per_day`` needs
  it), at uniform times within the strategy's local ``hours``;
- in each natural month the orders go round-robin over ``ceil(orders that month /
  orders_per_pair_month)`` accounts, so no account places more than that many with the seller in a
  month (SCORE-CLAMP); with ``fresh_pairs`` each month gets accounts never used with the seller;
- with ``rotate_items`` an account's k-th order goes to item ``(offset + k) mod items`` (SCORE-DEDUP);
- accounts younger than ``min_account_age_days`` at the first order are not used; when the pool is
  short the farm creates accounts at ``planned_at`` (up to ``max_new_accounts``) and the campaign
  waits until they are old enough; beyond that, the accounts it has are loaded past the limit;
- accounts below ``min_buyer_credit`` are warmed up first with orders at nursery shops that rate the
  buyer ``good`` (at most 6 a nursery shop a month, distinct items), and the campaign waits for them.

Costs (``FarmCosts``): each campaign order costs its fee, its parcel (empty or real) and the
commission on its amount (the merchandise itself is refunded to the worker); each warm-up order its
fee; each created account its price plus its upkeep until first use. The campaign is cut to the
largest number of orders whose total cost fits the budget.

:func:`to_log` turns a schedule into the scoring core's ``Orders``/``Actions`` with a fixed nominal
lifecycle (ship, transit, confirm, review). That is the offline twin used by tests and benchmarks;
in a market run the order book's lifecycle replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.attacks.strategy import FarmCosts, Strategy
from sim.reputation import log as L
from sim.timeutil import DAY, HOUR, PLATFORM_UTC_OFFSET, local_day_index, month_index

# Delivery kinds, as the market's order book codes them (sim.market.orders.KIND_NAMES).
EXPRESS, VIRTUAL = 0, 3
#: Why an order was placed.
CAMPAIGN, WARMUP = 0, 1
#: Fake orders a nursery shop gives one account in a natural month (the taobao pair clamp).
NURSERY_PER_MONTH = 6
#: Warm-up orders of one month are placed within a week.
WARM_WEEK = 7 * DAY


@dataclass(frozen=True)
class Campaign:
    """One seller's purchase of fake orders."""

    seller: int  # the client seller's account id
    items: tuple  # the seller's item ids to brush; the first is the one pushed when items are not rotated
    start: int  # no order before this instant (seconds)
    target_orders: int = 0  # fake orders wanted; or
    target_credit: int = 0  # credit wanted: one order per point (each counts when the strategy beats the rules)
    budget: float = float("inf")  # yuan
    planned_at: int | None = None  # when the farm plans (new accounts are created then); default: start
    attack: str = ""  # the attack's name

    @property
    def wanted(self) -> int:
        return int(self.target_orders or self.target_credit)


@dataclass
class Pool:
    """The farm's accounts, as the farm sees them, and its nursery shops for warm-up orders (without
    nursery shops there is no warm-up, and ``min_buyer_credit`` only orders the choice of accounts)."""

    account_id: np.ndarray  # int64
    created_at: np.ndarray  # int64
    buyer_credit: np.ndarray  # int64, the displayed buyer credit
    exclude: np.ndarray | None = None  # accounts already used with this seller (for fresh_pairs)
    nursery_sellers: np.ndarray | None = None  # int64 account ids
    nursery_items: np.ndarray | None = None  # int64 (len(nursery_sellers), items) item ids per shop
    next_account_id: int = 0  # id of the first account the farm would create
    max_new_accounts: int = 0


@dataclass
class Schedule:
    """One row per fake order (campaign and warm-up), in time order; plus the accounts created."""

    at: np.ndarray  # int64 placement time
    buyer_id: np.ndarray  # int64
    seller_id: np.ndarray  # int64
    item_id: np.ndarray  # int64
    amount: np.ndarray  # float64
    kind: np.ndarray  # int8 delivery kind (EXPRESS or VIRTUAL)
    empty: np.ndarray  # bool: an empty parcel
    chat: np.ndarray  # bool: the worker chats first
    confirm_delay: np.ndarray  # int64 s from delivery to confirmation
    review_delay: np.ndarray  # int64 s from success to the review
    purpose: np.ndarray  # int8 CAMPAIGN or WARMUP
    cost: np.ndarray  # float64 yuan
    new_account_id: np.ndarray  # int64, accounts created for this campaign
    new_created_at: np.ndarray  # int64
    new_cost: np.ndarray  # float64: creation and upkeep

    ORDER_COLUMNS = ("at", "buyer_id", "seller_id", "item_id", "amount", "kind", "empty", "chat",
                     "confirm_delay", "review_delay", "purpose", "cost")

    def __len__(self) -> int:
        return len(self.at)

    @property
    def spent(self) -> float:
        return float(self.cost.sum() + self.new_cost.sum())

    def campaign_rows(self) -> np.ndarray:
        return np.flatnonzero(self.purpose == CAMPAIGN)


def plan(campaign: Campaign, pool: Pool, strategy: Strategy, costs: FarmCosts,
         rng: np.random.Generator) -> Schedule:
    """The schedule of a campaign, cut to its budget (see the module docstring)."""
    n = campaign.wanted
    state = rng.bit_generator.state

    def attempt(k: int) -> Schedule:
        # Each attempt from the same generator state, so that a cut plan equals a plan asked for
        # that many orders directly.
        rng.bit_generator.state = state
        return _plan(campaign, pool, strategy, costs, rng, k)

    schedule = attempt(n)
    if schedule.spent <= campaign.budget + 1e-9:
        return schedule
    # The largest number of orders that fits, by bisection (the cost grows with the orders: each
    # order's own cost, plus steps where more accounts or warm-ups are needed).
    lo, hi = 0, n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if attempt(mid).spent <= campaign.budget + 1e-9:
            lo = mid
        else:
            hi = mid
    return attempt(lo)


def _order_times(first_day: int, n: int, days: int, hours: tuple, draw: np.ndarray) -> np.ndarray:
    """``n`` times spread evenly over ``days`` local days from ``first_day``, within ``hours``."""
    day = first_day + (np.arange(n, dtype=np.int64) * days) // max(n, 1)
    second = (hours[0] * HOUR + draw * (hours[1] - hours[0]) * HOUR).astype(np.int64)
    return np.sort(day * DAY - PLATFORM_UTC_OFFSET + second)


def _first_day(t: int, hours: tuple) -> int:
    """The first local day on which an order within ``hours`` is not before ``t``."""
    day = int(local_day_index(np.array([t]))[0])
    return day if t <= day * DAY - PLATFORM_UTC_OFFSET + hours[0] * HOUR else day + 1


def _slots(t: np.ndarray, per_pair: int, fresh: bool, limit: int | None = None) -> tuple[np.ndarray, int]:
    """Each order's account slot, round-robin within its natural month, and the slots needed; with
    ``limit`` (fewer accounts than needed), round-robin over that many accounts, reused each month."""
    n = len(t)
    if n == 0:
        return np.zeros(0, np.int64), 0
    month = month_index(t)
    starts = np.flatnonzero(np.r_[True, month[1:] != month[:-1]])  # t is sorted, so months are runs
    counts = np.diff(np.r_[starts, n])
    k = -(-counts // per_pair) if per_pair > 0 else np.ones_like(counts)
    if limit is not None:
        k, fresh = np.minimum(k, limit), False
    within = np.arange(n) - np.repeat(starts, counts)
    slot = within % np.repeat(k, counts)
    if fresh:
        slot = slot + np.repeat(np.cumsum(k) - k, counts)
        return slot, int(k.sum())
    return slot, int(k.max())


def _plan(campaign: Campaign, pool: Pool, s: Strategy, costs: FarmCosts, rng: np.random.Generator,
          n: int) -> Schedule:
    planned_at = campaign.start if campaign.planned_at is None else campaign.planned_at
    days = max(s.spread_days, -(-n // s.max_orders_per_day) if s.max_orders_per_day else 1)
    # Every draw is made up front in a fixed order and size, so that switching one evasion on or off
    # changes only what that evasion decides (the tests compare such pairs).
    hour_draw = rng.random(n)
    confirm = np.rint(rng.exponential(s.confirm_delay_hours * HOUR, n)).astype(np.int64)
    review = np.rint(rng.exponential(s.review_delay_hours * HOUR, n)).astype(np.int64)
    chat = rng.random(n) < s.chat_prob
    shuffle = rng.permutation(len(pool.account_id))
    exclude = pool.exclude if (s.fresh_pairs and pool.exclude is not None) else np.zeros(0, np.int64)
    usable = ~np.isin(pool.account_id, exclude)
    min_age = int(round(s.min_account_age_days * DAY))

    start = max(campaign.start, planned_at)
    for _ in range(4):  # settle the start: later starts make more accounts old enough
        t = _order_times(_first_day(start, s.hours), n, days, s.hours, hour_draw)
        slot, needed = _slots(t, s.orders_per_pair_month, s.fresh_pairs)
        first = int(t[0]) if n else start
        old = usable & (pool.created_at <= first - min_age)
        chosen = _choose(pool, shuffle, old, needed, s.min_buyer_credit)
        new = min(needed - len(chosen), pool.max_new_accounts)
        ready = planned_at + (min_age if new > 0 else 0)
        warm = _warm_need(pool, chosen, new, s.min_buyer_credit)
        if warm.sum() > 0:  # wait for the last warm-up block's week
            months = -(-int(warm.max()) // (NURSERY_PER_MONTH * _nursery_count(pool)))
            ready = max(ready, int(_warm_blocks(planned_at, months)[-1]) + WARM_WEEK + DAY)
        if ready <= first or n == 0:
            break
        start = ready
    new_ids = pool.next_account_id + np.arange(new, dtype=np.int64)
    accounts = np.concatenate([pool.account_id[chosen], new_ids])
    if 0 < len(accounts) < needed:  # short of accounts: load the ones it has evenly, past the limit
        slot, _ = _slots(t, s.orders_per_pair_month, s.fresh_pairs, limit=len(accounts))
    if len(accounts) == 0:
        n, t, slot = 0, t[:0], slot[:0]
        hour_draw, confirm, review, chat = hour_draw[:0], confirm[:0], review[:0], chat[:0]
    buyer = accounts[slot % max(len(accounts), 1)] if n else np.zeros(0, np.int64)

    items = np.asarray(campaign.items, np.int64)
    offset = rng.integers(0, len(items), len(accounts)) if len(items) else np.zeros(0, np.int64)
    if s.rotate_items and n:
        acc = slot % len(accounts)
        order = np.lexsort((t, acc))
        k = np.empty(n, np.int64)
        runs = np.flatnonzero(np.r_[True, acc[order][1:] != acc[order][:-1]])
        k[order] = np.arange(n) - np.repeat(runs, np.diff(np.r_[runs, n]))
        item = items[(offset[acc] + k) % len(items)]
    else:
        item = np.full(n, items[0] if len(items) else 0, np.int64)

    kind = np.full(n, VIRTUAL if s.delivery == "virtual" else EXPRESS, np.int8)
    empty = np.full(n, s.delivery == "empty_parcel")
    parcel = {"virtual": 0.0, "empty_parcel": costs.empty_parcel_cost, "real_parcel": costs.real_parcel_cost}
    cost = np.full(n, costs.fee_per_order + parcel[s.delivery] + costs.commission_rate * s.amount_yuan)
    first = int(t[0]) if n else start
    upkeep = costs.account_cost + costs.aging_cost_per_day * max(first - planned_at, 0) / DAY
    campaign_part = dict(
        at=t, buyer_id=buyer, seller_id=np.full(n, campaign.seller, np.int64), item_id=item,
        amount=np.full(n, s.amount_yuan), kind=kind, empty=empty, chat=chat, confirm_delay=confirm,
        review_delay=review, purpose=np.full(n, CAMPAIGN, np.int8), cost=cost)
    if not n:
        warm = np.zeros(0, np.int64)
    parts = [campaign_part, _warmup(pool, accounts, warm, planned_at, costs, rng)]
    columns = {name: np.concatenate([p[name] for p in parts]) for name in Schedule.ORDER_COLUMNS}
    order = np.argsort(columns["at"], kind="stable")
    used_new = new_ids if n else new_ids[:0]
    return Schedule(**{k: v[order] for k, v in columns.items()}, new_account_id=used_new,
                    new_created_at=np.full(len(used_new), planned_at, np.int64),
                    new_cost=np.full(len(used_new), upkeep))


def _choose(pool: Pool, shuffle: np.ndarray, ok: np.ndarray, needed: int, min_credit: int) -> np.ndarray:
    """Rows of the pool to use: a random draw of the usable ones; when credit matters, the most
    credited first (fewest warm-up orders), ties in the random order."""
    rows = shuffle[ok[shuffle]]
    if min_credit > 0:
        rows = rows[np.argsort(-pool.buyer_credit[rows], kind="stable")]
    return rows[:needed]


def _nursery_count(pool: Pool) -> int:
    return 0 if pool.nursery_sellers is None else len(pool.nursery_sellers)


def _warm_need(pool: Pool, chosen: np.ndarray, new: int, min_credit: int) -> np.ndarray:
    """Warm-up orders each used account needs (pool accounts first, then the new ones)."""
    credit = np.concatenate([pool.buyer_credit[chosen], np.zeros(new, np.int64)])
    if min_credit <= 0 or _nursery_count(pool) == 0:
        return np.zeros(len(credit), np.int64)
    return np.maximum(min_credit - credit, 0).astype(np.int64)


def _warm_blocks(planned_at: int, months: int) -> np.ndarray:
    """Start of each month's warm-up week: from ``planned_at`` if a week fits in its natural month,
    else from the next month's start; then the following months' starts. A week never spans two
    natural months, so a nursery shop's 6 orders with an account fall in one month (SCORE-CLAMP)."""
    local = np.datetime64(int(planned_at + PLATFORM_UTC_OFFSET), "s")
    month = local.astype("datetime64[M]")
    next_start = int((month + 1).astype("datetime64[s]").astype(np.int64)) - PLATFORM_UTC_OFFSET
    base = month if planned_at + WARM_WEEK <= next_start else month + 1
    starts = (base + np.arange(months)).astype("datetime64[s]").astype(np.int64) - PLATFORM_UTC_OFFSET
    return np.maximum(starts, planned_at)


def _warmup(pool: Pool, accounts: np.ndarray, need: np.ndarray, planned_at: int,
            costs: FarmCosts, rng: np.random.Generator) -> dict:
    """Warm-up orders: account a's j-th goes to nursery shop (j // 6) mod shops, item j mod 6 of it,
    in warm-up week j // (6 x shops) (``_warm_blocks``), at a uniform time in the week."""
    total = int(need.sum())
    draw = rng.random(total)
    if total == 0:
        empty_i = np.zeros(0, np.int64)
        return dict(at=empty_i, buyer_id=empty_i, seller_id=empty_i, item_id=empty_i, amount=np.zeros(0),
                    kind=np.zeros(0, np.int8), empty=np.zeros(0, bool), chat=np.zeros(0, bool),
                    confirm_delay=empty_i, review_delay=empty_i, purpose=np.zeros(0, np.int8), cost=np.zeros(0))
    shops = len(pool.nursery_sellers)
    owner = np.repeat(np.arange(len(accounts)), need)
    j = np.arange(total) - np.repeat(np.cumsum(need) - need, need)
    shop = (j // NURSERY_PER_MONTH) % shops
    items = pool.nursery_items
    item = items[shop, j % NURSERY_PER_MONTH % items.shape[1]] if items is not None else j % NURSERY_PER_MONTH
    block = j // (NURSERY_PER_MONTH * shops)
    at = _warm_blocks(planned_at, int(block.max()) + 1)[block] + (draw * WARM_WEEK).astype(np.int64)
    return dict(at=at, buyer_id=accounts[owner], seller_id=pool.nursery_sellers[shop].astype(np.int64),
                item_id=np.asarray(item, np.int64), amount=np.full(total, 10.0),
                kind=np.full(total, VIRTUAL, np.int8), empty=np.zeros(total, bool), chat=np.zeros(total, bool),
                confirm_delay=np.full(total, HOUR, np.int64), review_delay=np.full(total, HOUR, np.int64),
                purpose=np.full(total, WARMUP, np.int8), cost=np.full(total, costs.warmup_fee))


# --- the offline lifecycle ----------------------------------------------------------------------

@dataclass(frozen=True)
class Lifecycle:
    """The nominal lifecycle of :func:`to_log`: pay at once, ship after ``ship_hours`` (virtual goods
    are delivered when shipped), parcels in transit ``transit_days``."""

    ship_hours: float = 2.0
    transit_days: float = 2.0


def to_log(schedule: Schedule, first_order_id: int, lifecycle: Lifecycle = Lifecycle()) -> dict:
    """The schedule as scoring input: ``orders`` (``L.Orders``), ``actions`` (``L.Actions``) and the
    platform-visible extras per order (``delivered_at``, ``kind``, ``empty``, ``chat``)."""
    n = len(schedule)
    order_id = first_order_id + np.arange(n, dtype=np.int64)
    shipped = schedule.at + int(lifecycle.ship_hours * HOUR)
    transit = np.where(schedule.kind == VIRTUAL, 0, int(lifecycle.transit_days * DAY))
    delivered = shipped + transit
    success = delivered + schedule.confirm_delay
    review_at = success + schedule.review_delay
    orders = L.Orders.build(order_id, schedule.buyer_id, schedule.seller_id, schedule.item_id, schedule.at,
                            amount=schedule.amount, success_at=success)
    campaign = schedule.purpose == CAMPAIGN
    # Campaign: the worker rates good and gives DSR 5/5/5/5. Warm-up: the nursery shop rates the buyer.
    rate = L.Actions.build(order_id, np.where(campaign, L.BUYER, L.SELLER), np.full(n, L.RATE), review_at,
                           np.full(n, L.GOOD))
    c = np.flatnonzero(campaign)
    fives = np.full(len(c), 5)
    dsr = L.Actions.build(order_id[c], np.full(len(c), L.BUYER), np.full(len(c), L.DSR), review_at[c],
                          None, fives, fives, fives, fives)
    return {"orders": orders, "actions": L.Actions.concat([rate, dsr]), "delivered_at": delivered,
            "kind": schedule.kind, "empty": schedule.empty, "chat": schedule.chat}
