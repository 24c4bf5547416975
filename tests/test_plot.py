"""Figures: each kind renders from tidy data, and what it plots equals the data it was given; a sweep
whose metrics have the attack columns gets those figures, with their data as CSV beside them."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from sim.experiment.aggregate import aggregate
from sim.experiment.runs import flatten, runs_table
from sim.plot import figures
from sim.plot.render import render_sweep, save
from sim.plot.style import PALETTE, new_figure, paper_style


def _ax():
    with paper_style():
        return new_figure()


CREDIT = {
    "rules": ["taobao"] * 6 + ["naive"] * 3, "group": ["honest"] * 3 + ["brushing"] * 3 + ["honest"] * 3,
    "day": [0, 1, 2] * 3, "median": [0, 2, 5, 0, 9, 30, 1, 3, 6], "low": [0, 1, 3, 0, 5, 20, 0, 2, 4],
    "high": [1, 4, 8, 2, 12, 40, 2, 5, 9]}


def test_credit_over_time_plots_the_medians_and_marks_levels():
    fig, ax = _ax()
    figures.credit_over_time(CREDIT, ax, thresholds=(4, 11, 41, 91))
    lines = [line for line in ax.lines if line.get_label() and not line.get_label().startswith("_")]
    assert [line.get_label() for line in lines] == ["taobao, honest", "taobao, brushing", "naive, honest"]
    assert list(lines[1].get_ydata()) == [0, 9, 30] and list(lines[2].get_xdata()) == [0, 1, 2]
    assert lines[1].get_linestyle() == "--" and lines[0].get_color() == PALETTE[0]
    levels = [line.get_ydata()[0] for line in ax.lines if line.get_label().startswith("_")]
    assert levels == [4, 11, 41]  # 91 lies above the plotted range
    band = ax.collections[1].get_paths()[0].vertices
    assert {tuple(v) for v in band} >= {(0.0, 0.0), (1.0, 5.0), (2.0, 40.0)}


def test_fake_points_by_status_stacks_the_given_points():
    data = {"rules": ["taobao", "taobao", "naive", "naive"], "status": ["counted", "deduplicated"] * 2,
            "points": [10.0, 30.0, 40.0, 0.0]}
    fig, ax = _ax()
    figures.fake_points_by_status(pa.table(data), ax)
    heights = [(p.get_x() + p.get_width() / 2, p.get_y(), p.get_height()) for p in ax.patches]
    assert heights == [(0, 0, 10), (1, 0, 40), (0, 10, 30), (1, 40, 0)]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["taobao", "naive"]


def test_brusher_roi_heatmap_holds_the_values():
    data = {"rules": ["taobao", "taobao", "hardened", "hardened"], "strategy": ["burst", "slow"] * 2,
            "roi": [1.5, 0.25, -0.5, -1.0]}
    fig, ax = _ax()
    figures.brusher_roi(data, ax)
    assert np.array_equal(ax.images[0].get_array(), [[1.5, 0.25], [-0.5, -1.0]])
    assert [t.get_text() for t in ax.texts] == ["1.5", "0.25", "-0.5", "-1"]


def test_rank_agreement_scatters_each_run():
    data = {"rules": ["a", "b", "a"], "fake_share": [0.1, 0.2, 0.3], "tau": [0.5, 0.4, 0.3]}
    fig, ax = _ax()
    figures.rank_agreement(data, ax)
    assert ax.collections[0].get_offsets().tolist() == [[0.1, 0.5], [0.3, 0.3]]
    assert ax.collections[1].get_offsets().tolist() == [[0.2, 0.4]]


def test_detection_frontier_with_its_breakeven_line():
    data = {"detector": ["hazard", "hazard", "graph"], "lag_days": [7.0, 1.0, 3.0], "recall": [0.9, 0.4, 0.6]}
    fig, ax = _ax()
    figures.detection_frontier(data, ax, breakeven={"lag_days": [10, 0], "recall": [0.8, 0.2]})
    hazard, graph, line = ax.lines
    assert list(hazard.get_xdata()) == [1.0, 7.0] and list(hazard.get_ydata()) == [0.4, 0.9]
    assert list(graph.get_ydata()) == [0.6]
    assert list(line.get_xdata()) == [0, 10] and list(line.get_ydata()) == [0.2, 0.8]


def test_extortion_bars_on_two_axes():
    data = {"rules": ["taobao", "no-modify"], "payouts": [100.0, 20.0], "payouts_low": [80.0, 10.0],
            "payouts_high": [130.0, 25.0], "harmed": [3.0, 1.0], "harmed_low": [2.0, 0.0], "harmed_high": [5.0, 2.0]}
    fig, ax = _ax()
    figures.extortion(data, ax)
    twin = [a for a in fig.axes if a is not ax][0]
    assert [p.get_height() for p in ax.patches] == [100.0, 20.0]
    assert [p.get_height() for p in twin.patches] == [3.0, 1.0]
    caps = ax.containers[0].lines[2][0].get_segments()
    assert [tuple(s[:, 1]) for s in caps] == [(80.0, 130.0), (10.0, 25.0)]


def test_tidy_data_may_be_pandas():
    pd = pytest.importorskip("pandas")
    fig, ax = _ax()
    figures.rank_agreement(pd.DataFrame({"rules": ["a"], "fake_share": [0.5], "tau": [0.1]}), ax)
    assert ax.collections[0].get_offsets().tolist() == [[0.5, 0.1]]
    with pytest.raises(KeyError, match="tau"):
        figures.rank_agreement({"rules": ["a"], "fake_share": [0.5]}, ax)


def test_save_writes_each_format_and_the_data(tmp_path):
    written = save("rank_agreement", {"rules": np.array(["a", "b"]), "fake_share": np.array([0.1, 0.2]),
                                      "tau": np.array([0.3, 0.4])}, tmp_path, "ra", ("pdf", "svg", "png"))
    assert [p.name for p in written] == ["ra.pdf", "ra.svg", "ra.png", "ra.csv"]
    assert (tmp_path / "ra.pdf").read_bytes().startswith(b"%PDF")
    assert b"<text" in (tmp_path / "ra.svg").read_bytes() or b"fake review share" in (tmp_path / "ra.svg").read_bytes()
    assert pcsv.read_csv(tmp_path / "ra.csv").to_pydict() == {"rules": ["a", "b"], "fake_share": [0.1, 0.2],
                                                             "tau": [0.3, 0.4]}


def test_a_sweep_with_attack_metrics_gets_the_attack_figures(tmp_path):
    rows = []
    for variant in ("burst", "slow"):
        for rules in ("taobao", "hardened"):
            for k in range(2):
                metrics = {"fake_points": {"counted": 10 + k, "deduplicated": 5}, "brusher_roi": 0.5 + k,
                           "detection": {"recall": 0.6, "lag_days": 2.0 + k, "breakeven_recall": 0.7},
                           "extortion": {"payouts": 100.0 * (k + 1)}, "honest_penalised": 2,
                           "fake_review_share": 0.1 * k, "kendall_tau_quality_rank_score": 0.3}
                rows.append({"run_id": f"s.{variant}/{rules}/rep-{k}", "scenario": "s", "variant": variant,
                             "rules": rules, "replicate": k, "seed": k, "status": "ok", "error": None,
                             "wall_s": 1.0, "metrics": flatten(metrics)})
    table = runs_table(rows)
    pq.write_table(table, tmp_path / "runs.parquet")
    pq.write_table(aggregate(table, "taobao", 1, resamples=100), tmp_path / "aggregate.parquet")
    from sim.rules import TAOBAO
    plan = {"figures": None, "baseline": "taobao", "rules": {"taobao": TAOBAO.to_dict(), "hardened": TAOBAO.to_dict()}}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    written = {p.name for p in render_sweep(tmp_path, tmp_path / "figures", ("svg",))}
    assert {"brusher_roi.svg", "detection_frontier.svg", "detection_frontier.breakeven.csv",
            "fake_points_by_status--s.burst.svg", "extortion--s.slow.svg", "rank_agreement--s.burst.csv"} <= written
    roi = pcsv.read_csv(tmp_path / "figures" / "brusher_roi.csv").to_pydict()
    assert roi == {"rules": ["taobao", "hardened"] * 2, "strategy": ["burst", "burst", "slow", "slow"],
                   "roi": [1.0] * 4}  # the mean of 0.5 and 1.5, in the runs' order
    fake = pcsv.read_csv(tmp_path / "figures" / "fake_points_by_status--s.slow.csv").to_pydict()
    assert fake == {"rules": ["taobao", "taobao", "hardened", "hardened"],
                    "status": ["counted", "deduplicated"] * 2, "points": [10.5, 5.0, 10.5, 5.0]}
    ext = pcsv.read_csv(tmp_path / "figures" / "extortion--s.burst.csv").to_pydict()
    assert ext["rules"] == ["taobao", "hardened"] and ext["payouts"] == [150.0, 150.0] and ext["harmed"] == [2.0, 2.0]
    assert not any("credit_over_time" in name for name in written)  # no run directories here
