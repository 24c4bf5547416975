"""Generated scoring problems, shared by the property tests of the core and of the incremental scorer.

``cases()`` draws small review logs dense in collisions: few buyers, sellers and items (so pairs and
items repeat), many actions per order, times on a coarse grid of 12 hours plus the exact edges of the
rules (14 days, 15 days, 48 hours, 17 days, 30 days, each +-1 s), ties, month boundaries (the logs start
a week before 2024-09-01 UTC+8), modifications, deletions, second rates, invalid actions, tmall orders,
refunds, removals and DSRs, under TAOBAO, NAIVE and random variants, at random as-of times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from sim.reputation.log import (
    BAD, BUYER, DELETE, DSR, GOOD, MODIFY, NEUTRAL, NO_RATING, RATE, SELLER, TMALL, Accounts, Actions,
    Orders,
)
from sim.rules.presets import NAIVE, TAOBAO
from sim.rules.ruleset import RuleSet
from sim.timeutil import DAY, HOUR, NEVER, parse_timestamp

BASE = parse_timestamp("2024-08-25T00:00:00")  # a week before a natural-month boundary
EDGES = [0, 1, -1, 48 * HOUR, 48 * HOUR - 1, 48 * HOUR + 1, 14 * DAY, 14 * DAY - 1, 14 * DAY + 1,
         15 * DAY, 15 * DAY - 1, 15 * DAY + 1, 17 * DAY, 17 * DAY - 1, 17 * DAY + 1,
         30 * DAY, 30 * DAY - 1, 30 * DAY + 1]
GRID = 12 * HOUR
ORDER_COLUMNS = ("order_id", "buyer_id", "seller_id", "item_id", "platform", "amount",
                 "created_at", "success_at", "refund", "removed_at")
ACTION_COLUMNS = ("order_id", "author", "action", "at", "rating", "described", "service",
                  "shipping", "logistics")



@dataclass
class Case:
    """One generated scoring problem, printable as the code that rebuilds it."""

    orders: list[tuple]
    actions: list[tuple]
    rules: RuleSet
    as_of: int | None
    accounts: list[tuple] | None

    def build(self) -> tuple[Orders, Actions, Accounts | None]:
        return build_log(self.orders, self.actions, self.accounts)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.rules.to_dict().items()
                   if v != TAOBAO.to_dict()[k] and k != "name"}
        return (f"Case(\n  orders={self.orders!r},\n  actions={self.actions!r},\n"
                f"  rules=TAOBAO.replace(**{changed!r}),\n  as_of={self.as_of!r},\n"
                f"  accounts={self.accounts!r})")


def build_log(order_rows, action_rows, account_rows=None):
    cols = list(zip(*order_rows)) if order_rows else [[] for _ in ORDER_COLUMNS]
    o = dict(zip(ORDER_COLUMNS, cols))
    orders = Orders.build(o["order_id"], o["buyer_id"], o["seller_id"], o["item_id"], o["created_at"],
                          platform=o["platform"], amount=o["amount"], success_at=o["success_at"],
                          refund=o["refund"], removed_at=o["removed_at"])
    if action_rows:
        actions = Actions.build(**dict(zip(ACTION_COLUMNS, zip(*action_rows))))
    else:
        actions = Actions.empty()
    accounts = None
    if account_rows is not None:
        accounts = Accounts(account_id=np.array([a for a, _ in account_rows], np.int64),
                            created_at=np.array([c for _, c in account_rows], np.int64))
    return orders, actions, accounts


offsets = st.one_of(st.sampled_from(EDGES), st.integers(0, 40).map(lambda k: k * GRID))
forward = st.one_of(st.sampled_from([e for e in EDGES if e >= 0]), st.integers(0, 40).map(lambda k: k * GRID))


@st.composite
def rule_sets(draw) -> RuleSet:
    kind = draw(st.sampled_from(["taobao", "naive", "variant", "variant", "variant"]))
    if kind == "taobao":
        return TAOBAO
    if kind == "naive":
        return NAIVE
    return TAOBAO.replace(
        dedup_days=draw(st.sampled_from([0.0, 14.0, 30.0])),
        dedup_scope=draw(st.sampled_from(["item", "seller"])),
        cap_period=draw(st.sampled_from(["month", "lifetime", "none"])),
        cap_max=draw(st.sampled_from([None, 0, 1, 2, 6])),
        cap_min=draw(st.sampled_from([None, 0, -1, -2, -6])),
        dsr_cap=draw(st.sampled_from([1, 3, None])),
        tmall_buyer_credit_cap=draw(st.sampled_from([1, 3, None])),
        default_good=draw(st.booleans()),
        delayed_effect=draw(st.sampled_from([True, True, False])),
        mutual_delay_hours=draw(st.sampled_from([0.0, 48.0])),
        review_window_days=draw(st.sampled_from([15.0, None])),
        modify_window_days=draw(st.sampled_from([30.0, None])),
        modifications_allowed=draw(st.sampled_from([1, 1, 0])),
        dsr_window_days=draw(st.sampled_from([15.0, None])),
        positive_rate_days=draw(st.sampled_from([180.0, 20.0, None])),
        dsr_mean_days=draw(st.sampled_from([180.0, 20.0, None])),
        credit_half_life_days=draw(st.sampled_from([None, 180.0])),
        min_amount=draw(st.sampled_from([None, 50.0])),
        min_reviewer_age_days=draw(st.sampled_from([None, 30.0])),
        reviewer_weight=draw(st.sampled_from(["none", "buyer_credit"])),
        reviewer_weight_full_credit=draw(st.sampled_from([2.0, 251.0])),
    )


def chance(draw, p: float) -> bool:
    return draw(st.integers(0, 99)) < p * 100


# Offsets of an action from the instant it refers to: mostly small and on a coarse grid (ties),
# sometimes an exact edge of a rule (+-1 s).
small = st.one_of(st.integers(0, 6).map(lambda k: k * GRID), st.sampled_from(EDGES))


# Creation times of a sibling order: the dedup edges, and ties.
sibling_offsets = st.sampled_from([0, 1, 14 * DAY, 14 * DAY - 1, 14 * DAY + 1, 28 * DAY, 30 * DAY,
                                   30 * DAY - 1])


@st.composite
def cases(draw, max_orders: int = 30, max_actions: int = 80) -> Case:
    n_orders = draw(st.sampled_from([1, 2, 3, 5, 8, 12, 16, 20, 25, max_orders]))
    wide = chance(draw, 0.3)  # sometimes more accounts and items, usually very few
    ids = st.integers(1, 3) if wide else st.integers(1, 2)
    orders = []
    for k in range(n_orders):
        buyer, seller, item = draw(ids), draw(ids), draw(ids)
        if k and chance(draw, 0.5):  # an exact edge after an earlier order (dedup edges, ties)
            sibling = orders[draw(st.integers(0, k - 1))]
            created = sibling[6] + draw(st.one_of(sibling_offsets, offsets))
            if chance(draw, 0.7):  # the same pair and item
                buyer, seller, item = sibling[1:4]
        else:
            created = BASE + draw(st.integers(0, 70)) * GRID  # over a month boundary
        success = NEVER if chance(draw, 0.08) else created + draw(small.filter(lambda x: x >= 0))
        if chance(draw, 0.2):
            anchor = created if success == NEVER else success
            removed = anchor + draw(offsets)
        else:
            removed = NEVER
        orders.append((
            100 + k,  # order_id
            buyer, seller, item,
            TMALL if chance(draw, 0.15) else 0,
            draw(st.sampled_from([100.0, 100.0, 0.0, 50.0, 50.01])),
            created, int(success),
            draw(st.sampled_from([0] * 12 + [1, 2, 3])),  # refund
            int(removed),
        ))

    actions: list[tuple] = []

    def add(oid, author, kind, at, rating=NO_RATING, dims=(0, 0, 0, 0)):
        actions.append((oid, author, kind, int(at), rating) + tuple(dims))
        return int(at)

    ratings = st.sampled_from([GOOD, GOOD, GOOD, NEUTRAL, BAD, BAD])
    for oid, _, _, _, _, _, created, success, _, _ in orders:
        start = created if success == NEVER else success
        given_at = None
        for author in (BUYER, SELLER):
            if not chance(draw, 0.75 if author == BUYER else 0.55):
                continue
            # The seller often answers the buyer's review: same instant, 48 h edges (REV-EFFECT).
            anchor = given_at if given_at is not None and chance(draw, 0.4) else start
            given_at = add(oid, author, RATE, anchor + draw(small), draw(ratings))
            if chance(draw, 0.25):  # a change: modify (mostly to good) or delete
                kind = draw(st.sampled_from([MODIFY, MODIFY, MODIFY, DELETE]))
                rating = draw(st.sampled_from([GOOD, GOOD, GOOD, NEUTRAL, BAD])) if kind == MODIFY \
                    else NO_RATING
                changed_at = add(oid, author, kind, given_at + draw(small), rating)
                if chance(draw, 0.2):  # a second change
                    add(oid, author, draw(st.sampled_from([MODIFY, DELETE])), changed_at + draw(small),
                        GOOD)
            if chance(draw, 0.08):  # a second rate
                add(oid, author, RATE, start + draw(small), draw(ratings))
        if chance(draw, 0.45):
            dims = [draw(st.integers(1, 5)) for _ in range(4)]
            add(oid, BUYER, DSR, start + draw(small), dims=dims)
            if chance(draw, 0.1):  # a second DSR, or one by the seller
                add(oid, draw(st.sampled_from([BUYER, SELLER])), DSR, start + draw(small),
                    dims=[draw(st.integers(1, 5)) for _ in range(4)])
        if chance(draw, 0.05):  # a review before success, or a change with nothing to change
            add(oid, draw(st.sampled_from([BUYER, SELLER])), draw(st.sampled_from([RATE, MODIFY, DELETE])),
                start - draw(st.sampled_from([1, GRID])), draw(ratings))
    if len(actions) > max_actions:
        actions = actions[:max_actions]
    actions = [actions[i] for i in draw(st.permutations(range(len(actions))))]

    rules = draw(rule_sets())
    as_of = draw(as_of_times(orders, actions))
    accounts = None
    if rules.min_reviewer_age_days is not None or chance(draw, 0.3):
        accounts = []
        times = [a[3] for a in actions] or [BASE]
        for account in range(1, 4):
            if chance(draw, 0.25):
                continue  # missing from the table: old enough
            created = draw(st.sampled_from(times)) - draw(st.sampled_from(
                [30 * DAY, 30 * DAY - 1, 30 * DAY + 1, 0, 10 * DAY, 400 * DAY]))
            accounts.append((account, int(created)))
    return Case(orders, actions, rules, as_of, accounts)


def as_of_times(orders, actions):
    choices = [st.none(), st.none(), st.integers(0, 150).map(lambda k: BASE + k * GRID)]
    if actions:
        choices.append(st.tuples(st.sampled_from([a[3] for a in actions]), st.sampled_from(EDGES))
                       .map(sum))
    successes = [o[7] for o in orders if o[7] != NEVER]
    if successes:
        choices.append(st.tuples(st.sampled_from(successes), st.sampled_from(EDGES)).map(sum))
    removals = [o[9] for o in orders if o[9] != NEVER]
    if removals:  # SCORE-REMOVED: removed exactly at as_of, or one second later
        choices.append(st.tuples(st.sampled_from(removals), st.sampled_from([0, -1, 1])).map(sum))
    if actions:  # the edges of the 20- and 180-day windows of the means and the positive rate
        choices.append(st.tuples(st.sampled_from([a[3] for a in actions]),
                                 st.sampled_from([20 * DAY, 180 * DAY]),
                                 st.sampled_from([0, -1, 48 * HOUR, 48 * HOUR - 1])).map(sum))
    return st.one_of(*choices)


def log_known_at(case: Case, t: int, previous: dict[int, tuple]) -> tuple[Orders, Actions, np.ndarray]:
    """An append-only log as known at ``t`` (orders created by then, success and removal only once
    they happened, actions by then), and the rows of orders whose success or removal changed since
    the last call (``previous`` remembers them between calls)."""
    order_rows, changed = [], []
    for k, o in enumerate(o for o in case.orders if o[6] <= t):
        o = list(o)
        o[7] = o[7] if o[7] <= t else int(NEVER)
        o[9] = o[9] if o[9] <= t else int(NEVER)
        if k in previous and previous[k] != (o[7], o[9]):
            changed.append(k)
        previous[k] = (o[7], o[9])
        order_rows.append(tuple(o))
    t_orders, t_actions, _ = build_log(order_rows, [a for a in case.actions if a[3] <= t])
    return t_orders, t_actions, np.array(changed, np.int64)
