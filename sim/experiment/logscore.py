"""The log form of an experiment: one log scored under every rule set, compared with the baseline.

Each run scores the log (``sim.commands.score.score_logs``) and writes the score tables as Parquet,
with a ``summary.json`` of its metrics (``log_summary``). Where the orders log has a ground-truth
``fake`` column (true/false, 1/0), the summary also has the fake reviews' share of the credit and
their points by final status (``fake_points.<status>``: the rating each fake buyer review would
have given, +1/0/-1, summed by the status the rules gave it - what each rule blocked).

After all runs, ``compare_sellers`` puts every seller's credit, level and rank under each rule set
beside the baseline's (the sweep's ``sellers.parquet``), and ``baseline_metrics`` adds the
``vs_baseline.*`` metrics to each run's row.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from sim.errors import InputError

_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n", ""}


def read_fake(orders_path: str | Path) -> tuple[np.ndarray, np.ndarray] | None:
    """``(order_id, fake)`` from the orders log's ``fake`` column, or None when it has none."""
    path = Path(orders_path)
    if path.suffix == ".parquet":
        names = pq.read_schema(path).names
        if "fake" not in names:
            return None
        table = pq.read_table(path, columns=["order_id", "fake"])
    else:
        with path.open(encoding="utf-8") as fh:
            header = [h.strip() for h in fh.readline().rstrip("\n").split(",")]
        if "fake" not in header:
            return None
        table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            include_columns=["order_id", "fake"], column_types={"fake": pa.string()},
            strings_can_be_null=False))
    order_id = np.asarray(table.column("order_id").to_numpy(zero_copy_only=False), dtype=np.int64)
    column = table.column("fake").combine_chunks()
    if pa.types.is_boolean(column.type) or pa.types.is_integer(column.type):
        values = column.fill_null(0 if pa.types.is_integer(column.type) else False).to_numpy(zero_copy_only=False)
        if pa.types.is_integer(column.type) and not np.isin(values, (0, 1)).all():
            row = int(np.flatnonzero(~np.isin(values, (0, 1)))[0])
            raise InputError(str(path), f"row {row + 1}, column fake", "true/false or 1/0", values[row])
        return order_id, values.astype(bool)
    text = [str(v).strip().lower() if v is not None else "" for v in column.to_pylist()]
    fake = np.zeros(len(text), dtype=bool)
    for row, v in enumerate(text):
        if v in _TRUE:
            fake[row] = True
        elif v not in _FALSE:
            raise InputError(str(path), f"row {row + 1}, column fake", "true/false or 1/0", v)
    return order_id, fake


