"""The market model end to end: consistency with `repsim score`, determinism, calibration to the honest
stylised facts, closed forms of the section-1 timers and of growth decay, and the actor registry."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.actors import register, unregister
from sim.cli import main
from sim.commands.run import run_scenario
from sim.io.logfiles import read_actions, read_orders
from sim.market import orders as O
from sim.market.world import World
from sim.reputation import core
from sim.reputation import log as L
from sim.rules import TAOBAO
from sim.scenario import schema
from sim.scenario.schema import knob
from sim.timeutil import DAY, format_timestamp, parse_timestamp

SMALL = """
[run]
name = "small"
start = "2024-03-04"
days = 40
[buyers]
count = 2500
visits_per_day = 0.06
[sellers]
count = 60
"""


def _run(tmp_path: Path, text: str, seed: int = 7, name: str = "out", **kw) -> Path:
    scenario = tmp_path / f"{name}.toml"
    scenario.write_text(text)
    out = tmp_path / name
    run_scenario(scenario, seed, out, **kw)
    return out


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("small"), SMALL)


def test_outputs_exist_and_match_the_score_schema(small_run):
    names = {p.name for p in small_run.iterdir()}
    assert names == {"orders.parquet", "reviews.parquet", "sellers_daily.parquet", "market_daily.parquet",
                     "accounts.parquet", "detections.parquet", "summary.json", "manifest.json"}
    orders = pq.read_table(small_run / "orders.parquet")
    assert orders.column_names[:10] == ["order_id", "buyer_id", "seller_id", "item_id", "platform", "amount",
                                        "created_at", "success_at", "refund", "removed_at"]
    # written as timestamp[s, tz=+08:00]; Parquet has no second unit, so it is stored in milliseconds
    assert str(orders.schema.field("created_at").type) in ("timestamp[s, tz=+08:00]", "timestamp[ms, tz=+08:00]")
    assert orders.num_rows > 1000
    reviews = pq.read_table(small_run / "reviews.parquet")
    assert reviews.column_names[:9] == ["order_id", "author", "action", "at", "rating", "described", "service",
                                        "shipping", "logistics"]
    daily = pq.read_table(small_run / "sellers_daily.parquet")
    assert daily.num_rows == 40 * 60
    manifest = json.loads((small_run / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["rules"]["name"] == "taobao"
    assert manifest["scenario"]["buyers"]["count"] == 2500
    summary = json.loads((small_run / "summary.json").read_text())
    assert summary["escrow"]["balanced"]
    assert summary["orders"]["placed"] == orders.num_rows


def test_score_reproduces_the_final_seller_scores(small_run, tmp_path):
    """`repsim score` on the run's logs, same rules, as of the run's end == the run's final view."""
    manifest = json.loads((small_run / "manifest.json").read_text())
    end = manifest["as_of_end"]
    rc = main(["score", "--orders", str(small_run / "orders.parquet"), "--reviews", str(small_run / "reviews.parquet"),
               "--out", str(tmp_path / "scored"), "--as-of", format_timestamp(end), "--format", "parquet"])
    assert rc == 0
    orders = read_orders(small_run / "orders.parquet")
    actions = read_actions(small_run / "reviews.parquet", orders)
    result = core.score(orders, actions, TAOBAO, as_of=end)
    daily = pq.read_table(small_run / "sellers_daily.parquet")
    last = np.asarray(daily.column("date").to_numpy()) == np.asarray(daily.column("date").to_numpy()).max()
    ids = daily.column("seller_id").to_numpy()[last]
    view = {name: daily.column(name).to_numpy(zero_copy_only=False)[last] for name in
            ("credit", "level", "positive_rate", "dsr_described", "dsr_service", "dsr_shipping", "dsr_logistics",
             "good", "neutral", "bad")}
    pos = np.searchsorted(ids, result.sellers.seller_id)
    assert np.array_equal(ids[pos], result.sellers.seller_id)
    assert len(result.sellers) > 30
    for name, values in view.items():
        np.testing.assert_array_equal(values[pos], getattr(result.sellers, name), err_msg=name)
    scored = pq.read_table(tmp_path / "scored" / "sellers.parquet")
    assert scored.num_rows == len(result.sellers)


