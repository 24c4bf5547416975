"""The market's newer paths: paired (keyed) randomness, service failures in satisfaction and avoidance,
the after-sales paths (lost parcel to TX-INTERVENE, a changed request after TX-REFUND-REFUSED, the
seven-day no-reason return of seed 004), market_daily.parquet, and metrics under every rule set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from helpers.scenarios import only_direct_buyers
from sim.commands.run import run_scenario
from sim.market import orders as O
from sim.market.keyed import Keyed, Streams
from sim.actors import register, unregister
from sim.market.world import World
from sim.rules import NAIVE, TAOBAO
from sim.scenario import schema
from sim.timeutil import DAY


@dataclass(frozen=True)
class IdleConfig:
    pass

SMALL = """
[run]
name = "small"
start = "2024-03-04"
days = 25
[buyers]
count = 2000
visits_per_day = 0.06
[sellers]
count = 50
"""

def _scenario(tmp_path: Path, text: str, name: str = "s") -> schema.Scenario:
    f = tmp_path / f"{name}.toml"
    f.write_text(text)
    return schema.load(f)


def _visits(world: World) -> dict[int, np.ndarray]:
    at, buyer, k = (np.concatenate(x) for x in zip(*world.buyers.visit_log))
    order = np.lexsort((k, buyer))
    at, buyer = at[order], buyer[order]
    cuts = np.flatnonzero(np.diff(buyer)) + 1
    return {int(b[0]): t for b, t in zip(np.split(buyer, cuts), np.split(at, cuts))}


def _run_world(scenario, rules, seed=4):
    world = World(scenario, rules, seed)
    world.buyers.visit_log = []
    world.run()
    return world


def test_keyed_draws_are_functions_of_name_entity_and_event():
    a, b = Keyed(1, "visit"), Keyed(1, "visit")
    ids, ks = np.arange(1000), np.arange(1000) % 7
    assert np.array_equal(a.uniform(ids, ks, 3), b.uniform(ids, ks, 3))
    # the same draw alone or in a batch, whatever else a stream has drawn before
    assert a.uniform(ids[500:501], ks[500:501], 3)[0] == b.uniform(ids, ks, 3)[500]
    streams = Streams(1)
    streams["z"], streams["visit"]  # made in another order: keyed by name, not position
    assert np.array_equal(streams["visit"].uniform(ids, ks, 3), a.uniform(ids, ks, 3))
    assert not np.array_equal(Keyed(1, "chat").uniform(ids, ks, 3), a.uniform(ids, ks, 3))
    assert not np.array_equal(Keyed(2, "visit").uniform(ids, ks, 3), a.uniform(ids, ks, 3))
    u = Keyed(9, "x").uniform(np.arange(200_000), 0, 0)
    assert 0 < u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.003
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    e = Keyed(9, "x").exponential(np.arange(200_000), 1, 0, mean=2.0)
    assert abs(e.mean() - 2.0) < 0.03


def test_rule_set_and_extra_actor_leave_honest_visits_unchanged(tmp_path):
    """Paired randomness: a different rule set, or an extra actor, changes no honest buyer's visit times."""
    scenario = _scenario(tmp_path, SMALL)
    taobao = _run_world(scenario, TAOBAO)
    naive = _run_world(scenario, NAIVE)
    v1, v2 = _visits(taobao), _visits(naive)
    assert len(v1) > 1000 and v1.keys() == v2.keys()
    assert all(np.array_equal(v1[b], v2[b]) for b in v1)
    # the two markets differ (so the test is not vacuous) ...
    assert taobao.book.actions.n != naive.book.actions.n or \
        not np.array_equal(taobao.book.orders["seller_id"], naive.book.orders["seller_id"])
    # ... yet an order placed on the same visit in both draws the same item and the same courier luck
    o1, o2 = taobao.book.orders, naive.book.orders
    k1 = o1["buyer_id"] * 1_000_000 + o1["visit"]
    k2 = o2["buyer_id"] * 1_000_000 + o2["visit"]
    common, i1, i2 = np.intersect1d(k1, k2, return_indices=True)
    same = o1["seller_id"][i1] == o2["seller_id"][i2]
    assert same.sum() > 500
    assert np.array_equal(o1["item_id"][i1][same], o2["item_id"][i2][same])
    assert np.array_equal(o1["created_at"][i1], o2["created_at"][i2])

    class Idle:
        def __init__(self, world, config, rng):
            self.world, self.rng = world, rng

        def tick(self, now):
            self.rng.random(17)  # draws of its own, and an order a day through the same lifecycle
            w = self.world
            if w.local_hour(now) == 12:
                w.book.place(np.array([now]), w.buyer_ids[:1], w.seller_ids[:1], w.seller_ids[:1] * 100_000,
                             np.array([10.0]), actor=5)

    register("idle_test", IdleConfig)(lambda world, config, rng: Idle(world, config, rng))
    try:
        extra = _scenario(tmp_path, SMALL + '\n[[actors]]\nkind = "idle_test"\n', "extra")
        with_actor = _run_world(extra, TAOBAO)
    finally:
        unregister("idle_test")
    v3 = _visits(with_actor)
    assert v3.keys() == v1.keys() and all(np.array_equal(v1[b], v3[b]) for b in v1)
    assert (with_actor.book.orders["actor"] == 5).sum() == 25


