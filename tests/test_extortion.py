"""Extortion end to end with both seller responses, sabotage, and PEN-EXTORTION."""

from __future__ import annotations

import numpy as np
import pytest

from sim.attacks.extortion import Targets, gang_log, plan_gang
from sim.attacks.metrics import attack_metrics
from sim.attacks.strategy import GangConfig, ResponsePolicy
from sim.detection.penalties import judge_extortion
from sim.reputation import core
from sim.reputation import log as L
from sim.rules import TAOBAO
from sim.timeutil import DAY, NEVER, month_index, parse_timestamp

START = parse_timestamp("2024-03-01T00:00:00")
GANG = np.arange(600, 605)


def targets() -> Targets:
    # sellers 7 and 8 are small and new; 9 is established; 10 sells only dear items; 11 is old
    return Targets(seller_id=np.array([7, 8, 9, 10, 11]),
                   created_at=START - np.array([30, 60, 60, 60, 900]) * DAY,
                   credit=np.array([0.0, 20.0, 500.0, 0.0, 0.0]), good=np.array([0, 20, 500, 0, 0]),
                   neutral=np.zeros(5), bad=np.zeros(5), item_id=np.array([70, 80, 90, 100, 110]),
                   price=np.array([10.0, 20.0, 10.0, 300.0, 10.0]))


def run(config: GangConfig, policy: ResponsePolicy, seed: int = 2):
    plan = plan_gang(config, targets(), GANG, START, 30, policy, np.random.default_rng(seed))
    return plan, gang_log(config, plan, 1)


def credit_of(log, removed_at=None) -> dict:
    orders = log["orders"]
    if removed_at is not None:
        orders = L.Orders(**{**orders.columns(), "removed_at": removed_at})
    s = core.score(orders, log["actions"], TAOBAO, workers=1).sellers
    return dict(zip(s.seller_id.tolist(), s.credit.tolist()))


PAYS = ResponsePolicy(intercept=50.0)
REFUSES = ResponsePolicy(intercept=-500.0, complain_prob=1.0, evidence_prob=1.0)


def test_gangs_attack_only_small_new_sellers_with_cheap_items():
    plan, log = run(GangConfig(attacks_per_month=30, reviews_per_target=2), PAYS)
    assert len(plan.at) > 10 and set(plan.seller_id) <= {7, 8}
    assert len(log["orders"]) == 2 * len(plan.at)
    per_attack = plan.review_buyer.reshape(-1, 2)
    assert np.all(per_attack[:, 0] != per_attack[:, 1])  # distinct accounts per target


def test_a_target_that_pays_gets_its_bad_reviews_changed_to_good():
    config = GangConfig(attacks_per_month=10, reviews_per_target=2)
    plan, log = run(config, PAYS)
    n = len(plan.at)
    assert plan.pays.all() and not plan.complains.any()
    # every bad review is modified to good within REV-MODIFY's window: no target loses credit
    assert min(credit_of(log).values()) > 0
    pay = log["payments"]
    assert len(pay["amount"]) == n and np.all(np.isin(pay["payee"], GANG))
    assert np.all(pay["payer"] == plan.seller_id)
    table = {"order_id": log["orders"].order_id, "buyer_id": log["orders"].buyer_id,
             "seller_id": log["orders"].seller_id, "created_at": log["orders"].created_at,
             "fake": np.ones(2 * n, bool), "attack": np.full(2 * n, "gang", object)}
    accounts = {"account_id": GANG, "owner": np.full(5, "gang", object), "role": np.full(5, "gang", object),
                "created_at": np.zeros(5, np.int64), "sealed_at": np.full(5, NEVER)}
    m = attack_metrics(table, core.score(log["orders"], log["actions"], TAOBAO, workers=1).reviews,
                       accounts=accounts, payments=pay)["attacks"]["gang"]
    assert m["payouts"] == pytest.approx(pay["amount"].sum())
    # each final review is the good modification (dedup and the clamp may still stop some)
    assert sum(m["fake_review_points"].values()) == m["fake_reviews"] == 2 * n


def test_a_target_that_refuses_complains_and_the_platform_removes_and_seals():
    config = GangConfig(attacks_per_month=10, reviews_per_target=2)
    plan, log = run(config, REFUSES)
    n = len(plan.at)
    assert not plan.pays.any() and plan.complains.all() and len(log["payments"]["amount"]) == 0
    assert max(credit_of(log).values()) < 0  # unjudged: the bad reviews count
    c = log["complaints"]
    judged = judge_extortion(TAOBAO, c["order_id"], c["buyer_id"], c["at"], c["evidence"])
    assert np.array_equal(judged.removed_orders, log["orders"].order_id)
    assert np.all(judged.removed_at == c["at"] + 3 * DAY)  # TX-INTERVENE's delay
    removed = np.full(2 * n, NEVER)
    removed[judged.removed_orders - 1] = judged.removed_at
    assert sum(credit_of(log, removed).values()) == 0  # every bad review removed
    used, times = np.unique(plan.review_buyer, return_counts=True)
    assert np.array_equal(judged.accounts, used) and np.array_equal(judged.points, 12 * times)
    assert np.array_equal(judged.sealed_accounts, used)


def test_a_complaint_without_evidence_is_rejected():
    plan, log = run(GangConfig(), ResponsePolicy(intercept=-500.0, complain_prob=1.0, evidence_prob=0.0))
    c = log["complaints"]
    judged = judge_extortion(TAOBAO, c["order_id"], c["buyer_id"], c["at"], c["evidence"])
    assert len(c["order_id"]) == len(plan.at) > 0 and len(judged.removed_orders) == 0
    assert len(judged.sealed_accounts) == 0
    assert len(judge_extortion(TAOBAO.replace(seal_extortioners=False), c["order_id"], c["buyer_id"], c["at"],
                               np.ones(len(c["at"]), bool)).sealed_accounts) == 0


def test_sabotage_makes_no_demand_and_the_rival_pays_per_review():
    config = GangConfig(mode="sabotage", client_seller=8, attacks_per_month=10, reviews_per_target=3,
                        fee_per_review=30.0)
    plan, log = run(config, PAYS)
    n = len(plan.at)
    assert n > 0 and set(plan.seller_id) == {7}  # never the client itself
    assert not plan.pays.any() and not plan.complains.any() and np.all(plan.demand == 0)
    months = len(np.unique(month_index(log["orders"].created_at)))  # SCORE-CLAMP: -6 a pair a month
    assert -6 * len(np.unique(plan.review_buyer)) * months <= credit_of(log)[7] < 0
    pay = log["payments"]
    assert np.all(pay["payer"] == 8) and pay["amount"].sum() == pytest.approx(30.0 * 3 * n)
