"""The figure kinds: each function draws tidy data on a matplotlib ``ax`` and returns nothing.

Tidy data is a table with one row per plotted value: a pandas or polars DataFrame, a pyarrow Table or
a dict of equal-length columns. The columns each function needs are in ``COLUMNS``; the functions do
no statistics, so the plotted values are exactly the rows given (``sim.plot.data`` makes these tables
from a sweep). Colours come from the paper style (``sim.plot.style``); rule sets keep one colour in
every figure of a call.
"""

from __future__ import annotations

import numpy as np

from sim.plot.style import PALETTE

COLUMNS = {
    "credit_over_time": ("rules", "group", "day", "median", "low", "high"),
    "fake_points_by_status": ("rules", "status", "points"),
    "brusher_roi": ("rules", "strategy", "roi"),
    "rank_agreement": ("rules", "fake_share", "tau"),
    "detection_frontier": ("detector", "lag_days", "recall"),
    "extortion": ("rules", "payouts", "payouts_low", "payouts_high", "harmed", "harmed_low", "harmed_high"),
}
#: the optional second table of the detection frontier: the recall above which brushing stops paying
BREAKEVEN_COLUMNS = ("lag_days", "recall")


def columns(data, names) -> dict[str, np.ndarray]:
    """The named columns of tidy data as numpy arrays (KeyError naming a missing column)."""
    out = {}
    for name in names:
        present = name in data.column_names if hasattr(data, "column_names") else name in data
        if not present:
            raise KeyError(f"tidy data lacks the column {name!r}")
        column = data.column(name) if hasattr(data, "column_names") and hasattr(data, "column") else data[name]
        out[name] = np.asarray(column.to_numpy(zero_copy_only=False) if hasattr(column, "combine_chunks")
                               else column)
    return out


def _levels(values: np.ndarray) -> list:
    """Distinct values in order of first appearance."""
    return list(dict.fromkeys(values.tolist()))


def _colours(names) -> dict:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def credit_over_time(data, ax, thresholds=()) -> None:
    """Median credit per day with a band (``low``-``high``), per rule set (colour) and seller group
    (``honest`` solid, ``brushing`` dashed); level thresholds within the plotted range as dotted lines."""
    c = columns(data, COLUMNS["credit_over_time"])
    colour = _colours(_levels(c["rules"]))
    styles = {"honest": "-", "brushing": "--"}
    for rules in colour:
        for group in _levels(c["group"][c["rules"] == rules]):
            sel = (c["rules"] == rules) & (c["group"] == group)
            order = np.argsort(c["day"][sel], kind="stable")
            day = c["day"][sel][order]
            ax.fill_between(day, c["low"][sel][order], c["high"][sel][order], color=colour[rules], alpha=0.18,
                            linewidth=0)
            ax.plot(day, c["median"][sel][order], color=colour[rules], linestyle=styles.get(group, ":"),
                    label=f"{rules}, {group}")
    top = float(np.nanmax(c["high"])) if len(c["high"]) else 0.0
    for level, t in enumerate(thresholds, start=1):
        if t <= top * 1.05:
            ax.axhline(t, color="0.6", linewidth=0.5, linestyle=":", zorder=0)
            ax.annotate(f"L{level}", (1.0, t), xycoords=("axes fraction", "data"), fontsize=6, color="0.4",
                        va="bottom", ha="right")
    ax.set_xlabel("day")
    ax.set_ylabel("seller credit (median, IQR band)")
    ax.legend(frameon=False, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))  # below: bands fill the axes


def fake_points_by_status(data, ax) -> None:
    """The fake reviews' points per rule set, stacked by the final status the rules gave them."""
    c = columns(data, COLUMNS["fake_points_by_status"])
    rules = _levels(c["rules"])
    statuses = _levels(c["status"])
    colour = _colours(statuses)
    x = np.arange(len(rules))
    bottom = np.zeros(len(rules))
    for status in statuses:
        heights = np.array([c["points"][(c["rules"] == r) & (c["status"] == status)].sum() for r in rules],
                           dtype=np.float64)
        ax.bar(x, heights, bottom=bottom, color=colour[status], label=status, width=0.7)
        bottom += heights
    ax.set_xticks(x, rules, rotation=30, ha="right")
    ax.set_ylabel("fake review points")
    ax.legend(frameon=False, title="final status", ncol=2)


