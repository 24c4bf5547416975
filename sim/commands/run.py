"""``repsim run``: simulate a market scenario and write its logs, daily panel, summary and manifest.

``repsim run SCENARIO --seed N --out DIR [--rules PRESET|FILE.toml] [--days N] [--set KEY.PATH=VALUE]... [--quiet]``

``--set`` overrides one scenario key by its dotted path (``--set buyers.count=5000``), validated like
the file; the value is read as a TOML value (``true``, ``0.5``, ``[1, 2]``, ``"text"``), and a bare word
or date that is not one is taken as text (``--set run.start=2024-10-28``).

The scenario is validated and sized before anything runs (bad input and a scenario too big for the
machine are ``InputError``: exit code 2). The output directory is written atomically
(``sim.io.atomic``): ``orders.parquet`` and ``reviews.parquet`` (the input schema of ``repsim score``),
``sellers_daily.parquet``, ``market_daily.parquet``, ``accounts.parquet`` (every account, those created
during the run too: ``repsim score --accounts`` reads it), ``detections.parquet`` (the scenario's
detectors' findings and what the platform acted on; empty without detectors), ``summary.json`` (with an
``attacks`` object when the scenario has attacks or detectors) and ``manifest.json``. The same
scenario, rules and seed give byte-identical files, except the timings in the manifest.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from sim import __version__
from sim.commands.common import resolve_rules
from sim.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario .toml file (see docs/market.md)")
    parser.add_argument("--seed", type=int, required=True, help="master seed of every random stream")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (new or empty)")
    parser.add_argument("--rules", default=None, metavar="RULES",
                        help="a rule preset or rule-set .toml file (default: the scenario's run.rules; "
                             "see docs/rules.md)")
    parser.add_argument("--days", type=int, default=None, help="override the scenario's horizon")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                        help="override a scenario key by its dotted path (repeatable), e.g. buyers.count=5000")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def parse_overrides(items: list[str], source: str = "--set") -> dict:
    """``["a.b=1", "c=text"]`` -> ``{"a.b": 1, "c": "text"}``: values read as TOML, else as text."""
    import datetime
    import tomllib

    out = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(source, item, "KEY.PATH=VALUE")
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        if isinstance(value, (datetime.date, datetime.time)):  # scenario dates are text
            value = text.strip()
        out[key] = value
    return out


def run_scenario(scenario_path: str | Path, seed: int, out: str | Path, rules_spec=None,
                 days: int | None = None, quiet: bool = True, overrides: dict | None = None,
                 override_source: str = "--set") -> dict:
    """Validate, size, simulate and write; return the summary.

    ``rules_spec``: a preset name, a rule-set .toml path or a ``RuleSet`` (default: the scenario's);
    ``overrides``: dotted key paths set over the scenario file (``sim.scenario.schema.with_overrides``).
    """

    from sim.io.atomic import atomic_output_dir
    from sim.io.parquet import write_parquet
    from sim.market.records import (accounts_table, attacks_summary, detections_table, market_daily_table,
                                    orders_table, reviews_table, sellers_daily_table, summary)
    from sim.market.world import STREAMS, World
    from sim.scenario.schema import canonical, load
    from sim.scenario.sizing import check_fits, estimate_bytes

    began = time.perf_counter()
    scenario = load(scenario_path, overrides, override_source)
    if days is not None and days < 1:
        raise InputError("--days", "", "a horizon of at least 1 day", days)
    if seed < 0:
        raise InputError("--seed", "", "a non-negative integer", seed)
    rules = resolve_rules(scenario, rules_spec)
    horizon = days if days is not None else scenario.run.days
    check_fits(scenario, horizon)
    bar = None
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm
        bar = tqdm(total=horizon, unit="day", desc=f"repsim run {scenario.run.name}", file=sys.stderr)
    with atomic_output_dir(out) as staging:
        world = World(scenario, rules, seed, days=horizon, on_day=(lambda d: bar.update(1)) if bar else None)
        t0 = time.perf_counter()
        try:
            world.run()
        finally:
            if bar is not None:
                bar.close()
        t1 = time.perf_counter()
        write_parquet(orders_table(world), staging / "orders.parquet")
        write_parquet(reviews_table(world), staging / "reviews.parquet")
        write_parquet(sellers_daily_table(world), staging / "sellers_daily.parquet")
        write_parquet(market_daily_table(world), staging / "market_daily.parquet")
        write_parquet(accounts_table(world), staging / "accounts.parquet")
        write_parquet(detections_table(world), staging / "detections.parquet")
        result = summary(world)
        if scenario.actors or scenario.detectors:
            result["attacks"] = attacks_summary(world)
        result["scenario"] = scenario.run.name
        result["seed"] = seed
        result["rules"] = rules.name
        _write_json(staging / "summary.json", result)
        t2 = time.perf_counter()
        manifest = {
            "repsim_version": __version__,
            "command": "run",
            "scenario_file": str(scenario_path),
            "scenario": canonical(scenario),
            "overrides": dict(overrides or {}),
            "rules": rules.to_dict(),
            "seed": seed,
            "seed_streams": {"keyed_streams": list(STREAMS), "key": "SeedSequence(seed, spawn_key=(crc32(name), "
                             "len(name))) mixed with (entity, event, slot), sim.market.keyed",
                             "actors_and_detectors": "named_stream(seed, 'actor:' + name or 'detector:' + name), "
                             "sim.attacks.streams"},
            "days": horizon,
            "start": scenario.run.start,
            "as_of_end": world.end,
            "estimated_bytes": estimate_bytes(scenario, horizon),
            "outputs": ["orders.parquet", "reviews.parquet", "sellers_daily.parquet", "market_daily.parquet",
                        "accounts.parquet", "detections.parquet", "summary.json"],
            "timings": {"total_s": round(time.perf_counter() - began, 3), "simulate_s": round(t1 - t0, 3),
                        "write_s": round(t2 - t1, 3),
                        "families_s": {k: round(v, 3) for k, v in world.timings.items()}},
        }
        _write_json(staging / "manifest.json", manifest)
    return result


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=_plain) + "\n", encoding="utf-8")


def _plain(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value)}")


def main(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.overrides)
    result = run_scenario(args.scenario, args.seed, args.out, args.rules, args.days, args.quiet, overrides)
    if not args.quiet:
        o = result["orders"]
        print(f"repsim run: {o['placed']} orders ({o['success']} succeeded), feedback rate "
              f"{_pct(result['feedback_rate'])}, positive {_pct(result['positive_share_given'])} -> {args.out}")
    return 0


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"
