"""``repsim plot``: draw a finished sweep's figures, each with the data behind it as CSV.

``repsim plot SWEEP_DIR [--out DIR] [--format pdf,svg,png]`` (default ``SWEEP_DIR/figures``, pdf and
png). ``repsim sweep`` runs the same at its end. See docs/experiments.md "Figures".
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sweep_dir", metavar="SWEEP_DIR", help="the --out directory of a finished sweep")
    parser.add_argument("--out", default=None, metavar="DIR", help="where the figures go (default: SWEEP_DIR/figures)")
    parser.add_argument("--format", dest="formats", default="pdf,png", metavar="pdf,svg,png",
                        help="figure formats, comma-separated (default: pdf,png)")


def main(args: argparse.Namespace) -> int:
    from sim.plot.render import parse_formats, render_sweep

    formats = parse_formats(args.formats)
    out = Path(args.out) if args.out else Path(args.sweep_dir) / "figures"
    written = render_sweep(args.sweep_dir, out, formats, quiet=False)
    print(f"repsim plot: {len(written)} files -> {out}")
    return 0
