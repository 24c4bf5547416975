"""PEN-FAKE-ORDER, PEN-NODES and PEN-POINTS arithmetic, and its agreement with the market platform."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.detection import penalties as PEN
from sim.market.platform import Platform
from sim.rules import TAOBAO
from sim.timeutil import DAY, parse_timestamp

START = parse_timestamp("2024-03-01T00:00:00")


def test_twelve_points_a_sweep_and_forty_eight_at_ninety_six_detected():
    points = PEN.fake_order_points(TAOBAO, np.array([0, 90, 90, 96, 50, 0]), np.array([3, 5, 6, 1, 0, 200]))
    assert list(points) == [12, 12, 48, 12, 0, 48]


def test_sweeps_seal_a_seller_by_its_detected_orders():
    state = PEN.PenaltyState.new(2, START)
    t = START
    for sweep, found in enumerate([40, 40, 40]):
        t += 7 * DAY
        judged = PEN.judge_fake_orders(TAOBAO, state, np.arange(found) + 100 * sweep, np.zeros(found, np.int64),
                                       np.arange(found) % 5 + 1000)
        assert list(judged.sealed_accounts) == list(range(1000, 1005))
        PEN.settle(TAOBAO, state, t)
        if sweep == 0:  # 12 serious points: 7 days of shield and no_listing
            assert state.points[PEN.SERIOUS, 0] == 12 and state.shield_until[0] == t + 7 * DAY
            assert state.shielded[0] and not state.sealed[0]
    # 12 + 12 + 48: every node crossed, and the shop closed at 48
    assert state.points[PEN.SERIOUS, 0] == 72 and state.fakes_detected[0] == 120
    assert state.nodes_reached[PEN.SERIOUS, 0] == 3 and state.sealed[0]
    assert state.points[PEN.SERIOUS, 1] == 0 and not state.shielded[1]


def test_no_sealing_of_buyers_when_the_rule_set_says_not():
    state = PEN.PenaltyState.new(1, START)
    judged = PEN.judge_fake_orders(TAOBAO.replace(seal_fake_buyers=False), state, np.array([1]), np.array([0]),
                                   np.array([5]))
    assert len(judged.sealed_accounts) == 0 and list(judged.points) == [12]


def test_general_nodes_and_the_yearly_reset():
    start = parse_timestamp("2024-12-20T00:00:00")
    state = PEN.PenaltyState.new(1, start)
    PEN.add_points(state, [0], PEN.GENERAL, 12)
    PEN.settle(TAOBAO, state, start + DAY)
    assert state.shield_until[0] == start + DAY + 12 * DAY  # the first node: 12 days
    PEN.add_points(state, [0, 0], PEN.GENERAL, 6)
    PEN.add_points(state, [0], PEN.SERIOUS, 12)
    PEN.settle(TAOBAO, state, start + 2 * DAY)
    assert state.points[PEN.GENERAL, 0] == 24 and state.nodes_reached[PEN.GENERAL, 0] == 2
    assert state.no_listing_until[0] == start + 2 * DAY + 24 * DAY  # the second node: 24 days
    # 1 January: general points reset, serious points stay
    new_year = parse_timestamp("2025-01-01T00:00:00")
    PEN.settle(TAOBAO, state, new_year + DAY)
    assert state.points[PEN.GENERAL, 0] == 0 and state.nodes_reached[PEN.GENERAL, 0] == 0
    assert state.points[PEN.SERIOUS, 0] == 12
    PEN.add_points(state, [0], PEN.GENERAL, 12)
    PEN.settle(TAOBAO, state, new_year + 2 * DAY)
    assert state.shield_until[0] == new_year + 2 * DAY + 12 * DAY  # the first node again


def _platform_like(state: PEN.PenaltyState, rules) -> SimpleNamespace:
    sellers = state.points.shape[1]
    accounts = SimpleNamespace(seal=lambda ids, at: ids)
    return SimpleNamespace(world=SimpleNamespace(rules=rules, accounts=accounts, entrants=0,
                                                 seller_ids=np.arange(1, sellers + 1)),
                           pen=copy.deepcopy(state))


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1), st.integers(0, 30), st.integers(1, 60)),
                      min_size=1, max_size=12))
def test_settle_is_the_platform_s_daily_penalty_work(steps):
    """The platform's daily penalty work is the pure functions' (it calls ``settle`` on its state)."""
    rules = TAOBAO
    state = PEN.PenaltyState.new(4, parse_timestamp("2024-11-01T00:00:00"))
    twin = _platform_like(state, rules)
    now = parse_timestamp("2024-11-01T00:00:00")
    for seller, track, points, days in steps:
        now += days * DAY
        PEN.add_points(state, [seller], track, points)
        np.add.at(twin.pen.points[track], [seller], points)
        PEN.settle(rules, state, now)
        Platform._penalties(twin, now)
        for name in ("points", "nodes_reached", "shield_until", "no_listing_until", "sealed", "shielded"):
            assert np.array_equal(getattr(state, name), getattr(twin.pen, name)), name
        assert state.last_year == twin.pen.last_year and state.penalty_events == twin.pen.penalty_events
        # the platform's search and order closure: shielded, delisted or closed
        assert np.array_equal(twin.shielded, state.shielded | (state.no_listing_until > now))


def test_fake_order_points_follow_the_rule_set():
    rules = TAOBAO.replace(fake_order_points=6, fake_order_seal_count=10, serious_seal_points=30)
    assert list(PEN.fake_order_points(rules, np.array([0, 8]), np.array([1, 2]))) == [6, 30]
