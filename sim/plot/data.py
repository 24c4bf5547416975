"""Tidy tables for the figure kinds, made from a sweep directory (docs/experiments.md "Figures").

Each builder returns a dict of equal-length numpy columns (``sim.plot.figures.COLUMNS``), or None
when the sweep's metrics lack what it needs. The metric columns of ``runs.parquet`` they read:

- credit over time: each run's ``sellers_daily.parquet`` (date, seller_id, credit); a seller with a
  fake order of a farm (``orders.parquet`` ``fake``/``attack``, the farm by its accounts' role in
  ``accounts.parquet``) is ``brushing``, else ``honest`` (a gang's targets are honest sellers);
- rank agreement: ``fake_review_share`` and ``kendall_tau_quality_rank_score`` (one point per run);
- fake points by status: ``fake_points.<status>`` (mean over the runs);
- brusher ROI: ``brusher_roi`` (mean over the runs), the strategy being the scenario variant;
- detection frontier: ``detection.recall`` and ``detection.lag_days`` (mean per variant and rule set,
  the detector named by both; variants named ``<line>-<point>`` join as the line ``<line>``), and
  ``detection.breakeven_recall`` for the break-even line (its mean per grid point ``<point>``, at
  the point's mean lag; variants without a "-" join it only when there is no grid);
- extortion: ``extortion.payouts`` and ``honest_penalised`` from ``aggregate.parquet`` (mean and interval).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.experiment.bridge import brushing_sellers
from sim.experiment.runs import column_values


def _ok(runs: pa.Table, scenario: str | None = None, variant: str | None = None) -> pa.Table:
    mask = pc.equal(runs.column("status"), "ok")
    if scenario is not None:
        mask = pc.and_(mask, pc.equal(runs.column("scenario"), scenario))
    if variant is not None:
        mask = pc.and_(mask, pc.equal(runs.column("variant"), variant))
    return runs.filter(mask)


def _strings(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_pylist(), dtype=object)


def credit_over_time(sweep_dir: Path, runs: pa.Table, scenario: str, variant: str) -> dict | None:
    """Median and interquartile band of seller credit per day, per rule set and seller group, pooled
    over the replicates."""
    ok = _ok(runs, scenario, variant)
    out: dict[str, list] = {k: [] for k in ("rules", "group", "day", "median", "low", "high")}
    for rules in dict.fromkeys(_strings(ok, "rules")):
        panels: dict[str, list[np.ndarray]] = {"honest": [], "brushing": []}
        for run_id in _strings(ok.filter(pc.equal(ok.column("rules"), rules)), "run_id"):
            run_dir = sweep_dir / "runs" / run_id
            daily_path = run_dir / "sellers_daily.parquet"
            if not daily_path.exists():
                return None
            daily = pq.read_table(daily_path, columns=["date", "seller_id", "credit"])
            brushing = brushing_sellers(run_dir)
            date = daily.column("date").to_numpy().astype("datetime64[D]").astype(np.int64)
            day = date - date.min()
            seller = daily.column("seller_id").to_numpy()
            credit = daily.column("credit").to_numpy().astype(np.float64)
            sellers = np.unique(seller)
            grid = np.full((int(day.max()) + 1, len(sellers)), np.nan)
            grid[day, np.searchsorted(sellers, seller)] = credit
            is_brushing = np.isin(sellers, brushing)
            panels["honest"].append(grid[:, ~is_brushing])
            panels["brushing"].append(grid[:, is_brushing])
        for group, grids in panels.items():
            if not grids or sum(g.shape[1] for g in grids) == 0:
                continue
            days = min(g.shape[0] for g in grids)
            pooled = np.hstack([g[:days] for g in grids])
            low, median, high = np.nanquantile(pooled, [0.25, 0.5, 0.75], axis=1)
            out["rules"] += [rules] * days
            out["group"] += [group] * days
            out["day"] += list(range(days))
            out["median"] += median.tolist()
            out["low"] += low.tolist()
            out["high"] += high.tolist()
    if not out["rules"]:
        return None
    return {k: np.asarray(v) for k, v in out.items()}


def rank_agreement(runs: pa.Table, scenario: str, variant: str) -> dict | None:
    names = ("fake_review_share", "kendall_tau_quality_rank_score")
    if not all(n in runs.column_names for n in names):
        return None
    ok = _ok(runs, scenario, variant)
    x, y = column_values(ok, names[0]), column_values(ok, names[1])
    keep = ~(np.isnan(x) | np.isnan(y))
    if not keep.any():
        return None
    return {"rules": _strings(ok, "rules")[keep], "fake_share": x[keep], "tau": y[keep]}


def _means(ok: pa.Table, keys: tuple[str, ...], metric: str) -> tuple[list[tuple], np.ndarray]:
    """Mean of ``metric`` per distinct combination of the key columns (in order of first appearance)."""
    key_values = list(zip(*[_strings(ok, k) for k in keys]))
    values = column_values(ok, metric)
    groups = list(dict.fromkeys(key_values))
    index = np.array([groups.index(kv) for kv in key_values], dtype=np.int64)
    means = np.full(len(groups), np.nan)
    for i in range(len(groups)):
        chosen = values[index == i]
        if np.isfinite(chosen).any():
            means[i] = np.nanmean(chosen)
    return groups, means


def fake_points_by_status(runs: pa.Table, scenario: str, variant: str) -> dict | None:
    metrics = [n for n in runs.column_names if n.startswith("fake_points.")]
    ok = _ok(runs, scenario, variant)
    if not metrics or ok.num_rows == 0:
        return None
    means = {metric: dict(zip(*_means(ok, ("rules",), metric))) for metric in metrics}
    out: dict[str, list] = {"rules": [], "status": [], "points": []}
    for (rules,) in means[metrics[0]]:
        for metric in metrics:
            mean = means[metric][(rules,)]
            out["rules"].append(rules)
            out["status"].append(metric.split(".", 1)[1])
            out["points"].append(0.0 if np.isnan(mean) else float(mean))
    return {k: np.asarray(v) for k, v in out.items()}


def brusher_roi(runs: pa.Table, scenario: str) -> dict | None:
    if "brusher_roi" not in runs.column_names:
        return None
    ok = _ok(runs, scenario)
    groups, means = _means(ok, ("rules", "variant"), "brusher_roi")
    keep = ~np.isnan(means)
    if not keep.any():
        return None
    return {"rules": np.asarray([g[0] for g in groups], dtype=object)[keep],
            "strategy": np.asarray([g[1] for g in groups], dtype=object)[keep], "roi": means[keep]}


def detection_frontier(runs: pa.Table, scenario: str) -> tuple[dict, dict | None] | None:
    names = ("detection.recall", "detection.lag_days")
    if not all(n in runs.column_names for n in names):
        return None
    ok = _ok(runs, scenario)
    groups, recall = _means(ok, ("variant", "rules"), names[0])
    _, lag = _means(ok, ("variant", "rules"), names[1])
    keep = ~(np.isnan(recall) | np.isnan(lag))
    if not keep.any():
        return None
    single = len({g[1] for g in groups}) == 1  # one rule set: lines are named by the variant alone
    lines = [g[0].rsplit("-", 1)[0] for g in groups]
    detector = np.asarray([v if single else f"{v}, {g[1]}" for v, g in zip(lines, groups)], dtype=object)
    points = {"detector": detector[keep], "lag_days": lag[keep], "recall": recall[keep]}
    breakeven = None
    if "detection.breakeven_recall" in runs.column_names:
        _, line = _means(ok, ("variant", "rules"), "detection.breakeven_recall")
        sel = keep & ~np.isnan(line)
        # one break-even point per grid point (the part after the last "-": the same lag setting on
        # every line), at its mean lag; single detectors (no "-") only when there is no grid
        point = np.asarray([g[0].rsplit("-", 1)[-1] for g in groups], dtype=object)
        grid = np.asarray(["-" in g[0] for g in groups])
        if (sel & grid).any():
            sel &= grid
        names = list(dict.fromkeys(point[sel].tolist()))
        if names:
            pick = [sel & (point == n) for n in names]
            breakeven = {"lag_days": np.array([lag[m].mean() for m in pick]),
                         "recall": np.array([line[m].mean() for m in pick])}
    return points, breakeven


def extortion(aggregate: pa.Table, scenario: str, variant: str) -> dict | None:
    names = ("extortion.payouts", "honest_penalised")
    metrics = set(aggregate.column("metric").to_pylist()) if aggregate.num_rows else set()
    if not all(n in metrics for n in names):
        return None
    rows = aggregate.filter(pc.and_(pc.equal(aggregate.column("scenario"), scenario),
                                    pc.equal(aggregate.column("variant"), variant)))
    out: dict[str, list] = {}
    for metric, prefix in zip(names, ("payouts", "harmed")):
        part = rows.filter(pc.equal(rows.column("metric"), metric))
        out["rules"] = part.column("rules").to_pylist()
        for column, suffix in (("mean", ""), ("ci_low", "_low"), ("ci_high", "_high")):
            out[prefix + suffix] = column_values(part, column)
    if not out["rules"]:
        return None
    return {k: np.asarray(v) for k, v in out.items()}
