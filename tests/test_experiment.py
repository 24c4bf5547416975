"""Experiment files (sim.experiment.spec), scenario overrides (--set) and the aggregate.

Grids expand as docs/experiments.md says; bad files are refused with exit code 2 naming the file and
key path (with the closest key); seeds are paired across rule sets; the aggregate equals a hand
computation of the documented bootstrap.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import sim.cli
from sim.errors import InputError
from sim.experiment import spec
from sim.experiment.aggregate import aggregate
from sim.experiment.runs import flatten, runs_table

from helpers.experiments import TINY_SCENARIO, write_experiment

BASE = """
seed = 3
replicates = 2
[[scenarios]]
file = "tiny.toml"
"""


def test_grid_expands_in_written_order_last_knob_fastest(tmp_path):
    exp = spec.load(write_experiment(tmp_path, BASE + """
[[rules]]
preset = "taobao"
[[rules]]
preset = "naive"
cap_max = 3
[[rules]]
name = "g"
dedup_days = [0, 7]
cap_max = [3, "none"]
reviewer_weight = "buyer_credit"
[[rules]]
level_thresholds = [[1, 2, 3], [10, 20]]
"""))
    assert list(exp.rules) == [
        "taobao", "naive+cap_max=3",
        "g+dedup_days=0+cap_max=3", "g+dedup_days=0+cap_max=none",
        "g+dedup_days=7+cap_max=3", "g+dedup_days=7+cap_max=none",
        "taobao+level_thresholds=0", "taobao+level_thresholds=1"]
    g = exp.rules["g+dedup_days=7+cap_max=none"]
    assert (g.dedup_days, g.cap_max, g.reviewer_weight) == (7, None, "buyer_credit")
    assert exp.rules["naive+cap_max=3"].cap_max == 3 and exp.rules["naive+cap_max=3"].dedup_days == 0
    assert exp.rules["taobao+level_thresholds=1"].level_thresholds == (10, 20)
    assert exp.baseline == "taobao"  # the first rule set by default


def test_plan_is_paired_and_quick_is_a_prefix(tmp_path):
    exp = spec.load(write_experiment(tmp_path, """