def test_service_failures_lower_satisfaction_and_disappointed_buyers_stay_away(tmp_path):
    text = (SMALL.replace("[sellers]", "[sellers]\ndispatch_capacity = 3.0\ndispatch_days = 2.0")
            .replace("count = 2000", "count = 2000\navoid_memory = 16\navoid_days = 365.0")
            + only_direct_buyers("repeat_prob = 0.9")
            + '[[couriers]]\nname = "shaky"\ndamage_prob = 0.2\ndelay_prob = 0.2\n')
    world = World(_scenario(tmp_path, text), TAOBAO, 3)
    world.run()
    o = world.book.orders
    sat = o["satisfaction"].astype(float)
    judged = ~np.isnan(sat)
    outcome = o["courier_outcome"]
    ok, damaged = judged & (outcome == O.C_OK), judged & (outcome == O.C_DAMAGED)
    delayed = judged & (outcome == O.C_DELAYED)
    assert damaged.sum() > 100 and delayed.sum() > 100
    pen = world.scenario.buyers
    # damage costs damage_penalty, on top of the same quality mix (sellers' shares differ a little)
    assert sat[damaged].mean() < sat[ok].mean() - 0.7 * pen.damage_penalty
    assert sat[delayed].mean() < sat[ok].mean()
    late_dispatch = judged & ((o["shipped_at"] - o["paid_at"]) > (pen.dispatch_grace_days + 2) * DAY)
    assert late_dispatch.sum() > 20 and sat[late_dispatch].mean() < sat[judged].mean()
    # a disappointed buyer places no order at that seller for avoid_days
    bad = np.flatnonzero(judged & (sat < 0))
    assert bad.size > 50
    buyer, seller = o["buyer_id"], o["seller_id"]
    for r in bad.tolist():
        later = (buyer == buyer[r]) & (seller == seller[r]) & (o["created_at"] > o["delivered_at"][r])
        assert not later.any()


def _paths_scenario(direct: str, sellers: str, courier: str = "") -> str:
    return f"""
[run]
name = "paths"
start = "2024-03-04"
days = 30
[buyers]
count = 1500
visits_per_day = 0.08
[sellers]
count = 40
{sellers}
{courier}
""" + only_direct_buyers(direct)


def _run_paths(tmp_path, text, name="paths", rules=None):
    f = tmp_path / f"{name}.toml"
    f.write_text(text)
    out = tmp_path / name
    summary = run_scenario(f, 2, out, rules_spec=rules)
    return pq.read_table(out / "orders.parquet").to_pandas(), summary


def test_lost_parcel_reaches_intervention_and_the_courier_pays_postage(tmp_path):
    text = _paths_scenario("escalate_prob = 1.0", "reship_on_loss_prob = 0.0\nrefund_on_loss_prob = 0.0",
                           "[[couriers]]\nname = \"lossy\"\nloss_prob = 0.1\ndelay_prob = 0.0")
    orders, s = _run_paths(tmp_path, text)
    lost = orders[orders.courier_outcome.isin(["lost", "undeliverable"])]
    won = lost[(lost.after_sales == "intervened") & (lost.refund == "not_received")]
    assert s["timers"]["lost_refused"] >= len(won) > 20
    assert s["timers"]["interventions_won"] >= len(won)
    assert s["postage_paid"]["courier"] == pytest.approx(8.0 * len(won))
    assert s["escrow"]["balanced"]
    assert s["penalties"]["node_sanctions"] >= 0 and s["timers"]["refused_lapsed"] == 0


