"""Benchmark of ``repsim score``: end to end, the core alone, and the pandas baseline.

    python benchmarks/bench_score.py                       # 1M and 10M orders, pandas at 200k
    python benchmarks/bench_score.py --sizes 1000000 --pandas-size 100000
    python benchmarks/bench_score.py --vs ../old-checkout   # this checkout against another, alternating

First it measures what memory never touched before costs this machine (seconds per GiB of page
faults), which decides much of a cold run's time. For each size, the synthetic log of
``benchmarks/gen_log.py`` (cached under ``benchmarks/data/``, which git ignores) is scored three
ways, each in a fresh child process so that memory figures are not polluted by the generator or by
earlier measurements:

(a) end to end: ``repsim score --format parquet --orders O --reviews R --out DIR`` as a subprocess,
    from Parquet in to every output written, ``--e2e-repeat`` times in a row; wall time, peak RSS
    and user and system CPU time (``/usr/bin/time -v`` when present, else the peak from
    ``getrusage(RUSAGE_CHILDREN).ru_maxrss``).
(b) the core alone: in a child process, read the logs (``sim.io.logfiles``), then time
    ``score(orders, actions, TAOBAO)``; reviews per second counts every row the core scores, that is
    the action rows of the input plus the system defaults it adds (default good reviews and tmall
    buyer credits) = ``len(result.reviews)``; the rate over action rows alone is shown too. Peak
    memory is the process's peak RSS during scoring (the kernel's high-water mark is reset after
    reading, via ``/proc/self/clear_refs``), and the peak over the whole process.
(c) the pandas baseline (``benchmarks/pandas_score.py``) against the core on the ``--pandas-size``
    log, both in-process on the same arrays, with the speed ratio and a check that the account
    scores agree.

With ``--vs CHECKOUT`` (another checkout of repsim with its own ``.venv``), (a) and (b) of both are
run in turn instead, and the ratios this/other are printed pair by pair and as a median.

With ``--dask`` (the ``dask`` extra), instead: each size (default 10M) is scored end to end on one
machine as in (a), keeping its output, and then on a Dask LocalCluster of 2 worker processes, each
limited to a third of the one-machine peak RSS (``repsim score --dask``'s job, in a child process;
a worker over its limit is killed and the job fails). It prints both times, the one-machine peak
and each worker's peak RSS, and checks that every output table is identical.

Targets (printed as ok / MISS): 10M orders end to end <= 10 s and <= 6 GB; core >= 3M reviews/s.
Benchmarks report figures; they are not timed tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GiB = 1024 ** 3

TARGET_E2E_SECONDS = 10.0
TARGET_E2E_BYTES = 6 * GiB
TARGET_REVIEWS_PER_SECOND = 3e6
TARGET_SIZE = 10_000_000


# ---------------------------------------------------------------------------------------------
# data


def log_paths(n: int, seed: int, data: Path = DATA) -> tuple[Path, Path]:
    """The cached log of ``n`` orders (generated on first use, in a child process)."""
    directory = data / f"log-{n}-seed{seed}"
    orders, reviews = directory / "orders.parquet", directory / "reviews.parquet"
    if not (orders.exists() and reviews.exists()):
        print(f"generating {n:,} orders (seed {seed}) into {directory} ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "gen_log.py"), "--orders", str(n), "--seed", str(seed),
                        "--out", str(directory)], check=True)
    return orders, reviews


# ---------------------------------------------------------------------------------------------
# memory helpers (Linux /proc; fall back to getrusage)


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux >= 4.0); False if impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_bytes() -> int:
    hwm = _status_kib("VmHWM")
    if hwm is not None:
        return hwm * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ---------------------------------------------------------------------------------------------
# (a) end to end


def _repsim_command() -> tuple[list[str], str]:
    """How to run ``repsim score``: the installed script if its CLI loads, else the score command
    module directly (while other subcommands of the CLI are still being written)."""
    script = shutil.which("repsim") or str(Path(sys.executable).parent / "repsim")
    probe = subprocess.run([script, "score", "--help"], capture_output=True, text=True)
    if probe.returncode == 0:
        return [script, "score"], "repsim score"
    shim = ("import argparse, sys; from sim.commands import score as s; "
            "p = argparse.ArgumentParser(prog='repsim score'); s.add_arguments(p); "
            "sys.exit(s.main(p.parse_args()))")
    return [sys.executable, "-c", shim], "sim.commands.score (the repsim CLI did not load)"


CHILD_ENV: dict[str, str] = {}


def _env() -> dict[str, str]:
    return {**os.environ, **CHILD_ENV}


def end_to_end(orders: Path, reviews: Path, tree: Path | None = None) -> dict:
    """``repsim score`` of this checkout, or of the checkout ``tree`` (run by its own
    ``.venv``)."""
    if tree is None:
        command, how = _repsim_command()
    else:
        command, how = [str(tree / ".venv" / "bin" / "repsim"), "score"], f"repsim score of {tree}"
    out_parent = Path(tempfile.mkdtemp(prefix="bench-out-", dir=DATA))
    out = out_parent / "result"
    args = command + ["--orders", str(orders), "--reviews", str(reviews), "--out", str(out),
                      "--format", "parquet"]
    timer = "/usr/bin/time"
    use_time = os.path.exists(timer)
    if use_time:
        args = [timer, "-v"] + args
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - start
    peak = user = system = None
    if use_time:
        peak = _time_field(proc.stderr, r"Maximum resident set size \(kbytes\)")
        peak = None if peak is None else int(peak) * 1024
        user = _time_field(proc.stderr, r"User time \(seconds\)")
        system = _time_field(proc.stderr, r"System time \(seconds\)")
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the largest child so far
    written = sorted(p.name for p in out.iterdir()) if out.exists() else []
    size = sum(p.stat().st_size for p in out.iterdir()) if out.exists() else 0
    shutil.rmtree(out_parent, ignore_errors=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"ok": False, "how": how, "error": tail, "wall_s": wall}
    return {"ok": True, "how": how, "wall_s": wall, "peak_bytes": peak, "user_s": user, "system_s": system,
            "files": written, "output_bytes": size, "stdout": proc.stdout.strip()}


def _time_field(report: str, label: str) -> float | None:
    """A number from the report of ``/usr/bin/time -v``, or None."""
    match = re.search(label + r": ([\d.]+)", report)
    return float(match.group(1)) if match else None


# ---------------------------------------------------------------------------------------------
# the machine: what fresh memory costs


def _child_fresh_memory(mib: int) -> dict:
    """Seconds per GiB to touch memory this process never had (the kernel, and on a virtual
    machine its host, must supply each page), and to write the same memory again."""
    import numpy as np

    block = np.empty(mib << 20, np.uint8)
    t = time.perf_counter()
    block[::4096] = 1  # one write a page: the page faults, not the writing, are timed
    fresh = time.perf_counter() - t
    t = time.perf_counter()
    block[::4096] = 2
    reused = time.perf_counter() - t
    return {"fresh_s_per_gib": fresh * 1024 / mib, "reused_s_per_gib": reused * 1024 / mib}


def fresh_memory_cost(mib: int = 512) -> dict:
    proc = subprocess.run([sys.executable, __file__, "_memory", str(mib)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"ok": False, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return {"ok": True, **json.loads(proc.stdout.strip().splitlines()[-1])}


# ---------------------------------------------------------------------------------------------
# (b) the core alone, in a child process


def _finished(result):
    """``result`` with every field read: the timings of an older checkout's core (``--vs``), which
    handed some fields over while still making them in a second thread, include that work."""
    result.buyers, result.sellers, len(result.reviews)
    return result


def _child_core(orders_path: str, reviews_path: str, repeat: int) -> dict:
    import gc

    from sim.allocator import keep_freed_memory
    from sim.io.logfiles import read_actions, read_orders
    from sim.reputation.core import score
    from sim.rules.presets import TAOBAO

    keep_freed_memory()  # as the repsim command does (sim.allocator)
    t0 = time.perf_counter()
    orders = read_orders(orders_path)
    actions = read_actions(reviews_path, orders, orders_source=orders_path)
    read_s = time.perf_counter() - t0
    gc.collect()
    rss_before = (_status_kib("VmRSS") or 0) * 1024
    reset = _reset_peak()
    times, cpu = [], []
    peak = 0
    result = None
    for _ in range(repeat):
        result = None
        gc.collect()
        t, c = time.perf_counter(), time.process_time()
        result = _finished(score(orders, actions, TAOBAO))
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        peak = max(peak, _peak_bytes())
    rows = len(result.reviews)
    return {"orders": len(orders), "actions": len(actions), "review_rows": rows,
            "defaults": rows - len(actions), "read_s": read_s, "score_s": times, "score_cpu_s": cpu,
            "rss_before_bytes": rss_before, "peak_scoring_bytes": peak if reset else None,
            "peak_process_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def core_alone(orders: Path, reviews: Path, repeat: int, tree: Path | None = None) -> dict:
    """(b) in a child process of this checkout, or of the checkout ``tree`` (this script run by
    its ``.venv``, so that its ``sim`` is scored by the same measuring code)."""
    python = sys.executable if tree is None else str(tree / ".venv" / "bin" / "python")
    proc = subprocess.run([python, __file__, "_core", str(orders), str(reviews), str(repeat)],
                          capture_output=True, text=True, env=_env())
    if proc.returncode != 0:
        return {"ok": False, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return {"ok": True, **json.loads(proc.stdout.strip().splitlines()[-1])}


# ---------------------------------------------------------------------------------------------
# (c) pandas against the core


def _child_pandas(orders_path: str, reviews_path: str) -> dict:
    import numpy as np
    import pandas as pd

    sys.path.insert(0, str(HERE))
    from pandas_score import score_pandas

    from sim.io.logfiles import read_actions, read_orders
    from sim.reputation.core import score
    from sim.rules.presets import TAOBAO

    orders = read_orders(orders_path)
    actions = read_actions(reviews_path, orders, orders_source=orders_path)
    t = time.perf_counter()
    result = score(orders, actions, TAOBAO)
    core_s = time.perf_counter() - t
    t = time.perf_counter()
    mine = score_pandas(orders, actions, TAOBAO)
    pandas_s = time.perf_counter() - t
    disagreements = []
    for name, ref in (("sellers", result.sellers), ("buyers", result.buyers)):
        expected = pd.DataFrame(ref.columns())
        for col in expected.columns:
            same = np.isclose(mine[name][col].to_numpy(float), expected[col].to_numpy(float), equal_nan=True)
            if not same.all():
                disagreements.append(f"{name}.{col}: {int((~same).sum())} rows")
    rows_differ = int((mine["reviews"]["status"].to_numpy() != result.reviews.status).sum())
    return {"orders": len(orders), "actions": len(actions), "review_rows": len(result.reviews),
            "core_s": core_s, "pandas_s": pandas_s, "account_disagreements": disagreements,
            "row_status_differences": rows_differ}


def pandas_vs_core(orders: Path, reviews: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "_pandas", str(orders), str(reviews)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return {"ok": False, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return {"ok": True, **json.loads(proc.stdout.strip().splitlines()[-1])}


# ---------------------------------------------------------------------------------------------
# this checkout against another, alternating


def versus(tree: Path, orders: Path, reviews: Path, rounds: int) -> dict:
    """This checkout's end-to-end and core-alone times against those of the checkout ``tree``, run
    in turn (this, other, this, other, ...) so that drift in the machine's speed hits both alike.
    The ratios this/other of wall and CPU time (user + system; on a machine shared with other work
    the steadier figure) are taken pair by pair, and their medians reported."""
    pairs: dict[str, list[dict]] = {"end to end": [], "core alone": []}
    for k in range(rounds):
        for label in pairs:
            if label == "end to end":
                runs = end_to_end(orders, reviews), end_to_end(orders, reviews, tree)
                figures = [{"wall": r["wall_s"], "cpu": (r["user_s"] or 0) + (r["system_s"] or 0)}
                           if r["ok"] else None for r in runs]
            else:
                runs = core_alone(orders, reviews, 1), core_alone(orders, reviews, 1, tree)
                figures = [{"wall": r["score_s"][0], "cpu": r["score_cpu_s"][0]} if r["ok"] else None
                           for r in runs]
            if None in figures:
                print(f"  round {k + 1}, {label}: FAILED ({runs[0].get('error') or runs[1].get('error')})")
                continue
            this, other = figures
            pairs[label].append({"this": this, "other": other})
            print(f"  round {k + 1}, {label}: this {this['wall']:.2f} s wall {this['cpu']:.2f} s CPU, other "
                  f"{other['wall']:.2f} s wall {other['cpu']:.2f} s CPU", flush=True)
    out = {}
    for label, timed in pairs.items():
        out[label] = {"pairs": timed}
        for figure in ("wall", "cpu"):
            ratios = sorted(p["this"][figure] / p["other"][figure] for p in timed if p["other"][figure] > 0)
            if ratios:
                out[label][f"{figure}_ratio"] = ratios[len(ratios) // 2]
                print(f"  {label}, {figure}: this/other median {ratios[len(ratios) // 2]:.3f} "
                      f"(min {ratios[0]:.3f}, max {ratios[-1]:.3f}, {len(ratios)} pairs)")
    return out

# --dask: a LocalCluster of 2 workers, each with a third of the one-machine peak


def _child_dask(orders: str, reviews: str, out: str, limit: int, partitions: int) -> dict:
    import dask
    from distributed import Client, LocalCluster

    from sim.distributed.job import score_on_dask
    from sim.rules.presets import TAOBAO

    dask.config.set({"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False,
                     "distributed.worker.memory.pause": False})
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=limit,
                           dashboard_address=None)
    with Client(cluster) as client:
        t = time.perf_counter()
        figures = score_on_dask(client, orders, reviews, out, TAOBAO, partitions=partitions or None)
        wall = time.perf_counter() - t
        peaks = sorted(client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024).values())
        cpu = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_utime
                         + resource.getrusage(resource.RUSAGE_SELF).ru_stime)
    cluster.close()
    return {"wall_s": wall, "worker_peaks": peaks, "limit": limit, **figures, "worker_cpu_s": sorted(cpu.values()),
            "driver_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _child_compare(one: str, dist: str) -> dict:
    import pyarrow.parquet as pq

    from sim.distributed.job import read_dataset_result

    got = read_dataset_result(dist)
    same = {}
    for name, table in got.items():
        expected = pq.read_table(Path(one) / f"{name}.parquet")
        same[name] = bool(table.schema == expected.schema and table.equals(expected))
    return same


def dask_vs_one_machine(n: int, orders: Path, reviews: Path, partitions: int | None) -> dict:
    """One machine end to end (output kept), then the LocalCluster run, then the comparison."""
    work = Path(tempfile.mkdtemp(prefix="bench-dask-", dir=DATA))
    try:
        command, how = _repsim_command()
        one = work / "one"
        args = ["/usr/bin/time", "-v"] + command + ["--orders", str(orders), "--reviews", str(reviews),
                                                    "--out", str(one), "--format", "parquet"]
        t = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, env=_env())
        one_s = time.perf_counter() - t
        if proc.returncode != 0:
            return {"ok": False, "error": "one machine: " + (proc.stderr.strip().splitlines() or ["?"])[-1]}
        one_peak = int(_time_field(proc.stderr, r"Maximum resident set size \(kbytes\)")) * 1024
        one_cpu = (_time_field(proc.stderr, r"User time \(seconds\)") or 0) + (_time_field(proc.stderr, r"System time \(seconds\)") or 0)
        limit = one_peak // 3
        dist = work / "dist"
        load = os.getloadavg()[0]
        proc = subprocess.run([sys.executable, __file__, "_dask", str(orders), str(reviews), str(dist),
                               str(limit), str(partitions or 0)], capture_output=True, text=True, env=_env())
        if proc.returncode != 0:
            return {"ok": False, "one_s": one_s, "one_peak": one_peak, "limit": limit,
                    "error": "dask: " + (proc.stderr.strip().splitlines() or ["?"])[-1]}
        dask = json.loads(proc.stdout.strip().splitlines()[-1])
        dask["killed"] = proc.stderr.count("memory budget. Restarting")  # by the nanny, over the limit
        proc = subprocess.run([sys.executable, __file__, "_compare", str(one), str(dist)],
                              capture_output=True, text=True)
        same = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {"compare": False}
        return {"ok": True, "one_s": one_s, "one_cpu_s": one_cpu, "one_peak": one_peak, "dask": dask, "identical": same,
                "load_before_dask": load, "load_after": os.getloadavg()[0]}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report_dask(n: int, r: dict) -> None:
    print(f"\n== {n:,} orders: one machine vs Dask LocalCluster (2 workers, 1 thread each) ==")
    if not r["ok"]:
        print(f"FAILED: {r['error']}")
        return
    d = r["dask"]
    print(f"one machine (repsim score --format parquet): {r['one_s']:.1f} s wall, {r['one_cpu_s']:.1f} s CPU, "
          f"peak RSS {_gb(r['one_peak'])}")
    print(f"dask ({d['partitions']} partitions, worker memory limit {_gb(d['limit'])} = a third of that peak): "
          f"{d['wall_s']:.1f} s wall, CPU per worker {', '.join(f'{c:.1f} s' for c in d['worker_cpu_s'])}; peak RSS per worker {', '.join(_gb(p) for p in d['worker_peaks'])}; "
          f"driver {_gb(d['driver_peak'])}; workers killed for exceeding the limit: {d['killed']}")
    print("dask stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in d["seconds"].items()))
    print("identical to one machine: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in r["identical"].items()))
    print(f"load average before the dask run {r['load_before_dask']:.2f}, after {r['load_after']:.2f} (2 CPUs)")


# ---------------------------------------------------------------------------------------------
# report


def _gb(n: int | None) -> str:
    return "-" if n is None else f"{n / GiB:.2f} GiB"


def _span(runs: list[dict], key: str, unit: str, show=lambda v: f"{v:.2f}") -> str:
    """``low-high`` of a figure over the successful runs (one value if they agree)."""
    values = [e[key] for e in runs if e["ok"] and e.get(key) is not None]
    if not values:
        return "-"
    low, high = show(min(values)), show(max(values))
    return f"{low}{unit}" if low == high else f"{low}-{high}{unit}"


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    global DATA
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_core":
        print(json.dumps(_child_core(argv[1], argv[2], int(argv[3]))))
        return 0
    if argv and argv[0] == "_pandas":
        print(json.dumps(_child_pandas(argv[1], argv[2])))
        return 0
    if argv and argv[0] == "_memory":
        print(json.dumps(_child_fresh_memory(int(argv[1]))))
        return 0
    if argv and argv[0] == "_dask":
        print(json.dumps(_child_dask(argv[1], argv[2], argv[3], int(argv[4]), int(argv[5]))))
        return 0
    if argv and argv[0] == "_compare":
        print(json.dumps(_child_compare(argv[1], argv[2])))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="log sizes in orders (default: 1000000 10000000; with --dask 10000000)")
    parser.add_argument("--dask", action="store_true",
                        help="one machine against a Dask LocalCluster of 2 workers with a third of its memory each")
    parser.add_argument("--partitions", type=int, default=None, help="with --dask: partitions (default: the job's)")
    parser.add_argument("--pandas-size", type=int, default=200_000,
                        help="log size for the pandas baseline against the core (0 skips it)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="core timings per size (best is reported)")
    parser.add_argument("--e2e-repeat", type=int, default=1,
                        help="end-to-end runs per size, one after the other (each is reported)")
    parser.add_argument("--data", type=Path, default=DATA, help="cache directory of generated logs")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    parser.add_argument("--child-env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment for the measured child processes (a) and (b), e.g. "
                             "MALLOC_MMAP_MAX_=0 to keep glibc from mapping fresh pages for every large array")
    parser.add_argument("--vs", type=Path, default=None, metavar="CHECKOUT",
                        help="instead, time this checkout against another one (e.g. a git worktree of an "
                             "older commit with its own .venv), alternating, end to end and core alone")
    parser.add_argument("--vs-rounds", type=int, default=3, help="alternating rounds per size with --vs")
    args = parser.parse_args(argv)
    CHILD_ENV.update(item.split("=", 1) for item in args.child_env)
    DATA = args.data
    DATA.mkdir(parents=True, exist_ok=True)

    import numpy
    import pyarrow

    if CHILD_ENV:
        print("child environment:", " ".join(f"{k}={v}" for k, v in CHILD_ENV.items()))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs at start (other work on the machine skews the timings)")
    print(f"python {platform.python_version()}, numpy {numpy.__version__}, pyarrow {pyarrow.__version__}, "
          f"{os.cpu_count()} CPUs, {platform.machine()} {platform.system()}")
    if args.dask:
        results = {}
        for n in args.sizes or [TARGET_SIZE]:
            orders, reviews = log_paths(n, args.seed, DATA)
            results[n] = dask_vs_one_machine(n, orders, reviews, args.partitions)
            report_dask(n, results[n])
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str))
        return 0 if all(r["ok"] and all(r["identical"].values()) for r in results.values()) else 1
    args.sizes = args.sizes or [1_000_000, 10_000_000]
    memory = fresh_memory_cost()
    if memory["ok"]:
        print(f"memory: {memory['fresh_s_per_gib']:.2f} s per GiB never touched before, "
              f"{memory['reused_s_per_gib']:.3f} s per GiB reused (page faults dominate a cold run "
              f"when the first figure is large)")
    report: dict = {"sizes": {}, "pandas": None, "memory": memory}
    if args.vs is not None:
        report["versus"] = {"checkout": str(args.vs), "sizes": {}}
        for n in args.sizes:
            orders, reviews = log_paths(n, args.seed, DATA)
            print(f"\n== {n:,} orders: this checkout against {args.vs} ==", flush=True)
            report["versus"]["sizes"][n] = versus(args.vs, orders, reviews, args.vs_rounds)
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, default=str))
        return 0
    for n in args.sizes:
        orders, reviews = log_paths(n, args.seed, DATA)
        print(f"\n== {n:,} orders ({orders.parent}) ==", flush=True)
        runs = [end_to_end(orders, reviews) for _ in range(max(1, args.e2e_repeat))]
        core = core_alone(orders, reviews, args.repeat)
        report["sizes"][n] = {"end_to_end": runs, "core": core, "load_average_after": os.getloadavg()[0]}
        for k, e2e in enumerate(runs, 1):
            label = f"(a) end to end, run {k} of {len(runs)}" if len(runs) > 1 else "(a) end to end"
            if e2e["ok"]:
                cpu = ("" if e2e["user_s"] is None else
                       f", CPU {e2e['user_s']:.2f} s user + {e2e['system_s']:.2f} s system")
                print(f"{label} [{e2e['how']}, --format parquet]: {e2e['wall_s']:.2f} s wall{cpu}, "
                      f"peak RSS {_gb(e2e['peak_bytes'])}; wrote {', '.join(e2e['files'])} "
                      f"({e2e['output_bytes'] / 2**20:.0f} MiB)")
            else:
                print(f"{label} FAILED after {e2e['wall_s']:.2f} s: {e2e['error']}")
        if core["ok"]:
            best = min(core["score_s"])
            core["best_s"] = best
            core["reviews_per_s"] = core["review_rows"] / best
            first = core["score_s"][0]
            core["first_reviews_per_s"] = core["review_rows"] / first
            print(f"(b) core alone: read {core['read_s']:.2f} s; score {best:.2f} s best of "
                  f"{len(core['score_s'])} ({', '.join(f'{t:.2f}' for t in core['score_s'])}; the first "
                  f"run faults its memory in fresh: {core['first_reviews_per_s'] / 1e6:.2f} M reviews/s); "
                  f"{core['review_rows']:,} review rows = {core['actions']:,} actions + {core['defaults']:,} "
                  f"system defaults -> {core['reviews_per_s'] / 1e6:.2f} M reviews/s "
                  f"({core['actions'] / best / 1e6:.2f} M actions/s); peak RSS while scoring "
                  f"{_gb(core['peak_scoring_bytes'])} (logs in memory before: {_gb(core['rss_before_bytes'])}; "
                  f"whole process {_gb(core['peak_process_bytes'])})")
        else:
            print(f"(b) core alone FAILED: {core['error']}")
        print(f"    load average after: {os.getloadavg()[0]:.2f}")

    if args.pandas_size:
        orders, reviews = log_paths(args.pandas_size, args.seed, DATA)
        print(f"\n== pandas baseline vs core, {args.pandas_size:,} orders ==", flush=True)
        pv = pandas_vs_core(orders, reviews)
        report["pandas"] = pv
        if pv["ok"]:
            pv["ratio"] = pv["pandas_s"] / pv["core_s"]
            agree = "agree" if not pv["account_disagreements"] else "DISAGREE: " + "; ".join(pv["account_disagreements"])
            print(f"(c) pandas {pv['pandas_s']:.2f} s, core {pv['core_s']:.3f} s: core is {pv['ratio']:.0f}x faster "
                  f"({pv['review_rows']:,} review rows); account scores {agree}; "
                  f"{pv['row_status_differences']} review rows differ in status")
        else:
            print(f"(c) FAILED: {pv['error']}")

    # summary table
    print("\n| orders | actions | review rows | end to end | e2e peak RSS | core score | M reviews/s | core peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, r in report["sizes"].items():
        runs, c = r["end_to_end"], r["core"]
        print(f"| {n:,} | {c.get('actions', 0):,} | {c.get('review_rows', 0):,} | "
              f"{_span(runs, 'wall_s', ' s')}{'' if all(e['ok'] for e in runs) else ' (failed)'} | "
              f"{_span(runs, 'peak_bytes', ' GiB', lambda v: f'{v / GiB:.2f}')} | "
              f"{c.get('best_s', float('nan')):.2f} s | {c.get('reviews_per_s', float('nan')) / 1e6:.2f} | "
              f"{_gb(c.get('peak_scoring_bytes'))} |")
    if report["pandas"] and report["pandas"]["ok"]:
        p = report["pandas"]
        print(f"\npandas baseline at {p['orders']:,} orders: {p['pandas_s']:.2f} s vs core {p['core_s']:.3f} s "
              f"(x{p['ratio']:.0f})")
    print("\ntargets:")
    for n, r in report["sizes"].items():
        runs, c = r["end_to_end"], r["core"]
        if n == TARGET_SIZE and all(e["ok"] for e in runs):
            met = sum(e["wall_s"] <= TARGET_E2E_SECONDS for e in runs)
            print(f"  {n:,} end to end <= {TARGET_E2E_SECONDS:.0f} s: {_span(runs, 'wall_s', ' s')} "
                  f"{_mark(met == len(runs))}{'' if len(runs) == 1 else f' ({met} of {len(runs)} runs met it)'}")
            peak = max(e["peak_bytes"] for e in runs)
            print(f"  {n:,} end to end <= 6 GB: {_gb(peak)} {_mark(peak <= TARGET_E2E_BYTES)}")
        if c["ok"]:
            print(f"  {n:,} core >= 3 M reviews/s: {c['reviews_per_s'] / 1e6:.2f} M/s "
                  f"{_mark(c['reviews_per_s'] >= TARGET_REVIEWS_PER_SECOND)}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
