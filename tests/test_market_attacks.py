"""Attacks in a market run: farms and gangs through the order lifecycle, detectors acting
under PEN-FAKE-ORDER, sanctions acting back, ground truth, metrics, named streams, validation and a
researcher's own actor loaded from its module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.attacks.strategy import ResponsePolicy, pay_probability
from sim.cli import main
from sim.commands.run import run_scenario
from sim.timeutil import DAY, NEVER

ROOT = Path(__file__).resolve().parents[1]

SMALL = """
[run]
name = "small"
start = "2024-03-04"
days = 30
[buyers]
count = 2500
visits_per_day = 0.06
[sellers]
count = 60
tmall_share = 0.0
"""

FARM = """
[[actors]]
kind = "farm"
name = "brush"
accounts = 80
strategy = "naive"
[actors.hire]
monthly_prob = {prob}
max_credit = 1000
"""

GANG = """
[[actors]]
kind = "gang"
name = "{name}"
mode = "{mode}"
accounts = 30
attacks_per_month = {rate}
target_max_credit = 1000
target_max_age_days = 100000
max_item_price = 100000
reviews_per_target = 2
client_seller = 1
[actors.response]
intercept = {intercept}
harm_coef = 0.0
credit_coef = 0.0
complain_prob = 1.0
evidence_prob = 1.0
"""

SIGNALS = """
[[detectors]]
kind = "signals"
every_days = 7
"""


def _run(tmp_path: Path, text: str, name: str, seed: int = 5) -> Path:
    scenario = tmp_path / f"{name}.toml"
    scenario.write_text(text)
    out = tmp_path / name
    run_scenario(scenario, seed, out)
    return out


def _table(out: Path, name: str) -> dict:
    t = pq.read_table(out / name)
    cols = {}
    for c in t.column_names:
        col = t.column(c)
        if str(col.type).startswith("timestamp"):  # seconds; NEVER (int64 max) where empty
            ms = col.cast("int64").fill_null(NEVER).to_numpy(zero_copy_only=False).astype(np.int64)
            cols[c] = np.where(ms == NEVER, NEVER, ms // 1000)  # Parquet stores them in milliseconds
        else:
            cols[c] = col.to_numpy(zero_copy_only=False)
    return cols


def test_an_attack_that_never_fires_leaves_the_genuine_tables_byte_identical(tmp_path):
    honest = _run(tmp_path, SMALL, "honest")
    idle = _run(tmp_path, SMALL + FARM.format(prob=0.0) + GANG.format(name="g", mode="extortion", rate=0.0,
                                                                      intercept=0.0), "idle")
    for name in ("orders.parquet", "reviews.parquet", "sellers_daily.parquet", "market_daily.parquet"):
        assert (honest / name).read_bytes() == (idle / name).read_bytes(), name
    accounts = _table(idle, "accounts.parquet")
    assert (accounts["role"] == "farm").sum() == 80 and (accounts["role"] == "gang").sum() == 30
    assert set(accounts["owner"][accounts["role"] != "honest"]) == {"brush", "g"}
    assert accounts["account_id"][accounts["role"] != "honest"].min() == 60 + 2500 + 1  # fresh ids


@pytest.fixture(scope="module")
def brushed(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("brush"), SMALL + FARM.format(prob=0.3) + SIGNALS, "brushed")


def test_farm_orders_go_through_the_lifecycle_with_ground_truth(brushed):
    o = _table(brushed, "orders.parquet")
    r = _table(brushed, "reviews.parquet")
    fake = o["fake"]
    assert fake.sum() > 50 and set(o["attack"][fake]) == {"brush"} and not any(o["attack"][~fake])
    assert (o["state"][fake] == "success").mean() > 0.8  # paid, sent, confirmed by the workers
    rf = r["fake"]
    assert set(r["attack"][rf]) == {"brush"}
    buyer_rates = rf & (r["author"] == "buyer") & (r["action"] == "rate")
    assert (r["rating"][buyer_rates] == "good").all()
    dsr = rf & (r["action"] == "dsr")
    assert (r["described"][dsr] == 5).all() and (r["logistics"][dsr] == 5).all()
    daily = _table(brushed, "sellers_daily.parquet")
    last = daily["date"] == daily["date"].max()
    bought = dict(zip(daily["seller_id"][last], daily["fake_orders"][last]))
    ids, counts = np.unique(o["seller_id"][fake], return_counts=True)
    assert all(bought[s] == c for s, c in zip(ids, counts))


def test_detector_metrics_equal_a_hand_count(brushed):
    o = _table(brushed, "orders.parquet")
    d = _table(brushed, "detections.parquet")
    s = json.loads((brushed / "summary.json").read_text())["attacks"]
    flagged_orders = np.unique(d["id"][(d["entity"] == "order") & d["acted"]])
    fake = o["fake"]
    found = np.isin(o["order_id"], flagged_orders)
    recall = (found & fake).sum() / fake.sum()
    precision = (found & fake).sum() / found.sum()
    m = s["detectors"]["signals"]
    assert m["recall"] == pytest.approx(recall) and m["precision"] == pytest.approx(precision)
    assert s["attacks"]["brush"]["fake_orders"] == fake.sum()
    # acted orders are removed at their sweep
    removed = o["removed_at"][found]
    first = {i: t for t, i in sorted(zip(d["at"][d["acted"] & (d["entity"] == "order")],
                                         d["id"][d["acted"] & (d["entity"] == "order")]), reverse=True)}
    assert all(removed[k] == first[i] for k, i in enumerate(o["order_id"][found]))


def test_a_sealed_account_stops_acting(brushed):
    o = _table(brushed, "orders.parquet")
    r = _table(brushed, "reviews.parquet")
    a = _table(brushed, "accounts.parquet")
    sealed = a["sealed_at"] < NEVER
    assert sealed.sum() > 0  # PEN-FAKE-ORDER seals the posing accounts (seal_fake_buyers)
    when = dict(zip(a["account_id"][sealed], a["sealed_at"][sealed]))
    for buyer, at in zip(o["buyer_id"], o["created_at"]):
        assert buyer not in when or at <= when[buyer]
    author = o["buyer_id"][r["order_id"]]
    buyer_rows = r["author"] == "buyer"
    for who, at in zip(author[buyer_rows], r["at"][buyer_rows]):
        assert who not in when or at <= when[who]


def _gang_run(tmp_path, mode, intercept, name):
    return _run(tmp_path, SMALL + GANG.format(name=name, mode=mode, rate=25, intercept=intercept), name, seed=2)


def test_extortion_paid_modifies_the_rating_to_good(tmp_path):
    out = _gang_run(tmp_path, "extortion", 30.0, "paid")  # every target pays
    assert pay_probability(ResponsePolicy(intercept=30.0, harm_coef=0, credit_coef=0), [0], [0])[0] > 0.999
    o, r = _table(out, "orders.parquet"), _table(out, "reviews.parquet")
    gang = o["fake"]
    assert gang.sum() > 10 and set(o["attack"][gang]) == {"paid"}
    rows = r["fake"]
    bad = rows & (r["action"] == "rate") & (r["rating"] == "bad")
    modified = rows & (r["action"] == "modify") & (r["rating"] == "good")
    assert bad.sum() > 10 and modified.sum() > 0
    assert set(r["order_id"][modified]) <= set(r["order_id"][bad])  # REV-MODIFY on the gang's own reviews
    s = json.loads((out / "summary.json").read_text())["attacks"]["attacks"]["paid"]
    assert s["payouts"] > 0 and "removed" not in s["fake_review_statuses"]
    assert not (o["removed_at"][gang] < NEVER).any()


def test_extortion_refused_is_judged_under_pen_extortion(tmp_path):
    out = _gang_run(tmp_path, "extortion", -30.0, "refused")  # nobody pays, everyone complains with evidence
    o, r, a = _table(out, "orders.parquet"), _table(out, "reviews.parquet"), _table(out, "accounts.parquet")
    gang = o["fake"]
    rated = np.unique(r["order_id"][r["fake"] & (r["action"] == "rate")])
    assert rated.size > 5 and not (r["fake"] & (r["action"] == "modify")).any()
    removed = o["removed_at"][rated] < NEVER
    assert removed.any()
    # judged intervene_days (taobao: 3) after the complaint, pay_wait_days (3) after the demand
    reviewed_at = {i: t for i, t in zip(r["order_id"][r["fake"] & (r["action"] == "rate")],
                                        r["at"][r["fake"] & (r["action"] == "rate")])}
    for i in rated[removed]:
        assert o["removed_at"][i] == reviewed_at[i] + 3600 + 3 * DAY + 3 * DAY
    sealed = a["sealed_at"] < NEVER
    assert set(o["buyer_id"][rated[removed]]) <= set(a["account_id"][sealed])  # seal_extortioners
    s = json.loads((out / "summary.json").read_text())["attacks"]["attacks"]["refused"]
    assert s["payouts"] == 0 and s["fake_review_statuses"].get("removed", 0) > 0
    assert gang.sum() > 5


def test_sabotage_leaves_bad_reviews_and_no_demand(tmp_path):
    out = _gang_run(tmp_path, "sabotage", 0.0, "sab")
    o, r = _table(out, "orders.parquet"), _table(out, "reviews.parquet")
    rows = r["fake"] & (r["action"] == "rate")
    assert rows.sum() > 10 and (r["rating"][rows] == "bad").all()
    assert not (r["fake"] & (r["action"] == "modify")).any()
    assert not (o["removed_at"][o["fake"]] < NEVER).any()
    assert 1 not in set(o["seller_id"][o["fake"]])  # the client is never its own target
    s = json.loads((out / "summary.json").read_text())["attacks"]["attacks"]["sab"]
    assert s["payouts"] == pytest.approx(30.0 * rows.sum())  # the rival's fee per review


def test_a_researcher_s_actor_runs_from_its_own_module(tmp_path):
    shutil.copy(ROOT / "examples" / "my_actor.py", tmp_path / "my_actor.py")
    text = SMALL.replace("days = 30", "days = 15") + '\n[[actors]]\nkind = "my_actor:make"\nname = "mine"\n' \
        'per_day = 3\n'
    (tmp_path / "mine.toml").write_text(text)
    assert main(["run", str(tmp_path / "mine.toml"), "--seed", "1", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    o = _table(tmp_path / "out", "orders.parquet")
    assert (o["attack"] == "mine").sum() == 3 * 15 and o["fake"][o["attack"] == "mine"].all()


@pytest.mark.parametrize("extra, where", [
    ('[[actors]]\nkind = "farmm"\n', "actors[0].kind"),
    ('[[actors]]\nkind = "farm"\nstrategy = {preset = "naive", rotate_item = true}\n', "actors[0].strategy.rotate_item"),
    ('[[actors]]\nkind = "farm"\naccounts = -5\n', "actors[0].accounts"),
    ('[[actors]]\nkind = "farm"\n[actors.hire]\nmonthly_prob = 1.5\n', "actors[0].hire.monthly_prob"),
    ('[[actors]]\nkind = "gang"\n[actors.response]\ncomplain_prob = -0.1\n', "actors[0].response.complain_prob"),
    ('[[detectors]]\nkind = "graf"\n', "detectors[0].kind"),
    ('[[detectors]]\nkind = "hazard"\nrecall = 2.0\n', "detectors[0].recall"),
    ('[[actors]]\nkind = "nomodule:make"\n', "actors[0].kind"),
])
def test_bad_attack_sections_exit_2_naming_the_key(tmp_path, capsys, extra, where):
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL + extra)
    out = tmp_path / "out"
    assert main(["run", str(bad), "--seed", "1", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and where in err and "Traceback" not in err
    assert not out.exists()


def test_sellers_enter_during_the_run(tmp_path):
    out = _run(tmp_path, SMALL.replace("tmall_share = 0.0", "tmall_share = 0.0\nentry_per_day = 0.5"), "entry")
    a = _table(out, "accounts.parquet")
    o = _table(out, "orders.parquet")
    start = int(np.datetime64("2024-03-04T00:00:00").astype(np.int64)) - 8 * 3600
    sellers = a["kind"] == "seller"
    assert sellers.sum() == 60 + 15 and a["account_id"][sellers].max() == 75  # fresh ids, buyers after
    entered = a["created_at"][sellers][60:]
    assert (entered > start).all() and (np.diff(entered) > 0).all()
    opened = dict(zip(a["account_id"][sellers], a["created_at"][sellers]))
    # no order before a seller's entry (it shows in search from the next daily ranking)
    assert all(at >= opened[s] for s, at in zip(o["seller_id"], o["created_at"]))
    assert np.isin(np.arange(61, 76), o["seller_id"]).sum() >= 5


def test_warmup_days_are_history_outside_the_metrics(tmp_path):
    text = SMALL.replace("days = 30", "days = 20\nwarmup_days = 10") + FARM.format(prob=0.5) + SIGNALS
    out = _run(tmp_path, text, "warm")
    o = _table(out, "orders.parquet")
    daily = _table(out, "sellers_daily.parquet")
    start = int(np.datetime64("2024-03-04T00:00:00").astype(np.int64)) - 8 * 3600  # local midnight, UTC+8
    assert str(daily["date"].min())[:10] == "2024-02-23" and len(np.unique(daily["date"])) == 30
    assert (o["created_at"] < start).sum() > 100  # the warm-up's honest history is in the log
    assert o["fake"].sum() > 0 and (o["created_at"][o["fake"]] >= start).all()  # attacks wait for run.start
    d = _table(out, "detections.parquet")
    assert len(d["at"]) == 0 or d["at"].min() >= start + 7 * DAY
    s = json.loads((out / "summary.json").read_text())
    assert s["orders"]["placed"] == (o["created_at"] >= start).sum()


def test_the_attack_metrics_recompute_from_the_run_s_files(brushed):
    """summary.json's attacks object is attack_metrics over the run's own tables: rescoring the logs
    with `repsim score`'s reader and the accounts gives the same fake-review statuses."""
    from sim.attacks.metrics import attack_metrics
    from sim.io.logfiles import read_accounts, read_actions, read_orders
    from sim.reputation import core
    from sim.rules import TAOBAO

    end = json.loads((brushed / "manifest.json").read_text())["as_of_end"]
    orders = read_orders(brushed / "orders.parquet")
    actions = read_actions(brushed / "reviews.parquet", orders)
    result = core.score(orders, actions, TAOBAO, as_of=end, accounts=read_accounts(brushed / "accounts.parquet"))
    o = _table(brushed, "orders.parquet")
    r = result.reviews
    d = _table(brushed, "detections.parquet")
    d["entity"] = (d["entity"] == "account").astype(np.int8)
    got = attack_metrics({"order_id": o["order_id"], "buyer_id": o["buyer_id"], "seller_id": o["seller_id"],
                          "created_at": o["created_at"], "fake": o["fake"],
                          "attack": np.where(o["fake"], o["attack"], ""), "cost": o["attack_cost"]},
                         {"order_id": r.order_id, "author": r.author, "kind": r.kind, "rating": r.rating,
                          "status": r.status}, d)
    shown = json.loads((brushed / "summary.json").read_text())["attacks"]["attacks"]["brush"]
    assert got["attacks"]["brush"]["fake_review_statuses"] == shown["fake_review_statuses"]
    assert got["attacks"]["brush"]["fake_review_points"] == shown["fake_review_points"]
    assert got["attacks"]["brush"]["money_spent"] == pytest.approx(shown["money_spent"])


