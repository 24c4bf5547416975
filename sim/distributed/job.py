"""A distributed scoring job: ``repsim score --dask local|ADDRESS`` on Dask distributed.

``score_on_dask`` runs the tasks of ``sim.distributed.tasks`` stage by stage, each stage a batch of
independent tasks on the cluster's workers, and writes the result as a Parquet dataset::

    OUT/manifest.json
    OUT/sellers/part-PPPPP.parquet   the sellers of partition P, by seller_id
    OUT/buyers/part-BBBBB.parquet    the buyers of buyer shard B, by buyer_id
    OUT/reviews/part-PPPPP.parquet   the review rows of the actions on partition P's orders, in input order
    OUT/reviews/system-KKKKK.parquet the system rows of order-id range K, in order_id order

Every review file has a column ``row`` beyond the one-machine columns: the row's place among the
one-machine result's review rows (actions in input order, then the default reviews by order_id,
then the tmall buyer credits by order_id). ``read_dataset_result`` puts the three tables in the
one-machine order. The dataset is written in a staging directory beside OUT, with the scratch
shards inside it, and renamed into place only when complete (``sim.io.atomic``); an error or an
interrupt removes it. docs/distributed.md explains the choice of partitions.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.io.atomic import atomic_output_dir
from sim.io.dataset import dataset_files
from sim.io.results import write_manifest
from sim.distributed import tasks as T
from sim.rules.ruleset import RuleSet

#: Orders per partition when not chosen, at most.
PARTITION_ORDERS = 1 << 20
#: What a worker's memory must hold (docs/distributed.md): the process itself, and per order of the
#: partition it scores (workers scoring partitions of 1M and of 0.67M orders of the benchmark log
#: peaked at 0.63-0.77 and 0.60-0.70 GiB). Partitions are sized to fill ``MEMORY_SHARE`` of a worker
#: thread's memory limit, the rest being headroom below the limit at which the nanny kills it.
WORKER_BYTES = 200 << 20
BYTES_PER_ORDER = 600
MEMORY_SHARE = 0.6
#: Rows of an input file read by one task, at most (whole Parquet row groups; a CSV file is read whole).
PIECE_ROWS = 1 << 20
SHARD_KINDS = ("orders", "order_ids", "actions", "accounts", "partition_actions", "account_needs",
               "account_found", "plain", "weights", "system", "buyer_sums")


def connect(address: str):
    """A Dask client: ``local`` starts a LocalCluster of one single-threaded worker process per
    CPU; anything else is a scheduler address. Worker memory is left unmanaged (no spilling, no
    pausing): tasks keep their data in files, not in Dask's memory."""
    import dask
    from distributed import Client, LocalCluster

    from sim.reputation.core import default_workers

    dask.config.set({"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False,
                     "distributed.worker.memory.pause": False})
    if address == "local":
        cluster = LocalCluster(n_workers=default_workers(), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster)
    return Client(address)


def default_partitions(orders_files, client) -> int:
    """Partitions of at most ``PARTITION_ORDERS`` orders, small enough for the smallest memory
    limit per worker thread, and at least one per worker thread. Parquet files tell their row
    counts; a CSV file is taken at 64 bytes a row."""
    rows = 0
    for f in orders_files:
        try:
            rows += pq.ParquetFile(f.path).metadata.num_rows
        except Exception:  # CSV, or unreadable (reading it reports that)
            rows += f.path.stat().st_size // 64 if f.path.exists() else 0
    workers = client.scheduler_info().get("workers", {}).values()
    threads = sum(w.get("nthreads", 1) for w in workers)
    per_part = PARTITION_ORDERS
    limits = [w["memory_limit"] / max(1, w.get("nthreads", 1)) for w in workers if w.get("memory_limit")]
    if limits:
        per_part = min(per_part, max(1, int((MEMORY_SHARE * min(limits) - WORKER_BYTES) / BYTES_PER_ORDER)))
    return max(threads, math.ceil(rows / per_part), 1)