def test_refused_buyer_changes_the_request_to_a_partial_refund(tmp_path):
    text = _paths_scenario("escalate_prob = 0.0\nchange_request_prob = 1.0\nafter_sales_prob = 1.0\n"
                           "no_reason_prob = 0.0\nexpectation = 0.75",
                           "generous_share = 0.0\nagree_partial_prob = 1.0")
    text = text.replace("[sellers]", "[platform]\nno_reason_return_days = 0.0\n[sellers]")
    text = text.replace("count = 1500", "count = 1500\nexchange_accept_prob = 0.0")
    orders, s = _run_paths(tmp_path, text)
    assert s["timers"]["changed_requests"] > 20
    partial = orders[(orders.after_sales == "partial") & (orders.refund == "partial")]
    assert len(partial) >= s["timers"]["changed_requests"] * 0.8
    assert (partial.refunded_amount - 0.2 * partial.amount).abs().max() < 1e-6
    assert s["escrow"]["balanced"]


def test_seven_day_no_reason_return_covers_physical_goods(tmp_path):
    """Restrictive sellers must take covered goods back inside the window; virtual goods are not covered."""
    base = _paths_scenario("after_sales_prob = 1.0\nno_reason_prob = 1.0\nescalate_prob = 0.0\n"
                           "expectation = 0.72", "generous_share = 0.0")
    base = base.replace("count = 1500", "count = 1500\nexchange_accept_prob = 0.0")
    orders, s = _run_paths(tmp_path, base)
    nr = orders[orders.after_sales == "no_reason_return"]
    assert len(nr) > 20
    assert set(nr.delivery_kind) <= {"express", "ems", "surface_mail"}
    assert (nr.refund.dropna() == "return").all()
    assert s["postage_paid"]["buyer"] > 0
    # switched off: restrictive sellers refuse or offer exchanges, never a no-reason return
    off = base.replace("[sellers]", "[platform]\nno_reason_return_days = 0.0\n[sellers]")
    orders_off, _ = _run_paths(tmp_path, off, "off")
    assert (orders_off.after_sales == "no_reason_return").sum() == 0
    assert (orders_off.after_sales == "refused").sum() > 20


def test_market_daily_and_metrics_under_every_rule_set(tmp_path):
    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    for rules in ("taobao", "naive"):
        out = tmp_path / rules
        s = run_scenario(f, 5, out, rules_spec=rules)
        for key in ("feedback_rate", "positive_share_given", "kendall_tau_quality_positive_rate",
                    "kendall_tau_quality_dsr", "kendall_tau_quality_rank_score", "buyer_disappointment"):
            assert s[key] is not None, (rules, key)
        daily = pq.read_table(out / "market_daily.parquet").to_pandas()
        orders = pq.read_table(out / "orders.parquet").to_pandas()
        reviews = pq.read_table(out / "reviews.parquet").to_pandas()
        assert len(daily) == 25
        assert daily.orders_placed.sum() == len(orders)
        assert daily.orders_paid.sum() == orders.paid_at.notna().sum()
        assert daily.orders_shipped.sum() == orders.shipped_at.notna().sum()
        assert daily.orders_refunded.sum() == (orders.state == "refunded").sum()
        rated = reviews[(reviews.author == "buyer") & (reviews.action == "rate")]
        assert daily.ratings_good.sum() == (rated.rating == "good").sum()
        assert daily.ratings_bad.sum() == (rated.rating == "bad").sum()
        dsr = reviews[reviews.action == "dsr"]
        assert daily.dsr_given.sum() == len(dsr)
        mean = (daily.dsr_described_mean * daily.dsr_given).sum() / daily.dsr_given.sum()
        assert mean == pytest.approx(dsr.described.mean())
        assert (daily["courier_backlog_express-co"] >= 0).all() and (daily.packing_backlog >= 0).all()


def test_every_knob_has_a_source_and_the_docs_table_is_current():
    from sim.scenario.sources import knob_source, knob_table

    assert all(knob_source(path) for path, _, _ in schema.describe())
    docs = (Path(__file__).resolve().parents[1] / "docs" / "market.md").read_text(encoding="utf-8")
    assert knob_table() in docs
