"""Experiments: scenarios x rule sets x replicates (``spec``), run by ``repsim sweep`` on a local pool or
Dask (``executors``, ``runs``), summarised in ``runs.parquet`` and ``aggregate.parquet`` (``aggregate``);
the log form scores one log under every rule set (``logscore``). See docs/experiments.md."""
