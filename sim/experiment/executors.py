"""Where a sweep's runs execute: in this process, in a pool of local processes, or on Dask.

Each executor calls ``sim.experiment.runs.execute`` on every task and hands each outcome to
``done`` as it finishes. The outcome does not depend on the executor: every run is seeded by its
task and writes only its own directory.

- ``serial`` (``--workers 1``): one run after the other, in this process.
- ``local`` (default): ``concurrent.futures.ProcessPoolExecutor`` whose workers are forked from a
  ``forkserver`` that has imported what a run needs (``PRELOAD``), so the workers do not each pay
  the imports (about 2 s of CPU), and that holds no state of the sweep. The workers exit if the
  sweep dies (``runs.watch_parent``), and the fork server with them.
- ``dask``: ``distributed`` (the optional extra ``dask``): ``--dask local`` starts a
  ``LocalCluster`` of single-threaded worker processes, ``--dask ADDRESS`` uses a running scheduler
  whose workers have repsim installed and see the sweep directory at the same path.

A task whose executor fails it (a worker process killed, out of memory, a Dask worker lost) is
handed to ``done`` as failed with that error, but leaves no directory: ``--resume`` runs it again.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable

from sim.errors import InputError
from sim.experiment.runs import execute, watch_parent

Done = Callable[[dict], None]


def _lost(task: dict, exc: BaseException) -> dict:
    return {"run_id": task["run_id"], "status": "failed",
            "error": f"the worker running it was lost ({type(exc).__name__}: {exc})"}


def run_serial(tasks: list[dict], done: Done) -> None:
    for task in tasks:
        done(execute(task))


#: imported once by the fork server, before it forks the workers: the modules of a run
PRELOAD = ["sim.experiment.runs", "sim.commands.run", "sim.market.world", "sim.market.records", "scipy.stats",
           "pyarrow.parquet"]


def run_local(tasks: list[dict], workers: int, done: Done) -> None:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=watch_parent,
                             initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(execute, task): task for task in tasks}
        try:
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - the process running it died
                    outcome = _lost(futures[future], exc)
                done(outcome)
        except BaseException:  # Ctrl-C: stop now rather than finish the runs under way and queued
            for future in futures:
                future.cancel()
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()  # their staging directories are removed by --resume
            raise


def run_dask(tasks: list[dict], workers: int, address: str, done: Done) -> None:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise InputError("--dask", "", "the optional extra dask (pip install -e '.[dask]')") from None
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=40)
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout=10)
        except (OSError, TimeoutError) as exc:
            raise InputError("--dask", "", "the address of a running Dask scheduler", f"{address} ({exc})") from None
    try:
        futures = {client.submit(execute, task, key=f"repsim-{task['run_id']}-{time.time_ns()}", pure=False): task
                   for task in tasks}
        by_key = {f.key: t for f, t in futures.items()}
        for future in dask_completed(list(futures)):
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - the worker running it was lost
                outcome = _lost(by_key[future.key], exc)
            done(outcome)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
