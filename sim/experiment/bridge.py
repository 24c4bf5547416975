"""The experiment metrics of a run: what the figure kinds read, made from the run's ``attacks`` summary
and tables, and the brusher's return against the paired run without the attack.

docs/experiments.md "Experiment metrics" defines each column; in short, per run:

- ``fake_points.<status>``: the brushing (farm) attacks' fake review points by final status
  (``attacks.attacks.<farm>.fake_review_points`` summed over the farms): what each rule blocked;
- ``detection.recall`` (the farms' flagged fake orders / their fake orders), ``detection.precision``,
  ``detection.lag_days`` (the farms' median lags, weighted by their flagged orders);
- ``extortion.payouts``: payments received by the gangs (extortion demands paid; sabotage fees);
  ``extortion.points_counted`` and ``extortion.points_removed``: the gangs' review points (bad -1,
  modified to good +1) whose final status is ``counted`` or ``removed``;
- ``honest_penalised``: sellers that bought no fake order from a farm yet end the run with serious
  points (``sellers_daily.parquet``): honest sellers whose genuine orders a detector flagged, and gang
  targets framed by the gang's orders; ``honest_flagged`` (the summary's
  ``wrongly_penalised.honest_sellers``: honest sellers with a flagged genuine order; a gang's targets
  are not among them) and ``genuine_buyers_penalised``;
- ``diamond.brusher_reached``, ``diamond.brusher_days``, ``diamond.honest_reached``,
  ``diamond.honest_days``: time to one diamond for the farms' clients and their honest entry cohort;
- ``brusher.spend``: what the farms spent (fees, parcels, commissions, accounts);
- ``brusher.revenue``: the genuine revenue of the farms' client sellers (every paid genuine order's
  amount less its refunds; penalties act through it: a shielded, delisted or closed shop sells nothing).

And, with the paired run (:func:`add_paired`: the scenario's ``control`` variant, same seed, same rule
set, same replicate, the attack removed):

- ``brusher.extra_revenue`` = ``brusher.revenue`` - the same sellers' genuine revenue in the paired run;
- ``brusher_roi`` = (``brusher.extra_revenue`` - ``brusher.spend``) / ``brusher.spend``;
- ``detection.breakeven_recall``: the recall above which brushing stops paying at this run's lag,
  assuming the extra revenue scales with the share of fake orders left undetected:
  ``clip(1 - spend * (1 - recall) / extra_revenue, 0, 1)`` (0 when the extra revenue is not positive;
  at recall 1: 1 if it still paid, else 0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def _roles(run_dir: Path) -> dict[str, str]:
    """Attack name -> the role of its accounts (``farm``, ``gang``, ...)."""
    path = run_dir / "accounts.parquet"
    if not path.exists():
        return {}
    t = pq.read_table(path, columns=["role", "owner"])
    return {o: r for o, r in zip(t.column("owner").to_pylist(), t.column("role").to_pylist()) if o}


def _revenue(run_dir: Path, sellers: np.ndarray) -> float:
    """Genuine revenue of ``sellers``: paid genuine orders' amounts less their refunds."""
    t = pq.read_table(run_dir / "orders.parquet",
                      columns=["seller_id", "fake", "paid_at", "amount", "refunded_amount"])
    keep = pc.and_(pc.and_(pc.invert(t.column("fake")), pc.is_valid(t.column("paid_at"))),
                   pc.is_in(t.column("seller_id"), value_set=pa.array(sellers, "int64")))
    t = t.filter(keep)
    amount = t.column("amount").to_numpy(zero_copy_only=False).astype(np.float64)
    refunded = np.nan_to_num(t.column("refunded_amount").to_numpy(zero_copy_only=False).astype(np.float64))
    return float((amount - refunded).sum())


def clients(run_dir: Path, farms: list[str]) -> np.ndarray:
    """Sellers with a fake order of one of the ``farms``."""
    if not farms:
        return np.zeros(0, np.int64)
    t = pq.read_table(run_dir / "orders.parquet", columns=["seller_id", "fake", "attack"])
    mine = pc.and_(t.column("fake"), pc.is_in(t.column("attack"), value_set=pa.array(farms, pa.string())))
    return np.unique(t.column("seller_id").filter(mine).to_numpy())


def brushing_sellers(run_dir: Path) -> np.ndarray:
    """Sellers that bought fake orders from a farm in this run (the ``brushing`` group of the figures)."""
    return clients(run_dir, sorted(n for n, r in _roles(run_dir).items() if r == "farm"))


def penalised_honest(run_dir: Path, farms: list[str]) -> int:
    """Sellers with serious points at the end of the run that bought no fake order from ``farms``."""
    t = pq.read_table(run_dir / "sellers_daily.parquet", columns=["date", "seller_id", "serious_points"])
    last = t.filter(pc.equal(t.column("date"), pc.max(t.column("date"))))
    hit = last.column("seller_id").filter(pc.greater(last.column("serious_points"), 0)).to_numpy()
    return int(len(np.setdiff1d(hit, clients(run_dir, farms))))