def score_on_dask(client, orders: str | Path, reviews: str | Path, out: str | Path, rules: RuleSet,
                  as_of: int | None = None, accounts: str | Path | None = None,
                  partitions: int | None = None, piece_rows: int = PIECE_ROWS) -> dict:
    """Score the log (files or datasets) on the cluster of ``client`` and write the result dataset
    into ``out``; returns the manifest's figures. Raises ``InputError`` for bad input, leaving nothing."""
    files = {"orders": dataset_files(orders), "reviews": dataset_files(reviews),
             "accounts": dataset_files(accounts) if accounts is not None else []}
    P = partitions or default_partitions(files["orders"], client)
    with atomic_output_dir(out) as staging:
        scratch = staging / ".scratch"
        for name in ("sellers", "buyers", "reviews"):
            (staging / name).mkdir()
        sc = T.Scratch(scratch)
        for kind in SHARD_KINDS:
            sc.make(kind, P)
        job = T.Job(str(scratch), str(staging), P, rules, {k: [str(f.path) for f in v] for k, v in files.items()},
                    str(orders), accounts is not None and rules.min_reviewer_age_days is not None)
        run = _Runner(client)

        # 1. read every piece of every file
        pieces = [(kind, k, piece) for kind in T.KINDS for k, f in enumerate(files[kind])
                  for piece in f.pieces(piece_rows)]
        read = run(T.read_piece, [job] * len(pieces), *zip(*pieces), list(range(len(pieces))))
        rows = {kind: np.zeros(len(files[kind]), np.int64) for kind in T.KINDS}
        for (kind, _, _), (k, n, _) in zip(pieces, read):
            rows[kind][k] += n
        if as_of is None:
            as_of = max([r[2] for r in read] + [0])
        action_starts = np.concatenate([[0], np.cumsum(rows["reviews"])]).astype(np.int64)
        n_actions = int(action_starts[-1])

        # 2. keys unique, orders known; actions to their seller's partition; accounts looked up
        samples = run(T.join_orders, [job] * P, range(P))
        run(T.check_accounts, [job] * P, range(P) if files["accounts"] else [])
        if job.with_accounts:
            run(T.account_needs, [job] * P, range(P))
            run(T.account_answers, [job] * P, range(P))
        sample = np.sort(np.concatenate(samples))
        splitters = sample[(np.arange(1, P) * len(sample)) // P] if len(sample) else np.zeros(0, np.int64)

        # 3. reviewer weights from every partition's plain buyer points
        if rules.reviewer_weight == "buyer_credit":
            run(T.plain_points, [job] * P, range(P), [as_of] * P)
            run(T.buyer_weights, [job] * P, range(P))

        # 4. partitions scored; 5. buyers and system rows finished
        parts = run(T.score_partition, [job] * P, range(P), [as_of] * P, [action_starts] * P, [splitters] * P)
        counts = sum(p["system"] for p in parts) if parts else np.zeros((P, 2), np.int64)
        first_default = n_actions + np.concatenate([[0], np.cumsum(counts[:, 0])[:-1]])
        first_credit = n_actions + counts[:, 0].sum() + np.concatenate([[0], np.cumsum(counts[:, 1])[:-1]])
        buyers = run(T.buyer_scores, [job] * P, range(P))
        run(T.system_rows, [job] * P, range(P), first_default.tolist(), first_credit.tolist())

        shutil.rmtree(scratch)
        figures = {"sellers": sum(p["sellers"] for p in parts), "buyers": sum(buyers),
                   "reviews": n_actions + int(counts.sum())}
        write_manifest(staging, as_of, rules, "parquet dataset", figures, partitions=P,
                       row_order="sellers by seller_id and buyers by buyer_id within each file; "
                                 "review rows in the one-machine order by their column 'row'")
    return {"as_of": as_of, "partitions": P, **figures, "seconds": run.seconds}


class _Runner:
    """Runs one stage: a task per argument tuple on the cluster, waiting for all. Bad input found
    by any task is raised as the first ``InputError`` in reading order; an interrupt cancels the
    stage's tasks."""

    def __init__(self, client) -> None:
        self.client = client
        self.seconds: dict[str, float] = {}  # per task function, wall time of its stages

    def __call__(self, fn, *args) -> list:
        args = [list(a) for a in args]
        if not args or not args[-1]:
            return []
        start = time.perf_counter()
        futures = self.client.map(fn, *args, pure=False)
        try:
            results = self.client.gather(futures)
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.cancel(futures)
            raise
        self.seconds[fn.__name__] = self.seconds.get(fn.__name__, 0.0) + time.perf_counter() - start
        failures = [r for r in results if isinstance(r, T.Failure)]
        if failures:
            raise min(failures, key=lambda f: f.rank).error
        return results


def read_dataset_result(directory: str | Path) -> dict[str, pa.Table]:
    """The ``sellers``, ``buyers`` and ``reviews`` tables of a result dataset, each in the order of
    the one-machine result (sellers by seller_id, buyers by buyer_id, reviews by ``row``, which is
    then dropped)."""
    directory = Path(directory)
    out = {}
    for name, key in (("sellers", "seller_id"), ("buyers", "buyer_id"), ("reviews", "row")):
        files = sorted((directory / name).glob("*.parquet"))
        table = pa.concat_tables([pq.read_table(f) for f in files])
        table = table.take(pc.sort_indices(table, [(key, "ascending")]))
        out[name] = table.drop_columns(["row"]) if name == "reviews" else table
    return out
