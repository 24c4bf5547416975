"""``repsim calibrate``: run a scenario over several seeds and print the honest stylised facts of
docs/market.md ("Stylised facts") beside their field targets.

``repsim calibrate SCENARIO [--seeds 5] [--first-seed 1] [--days N] [--rules RULES] [--json FILE]``

Each seed is one ``World`` run (no files written). Printed per fact: the target and its source, the
mean over seeds, a 95% interval for the mean (Student t over seeds) and whether the mean meets the
target. The facts are those that apply without attackers (see ``FACTS``); their definitions are the
summary metrics of ``sim.market.records`` (docs/market.md, "Summary metrics").
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from sim.errors import InputError

# (name, summary path, target text, check on the mean, source)
FACTS = (
    ("feedback rate", "feedback_rate", "> 0.5", lambda m: m > 0.5, "Resnick and Zeckhauser"),
    ("positive share of feedback", "positive_share_given", "> 0.99", lambda m: m > 0.99, "Dellarocas and Wood"),
    ("weekly sales growth before first bad", "first_bad_review.weekly_growth_before", "about +0.05",
     lambda m: m > 0, "Cabral and Hortacsu"),
    ("weekly sales growth after first bad", "first_bad_review.weekly_growth_after", "about -0.08",
     lambda m: m < 0, "Cabral and Hortacsu"),
    ("days first sale -> first bad", "negative_gaps.days_to_first", "> the next gap", None, "Cabral and Hortacsu"),
    ("days first bad -> second bad", "negative_gaps.days_first_to_second", "< the gap above", None,
     "Cabral and Hortacsu"),
    ("revenue change per star (1 sd of DSR)", "revenue_per_star_equivalent", "+0.05 to +0.09",
     lambda m: 0.05 <= m <= 0.09, "Luca"),
    ("Kendall tau: quality vs positive rate", "kendall_tau_quality_positive_rate", "> 0", lambda m: m > 0,
     "informative reputation"),
    ("Kendall tau: quality vs DSR", "kendall_tau_quality_dsr", "> 0", lambda m: m > 0, "informative reputation"),
    ("Kendall tau: quality vs rank score", "kendall_tau_quality_rank_score", "> 0", lambda m: m > 0,
     "informative reputation"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario .toml file (see docs/market.md)")
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds (default 5)")
    parser.add_argument("--first-seed", type=int, default=1, help="the first seed (default 1)")
    parser.add_argument("--days", type=int, default=None, help="override the scenario's horizon")
    parser.add_argument("--rules", default=None, metavar="RULES", help="a rule preset or rule-set .toml file")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the per-seed values as JSON")


def _get(summary: dict, path: str):
    value = summary
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def interval(values: list[float]) -> tuple[float, float, float]:
    """Mean and a 95% Student-t interval for the mean (the interval is the mean itself for one value)."""
    from scipy.stats import t

    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, mean, mean
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def calibrate(scenario_path: str | Path, seeds: list[int], days: int | None = None,
              rules_spec: str | None = None) -> list[dict]:
    """One summary per seed."""
    from sim.commands.common import resolve_rules
    from sim.market.records import summary
    from sim.market.world import World
    from sim.scenario.schema import load
    from sim.scenario.sizing import check_fits

    scenario = load(scenario_path)
    rules = resolve_rules(scenario, rules_spec)
    check_fits(scenario, days if days is not None else scenario.run.days)
    out = []
    for seed in seeds:
        world = World(scenario, rules, seed, days=days)
        world.run()
        out.append(summary(world))
    return out


def table(summaries: list[dict]) -> list[dict]:
    rows = []
    for name, path, target, check, source in FACTS:
        values = [v for v in (_get(s, path) for s in summaries) if v is not None]
        row = {"fact": name, "metric": path, "target": target, "source": source, "n": len(values),
               "values": values, "mean": None, "low": None, "high": None, "meets": None}
        if values:
            row["mean"], row["low"], row["high"] = interval(values)
            row["meets"] = None if check is None else bool(check(row["mean"]))
        rows.append(row)
    gaps = {r["metric"]: r["mean"] for r in rows if r["metric"].startswith("negative_gaps.")}
    first, second = gaps.get("negative_gaps.days_to_first"), gaps.get("negative_gaps.days_first_to_second")
    if first is not None and second is not None:
        for r in rows:
            if r["metric"].startswith("negative_gaps."):
                r["meets"] = second < first
    return rows


def format_table(rows: list[dict], seeds: int) -> str:
    lines = [f"| fact | target (source) | mean over {seeds} seeds | 95% interval | meets |",
             "|---|---|---|---|---|"]
    for r in rows:
        if r["mean"] is None:
            lines.append(f"| {r['fact']} | {r['target']} ({r['source']}) | n/a | n/a | n/a |")
            continue
        meets = "n/a" if r["meets"] is None else ("yes" if r["meets"] else "no")
        lines.append(f"| {r['fact']} | {r['target']} ({r['source']}) | {r['mean']:.3f} | "
                     f"{r['low']:.3f} to {r['high']:.3f} | {meets} |")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    if args.seeds < 1:
        raise InputError("--seeds", "", "at least 1 seed", args.seeds)
    if args.days is not None and args.days < 1:
        raise InputError("--days", "", "a horizon of at least 1 day", args.days)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    summaries = calibrate(args.scenario, seeds, args.days, args.rules)
    rows = table(summaries)
    print(format_table(rows, len(seeds)))
    if args.json:
        path = Path(args.json)
        tmp = path.with_name(path.name + ".partial")
        tmp.write_text(json.dumps({"scenario": str(args.scenario), "seeds": seeds, "facts": rows}, indent=2) + "\n")
        tmp.replace(path)  # atomic: no half-written file under the final name
    sys.stdout.flush()
    return 0