def test_a_farm_opens_and_ages_accounts_at_a_cost(tmp_path):
    text = SMALL + """
[[actors]]
kind = "farm"
name = "young"
accounts = 3
account_age_days = 1
max_new_accounts = 40
strategy = {preset = "rotate_accounts", min_account_age_days = 5}
[actors.hire]
monthly_prob = 0.2
max_credit = 1000
"""
    out = _run(tmp_path, text, "young")
    a = _table(out, "accounts.parquet")
    o = _table(out, "orders.parquet")
    start = int(np.datetime64("2024-03-04T00:00:00").astype(np.int64)) - 8 * 3600
    new = (a["owner"] == "young") & (a["created_at"] >= start)
    assert new.sum() > 3 and (a["cost"][new] > 0).all() and (a["cost"][~new] == 0).all()
    used = o["fake"]
    opened = dict(zip(a["account_id"], a["created_at"]))
    assert used.sum() > 0 and all(at - opened[b] >= 5 * DAY for b, at in zip(o["buyer_id"][used], o["created_at"][used]))
    s = json.loads((out / "summary.json").read_text())["attacks"]["attacks"]["young"]
    assert s["money_spent"] == pytest.approx(o["attack_cost"][used].sum() + a["cost"][new].sum())


def test_an_attack_s_draws_are_keyed_by_its_name_not_its_position(tmp_path):
    """Two farms listed in either order: each plans the same campaigns (the same sellers, times, items
    and accounts of its own pool) in the first month, when both hire from the same market state."""
    def farm(name, seed_prob):
        return FARM.replace('name = "brush"', f'name = "{name}"').format(prob=seed_prob)

    runs = [_run(tmp_path, SMALL.replace("days = 30", "days = 12") + farm(x, 0.3) + farm(y, 0.3), f"{x}{y}")
            for x, y in (("a", "b"), ("b", "a"))]
    seen = []
    for out in runs:
        o, a = _table(out, "orders.parquet"), _table(out, "accounts.parquet")
        first = {owner: a["account_id"][a["owner"] == owner].min() for owner in ("a", "b")}
        rows = {}
        for owner in ("a", "b"):
            mine = o["attack"] == owner
            rows[owner] = sorted(zip(o["created_at"][mine], o["seller_id"][mine], o["item_id"][mine],
                                     o["buyer_id"][mine] - first[owner]))
        seen.append(rows)
    assert len(seen[0]["a"]) > 10 and len(seen[0]["b"]) > 10
    assert seen[0] == seen[1]


