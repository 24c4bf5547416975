"""Benchmark: the batch market model against a bare SimPy model with one process per order, and the
market with a brushing farm and a detector against the honest market.

    python benchmarks/bench_market.py                       # both, on scenarios/bench.toml
    python benchmarks/bench_market.py --days 30             # a shorter horizon
    python benchmarks/bench_market.py --part market         # one side only
    python benchmarks/bench_market.py --part attack         # bench.toml and bench_brushing.toml, alternating

- **attack**: the honest ``bench.toml`` and ``bench_brushing.toml`` (the same market plus a farm of
  10,000 accounts placing about 100,000 fake orders a month, and the graph detector weekly), each in
  its own child process, honest first, ``--repeat`` times alternating; printed: each run's time and
  peak memory and the ratio brushing / honest (target: at most 1.2, and 4 GB).

- **market**: ``sim.market.world.World`` on the scenario (every actor family, the section-1 timers, and
  the platform's daily incremental scoring), then the Parquet outputs. The orders live in columnar
  arrays and are processed in hourly batches.
- **bare**: the straw man the design is measured against: SimPy with one process per order that only
  waits out the lifecycle's timeouts (pay, ship, transit, confirm, review) with no behaviour, no records
  and no scoring. It places as many orders, over the same horizon, as the market run did.

Each side runs in its own child process, so its peak memory (``resource.getrusage(...).ru_maxrss``) is
its own. Printed: wall time, orders per second, peak memory, and the ratio bare / market (the target:
at least 2x, within 60 s and 4 GB for 180 days, 2,000 sellers, 200,000 buyers, about 1M orders).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def market(scenario: str, days: int | None, seed: int) -> dict:
    from sim.commands.common import resolve_rules
    from sim.io.parquet import write_parquet
    from sim.market.records import (accounts_table, attacks_summary, detections_table, market_daily_table,
                                    orders_table, reviews_table, sellers_daily_table)
    from sim.market.world import World
    from sim.scenario.schema import load

    sc = load(scenario)
    rules = resolve_rules(sc, None)
    t0, c0 = time.perf_counter(), time.process_time()
    world = World(sc, rules, seed, days=days)
    world.run()
    t1, c1 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        write_parquet(orders_table(world), Path(tmp) / "orders.parquet")
        write_parquet(reviews_table(world), Path(tmp) / "reviews.parquet")
        write_parquet(sellers_daily_table(world), Path(tmp) / "sellers_daily.parquet")
        write_parquet(market_daily_table(world), Path(tmp) / "market_daily.parquet")
        write_parquet(accounts_table(world), Path(tmp) / "accounts.parquet")
        write_parquet(detections_table(world), Path(tmp) / "detections.parquet")
        if sc.actors or sc.detectors:
            attacks_summary(world)
    t2 = time.perf_counter()
    n = world.book.orders.n
    fake = int(world.book.orders["fake"].sum())
    return {"part": "market", "orders": n, "fake_orders": fake, "actions": world.book.actions.n, "days": world.days,
            "simulate_s": t1 - t0, "cpu_s": c1 - c0, "write_s": t2 - t1, "wall_s": t2 - t0, "orders_per_s": n / (t1 - t0),
            "peak_mib": peak_mib(), "families_s": world.timings}


def bare(orders: int, days: int, seed: int) -> dict:
    """One SimPy process per order, waiting out pay, ship, transit, confirm and review."""
    import numpy as np
    import simpy

    from sim.timeutil import DAY, HOUR

    rng = np.random.default_rng(seed)
    arrivals = np.sort(rng.integers(0, days * DAY, orders))
    gaps = np.diff(arrivals, prepend=0).tolist()
    pay = rng.exponential(0.3 * HOUR, orders).tolist()
    ship = rng.exponential(1.0 * DAY, orders).tolist()
    transit = rng.lognormal(np.log(2.5 * DAY), 0.35, orders).tolist()
    confirm = rng.exponential(2.0 * DAY, orders).tolist()
    review = rng.exponential(2.0 * DAY, orders).tolist()
    done = [0]

    def order(env, i):
        yield env.timeout(pay[i])
        yield env.timeout(ship[i])
        yield env.timeout(transit[i])
        yield env.timeout(confirm[i])
        yield env.timeout(review[i])
        done[0] += 1

    def source(env):
        for i in range(orders):
            yield env.timeout(gaps[i])
            env.process(order(env, i))

    t0, c0 = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    env.process(source(env))
    env.run()
    t1, c1 = time.perf_counter(), time.process_time()
    return {"part": "bare", "orders": orders, "completed": done[0], "days": days, "wall_s": t1 - t0,
            "simulate_s": t1 - t0, "cpu_s": c1 - c0, "orders_per_s": orders / (t1 - t0), "peak_mib": peak_mib()}


def child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def show(r: dict) -> None:
    extra = f", write {r['write_s']:.1f} s" if "write_s" in r else ""
    print(f"{r['part']:>6}: {r['orders']:,} orders in {r['simulate_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU "
          f"(simulate{extra}), "
          f"{r['orders_per_s']:,.0f} orders/s, peak {r['peak_mib']:,.0f} MiB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "bench.toml"))
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--part", choices=("both", "market", "bare", "attack"), default="both")
    ap.add_argument("--attack-scenario", default=str(ROOT / "scenarios" / "bench_brushing.toml"))
    ap.add_argument("--repeat", type=int, default=1, help="attack: honest/brushing pairs to run")
    ap.add_argument("--orders", type=int, default=None, help="orders of the bare model (default: as the market)")
    ap.add_argument("--json", action="store_true", help="print one JSON line (used between processes)")
    a = ap.parse_args()
    if a.part == "attack":
        days = ["--days", str(a.days)] if a.days else []
        ratios = []
        for _ in range(a.repeat):
            h = child(["--part", "market", "--scenario", a.scenario, "--seed", str(a.seed), *days])
            show(h)
            b = child(["--part", "market", "--scenario", a.attack_scenario, "--seed", str(a.seed), *days])
            show(b)
            ratios.append(b["wall_s"] / h["wall_s"])
            print(f" brushing: {b['fake_orders']:,} fake orders; wall incl. outputs {b['wall_s']:.1f} s against "
                  f"{h['wall_s']:.1f} s honest: {ratios[-1]:.2f}x (target <= 1.2), peak {b['peak_mib'] / 1024:.2f} GiB "
                  f"against {h['peak_mib'] / 1024:.2f} GiB (target <= 4 GiB)")
            for label, r in (("honest", h), ("brushing", b)):
                print(f" {label} families (s): " + ", ".join(f"{k} {v:.1f}" for k, v in r["families_s"].items()))
        return 0
    if a.part == "market":
        r = market(a.scenario, a.days, a.seed)
    elif a.part == "bare":
        from sim.scenario.schema import load
        days = a.days or load(a.scenario).run.days
        r = bare(a.orders or 1_000_000, days, a.seed)
    else:
        common = ["--scenario", a.scenario, "--seed", str(a.seed)] + (["--days", str(a.days)] if a.days else [])
        m = child(["--part", "market", *common])
        show(m)
        b = child(["--part", "bare", "--orders", str(m["orders"]), *common])
        show(b)
        ratio = b["simulate_s"] / m["simulate_s"]
        cpu_ratio = b["cpu_s"] / m["cpu_s"]
        print(f" ratio: the bare one-process-per-order model takes {ratio:.2f}x the market's wall time "
              f"({cpu_ratio:.2f}x its CPU time; target >= 2); market wall incl. outputs {m['wall_s']:.1f} s (target <= 60 s), "
              f"peak {m['peak_mib'] / 1024:.2f} GiB (target <= 4 GiB)")
        print(" market families (s): " + ", ".join(f"{k} {v:.1f}" for k, v in m["families_s"].items()))
        return 0
    if a.json:
        print(json.dumps(r))
    else:
        show(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