def test_score_with_accounts_reproduces_a_run_with_young_farm_accounts(tmp_path):
    """The run's scorer receives the accounts (those a farm opens during the run too), so the reviewer-age
    knob acts inside a run; `repsim score --accounts accounts.parquet` reproduces the final view, and
    without the accounts it would not."""
    (tmp_path / "young_rules.toml").write_text('preset = "taobao"\nname = "young"\nmin_reviewer_age_days = 60\n')
    text = SMALL.replace("days = 40", "days = 35") + """
[[actors]]
kind = "farm"
name = "farm"
accounts = 40
account_age_days = 20
strategy = "rotate_accounts"
[actors.hire]
monthly_prob = 0.3
max_credit = 1000
"""
    out = _run(tmp_path, text, seed=3, name="young", rules_spec=str(tmp_path / "young_rules.toml"))
    end = json.loads((out / "manifest.json").read_text())["as_of_end"]
    scored = tmp_path / "scored"
    assert main(["score", "--orders", str(out / "orders.parquet"), "--reviews", str(out / "reviews.parquet"),
                 "--accounts", str(out / "accounts.parquet"), "--rules", str(tmp_path / "young_rules.toml"),
                 "--out", str(scored), "--as-of", format_timestamp(end), "--format", "parquet"]) == 0
    sellers = pq.read_table(scored / "sellers.parquet")
    daily = pq.read_table(out / "sellers_daily.parquet")
    dates = np.asarray(daily.column("date").to_numpy())
    last = dates == dates.max()
    shown = dict(zip(daily.column("seller_id").to_numpy()[last], daily.column("credit").to_numpy()[last]))
    got = dict(zip(sellers.column("seller_id").to_numpy(), sellers.column("credit").to_numpy()))
    assert all(shown[s] == c for s, c in got.items())
    orders = read_orders(out / "orders.parquet")
    actions = read_actions(out / "reviews.parquet", orders)
    fake = pq.read_table(out / "orders.parquet").column("fake").to_numpy()
    assert fake.sum() > 20
    rules = TAOBAO.replace(min_reviewer_age_days=60)
    blind = core.score(orders, actions, rules, as_of=end)  # every account "always there"
    assert blind.sellers.credit.sum() > sum(got.values())  # the young farm accounts' reviews count without them


@pytest.mark.slow
def test_same_seed_same_files(small_run, tmp_path):
    again = _run(tmp_path, SMALL, seed=7, name="again")
    for name in ("orders.parquet", "reviews.parquet", "sellers_daily.parquet", "market_daily.parquet", "summary.json"):
        assert (small_run / name).read_bytes() == (again / name).read_bytes(), name
    m1 = json.loads((small_run / "manifest.json").read_text())
    m2 = json.loads((again / "manifest.json").read_text())
    m1.pop("timings"), m2.pop("timings")
    m1.pop("scenario_file"), m2.pop("scenario_file")
    m1["scenario"].pop("source", None), m2["scenario"].pop("source", None)
    assert m1 == m2
    other = _run(tmp_path, SMALL, seed=8, name="other")
    assert (small_run / "orders.parquet").read_bytes() != (other / "orders.parquet").read_bytes()


CALIBRATION = """
[run]
name = "calibration"
start = "2024-03-04"
days = 60
[buyers]
count = 8000
visits_per_day = 0.05
[sellers]
count = 150
"""


@pytest.mark.slow
def test_calibration_honest_stylised_facts(tmp_path):
    """The honest facts of docs/market.md ("Stylised facts") on a small market, with the tolerances stated here: feedback on
    more than half of successes, more than 99% of it positive (one seed of a small market: > 0.985), sales
    that fall after a first bad review, and displayed reputation that ranks sellers by true quality."""
    out = _run(tmp_path, CALIBRATION, seed=3)
    s = json.loads((out / "summary.json").read_text())
    assert s["feedback_rate_base_orders"] > 3000
    assert s["feedback_rate"] > 0.5  # Resnick and Zeckhauser: feedback on more than half
    assert s["positive_share_given"] > 0.985  # ... and more than 99% of it positive
    effect = s["first_bad_review"]  # Cabral and Hortacsu: a first negative slows sales
    assert effect["sellers"] >= 5
    # after the first bad, sales fall (the growth before is not reproduced: see docs/market.md, calibration)
    assert effect["weekly_growth_after"] < 0
    # reputation carries information about quality (before this model: 0.01-0.08 for the rank score)
    assert s["kendall_tau_quality_positive_rate"] > 0.2
    assert s["kendall_tau_quality_dsr"] > 0.2
    assert s["kendall_tau_quality_rank_score"] > 0.1
    assert s["revenue_per_star_equivalent"] > 0  # Luca: a better rating earns more
    assert s["buyer_disappointment"] < 0.12


