"""The experiment metrics (sim.experiment.bridge), the control variant's shared seeds, the hardened
preset, the complaint judgement's accuracy (KNOB-JUDGE-ACCURACY) and the shipped experiment files.

The brusher's return is checked against a hand computation on a tiny paired case written as a run's
tables: docs/experiments.md "Experiment metrics" defines it.
"""

from __future__ import annotations

import dataclasses
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim.cli
from sim.detection.penalties import judge_extortion
from sim.experiment import spec
from sim.experiment.bridge import add_paired, breakeven_recall, run_metrics
from sim.rules.presets import HARDENED, PRESETS, TAOBAO
from sim.rules.ruleset import validate

from helpers.experiments import write_experiment

ROOT = Path(__file__).resolve().parents[1]


def _run_dir(path: Path, orders: list[tuple], serious: dict[int, int]) -> Path:
    """A run's tables: orders (seller, fake, attack, paid, amount, refunded), a farm's and a gang's
    accounts, and the last day of sellers_daily with the given serious points."""
    path.mkdir(parents=True)
    s, fake, attack, paid, amount, refunded = zip(*orders)
    pq.write_table(pa.table({
        "seller_id": pa.array(s, pa.int64()), "fake": pa.array(fake), "attack": pa.array(attack),
        "paid_at": pa.array([1 if p else None for p in paid], pa.int64()),
        "amount": pa.array(amount, pa.float64()), "refunded_amount": pa.array(refunded, pa.float64())}),
        path / "orders.parquet")
    pq.write_table(pa.table({"role": ["farm", "gang", "honest"], "owner": ["brush", "extort", ""]}),
                   path / "accounts.parquet")
    sellers = sorted({1, 2, 3, 4} | set(serious))
    pq.write_table(pa.table({"date": pa.array([5] * len(sellers), pa.int32()).cast(pa.date32()),
                             "seller_id": pa.array(sellers, pa.int64()),
                             "serious_points": pa.array([serious.get(x, 0) for x in sellers], pa.int64())}),
                   path / "sellers_daily.parquet")
    return path


SUMMARY = {"attacks": {
    "attacks": {
        "brush": {"fake_orders": 10, "fake_reviews": 10, "money_spent": 40.0, "payouts": 0.0,
                  "fake_review_points": {"counted": 3, "deduplicated": 7},
                  "detection": {"flagged": 4, "recall": 0.4, "precision": 0.8, "median_lag_days": 2.5},
                  "diamond": None},
        "extort": {"fake_orders": 2, "fake_reviews": 2, "money_spent": 0.0, "payouts": 600.0,
                   "fake_review_points": {"counted": -2},
                   "detection": {"flagged": 0, "recall": 0.0, "precision": None, "median_lag_days": None},
                   "diamond": None}},
    "detectors": {}, "wrongly_penalised": {"honest_sellers": 1, "genuine_buyers": 0}}}


def test_brusher_roi_equals_a_hand_computation(tmp_path):
    # attack run: seller 1 is the farm's client: genuine 100 + 50 (30 refunded) paid, 20 unpaid; its
    # fake order's 500 is not revenue. Seller 2 is a gang target (with serious points); seller 3 honest.
    attack = _run_dir(tmp_path / "runs" / "s.naive" / "taobao" / "rep-0", [
        (1, False, "", True, 100.0, 0.0), (1, False, "", True, 50.0, 30.0), (1, False, "", False, 20.0, 0.0),
        (1, True, "brush", True, 500.0, 0.0), (2, True, "extort", True, 9.0, 0.0),
        (3, False, "", True, 70.0, 0.0)], serious={1: 12, 2: 12})
    # the paired run without the farm: seller 1 sells 60 genuine
    _run_dir(tmp_path / "runs" / "s.honest" / "taobao" / "rep-0", [
        (1, False, "", True, 60.0, 0.0), (3, False, "", True, 70.0, 0.0)], serious={})
    m = run_metrics(SUMMARY, attack)
    assert m["brusher.revenue"] == 100 + 50 - 30
    assert m["brusher.spend"] == 40.0 and m["brusher.sellers"] == 1
    assert m["fake_points.counted"] == 3 and m["fake_points.deduplicated"] == 7  # the farm's only
    assert m["detection.recall"] == 0.4 and m["detection.lag_days"] == 2.5
    assert m["detection.precision"] == pytest.approx(0.8)  # 4 hits, 1 flagged genuine order
    assert m["extortion.payouts"] == 600.0
    assert m["extortion.points_counted"] == -2 and m["extortion.points_removed"] == 0
    assert m["honest_penalised"] == 1  # seller 2 (a framed target); seller 1 bought fakes
    assert m["honest_flagged"] == 1
    rows = [{"run_id": f"s.{v}/taobao/rep-0", "scenario": "s", "variant": v, "rules": "taobao", "replicate": 0,
             "status": "ok", "metrics": dict(m) if v == "naive" else {}} for v in ("naive", "honest")]
    record = {"variants": [{"scenario": "s", "variant": v, "control": "honest"} for v in ("naive", "honest")]}
    add_paired(tmp_path, rows, record)
    got = rows[0]["metrics"]
    extra = 120 - 60
    assert got["brusher.extra_revenue"] == extra
    assert got["brusher_roi"] == pytest.approx((extra - 40) / 40)  # 0.5
    assert got["detection.breakeven_recall"] == pytest.approx(1 - 40 * (1 - 0.4) / extra)  # 0.6
    assert "brusher_roi" not in rows[1]["metrics"]  # the control has no return


