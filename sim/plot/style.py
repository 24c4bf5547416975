"""The one paper style of repsim's figures: one-column size, readable fonts, a colour-blind-safe
palette (Okabe and Ito), vector output with text kept as text.

Figures are made with ``matplotlib.figure.Figure`` directly (no pyplot, no global state), inside
``paper_style()``.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import matplotlib
from matplotlib.figure import Figure

#: Okabe-Ito, without yellow (too light on white) and black (kept for reference lines)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999")
#: a one-column figure of a two-column paper, in inches
ONE_COLUMN = (3.35, 2.5)

RC = {
    "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "legend.fontsize": 6.5, "xtick.labelsize": 7,
    "ytick.labelsize": 7, "lines.linewidth": 1.2, "axes.linewidth": 0.6, "axes.spines.top": False,
    "axes.spines.right": False, "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "figure.dpi": 150, "savefig.dpi": 300, "savefig.bbox": "tight", "savefig.pad_inches": 0.02,
    "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "legend.handlelength": 1.8,
    # fixed metadata: the same figure gives the same file
    "svg.hashsalt": "repsim",
}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    with matplotlib.rc_context(RC):
        yield


def new_figure(size: tuple[float, float] = ONE_COLUMN) -> tuple[Figure, object]:
    """A figure of one axes in the paper style (call inside ``paper_style()``)."""
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()