def run_metrics(summary: dict, run_dir: Path) -> dict:
    """The experiment metrics of one run that need no paired run (see the module docstring)."""
    block = summary.get("attacks")
    if not block:
        return {}
    attacks = block.get("attacks", {})
    roles = _roles(run_dir)
    farms = sorted(n for n in attacks if roles.get(n) == "farm")
    gangs = sorted(n for n in attacks if roles.get(n) == "gang")
    out: dict = {}
    wrong = block.get("wrongly_penalised", {})
    out["honest_penalised"] = penalised_honest(run_dir, farms)
    out["honest_flagged"] = wrong.get("honest_sellers", 0)
    out["genuine_buyers_penalised"] = wrong.get("genuine_buyers", 0)
    if gangs:
        out["extortion.payouts"] = float(sum(attacks[g]["payouts"] for g in gangs))
        for status in ("counted", "removed"):  # the gangs' bad points that hurt, and those the platform undid
            out[f"extortion.points_{status}"] = sum(attacks[g]["fake_review_points"].get(status, 0) for g in gangs)
    if not farms:
        return out
    points: dict[str, int] = {}
    for f in farms:
        for status, p in attacks[f]["fake_review_points"].items():
            points[status] = points.get(status, 0) + p
    out.update({f"fake_points.{s}": p for s, p in sorted(points.items())})
    orders = sum(attacks[f]["fake_orders"] for f in farms)
    flagged = sum(attacks[f]["detection"]["flagged"] for f in farms)
    if orders:
        out["detection.recall"] = flagged / orders
        # each farm's precision is its hits / (its hits + every flagged genuine order): recover the
        # genuine count from one farm with hits, then pool the farms' hits
        hits = [(attacks[f]["detection"]["flagged"], attacks[f]["detection"]["precision"]) for f in farms]
        h, p = next(((h, p) for h, p in hits if h and p), (0, None))
        out["detection.precision"] = flagged / (flagged + h * (1 - p) / p) if p else None
        lags = [(attacks[f]["detection"]["median_lag_days"], attacks[f]["detection"]["flagged"]) for f in farms
                if attacks[f]["detection"]["median_lag_days"] is not None]
        if lags:
            out["detection.lag_days"] = sum(x * w for x, w in lags) / sum(w for _, w in lags)
    diamond = attacks[farms[0]].get("diamond") or {}
    for group, name in (("attack_sellers", "brusher"), ("honest_cohort", "honest")):
        g = diamond.get(group) or {}
        out[f"diamond.{name}_reached"] = g.get("reached")
        out[f"diamond.{name}_days"] = g.get("median_days")
    out["brusher.spend"] = float(sum(attacks[f]["money_spent"] for f in farms))
    mine = clients(run_dir, farms)
    out["brusher.sellers"] = int(len(mine))
    out["brusher.revenue"] = _revenue(run_dir, mine) if len(mine) else 0.0
    return out


def paired_metrics(metrics: dict, run_dir: Path, control_dir: Path) -> dict:
    """``brusher.extra_revenue``, ``brusher_roi`` and ``detection.breakeven_recall`` of a run against its
    paired run without the attack (``control_dir``); empty when either lacks what they need."""
    spend = metrics.get("brusher.spend")
    if not spend or not metrics.get("brusher.sellers") or not (control_dir / "orders.parquet").exists():
        return {}
    mine = brushing_sellers(run_dir)
    extra = metrics["brusher.revenue"] - _revenue(control_dir, mine)
    out = {"brusher.extra_revenue": extra, "brusher_roi": (extra - spend) / spend}
    recall = metrics.get("detection.recall")
    if recall is not None:
        out["detection.breakeven_recall"] = breakeven_recall(extra, spend, recall)
    return out


def breakeven_recall(extra: float, spend: float, recall: float) -> float:
    """The recall above which brushing stops paying, if the extra revenue scales with the undetected
    share of the fake orders (module docstring)."""
    if extra <= 0:
        return 0.0
    if recall >= 1:
        return 1.0 if extra > spend else 0.0
    return float(np.clip(1 - spend * (1 - recall) / extra, 0.0, 1.0))


def add_paired(out: Path, rows: list[dict], record: dict) -> None:
    """Add the paired metrics to each ok row of a scenario with a ``control`` variant (in place)."""
    controls = {(v["scenario"], v["variant"]): v.get("control") for v in record.get("variants", [])}
    by_key = {(r["scenario"], r["variant"], r["rules"], r["replicate"]): r for r in rows}
    for row in rows:
        control = controls.get((row["scenario"], row["variant"]))
        if row["status"] != "ok" or control is None or control == row["variant"]:
            continue
        twin = by_key.get((row["scenario"], control, row["rules"], row["replicate"]))
        if twin is None or twin["status"] != "ok":
            continue
        row["metrics"].update(paired_metrics(row["metrics"], out / "runs" / row["run_id"],
                                             out / "runs" / twin["run_id"]))