def test_breakeven_recall_closed_form():
    assert breakeven_recall(100.0, 50.0, 0.0) == 0.5  # pays while half the orders stay hidden
    assert breakeven_recall(-5.0, 50.0, 0.3) == 0.0  # never pays
    assert breakeven_recall(40.0, 50.0, 0.0) == 0.0  # loses even undetected
    assert breakeven_recall(80.0, 50.0, 1.0) == 1.0 and breakeven_recall(20.0, 50.0, 1.0) == 0.0


def test_control_variant_shares_seeds_and_is_checked(tmp_path):
    exp = spec.load(write_experiment(tmp_path, """
seed = 5
replicates = 2
[[scenarios]]
file = "tiny.toml"
control = "b"
[scenarios.variants]
a = {}
b = { "buyers.count" = 200 }
"""))
    seeds = {v: [r.seed for r in exp.runs() if r.variant == v] for v in ("a", "b")}
    ss = np.random.SeedSequence(5, spawn_key=(zlib.crc32(b"tiny"),))
    assert seeds["a"] == seeds["b"] == [int(s) for s in ss.generate_state(2, dtype=np.uint32)]
    bad = write_experiment(tmp_path, "[[scenarios]]\nfile = 'tiny.toml'\ncontrol = 'hones'\n"
                           "[scenarios.variants]\nhonest = {}\n")
    with pytest.raises(Exception, match=r"scenarios\[0\]\.control.*did you mean 'honest'"):
        spec.load(bad)


def test_hardened_preset_is_taobao_plus_a_minimum_amount():
    assert PRESETS["hardened"] is HARDENED and validate(HARDENED) is HARDENED
    changed = {f.name for f in dataclasses.fields(TAOBAO)
               if getattr(TAOBAO, f.name) != getattr(HARDENED, f.name)}
    assert changed == {"name", "min_amount"}
    assert HARDENED.min_amount == 10.0


def test_judge_accuracy_upholds_a_share_of_evidenced_complaints():
    n = 4000
    ids, at, evidence = np.arange(n), np.zeros(n, np.int64), np.arange(n) % 2 == 0
    full = judge_extortion(TAOBAO, ids, ids, at, evidence)  # accuracy 1: no draws needed
    assert np.array_equal(full.removed_orders, ids[evidence])
    half = judge_extortion(TAOBAO.replace(extortion_judge_accuracy=0.5), ids, ids, at, evidence,
                           np.random.default_rng(1))
    assert set(half.removed_orders) <= set(ids[evidence])  # never one without evidence
    assert abs(len(half.removed_orders) - n / 4) < 4 * np.sqrt(n / 2 * 0.25)
    none = judge_extortion(TAOBAO.replace(extortion_judge_accuracy=0.0), ids, ids, at, evidence,
                           np.random.default_rng(1))
    assert len(none.removed_orders) == 0


@pytest.mark.parametrize("name", ["quick", "caps_dedup_decay", "detection_frontier", "extortion"])
def test_shipped_experiments_validate(name, capsys):
    assert sim.cli.main(["validate", str(ROOT / "experiments" / f"{name}.toml")]) == 0
    assert "ok (experiment" in capsys.readouterr().out