def test_a_detector_s_window_view_finds_what_the_whole_view_finds(tmp_path):
    """The platform hands signals and graph only the orders of their lookback window: the same findings."""
    from sim.commands.common import resolve_rules
    from sim.detection import read_detector, sweep
    from sim.market.detect import Detection
    from sim.market.world import World
    from sim.scenario.schema import load

    path = tmp_path / "w.toml"
    path.write_text(SMALL.replace("days = 30", "days = 25") + FARM.format(prob=0.4))
    sc = load(path)
    world = World(sc, resolve_rules(sc, None), 3)
    world.run()
    det = Detection.__new__(Detection)  # only its view is used here
    det.world = world
    for data in ({"kind": "signals", "lookback_days": 10},
                 {"kind": "graph", "lookback_days": 12, "min_sellers": 1, "min_accounts": 1, "min_density": 0.0}):
        spec = read_detector(data)
        found = [sweep(spec, spec.make(), det.view(world.end, lookback), world.end - 7 * DAY,
                       np.random.default_rng(0)) for lookback in (None, spec.config.lookback_days)]
        assert found[0].flagged.sum() > 0, data
        for name in ("at", "entity", "id", "score", "flagged"):
            assert np.array_equal(getattr(found[0], name), getattr(found[1], name)), (data, name)
