"""Benchmark: the throughput of ``repsim sweep`` with 1 and 2 local workers and a Dask LocalCluster of
2 workers, and the fixed cost of a run.

    python benchmarks/bench_sweep.py                  # 12 runs a sweep, each mode twice, alternating
    python benchmarks/bench_sweep.py --replicates 8 --repeat 3
    python benchmarks/bench_sweep.py --modes 1,2      # without Dask

Each sweep is ``repsim sweep`` in a fresh child process, end to end (start, validation, runs,
runs.parquet, aggregate.parquet, figures), on a small experiment: scenarios/baseline.toml at 30 days,
3,000 buyers and 80 sellers, under taobao and naive. The modes alternate round by round, so a busy
machine slows them alike. Printed per mode: runs per hour end to end, and for the runs alone
(the executor's time); the ratios the targets name (2 workers at least 1.7x of 1; Dask within 15%
of the local pool).

The fixed cost of a run is measured two ways: a fresh ``repsim run`` of a one-day, ten-buyer market
(start, imports, the run and its writing: the cost a run would have in a process of its own), and,
inside the sweeps, each run's wall time less its simulation (``manifest.json`` timings: loading the
scenario, building the world, writing the outputs) in a warm worker. Target: at most 2 s a run.

Before and after each round, the same pure-Python CPU work runs in 1 and in 2 processes: the ratio is
what the machine could give two workers at that moment (about 2 when nothing else runs; on a machine
shared with other work, much less), the ceiling of the measured 2-worker speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EXPERIMENT = """
seed = 1
replicates = {replicates}
baseline = "taobao"
figures = ["rank_agreement"]
rules = ["taobao", "naive"]
[[scenarios]]
file = "{root}/scenarios/baseline.toml"
set = {{ "run.days" = 30, "buyers.count" = 3000, "sellers.count" = 80 }}
"""

MINIMAL = """
[run]
days = 1
[buyers]
count = 10
[sellers]
count = 2
"""


def sweep_once(exp: Path, out: Path, mode: str) -> dict:
    args = [sys.executable, "-m", "sim.cli", "sweep", str(exp), "--out", str(out), "--quiet"]
    if mode == "dask":
        args += ["--dask", "local", "--workers", "2"]
    else:
        args += ["--workers", mode]
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    total = time.perf_counter() - t0
    plan = json.loads((out / "plan.json").read_text())
    walls, fixed, first = [], [], []
    for run in plan["runs"]:
        manifest = json.loads((out / "runs" / run["run_id"] / "manifest.json").read_text())
        t = manifest["timings"]
        walls.append(t["total_s"])
        fixed.append(t["total_s"] - t["simulate_s"])
    n = len(plan["runs"])
    return {"runs": n, "total_s": total, "run_wall_s": walls, "fixed_s": fixed}


def _spin(_: int) -> float:
    t0 = time.perf_counter()
    x = 0
    for i in range(3_000_000):
        x += i * i
    return time.perf_counter() - t0


def machine_ratio() -> float:
    """What this machine gives two processes right now: the time of 4 pure-Python CPU tasks in 1
    process over their time in 2. About 2 on an idle 2-core machine; less when others' work takes
    the cores (the ceiling of any 2-worker speed-up measured at the same moment)."""
    import multiprocessing

    times = []
    for n in (1, 2):
        t0 = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(n) as pool:
            pool.map(_spin, range(4))
        times.append(time.perf_counter() - t0)
    return times[0] / times[1]


def fresh_run(tmp: Path, k: int) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of a fresh ``repsim run`` of the minimal market."""
    scenario = tmp / "minimal.toml"
    scenario.write_text(MINIMAL)
    t0, c0 = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "-m", "sim.cli", "run", str(scenario), "--seed", "1", "--out",
                    str(tmp / f"fresh-{k}"), "--quiet"], check=True)
    return time.perf_counter() - t0, _children_cpu() - c0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=6, help="replicates (x 2 rule sets = runs a sweep)")
    parser.add_argument("--repeat", type=int, default=2, help="rounds; the modes alternate within each")
    parser.add_argument("--modes", default="1,2,dask", help="comma-separated: 1, 2, dask")
    args = parser.parse_args()
    modes = args.modes.split(",")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs "
          "(other work on the machine slows every mode; the modes alternate)")
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmpdir:
        tmp = Path(tmpdir)
        exp = tmp / "bench.toml"
        exp.write_text(EXPERIMENT.format(replicates=args.replicates, root=ROOT))
        fresh = [fresh_run(tmp, k) for k in range(3)]
        results: dict[str, list[dict]] = {m: [] for m in modes}
        ratios: list[float] = []
        for r in range(args.repeat):
            order = modes if r % 2 == 0 else modes[::-1]
            ratios.append(machine_ratio())
            for mode in order:
                results[mode].append(sweep_once(exp, tmp / f"{mode}-{r}", mode))
                print(f"  round {r + 1}, {mode:>4}: {results[mode][-1]['total_s']:.1f} s", file=sys.stderr)
            ratios.append(machine_ratio())
    print(f"small experiment: {results[modes[0]][0]['runs']} runs (30 days, 3,000 buyers, 80 sellers; "
          f"taobao and naive), {args.repeat} rounds, modes alternating")
    print(f"{'mode':<22}{'runs/hour end to end':>22}{'sweep s (median)':>18}")
    per_hour = {}
    labels = {"1": "1 local worker", "2": "2 local workers", "dask": "Dask LocalCluster, 2"}
    for mode in modes:
        total = statistics.median(x["total_s"] for x in results[mode])
        per_hour[mode] = results[mode][0]["runs"] * 3600 / total
        print(f"{labels[mode]:<22}{per_hour[mode]:>22,.0f}{total:>18.1f}")
    if "1" in per_hour and "2" in per_hour:
        print(f"2 workers / 1 worker: {per_hour['2'] / per_hour['1']:.2f}x (target >= 1.7x); the machine gave two "
              f"pure-CPU processes {min(ratios):.2f}-{max(ratios):.2f}x meanwhile (2.0 when idle)")
    if "2" in per_hour and "dask" in per_hour:
        print(f"Dask / local pool (2 workers): {per_hour['dask'] / per_hour['2']:.2f} (target >= 0.85)")
    fixed = [f for mode in modes for x in results[mode] for f in x["fixed_s"][1:]]
    walls, cpus = [w for w, _ in fresh], [c for _, c in fresh]
    print(f"fixed cost of a run in a fresh process (repsim run, 1 day, 10 buyers): median "
          f"{statistics.median(walls):.2f} s wall (min {min(walls):.2f}), {statistics.median(cpus):.2f} s CPU "
          "(target <= 2 s)")
    print(f"fixed cost of a run in a warm sweep worker (wall less simulation: load, build, write): median "
          f"{statistics.median(fixed):.3f} s, max {max(fixed):.3f} s")
    one = [w for x in results.get("1", []) for w in x["run_wall_s"]]
    if one:
        print(f"one run's wall time (1 worker): median {statistics.median(one):.2f} s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