def score_run(task: dict, staging: Path) -> None:
    """Score the log under the task's rule set into ``staging`` (an atomic run directory)."""
    from sim.commands.score import score_logs
    from sim.io.logfiles import parse_time_option
    from sim.io.results import write_result

    began = time.perf_counter()
    rules = task["rules"]
    result = score_logs(task["orders"], task["reviews"], rules, parse_time_option(task["as_of"]),
                        task["accounts"], workers=1)
    write_result(result, staging, "parquet", rules)
    summary = log_summary(result, read_fake(task["orders"]))
    summary["rules"] = rules.name
    (staging / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    manifest = json.loads((staging / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(command="sweep-log", orders=task["orders"], reviews=task["reviews"],
                    timings={"total_s": round(time.perf_counter() - began, 3)})
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def log_summary(result, fake: tuple[np.ndarray, np.ndarray] | None) -> dict:
    """The metrics of one scored log (see the module docstring)."""
    from sim.reputation.log import BUYER, CREDIT, NO_RATING, STATUS_NAMES

    s = result.sellers
    r = result.reviews
    buyer_credit = (np.asarray(r.author) == BUYER) & (np.asarray(r.kind) == CREDIT)
    status = np.asarray(r.status)[buyer_credit]
    points = np.asarray(r.points, dtype=np.float64)[buyer_credit]
    out: dict = {
        "sellers": int(len(s)),
        "credit_total": float(np.sum(s.credit)),
        "credit_mean": float(np.mean(s.credit)) if len(s) else None,
        "level_mean": float(np.mean(s.level)) if len(s) else None,
        "positive_rate_mean": _nanmean(s.positive_rate),
        "reviews": {name: int((status == code).sum()) for code, name in enumerate(STATUS_NAMES)},
    }
    if fake is not None:
        order_id, is_fake = fake
        fake_ids = order_id[is_fake]
        rows_fake = np.isin(np.asarray(r.order_id)[buyer_credit], fake_ids)
        rating = np.asarray(r.rating, dtype=np.int64)[buyer_credit]
        rating = np.where(rating == NO_RATING, 0, rating)
        out["fake_points"] = {name: int(rating[rows_fake & (status == code)].sum())
                              for code, name in enumerate(STATUS_NAMES)}
        positive = points > 0
        out["fake_credit_share"] = _share(points[positive & rows_fake].sum(), points[positive].sum())
        counted = points != 0
        out["fake_counted_share"] = _share((counted & rows_fake).sum(), counted.sum())
        out["fake_orders"] = int(is_fake.sum())
    return out


def _nanmean(values) -> float | None:
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else None


def _share(num, den) -> float | None:
    return float(num / den) if den else None


def _ranks(credit: np.ndarray) -> np.ndarray:
    """Rank 1 = most credit; ties share the best rank (competition ranking)."""
    order = np.argsort(-credit, kind="stable")
    sorted_credit = credit[order]
    first = np.r_[True, sorted_credit[1:] != sorted_credit[:-1]]
    rank_sorted = np.maximum.accumulate(np.where(first, np.arange(1, len(credit) + 1), 0))
    ranks = np.empty(len(credit), dtype=np.int64)
    ranks[order] = rank_sorted
    return ranks


def compare_sellers(sweep_dir: Path, rule_names: list[str], baseline: str) -> tuple[pa.Table, dict]:
    """Every seller's credit, level and rank per rule set beside the baseline's; and per rule set the
    ``vs_baseline.*`` metrics (Kendall tau of credit with the baseline's, share of sellers whose level
    changed, mean absolute rank change). Rule sets whose run failed are left out."""
    from scipy.stats import kendalltau

    tables = {}
    for name in rule_names:
        path = sweep_dir / "runs" / "log.default" / name / "rep-0" / "sellers.parquet"
        if path.exists():
            tables[name] = pq.read_table(path, columns=["seller_id", "credit", "level"])
    if baseline not in tables:
        return pa.table({}), {}
    base = tables[baseline]
    base_ids = base.column("seller_id").to_numpy()
    base_credit = base.column("credit").to_numpy().astype(np.float64)
    base_level = base.column("level").to_numpy()
    base_rank = _ranks(base_credit)
    parts, metrics = [], {}
    for name, t in tables.items():
        ids = t.column("seller_id").to_numpy()
        if not np.array_equal(ids, base_ids):  # the same log: the same sellers, sorted by id
            raise InputError(str(sweep_dir), name, "the same sellers under every rule set")
        credit = t.column("credit").to_numpy().astype(np.float64)
        level = t.column("level").to_numpy()
        rank = _ranks(credit)
        parts.append(pa.table({
            "rules": pa.array([name] * len(ids)), "seller_id": ids, "credit": credit, "level": level,
            "rank": rank, "credit_change": credit - base_credit, "level_change": level - base_level,
            "rank_change": rank - base_rank}))
        tau = kendalltau(credit, base_credit).statistic if len(ids) > 1 else float("nan")
        metrics[name] = {"vs_baseline": {
            "kendall_tau_credit": None if np.isnan(tau) else float(tau),
            "level_changed_share": float(np.mean(level != base_level)) if len(ids) else None,
            "mean_abs_rank_change": float(np.mean(np.abs(rank - base_rank))) if len(ids) else None}}
    return pa.concat_tables(parts), metrics
