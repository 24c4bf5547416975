"""One run of a sweep, in whatever process executes it, and reading finished runs back.

A run's directory (``runs/<scenario>.<variant>/<rules>/rep-<k>``) appears atomically
(``sim.io.atomic``): it holds either the outputs of ``repsim run`` (``summary.json`` among them) or
of the log form (``sim.experiment.logscore``), or, for a run that failed, ``error.json``. A
directory that exists is a finished run; a hidden ``.rep-<k>.partial-*`` directory is a run cut
short (removed by ``--resume``). ``runs.parquet`` is always rebuilt from the directories, so a
resumed sweep and an uninterrupted one give the same table.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import traceback
from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.errors import InputError
from sim.io.atomic import atomic_output_dir

#: the identity columns of runs.parquet, before the metrics
ID_COLUMNS = ("run_id", "scenario", "variant", "rules", "replicate", "seed", "status", "error", "wall_s")


def execute(task: dict) -> dict:
    """Run one planned run here and write its directory; return ``{"run_id", "status"}``.

    A run that raises is recorded as failed (``error.json``: the one-line error and the traceback);
    a run whose directory already exists is not run again.
    """
    run_dir = Path(task["dir"])
    if run_dir.exists():
        return {"run_id": task["run_id"], "status": "exists"}
    began = time.perf_counter()
    try:
        if task["kind"] == "log":
            from sim.experiment.logscore import score_run
            with atomic_output_dir(run_dir) as staging:
                score_run(task, staging)
        else:
            from sim.commands import run
            run.run_scenario(task["scenario_file"], task["seed"], run_dir, task["rules"],
                             overrides=task["overrides"], override_source=task["where"])
        return {"run_id": task["run_id"], "status": "ok"}
    except Exception as exc:  # noqa: BLE001 - any failure of one run is recorded, the sweep goes on
        record_failure(run_dir, exc, time.perf_counter() - began, traceback.format_exc())
        return {"run_id": task["run_id"], "status": "failed"}


def record_failure(run_dir: Path, exc: BaseException, wall_s: float, trace: str = "") -> None:
    """Write the failed run's directory (``error.json``), atomically; nothing if it already exists."""
    text = exc.message() if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split()) or type(exc).__name__
    if run_dir.exists():
        return
    with atomic_output_dir(run_dir) as staging:
        (staging / "error.json").write_text(json.dumps(
            {"error": text, "wall_s": round(wall_s, 3), "traceback": trace}, indent=2) + "\n", encoding="utf-8")


def watch_parent(sweep_pid: int) -> None:
    """Pool-worker initializer: exit when the sweep (process ``sweep_pid``) is gone.

    After ``kill -9`` of the sweep its workers would otherwise finish their runs while a resumed
    sweep runs the same ones, and idle workers would keep the fork server alive; a daemon thread
    notices within a fifth of a second. The sweep is watched by its pid, not as the parent: a
    worker's parent is the fork server.
    """

    def watch() -> None:
        while _alive(sweep_pid):
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="watch-sweep").start()


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (dead, waiting to be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True  # no /proc: existence is all we can tell


def remove_partials(runs_dir: Path) -> int:
    """Remove the staging directories of runs cut short; return how many."""
    removed = 0
    if runs_dir.exists():
        for partial in runs_dir.rglob(".*.partial-*"):
            if partial.is_dir():
                shutil.rmtree(partial, ignore_errors=True)
                removed += 1
    return removed


def read_run(run_dir: Path) -> dict | None:
    """A finished run's status, error, wall time and flattened metrics; None if not finished."""
    if not run_dir.is_dir():
        return None
    error = run_dir / "error.json"
    if error.exists():
        data = json.loads(error.read_text(encoding="utf-8"))
        return {"status": "failed", "error": data["error"], "wall_s": data.get("wall_s"), "metrics": {}}
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    for key in ("scenario", "seed", "rules"):  # identity, already a column
        summary.pop(key, None)
    from sim.experiment.bridge import run_metrics
    metrics = flatten(summary)
    metrics.update(run_metrics(summary, run_dir))  # the experiment metrics (docs/experiments.md)
    return {"status": "ok", "error": None, "wall_s": manifest.get("timings", {}).get("total_s"),
            "metrics": metrics}


def flatten(data, prefix: str = "") -> dict:
    """Nested summary -> ``{"orders.placed": 574, "growth.vip_share_at_end.0": 0.007, ...}``."""
    out = {}
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        name = f"{prefix}{key}"
        if isinstance(value, (dict, list, tuple)):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def runs_table(rows: list[dict]) -> pa.Table:
    """``runs.parquet``: the identity columns, then every metric (sorted by name) of any run.

    A metric whose values are all whole numbers is int64, all booleans bool, otherwise float64 (text
    stays text); a run without it (a failed run) has null there.
    """
    names = sorted({k for row in rows for k in row["metrics"]} - set(ID_COLUMNS))
    columns = {
        "run_id": pa.array([r["run_id"] for r in rows], pa.string()),
        "scenario": pa.array([r["scenario"] for r in rows], pa.string()),
        "variant": pa.array([r["variant"] for r in rows], pa.string()),
        "rules": pa.array([r["rules"] for r in rows], pa.string()),
        "replicate": pa.array([r["replicate"] for r in rows], pa.int64()),
        "seed": pa.array([r["seed"] for r in rows], pa.int64()),
        "status": pa.array([r["status"] for r in rows], pa.string()),
        "error": pa.array([r["error"] for r in rows], pa.string()),
        "wall_s": pa.array([r["wall_s"] for r in rows], pa.float64()),
    }
    for name in names:
        values = [r["metrics"].get(name) for r in rows]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, bool) for v in present):
            kind = pa.bool_()
        elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            kind = pa.int64()
        elif all(isinstance(v, (int, float)) for v in present):
            kind = pa.float64()
            values = [None if v is None else float(v) for v in values]
        else:
            kind = pa.string()
            values = [None if v is None else str(v) for v in values]
        columns[name] = pa.array(values, kind)
    return pa.table(columns)


def metric_columns(table: pa.Table) -> list[str]:
    """The numeric metric columns of a runs table (what the aggregate covers)."""
    return [name for name in table.column_names if name not in ID_COLUMNS
            and (pa.types.is_integer(table.schema.field(name).type)
                 or pa.types.is_floating(table.schema.field(name).type)
                 or pa.types.is_boolean(table.schema.field(name).type))]


def column_values(table: pa.Table, name: str) -> np.ndarray:
    """A numeric column as float64 with NaN for null."""
    column = table.column(name)
    if pa.types.is_boolean(column.type):
        column = column.cast(pa.int8())
    return np.asarray(column.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
