"""``aggregate.parquet``: per scenario variant, rule set and metric, the mean with a seeded
bootstrap 95% interval, and the paired difference from the baseline rule set with its interval.

Only runs with status ``ok`` and a value for the metric count. The difference pairs each replicate
with the baseline rule set's run of the same variant and replicate (the same seed), so it measures
the rule set's effect with the world held fixed.

The interval is the 2.5% and 97.5% quantiles (numpy's default, linear) of ``RESAMPLES`` means of
resamples drawn with replacement: ``rng.integers(0, n, size=(RESAMPLES, n))``, where
``rng = numpy.random.default_rng([seed, crc32("<scenario>.<variant>/<rules>/<metric>"), part])``,
``seed`` the experiment's master seed and ``part`` 0 for the mean, 1 for the difference.
"""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa

from sim.experiment.runs import column_values, metric_columns

RESAMPLES = 2000


def bootstrap_interval(values: np.ndarray, rng: np.random.Generator,
                       resamples: int = RESAMPLES) -> tuple[float, float]:
    """The percentile bootstrap 95% interval of the mean of ``values``; NaN when empty."""
    n = len(values)
    if n == 0:
        return float("nan"), float("nan")
    means = values[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


def cell_rng(seed: int, scenario: str, variant: str, rules: str, metric: str, part: int) -> np.random.Generator:
    key = zlib.crc32(f"{scenario}.{variant}/{rules}/{metric}".encode())
    return np.random.default_rng([seed, key, part])


def aggregate(runs: pa.Table, baseline: str, seed: int, resamples: int = RESAMPLES) -> pa.Table:
    """The aggregate table of a runs table (see the module docstring); rows in the runs' order."""
    metrics = metric_columns(runs)
    ok = np.asarray(runs.column("status").to_pylist()) == "ok"
    scen = np.asarray(runs.column("scenario").to_pylist(), dtype=object)
    var = np.asarray(runs.column("variant").to_pylist(), dtype=object)
    rules = np.asarray(runs.column("rules").to_pylist(), dtype=object)
    rep = runs.column("replicate").to_numpy()
    values = {m: column_values(runs, m) for m in metrics}
    cells = list(dict.fromkeys(zip(scen, var, rules)))
    out: dict[str, list] = {k: [] for k in ("scenario", "variant", "rules", "metric", "n", "mean", "ci_low",
                                            "ci_high", "diff_n", "diff_mean", "diff_low", "diff_high")}
    for s, v, r in cells:
        rows = ok & (scen == s) & (var == v) & (rules == r)
        base_rows = ok & (scen == s) & (var == v) & (rules == baseline)
        base_reps = rep[base_rows]
        for m in metrics:
            x = values[m][rows]
            keep = ~np.isnan(x)
            x_reps = rep[rows][keep]
            x = x[keep]
            low, high = bootstrap_interval(x, cell_rng(seed, s, v, r, m, 0), resamples)
            base = dict(zip(base_reps.tolist(), values[m][base_rows].tolist()))
            d = np.array([xi - base[k] for xi, k in zip(x, x_reps.tolist())
                          if k in base and not np.isnan(base[k])], dtype=np.float64)
            d_low, d_high = bootstrap_interval(d, cell_rng(seed, s, v, r, m, 1), resamples)
            for key, value in (("scenario", s), ("variant", v), ("rules", r), ("metric", m), ("n", len(x)),
                               ("mean", float(x.mean()) if len(x) else float("nan")), ("ci_low", low),
                               ("ci_high", high), ("diff_n", len(d)),
                               ("diff_mean", float(d.mean()) if len(d) else float("nan")),
                               ("diff_low", d_low), ("diff_high", d_high)):
                out[key].append(value)
    types = {"scenario": pa.string(), "variant": pa.string(), "rules": pa.string(), "metric": pa.string(),
             "n": pa.int64(), "diff_n": pa.int64()}
    return pa.table({k: pa.array(v, types.get(k, pa.float64()), from_pandas=True) for k, v in out.items()})
