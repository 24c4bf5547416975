"""Detectors: what they see, what they find, and their registry's validation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.attacks import synthetic
from sim.detection import KINDS, read_detector, sweep
from sim.detection.graph import GraphConfig, GraphDetector, densest_block
from sim.detection.hazard import HazardConfig, HazardDetector
from sim.detection.signals import SignalsConfig, SignalsDetector
from sim.detection.view import ACCOUNT, ORDER, PlatformView
from sim.errors import InputError
from sim.reputation import log as L
from sim.timeutil import DAY, HOUR, NEVER, parse_timestamp

START = parse_timestamp("2024-03-01T00:00:00")


def view_of(m: synthetic.MarketLog, as_of: int) -> PlatformView:
    return PlatformView.build(as_of, m.orders, m.actions, **m.extras())


def planted(rng, accounts=15, sellers=8, orders=5000):
    """A genuine market with a complete block: ``accounts`` farm accounts x ``sellers`` tail sellers."""
    m = synthetic.genuine_market(rng, orders=orders, buyers=3000, sellers=1500, start=START, days=30)
    farm = 9_000_000 + np.arange(accounts)
    victims = 1500 - np.arange(sellers)
    b, s = (x.ravel() for x in np.meshgrid(farm, victims, indexing="ij"))
    n = len(b)
    ids = 10_000_000 + np.arange(n)
    created = START + 5 * DAY + np.arange(n) * 600
    fake_orders = L.Orders.build(ids, b, s, s * 100, created, amount=np.ones(n), success_at=created + HOUR)
    orders = L.Orders.concat([m.orders, fake_orders])
    m = synthetic.MarketLog(
        orders, m.actions, np.r_[m.delivered_at, created + HOUR], np.r_[m.kind, np.full(n, 3, np.int8)],
        np.r_[m.empty, np.zeros(n, bool)], np.r_[m.chat, np.zeros(n, bool)], np.r_[m.fake, np.ones(n, bool)],
        np.r_[m.account_id, farm], np.r_[m.account_created_at, np.full(accounts, START - 10 * DAY)],
        np.r_[m.account_credit, np.zeros(accounts)])
    return m, farm, ids


def test_graph_detector_finds_a_planted_dense_block():
    m, farm, fake_ids = planted(np.random.default_rng(4))
    found = GraphDetector(GraphConfig()).sweep(view_of(m, START + 30 * DAY), START, None)
    assert np.array_equal(np.sort(found.flagged_accounts()), farm)
    assert np.array_equal(np.sort(found.flagged_orders()), fake_ids)
    assert np.all(found.score >= GraphConfig().min_density)


def test_graph_detector_flags_nothing_in_a_genuine_market():
    m = synthetic.genuine_market(np.random.default_rng(5), orders=5000, buyers=3000, sellers=1500, start=START,
                                 days=30)
    assert len(GraphDetector(GraphConfig()).sweep(view_of(m, START + 30 * DAY), START, None)) == 0


def brute_force_density(a: np.ndarray) -> float:
    nb, ns = a.shape
    best = 0.0
    for mask in itertools.product([0, 1], repeat=nb + ns):
        mb, ms = np.array(mask[:nb], bool), np.array(mask[nb:], bool)
        if mb.sum() + ms.sum():
            best = max(best, a[np.ix_(mb, ms)].sum() / (mb.sum() + ms.sum()))
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nb=st.integers(1, 5), ns=st.integers(1, 5), share=st.sampled_from([0.02, 0.05, 0.3]),
       seed=st.integers(0, 2**32))
def test_batched_peeling_keeps_its_approximation_bound(nb, ns, share, seed):
    """Every node of the densest block S* has degree >= rho* inside it, so when the first of them goes,
    a share (1 - share) of the nodes have degree >= rho*: the block kept has density >=
    (1 - share) rho* / 2 (the one-at-a-time greedy keeps rho* / 2)."""
    rng = np.random.default_rng(seed)
    a = np.where(rng.random((nb, ns)) < 0.6, rng.random((nb, ns)) + 0.1, 0.0)
    block = densest_block(sp.csr_matrix(a), share)
    inside = a[np.ix_(block.buyers, block.sellers)].sum() / max(len(block.buyers) + len(block.sellers), 1)
    assert block.density == pytest.approx(inside)
    assert block.density >= (1 - share) * brute_force_density(a) / 2 - 1e-12


def small_log():
    """Four orders with known signals (lookback covers them all; one account table row each)."""
    t = START + DAY
    orders = L.Orders.build([1, 2, 3, 4], [100, 100, 101, 102], [7, 7, 7, 8], [1, 2, 3, 4],
                            [t, t + HOUR, t + 2 * HOUR, t], success_at=[t + 2 * HOUR, t + 3 * HOUR, t + 9 * DAY, NEVER])
    extras = dict(delivered_at=np.array([t + HOUR, t + 2 * HOUR, t + 3 * DAY, NEVER]),
                  kind=np.array([3, 0, 0, 0], np.int8), empty=np.array([False, True, False, False]),
                  chat=np.array([False, False, True, False]), account_id=np.array([100, 101, 102]),
                  account_created_at=np.array([t - 45 * DAY, t - 400 * DAY, t - 400 * DAY]),
                  account_credit=np.array([0.0, 20.0, 5.0]))
    return orders, L.Actions.empty(), extras


def test_signals_scores_equal_a_hand_count():
    orders, actions, extras = small_log()
    view = PlatformView.build(START + 20 * DAY, orders, actions, **extras)
    c = SignalsConfig(repeat_orders=2, burst_min=3, burst_ratio=2.0)
    found = SignalsDetector(c).sweep(view, START, None)
    w = c.weights()
    # order 1: confirm 1h after delivery (1 - 1/6), virtual 0.5, age 45/90 -> 0.5, credit 0 -> 1,
    #          pair (100, 7) has 2 orders -> 1, seller 7 has 3 orders that day, mean 3/30 -> burst 1, no chat 1
    s1 = np.dot(w, [5 / 6, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0]) / w.sum()
    # order 2: 1h again, empty parcel 1, same account, repeated pair, burst, no chat
    s2 = np.dot(w, [5 / 6, 1.0, 0.5 - HOUR / (90 * DAY), 1.0, 1.0, 1.0, 1.0]) / w.sum()
    # order 3: confirmed 6 days after delivery, express, old, credit 20 -> 0, one order, burst, chatted
    s3 = np.dot(w, [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]) / w.sum()
    # order 4 never succeeded: not scored
    orders_found = found.entity == ORDER
    assert np.array_equal(found.id[orders_found], [1, 2])
    assert found.score[orders_found] == pytest.approx([s1, s2])
    assert s3 < c.threshold
    assert np.array_equal(found.id[found.entity == ACCOUNT], [100]) and found.score[found.entity == ACCOUNT][0] == 2


def test_the_view_hides_the_future():
    orders, actions, extras = small_log()
    actions = L.Actions.build([1, 2], None, None, [START + DAY + 5 * HOUR, START + 30 * DAY], [1, 1])
    view = PlatformView.build(START + DAY + 90 * 60, orders, actions, **extras)
    assert list(view.orders.order_id) == [1, 2, 4]  # order 3 is placed later
    assert list(view.orders.success_at == NEVER) == [True, True, True]
    assert list(view.delivered_at == NEVER) == [False, True, True]
    assert len(view.actions) == 0
    assert not hasattr(view, "fake")


def test_hazard_recall_false_positives_and_lag():
    n = 4000
    created = START + np.arange(n) * 600  # about 28 days of orders
    orders = L.Orders.build(np.arange(n), np.arange(n), np.zeros(n), np.zeros(n), created)
    fake = np.arange(n) % 2 == 0
    extras = dict(delivered_at=np.full(n, NEVER), kind=np.zeros(n, np.int8), empty=np.zeros(n, bool),
                  chat=np.zeros(n, bool))
    as_of = START + 40 * DAY
    view = PlatformView.build(as_of, orders, L.Actions.empty(), **extras)
    sure = HazardDetector(HazardConfig(recall=1.0, false_positive_rate=0.0, lag_days=14.0))
    found = sure.sweep(view, START, np.random.default_rng(0), fake)
    assert np.array_equal(found.id, np.flatnonzero(fake & (created + 14 * DAY < as_of)))
    # recall per period: one sweep a whole period after every order became findable finds `recall` of them
    half = HazardDetector(HazardConfig(recall=0.3, period_days=30.0, false_positive_rate=0.05, lag_days=0.0))
    late = PlatformView.build(START + 60 * DAY, orders, L.Actions.empty(), **extras)
    found = half.sweep(late, START + 30 * DAY - 1, np.random.default_rng(1), fake)
    hit = np.isin(np.arange(n), found.id)
    assert hit[fake].mean() == pytest.approx(0.3, abs=0.03)
    assert hit[~fake].sum() == 0  # genuine orders get their one chance at the first sweep after their lag
    first = half.sweep(late, START - 1, np.random.default_rng(1), fake)
    assert np.isin(np.arange(n), first.id)[~fake].mean() == pytest.approx(0.05, abs=0.015)


def test_only_the_hazard_kind_is_handed_the_truth():
    assert [k for k, kind in KINDS.items() if kind.needs_truth] == ["hazard"]
    spec = read_detector({"kind": "hazard", "recall": 1.0, "lag_days": 0.0, "false_positive_rate": 0.0})
    orders = L.Orders.build([1], [1], [2], [3], [START])
    view = PlatformView.build(START + DAY, orders, L.Actions.empty(), delivered_at=[NEVER], kind=[0], empty=[False],
                              chat=[False])
    with pytest.raises(ValueError, match="needs the ground truth"):
        sweep(spec, spec.make(), view, START, np.random.default_rng(0))
    assert list(sweep(spec, spec.make(), view, START, np.random.default_rng(0), np.array([True])).id) == [1]


@pytest.mark.parametrize("data, path, expected", [
    ({"kind": "grpah"}, "detectors[0].kind", "did you mean 'graph'"),
    ({"kind": "signals", "treshold": 0.4}, "detectors[0].treshold", "did you mean 'threshold'"),
    ({"kind": "signals", "threshold": 2}, "detectors[0].threshold", "[0.0, 1.0]"),
    ({"kind": "hazard", "recall": -0.1}, "detectors[0].recall", "[0.0, 1.0]"),
    ({"kind": "graph", "blocks": 0}, "detectors[0].blocks", ">= 1"),
    ({"kind": "graph", "every_days": 0}, "detectors[0].every_days", "> 0"),
    ({"kind": "signals", **{k: 0.0 for k in ("w_confirm", "w_logistics", "w_age", "w_credit", "w_repeat",
                                               "w_burst", "w_no_chat")}}, "detectors[0].w_*", "positive weight"),
])
def test_detector_config_errors(data, path, expected):
    with pytest.raises(InputError) as err:
        read_detector(data, "scenario.toml")
    assert err.value.where == path and expected in err.value.expected


def test_detector_specs():
    spec = read_detector({"kind": "graph", "name": "weekly-graph", "every_days": 7, "min_density": 2.5})
    assert spec.name == "weekly-graph" and spec.config.min_density == 2.5 and spec.every_days == 7.0
    assert isinstance(spec.make(), GraphDetector) and spec.make().name == "weekly-graph"


def test_column_weighting_resists_camouflage():
    """Fraudar's point: the farm accounts also buy from the most popular shops (camouflage); with
    the column weights those edges weigh little, and the block is still found whole."""
    m, farm, fake_ids = planted(np.random.default_rng(4))
    popular = np.arange(1, 6)  # the synthetic market's most popular sellers
    b, s = (x.ravel() for x in np.meshgrid(farm, popular, indexing="ij"))
    n = len(b)
    t = START + 6 * DAY + np.arange(n) * 60
    extra = L.Orders.build(20_000_000 + np.arange(n), b, s, s * 100, t, amount=np.ones(n), success_at=t + HOUR)
    m.orders = L.Orders.concat([m.orders, extra])
    m.delivered_at = np.r_[m.delivered_at, t + HOUR]
    m.kind, m.empty, m.chat = np.r_[m.kind, np.zeros(n, np.int8)], np.r_[m.empty, np.zeros(n, bool)], \
        np.r_[m.chat, np.zeros(n, bool)]
    found = GraphDetector(GraphConfig()).sweep(view_of(m, START + 30 * DAY), START, None)
    assert np.array_equal(np.sort(found.flagged_accounts()), farm)
    assert np.isin(fake_ids, found.flagged_orders()).all()