seed = 11
replicates = 3
rules = ["taobao", "naive"]
[[scenarios]]
file = "tiny.toml"
[scenarios.variants]
a = {}
b = { "buyers.count" = 200 }
[quick]
replicates = 2
set = { "run.days" = 3 }
"""))
    runs = exp.runs()
    assert len(runs) == 2 * 3 * 2
    for v in ("a", "b"):
        seeds = [r.seed for r in runs if r.variant == v and r.rules == "taobao"]
        assert seeds == [r.seed for r in runs if r.variant == v and r.rules == "naive"]  # paired
        ss = np.random.SeedSequence(11, spawn_key=(zlib.crc32(f"tiny.{v}".encode()),))
        assert seeds == [int(s) for s in ss.generate_state(3, dtype=np.uint32)]
    quick = exp.sized(True)
    assert quick.replicates == 2
    assert [r.seed for r in quick.runs()] == [r.seed for r in runs if r.replicate < 2]
    assert quick.variants[1].overrides == {"buyers.count": 200, "run.days": 3}
    assert len({r.seed for r in runs}) == 6 and len({r.run_id for r in runs}) == 12


BAD = [
    ("replicate = 2\n" + BASE, "replicate", "did you mean 'replicates'?"),
    (BASE + "[[rules]]\ndedup_dayz = 3\n", "rules[0].dedup_dayz", "did you mean 'dedup_days'?"),
    (BASE + "[[rules]]\ncap_max = -1\n", "cap_max", "non-negative integer"),
    (BASE + "[[rules]]\ndedup_days = []\n", "rules[0].dedup_days", "non-empty list"),
    (BASE + "[[rules]]\npreset = 'taobo'\n", "rules[0].preset", "did you mean 'taobao'?"),
    ("baseline = 'naiv'\nrules = ['taobao', 'naive']\n" + BASE, "baseline", "did you mean 'naive'?"),
    ("figures = ['credit_overtime']\n" + BASE, "figures[0]", "did you mean 'credit_over_time'?"),
    (BASE + "sett = {}\n", "scenarios[0].sett", "did you mean 'set'?"),
    (BASE + "[scenarios.variants]\nx = { 'buyers.cont' = 3 }\n", "buyers.cont", "did you mean 'buyers.count'?"),
    (BASE + "[scenarios.variants]\nx = { 'buyers.count' = -3 }\n", "scenarios[0].variants.x: buyers.count",
     "a number >= 1"),
    (BASE + "[quick]\nset = { 'run.days' = 0 }\n", "scenarios[0].variants.default with quick.set: run.days", ">= 1"),
    ("seed = 1\n[[scenarios]]\nfile = 'missing.toml'\n", "missing.toml", "an existing scenario file"),
    (BASE + "[log]\norders = 'o.csv'\nreviews = 'r.csv'\n", "scenarios / log", "exactly one"),
    (BASE + "[[rules]]\npreset = 'taobao'\n[[rules]]\npreset = 'taobao'\n", "rules[1]", "distinct names"),
    (BASE.replace("replicates = 2", "replicates = 0"), "replicates", "an integer >= 1"),
    (BASE + "[scenarios.variants]\n'a b' = {}\n", "variants.a b", "a name of letters"),
]


@pytest.mark.parametrize("body, where, expected", BAD)
def test_bad_experiment_files_are_refused(tmp_path, capsys, body, where, expected):
    path = write_experiment(tmp_path, body)
    assert sim.cli.main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("repsim: error: ")
    assert where in err and expected in err
    assert not (tmp_path / "out").exists()  # nothing written


def test_run_set_overrides(tmp_path, capsys):
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY_SCENARIO, encoding="utf-8")
    out = tmp_path / "run"
    assert sim.cli.main(["run", str(scenario), "--seed", "1", "--out", str(out), "--quiet",
                         "--set", "run.days=2", "--set", "run.start=2024-10-28", "--set", "buyers.count=50"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["days"] == 2 and manifest["start"] == "2024-10-28"
    assert manifest["scenario"]["buyers"]["count"] == 50
    assert manifest["overrides"] == {"run.days": 2, "run.start": "2024-10-28", "buyers.count": 50}
    for bad, message in (("buyers.cont=5", "--set: buyers.cont: expected a scenario key path (docs/market.md); "
                                           "did you mean 'buyers.count'?"),
                         ("buyers.count=0", "--set: buyers.count: expected a number >= 1, got 0"),
                         ("run.days.x=1", "--set: run.days.x: expected a key path that ends at run.days"),
                         ("novalue", "--set: novalue: expected KEY.PATH=VALUE")):
        assert sim.cli.main(["run", str(scenario), "--seed", "1", "--out", str(tmp_path / "x"), "--set", bad]) == 2
        assert message in capsys.readouterr().err


def test_overrides_reach_into_arrays_of_tables():
    from sim.scenario.schema import from_mapping, with_overrides

    data = {"couriers": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5}]}
    changed = with_overrides(data, {"couriers[1].name": "c", "sellers.count": 9}, "test")
    assert data["couriers"][1]["name"] == "b"  # a copy
    scenario = from_mapping(changed)
    assert [c.name for c in scenario.couriers] == ["a", "c"] and scenario.sellers.count == 9
    with pytest.raises(InputError, match=r"couriers\[2\].name: expected an existing element"):
        with_overrides(data, {"couriers[2].name": "x"}, "test")
    with pytest.raises(InputError, match="did you mean 'couriers'"):
        with_overrides(data, {"courier": []}, "test")


def _runs(rows):
    return runs_table([{"run_id": f"{s}.{v}/{r}/rep-{k}", "scenario": s, "variant": v, "rules": r, "replicate": k,
                        "seed": 100 + k, "status": status, "error": None, "wall_s": 1.0, "metrics": flatten(m)}
                       for s, v, r, k, status, m in rows])


def test_aggregate_equals_a_hand_computation():
    x_base = [1.0, 2.0, 4.0, 8.0]
    x_alt = [2.0, 2.5, 7.0, None]  # replicate 3 has no value: left out of both the mean and the pairs
    rows = [("s", "v", "base", k, "ok", {"m": {"a": x}, "flag": k % 2 == 0}) for k, x in enumerate(x_base)]
    rows += [("s", "v", "alt", k, "ok", {"m": {"a": x}, "flag": True}) for k, x in enumerate(x_alt)]
    rows += [("s", "v", "alt", 4, "failed", {})]
    table = _runs(rows)
    assert table.column("m.a").type == pa.float64() and table.column("flag").type == pa.bool_()
    agg = aggregate(table, "base", seed=5, resamples=500)
    got = {(r["rules"], r["metric"]): r for r in agg.to_pylist()}

    def hand(values, rules, metric, part):
        values = np.asarray(values, dtype=np.float64)
        key = zlib.crc32(f"s.v/{rules}/{metric}".encode())
        rng = np.random.default_rng([5, key, part])
        means = values[rng.integers(0, len(values), size=(500, len(values)))].mean(axis=1)
        return np.quantile(means, [0.025, 0.975])

    alt = got[("alt", "m.a")]
    assert alt["n"] == 3 and alt["mean"] == pytest.approx(11.5 / 3)
    assert [alt["ci_low"], alt["ci_high"]] == pytest.approx(hand([2.0, 2.5, 7.0], "alt", "m.a", 0))
    diffs = [1.0, 0.5, 3.0]
    assert alt["diff_n"] == 3 and alt["diff_mean"] == pytest.approx(1.5)
    assert [alt["diff_low"], alt["diff_high"]] == pytest.approx(hand(diffs, "alt", "m.a", 1))
    base = got[("base", "m.a")]
    assert base["n"] == 4 and base["mean"] == pytest.approx(3.75) and base["diff_mean"] == 0
    assert base["ci_low"] >= 1.0 and base["ci_high"] <= 8.0
    flag = got[("base", "flag")]
    assert flag["mean"] == 0.5 and got[("alt", "flag")]["diff_mean"] == pytest.approx(0.5)


def test_flatten_and_column_types():
    assert flatten({"a": {"b": 1, "c": [0.5, None]}, "d": True}) == {"a.b": 1, "a.c.0": 0.5, "a.c.1": None, "d": True}
    table = _runs([("s", "v", "r", 0, "ok", {"i": 1, "f": 1, "t": "x"}),
                   ("s", "v", "r", 1, "ok", {"i": 2, "f": 0.5}),
                   ("s", "v", "r", 2, "failed", {})])
    assert table.column("i").type == pa.int64() and table.column("i").to_pylist() == [1, 2, None]
    assert table.column("f").type == pa.float64() and table.column("t").type == pa.string()
    assert table.column_names[:9] == ["run_id", "scenario", "variant", "rules", "replicate", "seed", "status",
                                      "error", "wall_s"]


def test_validate_knows_experiment_files(capsys):
    root = Path(__file__).resolve().parents[1]
    assert sim.cli.main(["validate", str(root / "experiments" / "quick.toml")]) == 0
    assert "ok (experiment, 16 runs (8 with --quick))" in capsys.readouterr().out
