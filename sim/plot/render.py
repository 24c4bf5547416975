"""Render a sweep's figures: each kind whose data the sweep has, with its data as CSV beside it.

Files are ``<kind>.<format>`` and ``<kind>.csv`` (``<kind>--<scenario>.<variant>`` when the
experiment has several variants; brusher ROI and the detection frontier span the variants of a
scenario: ``<kind>--<scenario>``). Each file is written whole or not at all. The experiment's
``figures`` list chooses the kinds (default: all); a kind whose data is missing (the attack metrics
come with the attack actors) is skipped with a note on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.io.atomic_file import write_atomic
from sim.plot import data as tidy
from sim.plot.figures import FIGURES
from sim.plot.style import new_figure, paper_style

FORMATS = ("pdf", "svg", "png")
#: what a kind needs, for the note when it is skipped
NEEDS = {
    "credit_over_time": "each run's sellers_daily.parquet",
    "fake_points_by_status": "fake_points.<status> metrics",
    "brusher_roi": "the brusher_roi metric",
    "rank_agreement": "fake_review_share and kendall_tau_quality_rank_score metrics",
    "detection_frontier": "detection.recall and detection.lag_days metrics",
    "extortion": "extortion.payouts and honest_penalised metrics",
}


def parse_formats(text: str) -> tuple[str, ...]:
    fmts = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    if not fmts or any(f not in FORMATS for f in fmts):
        raise InputError("--format", "", f"a comma-separated list of {', '.join(FORMATS)}", text)
    return fmts


def save(kind: str, table: dict, out: Path, stem: str, formats, **options) -> list[Path]:
    """Draw ``kind`` from its tidy table and write the figure in each format, and the table as CSV."""
    written = []
    with paper_style():
        fig, ax = new_figure()
        FIGURES[kind](table, ax, **options)
        for fmt in formats:
            path = out / f"{stem}.{fmt}"
            write_atomic(path, lambda p, fmt=fmt: fig.savefig(p, format=fmt, metadata=_metadata(fmt)))
            written.append(path)
    csv = out / f"{stem}.csv"
    write_atomic(csv, lambda p: pcsv.write_csv(pa.table({k: list(v) for k, v in table.items()}), p))
    written.append(csv)
    for name, extra in options.items():
        if isinstance(extra, dict):  # a second table (the break-even line)
            path = out / f"{stem}.{name}.csv"
            write_atomic(path, lambda p, extra=extra: pcsv.write_csv(
                pa.table({k: list(v) for k, v in extra.items()}), p))
            written.append(path)
    return written


def _metadata(fmt: str) -> dict:
    """No creation date, so the same figure gives the same file."""
    return {"pdf": {"CreationDate": None}, "svg": {"Date": None}, "png": {}}[fmt]


def render_sweep(sweep_dir: str | Path, out: str | Path, formats=("pdf", "png"), quiet: bool = True) -> list[Path]:
    """Render every figure of the sweep in ``sweep_dir`` into ``out``; return the files written."""
    sweep_dir, out = Path(sweep_dir), Path(out)
    try:
        plan = json.loads((sweep_dir / "plan.json").read_text(encoding="utf-8"))
        runs = pq.read_table(sweep_dir / "runs.parquet")
        aggregate = pq.read_table(sweep_dir / "aggregate.parquet")
    except FileNotFoundError as exc:
        raise InputError(str(sweep_dir), "", "a finished sweep directory (plan.json, runs.parquet, "
                         f"aggregate.parquet): {Path(exc.filename).name} is missing") from None
    out.mkdir(parents=True, exist_ok=True)
    kinds = plan["figures"] or list(FIGURES)
    variants = list(dict.fromkeys(zip(runs.column("scenario").to_pylist(), runs.column("variant").to_pylist())))
    scenarios = list(dict.fromkeys(s for s, _ in variants))
    thresholds = plan["rules"][plan["baseline"]]["level_thresholds"]
    written: list[Path] = []
    for kind in kinds:
        made = False
        for scenario in scenarios:
            if kind in ("brusher_roi", "detection_frontier"):
                stem = kind if len(scenarios) == 1 else f"{kind}--{scenario}"
                if kind == "brusher_roi":
                    table, options = tidy.brusher_roi(runs, scenario), {}
                else:
                    found = tidy.detection_frontier(runs, scenario)
                    table, options = (found[0], {"breakeven": found[1]} if found[1] is not None else {}) \
                        if found else (None, {})
                if table is not None:
                    written += save(kind, table, out, stem, formats, **options)
                    made = True
                continue
            for s, variant in variants:
                if s != scenario:
                    continue
                stem = kind if len(variants) == 1 else f"{kind}--{scenario}.{variant}"
                options = {}
                if kind == "credit_over_time":
                    table = tidy.credit_over_time(sweep_dir, runs, scenario, variant)
                    options = {"thresholds": thresholds}
                elif kind == "rank_agreement":
                    table = tidy.rank_agreement(runs, scenario, variant)
                elif kind == "fake_points_by_status":
                    table = tidy.fake_points_by_status(runs, scenario, variant)
                else:
                    table = tidy.extortion(aggregate, scenario, variant)
                if table is not None:
                    written += save(kind, table, out, stem, formats, **options)
                    made = True
        if not made and not quiet:
            print(f"repsim plot: no {kind} figure: the sweep has no {NEEDS[kind]}", file=sys.stderr)
    return written