CLOSED = """
[run]
name = "closed"
start = "2024-03-04"
days = 30
deterministic_delays = true
[buyers]
count = 1500
visits_per_day = 0.08
[buyers.archetypes.direct]
share = 1.0
pay_prob = 0.5
pay_delay_hours = 0.5
confirm_early_prob = 0.0
after_sales_prob = 0.0
partial_prob = 0.0
no_reason_prob = 0.0
ship_patience_days = 100.0
[buyers.archetypes.sociable]
share = 0.0
[buyers.archetypes.bargainer]
share = 0.0
[buyers.archetypes.non_payer]
share = 0.0
[buyers.archetypes.perfectionist]
share = 0.0
[buyers.archetypes.vindictive]
share = 0.0
[sellers]
count = 40
dispatch_days = 0.5
dispatch_capacity = 1000000.0
[[couriers]]
name = "exact"
pickup_hours = [10, 17]
delay_prob = 0.0
loss_prob = 0.0
damage_prob = 0.0
undeliverable_prob = 0.0
[delivery]
express = 1.0
ems = 0.0
surface_mail = 0.0
virtual = 0.0
auto_delivery = 0.0
no_logistics = 0.0
"""


def _orders(out: Path) -> dict[str, np.ndarray]:
    t = pq.read_table(out / "orders.parquet")
    cols = {}
    for name in t.column_names:
        col = t.column(name)
        if str(col.type).startswith("timestamp"):
            arr = col.cast(pa.timestamp("s", tz="+08:00")).cast(pa.int64()).to_numpy(zero_copy_only=False)
            cols[name] = np.where(col.is_null().to_numpy(zero_copy_only=False), -1, arr)
        else:
            cols[name] = col.to_numpy(zero_copy_only=False)
    return cols


def test_closed_forms_unpaid_close_and_autoconfirm(tmp_path):
    out = _run(tmp_path, CLOSED, seed=11)
    o = _orders(out)
    end = parse_timestamp("2024-03-04T00:00:00") + 30 * DAY
    created, paid, shipped, success, closed = o["created_at"], o["paid_at"], o["shipped_at"], o["success_at"], o["closed_at"]
    unpaid = paid < 0
    # TX-UNPAID-CLOSE: every unpaid order closes exactly 3 days after placement, if that is within the run
    assert np.array_equal(closed >= 0, unpaid & (created + 3 * DAY <= end))
    assert np.all(closed[closed >= 0] - created[closed >= 0] == 3 * DAY)
    # payment exactly pay_delay_hours after placement
    assert np.all(paid[~unpaid] - created[~unpaid] == 1800)
    # pickup: the first round (10:00 or 17:00 local) at or after paid + 12 h
    ready = paid[~unpaid] + DAY // 2
    local = (ready + 8 * 3600) % DAY
    day0 = ready - local
    expect = np.where(local <= 10 * 3600, day0 + 10 * 3600, np.where(local <= 17 * 3600, day0 + 17 * 3600,
                                                                      day0 + DAY + 10 * 3600))
    got = shipped[~unpaid]
    has = got >= 0
    assert np.array_equal(got[has], expect[has])
    assert np.array_equal(has, expect <= end)
    # TX-AUTOCONFIRM: nobody confirms early, so every success is the timer, exactly 10 days after shipping
    assert np.array_equal(success >= 0, (shipped >= 0) & (shipped + 10 * DAY <= end))
    assert np.all(success[success >= 0] - shipped[success >= 0] == 10 * DAY)
    assert set(o["confirmed_by"][success >= 0]) == {"auto"}
    s = json.loads((out / "summary.json").read_text())
    assert s["timers"]["autoconfirmed"] == int((success >= 0).sum())
    assert s["timers"]["unpaid_closed"] == int((closed >= 0).sum())
    # the 50% payment probability is honoured (binomial, 4 sd)
    n = len(created[created + 3 * DAY <= end])
    assert abs(int((closed >= 0).sum()) - n / 2) < 4 * np.sqrt(n / 4)


REFUNDS = CLOSED.replace("ship_patience_days = 100.0", "ship_patience_days = 1.0").replace(
    "pay_prob = 0.5", "pay_prob = 1.0").replace("dispatch_days = 0.5", "dispatch_days = 4.0").replace(
    "express = 1.0", "express = 0.0").replace("virtual = 0.0", "virtual = 1.0")


