"""Brushing strategies and the campaign planner, judged by the scoring core.

Each evasion of ``sim.attacks.strategy`` beats its rule and only its rule: switching it on raises the
client seller's counted credit under a rule set with that rule, and changes nothing under the same
rule set without it. The pair clamp holds whatever the strategy (SCORE-CLAMP), and the one-day boost
gains at most 6 a distinct account on its day.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.attacks import planner as P
from sim.attacks.strategy import (
    PRESETS, FarmCosts, GangConfig, ResponsePolicy, Strategy, harm_points, pay_probability, read_farm, read_gang,
    read_strategy,
)
from sim.attacks.streams import named_stream
from sim.detection.signals import SignalsConfig, SignalsDetector
from sim.detection.view import PlatformView
from sim.errors import InputError
from sim.reputation import core
from sim.reputation import log as L
from sim.rules import TAOBAO
from sim.timeutil import DAY, local_day_index, month_index, parse_timestamp

START = parse_timestamp("2024-03-01T00:00:00")
SELLER = 7
ITEMS = tuple(range(700, 740))


def make_pool(n: int = 40, age_days: float = 400.0, credit: int = 0, max_new: int = 0, young: int = 0,
              nursery: int = 0) -> P.Pool:
    created = np.full(n, START - int(age_days * DAY))
    created[:young] = START - 5 * DAY
    shops = np.arange(50, 50 + nursery, dtype=np.int64)
    return P.Pool(account_id=np.arange(1000, 1000 + n, dtype=np.int64), created_at=created,
                  buyer_credit=np.full(n, credit, np.int64), nursery_sellers=shops if nursery else None,
                  nursery_items=(5000 + np.arange(nursery * 6).reshape(nursery, 6)) if nursery else None,
                  next_account_id=9000, max_new_accounts=max_new)


def schedule(strategy: Strategy, pool: P.Pool | None = None, orders: int = 30, seed: int = 1, **campaign):
    c = P.Campaign(seller=SELLER, items=ITEMS, start=START, target_orders=orders, **campaign)
    return P.plan(c, pool or make_pool(), strategy, FarmCosts(), np.random.default_rng(seed))


def scored(sched: P.Schedule, rules, as_of=None):
    log = P.to_log(sched, 1)
    return log, core.score(log["orders"], log["actions"], rules, as_of=as_of, workers=1)


def seller_credit(sched: P.Schedule, rules, as_of=None) -> float:
    _, result = scored(sched, rules, as_of)
    s = result.sellers
    return float(s.credit[s.seller_id == SELLER].sum())


def base(**changes) -> Strategy:
    return dataclasses.replace(PRESETS["naive"], **changes)


# --- the rules each evasion beats -------------------------------------------------------------

def test_item_rotation_beats_dedup_and_only_dedup():
    plain, rotated = base(orders_per_pair_month=6), base(orders_per_pair_month=6, rotate_items=True)
    assert seller_credit(schedule(plain), TAOBAO) == 5  # 5 accounts, one counted per same-item window
    assert seller_credit(schedule(rotated), TAOBAO) == 30
    no_dedup = TAOBAO.replace(dedup_days=0)
    assert seller_credit(schedule(plain), no_dedup) == seller_credit(schedule(rotated), no_dedup) == 30


def test_account_rotation_beats_the_pair_clamp_and_only_it():
    one, many = base(rotate_items=True), base(rotate_items=True, orders_per_pair_month=6)
    assert len(np.unique(schedule(one).buyer_id)) == 1
    assert len(np.unique(schedule(many).buyer_id)) == 5
    assert seller_credit(schedule(one), TAOBAO) == 6
    assert seller_credit(schedule(many), TAOBAO) == 30
    no_cap = TAOBAO.replace(cap_period="none", cap_max=None, cap_min=None)
    assert seller_credit(schedule(one), no_cap) == seller_credit(schedule(many), no_cap) == 30


def test_spreading_over_months_beats_the_monthly_clamp_when_accounts_are_few():
    pool = make_pool(n=2)
    burst = base(rotate_items=True, orders_per_pair_month=6)
    spread = dataclasses.replace(burst, spread_days=120)
    months = np.unique(month_index(schedule(spread, pool, orders=24).at))
    assert len(months) == 4
    assert seller_credit(schedule(burst, pool, orders=24), TAOBAO) == 12  # 2 accounts x 6
    assert seller_credit(schedule(spread, pool, orders=24), TAOBAO) == 24
    no_cap = TAOBAO.replace(cap_period="none", cap_max=None, cap_min=None)
    assert seller_credit(schedule(burst, pool, orders=24), no_cap) == seller_credit(
        schedule(spread, pool, orders=24), no_cap) == 24


def test_order_amount_beats_the_minimum_amount_rule_and_only_it():
    cheap = base(rotate_items=True, orders_per_pair_month=6)
    priced = dataclasses.replace(cheap, amount_yuan=50.0)
    rule = TAOBAO.replace(min_amount=10.0)
    assert seller_credit(schedule(cheap), rule) == 0
    assert seller_credit(schedule(priced), rule) == 30
    assert seller_credit(schedule(cheap), TAOBAO) == seller_credit(schedule(priced), TAOBAO) == 30


def test_account_age_beats_the_reviewer_age_rule_and_only_it():
    pool = make_pool(n=20, young=10)
    accounts = L.Accounts(account_id=pool.account_id, created_at=pool.created_at)
    any_age = base(rotate_items=True, orders_per_pair_month=6)
    aged = dataclasses.replace(any_age, min_account_age_days=30.0)
    rule = TAOBAO.replace(min_reviewer_age_days=30.0)

    def credit(strategy, rules):
        log = P.to_log(schedule(strategy, pool), 1)
        s = core.score(log["orders"], log["actions"], rules, accounts=accounts, workers=1).sellers
        return float(s.credit[s.seller_id == SELLER].sum())

    assert credit(any_age, rule) < 30
    assert credit(aged, rule) == 30
    assert credit(any_age, TAOBAO) == credit(aged, TAOBAO) == 30


def test_new_accounts_wait_until_old_enough():
    aged = base(rotate_items=True, orders_per_pair_month=6, min_account_age_days=30.0)
    sched = schedule(aged, make_pool(n=2, max_new=10))
    assert len(sched.new_account_id) == 3
    assert sched.at.min() >= START + 30 * DAY
    assert np.all(sched.new_created_at == START)


def test_building_buyer_credit_beats_reviewer_weights_and_only_them():
    pool = make_pool(n=10, nursery=6)
    plain = base(rotate_items=True, orders_per_pair_month=6)
    built = dataclasses.replace(plain, min_buyer_credit=36)
    sched = schedule(built, pool)
    warm = sched.purpose == P.WARMUP
    assert warm.sum() == 5 * 36 and sched.at[~warm].min() > sched.at[warm].max()
    weighted = TAOBAO.replace(reviewer_weight="buyer_credit")
    # weight = clip(buyer credit / 251, 0.1, 1): 6 (the campaign's own seller defaults) against 36 + 6
    assert seller_credit(schedule(plain, pool), weighted) == pytest.approx(30 * 0.1)
    assert seller_credit(sched, weighted) == pytest.approx(30 * 42 / 251)
    assert seller_credit(schedule(plain, pool), TAOBAO) == seller_credit(sched, TAOBAO) == 30


def test_warm_up_orders_each_count_for_buyer_credit():
    sched = schedule(base(orders_per_pair_month=6, rotate_items=True, min_buyer_credit=36), make_pool(n=10, nursery=6))
    log = P.to_log(sched, 1)
    buyers = core.score(log["orders"], log["actions"], TAOBAO, workers=1).buyers
    used = np.unique(sched.buyer_id)
    # 36 nursery ratings plus the seller's default good review of each of 6 campaign orders
    assert np.all(buyers.credit[np.isin(buyers.buyer_id, used)] == 36 + 6)


def test_delivery_and_confirm_delay_beat_the_signals_detector_and_not_the_rules():
    fast = base(rotate_items=True, orders_per_pair_month=6)
    slow = dataclasses.replace(fast, delivery="real_parcel", confirm_delay_hours=72.0)
    assert seller_credit(schedule(fast), TAOBAO) == seller_credit(schedule(slow), TAOBAO) == 30

    def flagged(strategy):
        sched = schedule(strategy)
        log = P.to_log(sched, 1)
        view = PlatformView.build(START + 20 * DAY, log["orders"], log["actions"], delivered_at=log["delivered_at"],
                                  kind=log["kind"], empty=log["empty"], chat=log["chat"])
        return len(SignalsDetector(SignalsConfig()).sweep(view, START, None).flagged_orders()), sched

    assert flagged(fast)[0] == 30
    # Shipped and confirmed slowly, an order keeps the repeated-pair, burst and no-chat signals:
    # (confirm + 1 + 1 + 0.25) / 5.75 >= 0.5 only when confirmed within 2.25 of the 6 hours.
    count, sched = flagged(slow)
    assert count == np.sum(sched.confirm_delay <= 2.25 * 3600) < 3


# --- invariants -------------------------------------------------------------------------------

strategies = st.builds(
    Strategy, orders_per_pair_month=st.integers(0, 10), fresh_pairs=st.booleans(), rotate_items=st.booleans(),
    spread_days=st.integers(1, 70), max_orders_per_day=st.integers(0, 8),
    amount_yuan=st.sampled_from([1.0, 50.0]), delivery=st.sampled_from(["virtual", "empty_parcel", "real_parcel"]),
    confirm_delay_hours=st.sampled_from([0.1, 5.0, 80.0]), review_delay_hours=st.sampled_from([0.1, 30.0]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategy=strategies, orders=st.integers(1, 80), accounts=st.integers(1, 15), seed=st.integers(0, 2**32))
def test_no_farm_pair_counts_more_than_six_in_a_month(strategy, orders, accounts, seed):
    sched = schedule(strategy, make_pool(n=accounts, max_new=5), orders=orders, seed=seed)
    log, result = scored(sched, TAOBAO)
    r = result.reviews
    counted = (r.status == L.COUNTED) & (r.kind == L.CREDIT)
    o = log["orders"]
    row = np.searchsorted(o.order_id, r.order_id[counted])
    key = np.stack([r.author[counted], o.buyer_id[row], o.seller_id[row], month_index(o.created_at[row])])
    _, group = np.unique(key, axis=1, return_inverse=True)
    sums = np.bincount(group.ravel(), weights=r.points[counted])
    assert sums.max(initial=0) <= 6 and sums.min(initial=0) >= -6


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.integers(1, 150), accounts=st.integers(1, 40), seed=st.integers(0, 2**32))
def test_one_day_boost_gains_at_most_six_a_distinct_account_on_its_day(target, accounts, seed):
    c = P.Campaign(seller=SELLER, items=ITEMS, start=START, target_credit=target)
    sched = P.plan(c, make_pool(n=accounts), PRESETS["one_day_boost"], FarmCosts(), np.random.default_rng(seed))
    day = np.unique(local_day_index(sched.at))
    assert len(day) == 1
    end_of_day = int(day[0] + 1) * DAY - 8 * 3600
    gained = seller_credit(sched, TAOBAO, as_of=end_of_day)
    distinct = len(np.unique(sched.buyer_id))
    assert gained <= 6 * distinct
    assert gained == min(target, 6 * accounts)  # fresh pairs: every pair's six count, if accounts suffice


def test_plans_are_deterministic_and_draw_only_from_their_generator():
    a = schedule(PRESETS["stealth"], make_pool(nursery=3), orders=50, seed=5)
    b = schedule(PRESETS["stealth"], make_pool(nursery=3), orders=50, seed=5)
    for name in P.Schedule.ORDER_COLUMNS:
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert np.all(np.diff(a.at) >= 0)


def test_costs_and_the_budget():
    costs = FarmCosts()
    sched = schedule(base(delivery="empty_parcel"), orders=20)
    assert sched.spent == pytest.approx(20 * (costs.fee_per_order + costs.empty_parcel_cost))
    cut = schedule(base(delivery="empty_parcel"), orders=20, budget=31.0)
    assert len(cut) == 10 and cut.spent <= 31.0
    new = schedule(base(orders_per_pair_month=6, min_account_age_days=10.0), make_pool(n=0, max_new=5), orders=12)
    assert len(new.new_account_id) == 2
    assert new.new_cost == pytest.approx(costs.account_cost + costs.aging_cost_per_day * (new.at[0] - START) / DAY)


def test_max_orders_per_day_lengthens_the_spread():
    sched = schedule(base(max_orders_per_day=4), orders=30)
    per_day = np.bincount(local_day_index(sched.at) - local_day_index(sched.at).min())
    assert per_day.max() <= 4 and len(per_day) == 8


def test_fresh_pairs_never_reuse_an_account_across_months():
    sched = schedule(base(orders_per_pair_month=6, fresh_pairs=True, spread_days=60), orders=30)
    month = month_index(sched.at)
    owners = [set(sched.buyer_id[month == m]) for m in np.unique(month)]
    assert len(owners) == 2 and not owners[0] & owners[1]


# --- configs ----------------------------------------------------------------------------------

def test_strategy_presets_and_overrides():
    s = read_strategy({"preset": "stealth", "amount_yuan": 80})
    assert s.amount_yuan == 80.0 and s.rotate_items and s.name == "stealth"
    assert read_strategy("one_day_boost").fresh_pairs
    farm = read_farm({"name": "f1", "strategy": {"preset": "spread"}, "costs": {"fee_per_order": 2}})
    assert farm.strategy.spread_days == 90 and farm.costs.fee_per_order == 2.0


@pytest.mark.parametrize("data, path, expected", [
    ({"rotate_item": True}, "strategy.rotate_item", "did you mean 'rotate_items'"),
    ({"preset": "stelth"}, "strategy.preset", "did you mean 'stealth'"),
    ({"orders_per_pair_month": -1}, "strategy.orders_per_pair_month", "a number >= 0"),
    ({"delivery": "virtul"}, "strategy.delivery", "did you mean 'virtual'"),
    ({"hours": [20, 8]}, "strategy.hours", "0 <= from < to <= 24"),
    ({"chat_prob": 1.5}, "strategy.chat_prob", "[0.0, 1.0]"),
    ({"spread_days": 2.5}, "strategy.spread_days", "an integer"),
])
def test_strategy_errors_name_the_key_and_the_expectation(data, path, expected):
    with pytest.raises(InputError) as err:
        read_strategy(data, "farm.toml")
    assert err.value.source == "farm.toml" and err.value.where == path and expected in err.value.expected


def test_gang_and_response_configs():
    gang = read_gang({"mode": "sabotage", "reviews_per_target": 3})
    assert gang.mode == "sabotage" and isinstance(gang, GangConfig)
    with pytest.raises(InputError, match="did you mean 'demand_yuan'"):
        read_gang({"demand_yaun": 300})
    with pytest.raises(InputError, match=r"gang.dsr_low"):
        read_gang({"dsr_low": 6})
    policy = ResponsePolicy()
    p = pay_probability(policy, np.array([0.0, 0.0, 500.0]), np.array([0.0, 10.0, 10.0]))
    assert p[0] == pytest.approx(1 / (1 + np.exp(1.0)))
    assert p[1] > p[0] and p[2] < p[1]
    # 9 good, 1 bad: 90 %; one more bad: 9 / 11
    assert harm_points([9], [0], [1], [1])[0] == pytest.approx(100 * (0.9 - 9 / 11))
    assert harm_points([0], [0], [0], [1])[0] == pytest.approx(100.0)


def test_named_streams_depend_on_the_name_not_the_order():
    a = named_stream(3, "farm").random(4)
    assert np.array_equal(a, named_stream(3, "farm").random(4))
    assert not np.array_equal(a, named_stream(3, "gang").random(4))
    assert not np.array_equal(a, named_stream(4, "farm").random(4))


def test_fresh_pairs_skip_accounts_already_used_with_the_seller():
    pool = make_pool(n=12)
    pool.exclude = pool.account_id[:6]
    sched = schedule(base(orders_per_pair_month=6, fresh_pairs=True, rotate_items=True), pool, orders=30)
    assert not np.isin(sched.buyer_id, pool.exclude).any()
    assert len(np.unique(sched.buyer_id)) == 5


def test_a_budget_cut_plan_equals_the_plan_asked_for_that_many_orders():
    cut = schedule(PRESETS["stealth"], make_pool(nursery=3), orders=40, budget=500.0)
    direct = schedule(PRESETS["stealth"], make_pool(nursery=3), orders=int((cut.purpose == P.CAMPAIGN).sum()))
    assert cut.spent <= 500.0 < schedule(PRESETS["stealth"], make_pool(nursery=3), orders=40).spent
    for name in P.Schedule.ORDER_COLUMNS:
        assert np.array_equal(getattr(cut, name), getattr(direct, name))


def test_the_budget_buys_the_most_orders_it_can():
    costs = FarmCosts()
    for budget in (0.0, 2.9, 3.0, 100.0, 1000.0):
        cut = schedule(base(delivery="empty_parcel"), orders=200, budget=budget)
        assert len(cut) == min(200, int(budget // (costs.fee_per_order + costs.empty_parcel_cost)))