def brusher_roi(data, ax) -> None:
    """The brusher's return on investment, rule set (rows) x strategy (columns), as a heatmap with values;
    the colour scale is centred on 0 (brushing pays above, loses below)."""
    from matplotlib.colors import TwoSlopeNorm

    c = columns(data, COLUMNS["brusher_roi"])
    rules, strategies = _levels(c["rules"]), _levels(c["strategy"])
    grid = np.full((len(rules), len(strategies)), np.nan)
    for r, s, v in zip(c["rules"], c["strategy"], c["roi"]):
        grid[rules.index(r), strategies.index(s)] = v
    span = float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0
    span = span or 1.0
    image = ax.imshow(grid, cmap="PuOr_r", norm=TwoSlopeNorm(0.0, -span, span), aspect="auto")
    for i in range(len(rules)):
        for j in range(len(strategies)):
            if np.isfinite(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.2g}", ha="center", va="center", fontsize=6)
    ax.set_xticks(range(len(strategies)), strategies, rotation=30, ha="right")
    ax.set_yticks(range(len(rules)), rules)
    ax.set_xlabel("strategy")
    ax.figure.colorbar(image, ax=ax, label="return on investment")


def rank_agreement(data, ax) -> None:
    """Kendall tau between true quality and the shown rank, against the share of fake reviews; one point
    per row (a run), coloured by rule set."""
    c = columns(data, COLUMNS["rank_agreement"])
    markers = "osD^v<>"
    for i, (rules, colour) in enumerate(_colours(_levels(c["rules"])).items()):
        sel = c["rules"] == rules
        ax.scatter(c["fake_share"][sel], c["tau"][sel], color=colour, marker=markers[i % len(markers)], s=14,
                   label=rules)
    ax.set_xlabel("fake review share")
    ax.set_ylabel("rank agreement with true quality\n(Kendall tau)")
    ax.legend(frameon=False)


def detection_frontier(data, ax, breakeven=None) -> None:
    """Recall against lag per detector (points joined in order of lag); with ``breakeven`` (columns
    ``lag_days``, ``recall``), the line above which brushing stops paying."""
    c = columns(data, COLUMNS["detection_frontier"])
    for detector, colour in _colours(_levels(c["detector"])).items():
        sel = c["detector"] == detector
        order = np.argsort(c["lag_days"][sel], kind="stable")
        ax.plot(c["lag_days"][sel][order], c["recall"][sel][order], marker="o", markersize=3, color=colour,
                label=detector)
    if breakeven is not None:
        b = columns(breakeven, BREAKEVEN_COLUMNS)
        order = np.argsort(b["lag_days"], kind="stable")
        ax.plot(b["lag_days"][order], b["recall"][order], color="black", linestyle="--", linewidth=0.9,
                label="brushing stops paying above")
    ax.set_xlabel("detection lag (days)")
    ax.set_ylabel("recall")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False)


def extortion(data, ax) -> None:
    """Extortion payouts (left bars, left axis) and honest sellers harmed (right bars, right axis) per rule
    set, with their intervals."""
    c = columns(data, COLUMNS["extortion"])
    x = np.arange(len(c["rules"]))
    ax.bar(x - 0.2, c["payouts"], width=0.4, color=PALETTE[0], label="payouts",
           yerr=np.vstack([c["payouts"] - c["payouts_low"], c["payouts_high"] - c["payouts"]]), capsize=2)
    ax.set_ylabel("extortion payouts (yuan)")
    twin = ax.twinx()
    twin.bar(x + 0.2, c["harmed"], width=0.4, color=PALETTE[1], label="honest sellers harmed",
             yerr=np.vstack([c["harmed"] - c["harmed_low"], c["harmed_high"] - c["harmed"]]), capsize=2)
    twin.set_ylabel("honest sellers harmed")
    twin.spines["right"].set_visible(True)
    ax.set_xticks(x, c["rules"].tolist(), rotation=30, ha="right")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], frameon=False)


FIGURES = {
    "credit_over_time": credit_over_time,
    "fake_points_by_status": fake_points_by_status,
    "brusher_roi": brusher_roi,
    "rank_agreement": rank_agreement,
    "detection_frontier": detection_frontier,
    "extortion": extortion,
}