def test_closed_forms_refund_of_unshipped_orders(tmp_path):
    """Virtual goods packed 4 days after payment; buyers ask a refund after 1 day; TX-REFUND-UNSHIPPED
    refunds 2 days later: every paid order is refunded exactly 3 days after payment, none ships."""
    out = _run(tmp_path, REFUNDS, seed=5)
    o = _orders(out)
    end = parse_timestamp("2024-03-04T00:00:00") + 30 * DAY
    paid, refund_at = o["paid_at"], o["refund_at"]
    assert np.array_equal(paid >= 0, o["created_at"] + 1800 <= end)
    assert np.array_equal(refund_at >= 0, (paid >= 0) & (paid + 3 * DAY <= end))
    assert np.all(refund_at[refund_at >= 0] - paid[refund_at >= 0] == 3 * DAY)
    assert set(o["refund"][refund_at >= 0]) == {"not_received"}
    assert np.all(o["shipped_at"] < 0)
    assert json.loads((out / "summary.json").read_text())["timers"]["unshipped_refunded"] == int((refund_at >= 0).sum())


def test_growth_decays_exactly_as_section_6(tmp_path):
    """GROWTH-DECAY 0.4% of the current value a day; GROWTH-EARN the day after success, above 1 yuan."""
    f = tmp_path / "g.toml"
    f.write_text(CLOSED)
    scenario = schema.load(f)
    world = World(scenario, TAOBAO, seed=2)
    world.run()
    p = world.platform
    D = world.days
    factor = (1 - TAOBAO.growth_decay_per_day) ** D
    expected = p.growth_start * factor
    o = world.book.orders
    ok = (o["state"] == O.SUCCESS) & (o["amount"] > TAOBAO.growth_min_amount)
    credit_day = -(-(o["success_at"][ok] + DAY - world.start) // DAY)  # first daily tick >= success + 1 day
    inside = credit_day <= D
    buyer = o["buyer_id"][ok][inside] - world.n_sellers - 1
    np.add.at(expected, buyer, o["amount"][ok][inside] * (1 - TAOBAO.growth_decay_per_day) ** (D - credit_day[inside]))
    assert inside.sum() > 100
    np.testing.assert_allclose(p.growth, expected, rtol=1e-12)
    never = np.setdiff1d(np.arange(world.n_buyers), buyer)
    np.testing.assert_allclose(p.growth[never], p.growth_start[never] * 0.996 ** D, rtol=1e-12)


@dataclasses.dataclass(frozen=True)
class _FarmConfig:
    seller: int = knob(1, "seller account to brush", lo=1)
    per_day: int = knob(3, "fake orders a day", lo=0)


def test_registered_actor_uses_the_same_lifecycle(tmp_path):
    """An actor registered by name places, pays, confirms and rates through the order book; the platform's
    timers and the scorer treat its orders like anyone's."""
    FARM = 9

    class Farm:
        def __init__(self, world, config, rng):
            self.world, self.config, self.rng = world, config, rng
            world.book.on("delivered", self.on_delivered)
            self.pending = []

        def on_delivered(self, rows, at):
            mine = world_orders(self.world)["actor"][rows] == FARM
            self.pending.append((rows[mine], at[mine]))

        def tick(self, now):
            w = self.world
            book = w.book
            if w.local_hour(now) == 12:
                k = self.config.per_day
                buyers = w.buyer_ids[self.rng.integers(0, w.n_buyers, k)]
                s = self.config.seller
                rows = book.place(np.full(k, now), buyers, np.full(k, s), np.full(k, s * 100_000), np.full(k, 30.0),
                                  kind=O.VIRTUAL, actor=FARM)
                book.pay(rows, np.full(k, now))
            for rows, at in self.pending:
                done = book.confirm(rows, at, O.HOW_BUYER)
                book.rate(done, L.BUYER, at[:done.size] if done.size == rows.size else np.full(done.size, now),
                          L.GOOD, actor=FARM)
            self.pending = []

    def world_orders(world):
        return world.book.orders

    register("test_farm", _FarmConfig)(lambda world, config, rng: Farm(world, config, rng))
    try:
        text = SMALL.replace("days = 40", "days = 20") + '\n[[actors]]\nkind = "test_farm"\nseller = 1\nper_day = 4\n'
        out = _run(tmp_path, text, seed=1, name="farm")
        o = _orders(out)
        mine = o["actor"] == FARM
        assert mine.sum() == 4 * 20 - 4 * 0  # one round a day at noon, 20 days
        early = mine & (o["created_at"] < o["created_at"][mine].max() - 3 * DAY)
        assert early.sum() > 50 and np.all(o["success_at"][early] >= 0)
        s = json.loads((out / "summary.json").read_text())
        assert s["fake_review_share"] > 0
        bad = tmp_path / "bad_farm.toml"
        bad.write_text(SMALL + '\n[[actors]]\nkind = "test_farm"\nper_day = -1\n')
        with pytest.raises(Exception, match=r"actors\[0\]\.per_day"):
            schema.load(bad)
    finally:
        unregister("test_farm")
