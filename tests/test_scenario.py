"""Scenario files: every shipped scenario validates; every kind of bad value is an InputError naming the
file and the key path, and the CLI exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import InputError
from sim.scenario import schema
from sim.scenario.sizing import check_fits, estimate_bytes, expected_orders

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


def test_scenarios_are_shipped():
    names = {p.stem for p in SHIPPED}
    assert {"baseline", "double11", "tmall", "bench"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_validates(path, capsys):
    scenario = schema.load(path)
    assert scenario.run.days >= 1
    assert main(["validate", str(path)]) == 0
    assert "ok" in capsys.readouterr().out


def test_bench_scenario_is_about_a_million_orders():
    s = schema.load(ROOT / "scenarios" / "bench.toml")
    assert (s.run.days, s.sellers.count, s.buyers.count) == (180, 2000, 200_000)
    assert 0.8e6 < expected_orders(s) < 1.3e6


def test_defaults_fill_every_key_and_round_trip():
    s = schema.from_mapping({})
    assert s.buyers.archetypes.direct.share == pytest.approx(0.40)
    data = schema.canonical(s)
    assert data["buyers"]["archetypes"]["vindictive"]["bad_prob"] == pytest.approx(0.95)
    data.pop("actors")
    again = schema.from_mapping(data)
    assert schema.canonical(again) == schema.canonical(s)
    rows = schema.describe()
    assert ("buyers.archetypes.direct.share", "0.4") in [(k, d) for k, d, _ in rows]
    assert all(doc for _, _, doc in rows)


BAD = [
    ("unknown key", "[buyers]\ncount = 10\ncolour = 3\n", "buyers.colour", "unknown key"),
    ("unknown nested key", "[buyers.archetypes.direct]\nshaer = 0.4\n", "buyers.archetypes.direct.shaer",
     "did you mean 'share'?"),
    ("unknown archetype", "[buyers.archetypes.grumpy]\nshare = 0.1\n", "buyers.archetypes.grumpy", "unknown key"),
    ("wrong type", "[buyers]\ncount = \"many\"\n", "buyers.count", "an integer"),
    ("float for int", "[sellers]\ncount = 10.5\n", "sellers.count", "an integer"),
    ("bool for number", "[buyers]\nvisits_per_day = true\n", "buyers.visits_per_day", "a number"),
    ("negative rate", "[buyers]\nvisits_per_day = -0.1\n", "buyers.visits_per_day", "> 0"),
    ("probability above 1", "[buyers.archetypes.direct]\npay_prob = 1.5\n", "buyers.archetypes.direct.pay_prob",
     "[0.0, 1.0]"),
    ("empty population", "[buyers]\ncount = 0\n", "buyers.count", ">= 1"),
    ("empty sellers", "[sellers]\ncount = 0\n", "sellers.count", ">= 1"),
    ("zero horizon", "[run]\ndays = 0\n", "run.days", ">= 1"),
    ("shares", "[buyers.archetypes.direct]\nshare = 0.9\n", "buyers.archetypes.*.share", "sum to 1"),
    ("bad date", "[run]\nstart = \"March\"\n", "run.start", "ISO date"),
    ("bad preset", "[run]\nrules = \"strict\"\n", "run.rules", "preset"),
    ("profile length", "[buyers]\nweekly_profile = [1, 2]\n", "buyers.weekly_profile", "7 numbers"),
    ("festival", "[[buyers.festivals]]\ndate = \"2024-11-11\"\nmultiplier = -2\n", "buyers.festivals[0].multiplier",
     "> 0"),
    ("courier", "[[couriers]]\nname = \"x\"\nloss_prob = 2\n", "couriers[0].loss_prob", "[0.0, 1.0]"),
    ("courier table", "couriers = 3\n", "couriers", "array of tables"),
    ("actor kind", "[[actors]]\nkind = \"alien\"\n", "actors[0].kind", "registered actor kind"),
]


@pytest.mark.parametrize("label,text,path,expected", BAD, ids=[b[0] for b in BAD])
def test_bad_values_are_input_errors(tmp_path, capsys, label, text, path, expected):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(InputError) as err:
        schema.load(f)
    message = err.value.message()
    assert str(f) in message and path in message and expected in message, message
    assert main(["validate", str(f)]) == 2
    assert path in capsys.readouterr().err
    assert main(["run", str(f), "--seed", "1", "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_invalid_toml_and_missing_file(tmp_path):
    f = tmp_path / "broken.toml"
    f.write_text("[run\n")
    with pytest.raises(InputError, match="valid TOML"):
        schema.load(f)
    assert main(["validate", str(tmp_path / "nope.toml")]) == 2


def test_too_big_is_refused_with_an_estimate(tmp_path, capsys):
    s = schema.from_mapping({"buyers": {"count": 10_000_000, "visits_per_day": 1.0}, "run": {"days": 365}})
    need = estimate_bytes(s)
    with pytest.raises(InputError) as err:
        check_fits(s, available=need // 2)
    assert "GiB" in err.value.message() and "expected orders" in err.value.message()
    f = tmp_path / "huge.toml"
    f.write_text("[run]\ndays = 365\n[buyers]\ncount = 2000000000\nvisits_per_day = 1.0\n")
    assert main(["validate", str(f)]) == 2
    assert "fits in memory" in capsys.readouterr().err


def test_ruleset_files_are_told_apart(tmp_path, capsys):
    good = tmp_path / "rules.toml"
    good.write_text('preset = "taobao"\ndedup_days = 0\n')
    bad = tmp_path / "rules_bad.toml"
    bad.write_text('preset = "taobao"\ndedup_days = -1\n')
    assert main(["validate", str(good)]) == 0
    assert "rule set" in capsys.readouterr().out
    assert main(["validate", str(good), str(bad)]) == 2
    assert "dedup_days" in capsys.readouterr().err


def test_scenario_names_a_ruleset_file(tmp_path):
    (tmp_path / "r.toml").write_text('preset = "naive"\n')
    f = tmp_path / "s.toml"
    f.write_text('[run]\nrules = "r.toml"\n')
    s = schema.load(f)
    from sim.commands.common import resolve_rules
    assert resolve_rules(s, None).cap_period == "none"
