"""The attack metrics of ``sim.attacks.metrics`` against a hand count on a small run."""

from __future__ import annotations

import numpy as np
import pytest

from sim.attacks import planner as P
from sim.attacks.metrics import attack_metrics
from sim.attacks.strategy import PRESETS, FarmCosts
from sim.detection.view import ACCOUNT, ORDER, Detections
from sim.reputation import core
from sim.reputation import log as L
from sim.rules import TAOBAO
from sim.timeutil import DAY, NEVER, parse_timestamp

START = parse_timestamp("2024-03-01T00:00:00")


def small_run():
    pool = P.Pool(account_id=np.arange(1000, 1010), created_at=np.full(10, START - 400 * DAY),
                  buyer_credit=np.zeros(10, np.int64))
    a = P.plan(P.Campaign(seller=7, items=(70,), start=START, target_orders=10), pool, PRESETS["naive"],
               FarmCosts(), np.random.default_rng(0))
    b = P.plan(P.Campaign(seller=8, items=(80,), start=START, target_orders=12), pool, PRESETS["rotate_accounts"],
               FarmCosts(), np.random.default_rng(1))
    la, lb = P.to_log(a, 1), P.to_log(b, 11)  # orders 1-10 (farm A), 11-22 (farm B)
    t = START + DAY
    genuine = L.Orders.build([23, 24, 25], [500, 500, 501], [9, 9, 9], [90, 91, 92], [t, t, t],
                             amount=[50, 50, 50], success_at=[t + DAY] * 3)
    g_actions = L.Actions.build([23, 24, 25], None, None, [t + 2 * DAY] * 3, [1, 1, 1])
    orders = L.Orders.concat([la["orders"], lb["orders"], genuine])
    actions = L.Actions.concat([la["actions"], lb["actions"], g_actions])
    table = {"order_id": orders.order_id, "buyer_id": orders.buyer_id, "seller_id": orders.seller_id,
             "created_at": orders.created_at, "fake": np.r_[np.ones(22, bool), np.zeros(3, bool)],
             "attack": np.array(["A"] * 10 + ["B"] * 12 + [""] * 3, object),
             "cost": np.r_[a.cost, b.cost, np.zeros(3)]}
    return orders, actions, table


