"""``repsim sweep``: run an experiment's scenarios x rule sets x replicates, then aggregate and plot.

``repsim sweep EXPERIMENT --out DIR [--workers N] [--dask local|ADDRESS] [--resume] [--quick] [--quiet]
[--format pdf,png]``

The experiment is validated whole before anything runs (``sim.experiment.spec``; bad input exits 2).
Seeds are drawn here, in the parent, one per scenario variant and replicate, the same for every rule
set. ``DIR`` gets ``plan.json`` (what will run), ``runs/`` (one directory per run, each written
atomically), then ``runs.parquet``, ``aggregate.parquet`` (and, for a log experiment,
``sellers.parquet``) and ``figures/``. Exit code 0 when every run succeeded, 1 when some failed (each
recorded with its error; the others still ran), 2 for bad input, 130 after Ctrl-C. See
docs/experiments.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from sim.commands.common import positive_int
from sim.errors import InputError
from sim.io.atomic_file import write_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", metavar="EXPERIMENT", help="experiment .toml file (docs/experiments.md)")
    parser.add_argument("--out", required=True, metavar="DIR", help="sweep directory (new or empty, or "
                        "an interrupted sweep's with --resume)")
    parser.add_argument("--workers", type=positive_int, default=None, metavar="N",
                        help="runs side by side (default: every core); 1 runs them one after the other here")
    parser.add_argument("--dask", default=None, metavar="local|ADDRESS",
                        help="run on Dask: 'local' starts a LocalCluster of --workers processes, an address "
                             "uses a running scheduler (needs the extra 'dask')")
    parser.add_argument("--resume", action="store_true",
                        help="finish an interrupted sweep in DIR: run each missing run once")
    parser.add_argument("--quick", action="store_true", help="the experiment's [quick] size")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no closing line")
    parser.add_argument("--format", dest="formats", default="pdf,png", metavar="pdf,svg,png",
                        help="figure formats (default: pdf,png)")


def plan_record(exp, quick: bool) -> dict:
    """What ``plan.json`` holds: enough to check that a resumed sweep is the same sweep, and to plot it."""
    return {
        "experiment": exp.name, "source": exp.source, "kind": exp.kind, "quick": quick, "seed": exp.seed,
        "replicates": exp.replicates, "baseline": exp.baseline,
        "figures": list(exp.figures) if exp.figures is not None else None,
        "rules": {name: rules.to_dict() for name, rules in exp.rules.items()},
        "variants": [{"scenario": v.scenario, "variant": v.name, "file": v.file, "overrides": v.overrides,
                      "control": v.control} for v in exp.variants],
        "runs": [{"run_id": r.run_id, "scenario": r.scenario, "variant": r.variant, "rules": r.rules,
                  "replicate": r.replicate, "seed": r.seed} for r in exp.runs()],
    }


def _write_json(path: Path, data) -> None:
    write_atomic(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8"))


def _tasks(exp, out: Path) -> list[dict]:
    variants = {(v.scenario, v.name): v for v in exp.variants}
    tasks = []
    for run in exp.runs():
        task = {"run_id": run.run_id, "dir": str((out / "runs" / run.run_id).resolve()), "seed": run.seed,
                "rules": exp.rules[run.rules]}
        if exp.log is not None:
            task.update(kind="log", orders=exp.log.orders, reviews=exp.log.reviews, accounts=exp.log.accounts,
                        as_of=exp.log.as_of)
        else:
            v = variants[(run.scenario, run.variant)]
            task.update(kind="scenario", scenario_file=v.file, overrides=v.overrides,
                        where=f"{exp.source}: {v.where}")
        tasks.append(task)
    return tasks


def sweep(experiment: str | Path, out: str | Path, workers: int | None = None, dask: str | None = None,
          resume: bool = False, quick: bool = False, quiet: bool = True, formats: str = "pdf,png") -> dict:
    """Run the sweep (see the module docstring); return counts ``{"runs", "ok", "failed", "ran"}``."""
    from sim.experiment import spec
    from sim.experiment.executors import default_workers, run_dask, run_local, run_serial
    from sim.experiment.runs import remove_partials
    from sim.plot.render import parse_formats, render_sweep

    exp = spec.load(experiment).sized(quick)
    fmts = parse_formats(formats)
    out = Path(out)
    record = plan_record(exp, quick)
    plan_path = out / "plan.json"
    if resume and out.is_dir():
        for leftover in [*out.glob(".*.partial-*"), *out.glob("figures/.*.partial-*")]:
            leftover.unlink()  # a file cut short by kill -9 (the plan, a table, a figure)
    if resume and plan_path.exists():
        old = json.loads(plan_path.read_text(encoding="utf-8"))
        same = {k: v for k, v in json.loads(json.dumps(record, default=str)).items() if k != "source"}
        if {k: v for k, v in old.items() if k != "source"} != same:
            raise InputError(str(out), "plan.json", "the same experiment, size and seed as the interrupted sweep")
    else:  # a new sweep, or one killed before its plan was written (no run starts before that)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise InputError(str(out), "--out", "a new or empty directory (or --resume to finish a sweep)")
        out.mkdir(parents=True, exist_ok=True)
        _write_json(plan_path, record)
    remove_partials(out / "runs")
    tasks = _tasks(exp, out)
    todo = [t for t in tasks if not Path(t["dir"]).exists()]
    counts = {"runs": len(tasks), "ran": len(todo), "ok": 0, "failed": 0}
    workers = workers or default_workers()
    bar = None
    failed_now = sum((Path(t["dir"]) / "error.json").exists() for t in tasks)  # recorded before a resume
    if not quiet:
        from tqdm import tqdm
        bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), unit="run", desc=f"repsim sweep {exp.name}",
                   file=sys.stderr, dynamic_ncols=True, postfix={"failed": failed_now})

    lost: dict[str, str] = {}  # run_id -> error, for runs whose worker died (no directory: resumable)

    def done(outcome: dict) -> None:
        nonlocal failed_now
        failed_now += outcome["status"] == "failed"
        if "error" in outcome:
            lost[outcome["run_id"]] = outcome["error"]
        if bar is not None:
            bar.update(1)
            bar.set_postfix(failed=failed_now)

    began = time.perf_counter()
    try:
        if dask is not None:
            run_dask(todo, workers, dask, done)
        elif workers == 1:
            run_serial(todo, done)
        else:
            run_local(todo, min(workers, max(len(todo), 1)), done)
    finally:
        if bar is not None:
            bar.close()
    counts["elapsed_s"] = time.perf_counter() - began
    rows = finish(out, exp, record, lost)
    counts["ok"] = sum(r["status"] == "ok" for r in rows)
    counts["failed"] = sum(r["status"] == "failed" for r in rows)
    counts["tables_s"] = time.perf_counter() - began - counts["elapsed_s"]
    counts["figures"] = render_sweep(out, out / "figures", fmts, quiet=quiet)
    counts["figures_s"] = time.perf_counter() - began - counts["elapsed_s"] - counts["tables_s"]
    return counts


def finish(out: Path, exp, record: dict, lost: dict[str, str]) -> list[dict]:
    """Read every run's directory and write ``runs.parquet`` and ``aggregate.parquet`` (and, for a log
    experiment, ``sellers.parquet``); return the rows. ``lost``: the errors of runs whose worker died."""
    import pyarrow.parquet as pq

    from sim.experiment.aggregate import aggregate
    from sim.experiment.runs import read_run, runs_table

    rows = []
    for run in record["runs"]:
        found = read_run(out / "runs" / run["run_id"])
        if found is None:  # its worker died: reported, and left for --resume
            found = {"status": "failed", "error": lost.get(run["run_id"], "the run never finished"), "wall_s": None,
                     "metrics": {}}
        rows.append({**run, **found})
    from sim.experiment.bridge import add_paired
    add_paired(out, rows, record)  # brusher ROI against the paired run without the attack
    if exp.log is not None:
        from sim.experiment.logscore import compare_sellers
        from sim.experiment.runs import flatten
        sellers, extra = compare_sellers(out, list(exp.rules), exp.baseline)
        for row in rows:
            row["metrics"].update(flatten(extra.get(row["rules"], {})))
        if sellers.num_columns:
            write_atomic(out / "sellers.parquet", lambda p: pq.write_table(sellers, p))
    table = runs_table(rows)
    write_atomic(out / "runs.parquet", lambda p: pq.write_table(table, p))
    agg = aggregate(table, exp.baseline, exp.seed)
    write_atomic(out / "aggregate.parquet", lambda p: pq.write_table(agg, p))
    return rows


def main(args: argparse.Namespace) -> int:
    try:
        counts = sweep(args.experiment, args.out, args.workers, args.dask, args.resume, args.quick, args.quiet,
                       args.formats)
    except KeyboardInterrupt:
        print(f"repsim sweep: interrupted; the finished runs are kept, and 'repsim sweep {args.experiment} "
              f"--out {args.out}{' --quick' if args.quick else ''} --resume' runs the rest", file=sys.stderr)
        return 130
    if not args.quiet:
        print(f"repsim sweep: {counts['runs']} runs, {counts['ok']} ok, {counts['failed']} failed "
              f"({counts['ran']} run now in {counts['elapsed_s']:.1f} s; tables {counts['tables_s']:.1f} s); "
              f"{len(counts['figures'])} figure files ({counts['figures_s']:.1f} s) -> {args.out}")
    if counts["failed"]:
        print(f"repsim sweep: {counts['failed']} run(s) failed; their errors are in runs.parquet (column error)",
              file=sys.stderr)
        return 1
    return 0