def test_metrics_equal_a_hand_count():
    orders, actions, table = small_run()
    reviews = core.score(orders, actions, TAOBAO, workers=1).reviews
    t1, t2 = START + 7 * DAY, START + 14 * DAY
    detections = Detections.concat([
        Detections.make(t1, "signals", ORDER, [1, 2, 3, 4, 23], 0.8, True),
        Detections.make(t2, "signals", ORDER, [3, 4, 5, 6], 0.8, True),
        Detections.make(t2, "hazard", ORDER, [11], 1.0, True),
        Detections.make(t2, "signals", ORDER, [24], 0.3, False),  # scored, not flagged
        Detections.make(t2, "signals", ACCOUNT, [500], 2.0, True),
    ])
    accounts = {"account_id": np.array([7, 8, 9, 1000, 500, 501, 600]),
                "role": np.array(["seller", "seller", "seller", "farm", "honest", "honest", "gang"], object),
                "owner": np.array(["", "", "", "A", "", "", "G"], object),
                "created_at": np.array([START - 10 * DAY, START - 12 * DAY, START - 15 * DAY, 0, 0, 0, 0]),
                "sealed_at": np.array([NEVER, NEVER, NEVER, NEVER, NEVER, START + 20 * DAY, NEVER]),
                "cost": np.array([0, 0, 0, 5.0, 0, 0, 0])}
    payments = {"payee": np.array([600, 600, 7]), "amount": np.array([300.0, 200.0, 9.0])}
    daily = {"seller_id": np.array([7, 7, 9, 9, 8]),
             "at": np.array([START + DAY, START + 2 * DAY, START + DAY, START + 3 * DAY, START + DAY]),
             "credit": np.array([100.0, 260.0, 0.0, 251.0, 5.0])}
    m = attack_metrics(table, reviews, detections, accounts=accounts, payments=payments, sellers_daily=daily)

    a, b = m["attacks"]["A"], m["attacks"]["B"]
    # Farm A: one account, one item, one day: the first review counts, 9 fall to SCORE-DEDUP.
    assert a["fake_orders"] == 10 and a["fake_reviews"] == 10
    assert a["fake_review_points"] == {"counted": 1, "deduplicated": 9}
    # Farm B: two accounts of six orders, one item: one counted each, the rest deduplicated.
    assert b["fake_review_statuses"] == {"counted": 2, "deduplicated": 10}
    assert a["money_spent"] == pytest.approx(10 * 1.5 + 5.0) and b["money_spent"] == pytest.approx(12 * 1.5)
    assert m["attacks"]["G"]["payouts"] == 500.0 and a["payouts"] == 0.0
    # Detection: A's orders 1-6 found (1-4 at t1, 5-6 at t2); order 23 is the one genuine flag.
    created = dict(zip(orders.order_id.tolist(), orders.created_at.tolist()))
    lags = sorted([(t1 - created[i]) / DAY for i in (1, 2, 3, 4)] + [(t2 - created[i]) / DAY for i in (5, 6)])
    assert a["detection"] == {"flagged": 6, "recall": 0.6, "precision": 6 / 7, "median_lag_days": pytest.approx(
        (lags[2] + lags[3]) / 2)}
    assert b["detection"]["flagged"] == 1 and b["detection"]["recall"] == pytest.approx(1 / 12)
    assert m["detectors"]["signals"]["precision"] == pytest.approx(6 / 7)
    assert m["detectors"]["signals"]["recall"] == pytest.approx(6 / 22)
    assert m["detectors"]["hazard"] == {"flagged": 1, "precision": 1.0, "recall": pytest.approx(1 / 22),
                                        "median_lag_days": pytest.approx((t2 - created[11]) / DAY)}
    # Seller 9 is honest and had order 23 flagged; buyers 500 (flagged, and buyer of 23) and 501 (sealed).
    assert m["wrongly_penalised"] == {"honest_sellers": 1, "genuine_buyers": 2}
    # One diamond: seller 7 (A's client) on day 2, 12 days after entry; seller 9 (honest, same entry
    # month) after 18 days; B's client 8 never.
    assert a["diamond"]["attack_sellers"] == {"sellers": 1, "reached": 1.0, "median_days": 12.0}
    assert a["diamond"]["honest_cohort"] == {"sellers": 1, "reached": 1.0, "median_days": 18.0}
    assert b["diamond"]["attack_sellers"]["reached"] == 0.0


def test_metrics_without_optional_tables():
    orders, actions, table = small_run()
    reviews = core.score(orders, actions, TAOBAO, workers=1).reviews
    m = attack_metrics(table, reviews)
    assert m["attacks"]["A"]["detection"]["recall"] == 0.0 and m["attacks"]["A"]["diamond"] is None
    assert m["detectors"] == {} and m["wrongly_penalised"] == {"honest_sellers": 0, "genuine_buyers": 0}


def test_an_offline_run_removes_penalises_and_seals_what_it_finds():
    from sim.detection import offline, read_detector

    orders, actions, table = small_run()
    n = len(orders)
    spec = read_detector({"kind": "hazard", "recall": 1.0, "false_positive_rate": 0.0, "lag_days": 0.0,
                          "every_days": 7})
    run = offline.run([spec], orders, actions, delivered_at=np.full(n, NEVER), kind=np.zeros(n, np.int8),
                      empty=np.zeros(n, bool), chat=np.zeros(n, bool), fake=table["fake"], rules=TAOBAO,
                      start=START, end=START + 28 * DAY, seed=1)
    sweep = START + 7 * DAY
    assert np.all(run.removed_at[:22] == sweep) and np.all(run.removed_at[22:] == NEVER)
    assert len(run.detections) == 22  # found once: removed orders are not looked at again
    points = dict(zip(run.seller_ids.tolist(), run.penalties.points[1].tolist()))
    assert points == {7: 12, 8: 12, 9: 0}
    assert np.array_equal(run.sealed_accounts, np.unique(orders.buyer_id[:22]))
    m = attack_metrics(table, core.score(L.Orders(**{**orders.columns(), "removed_at": run.removed_at}), actions,
                                         TAOBAO, workers=1).reviews, run.detections)
    a = m["attacks"]["A"]
    assert a["detection"]["recall"] == 1.0 and a["detection"]["precision"] == 1.0
    assert a["fake_review_points"] == {"removed": 10}
    assert a["detection"]["median_lag_days"] == pytest.approx(
        np.median((sweep - orders.created_at[:10]) / DAY))
