"""``repsim score``: score a review log (orders + review actions) under a rule set.

Reads CSV or Parquet logs, single files or datasets (``sim.io.dataset``), scores them with the vectorised core
(``sim.reputation.core.score``) and writes ``sellers``, ``buyers`` and ``reviews`` as CSV or
Parquet into a new directory, atomically: on any error or Ctrl-C, nothing is left in it. With
``--dask``, the log is scored on Dask distributed (``sim.distributed``) into a Parquet dataset.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.allocator import keep_freed_memory
from sim.commands.common import positive_int
from sim.errors import InputError
from sim.io.atomic import atomic_output_dir
from sim.io.dataset import read_accounts, read_actions, read_orders
from sim.io.logfiles import parse_time_option
from sim.io.results import FORMATS, write_result
from sim.reputation.log import ScoreResult
from sim.rules import presets
from sim.timeutil import format_timestamp


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", required=True, metavar="ORDERS",
                        help="orders log, .csv or .parquet, or a directory of such files (docs/formats.md)")
    parser.add_argument("--reviews", required=True, metavar="REVIEWS",
                        help="review actions log, .csv or .parquet, or a directory of such files")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output directory (new or empty)")
    parser.add_argument("--rules", default="taobao", metavar="RULES",
                        help=f"a preset ({', '.join(presets.PRESETS)}) or a rule-set .toml file "
                             "(default: taobao; see docs/rules.md)")
    parser.add_argument("--as-of", dest="as_of", default=None, metavar="TIME",
                        help="score as of this ISO 8601 time (no offset: UTC+8); default: when "
                             "every window has closed (SCORE-DEFAULT-AS-OF in docs/rules.md)")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default=None,
                        help="output format (default: csv; with --dask always a parquet dataset)")
    parser.add_argument("--accounts", default=None, metavar="ACCOUNTS",
                        help="optional account opening times, for the reviewer-age knob "
                             "(KNOB-REVIEWER-AGE in docs/rules.md)")
    parser.add_argument("--workers", type=positive_int, default=None, metavar="N",
                        help="threads that score chunks of the log side by side (default: every "
                             "CPU; the result does not depend on it)")
    parser.add_argument("--dask", default=None, metavar="local|ADDRESS",
                        help="score on Dask distributed (the 'dask' extra): 'local' starts a cluster on "
                             "this machine, else the scheduler's address; writes a Parquet dataset "
                             "(docs/distributed.md)")
    parser.add_argument("--partitions", type=positive_int, default=None, metavar="N",
                        help="with --dask: partitions of whole sellers (default: one per 2^20 orders, "
                             "at least one per worker); memory per worker grows with partition size")


def tune_process() -> None:
    """Process-wide settings for a ``repsim score`` process, applied by ``sim.cli`` before the
    command runs: big numpy temporaries reuse mapped pages (``sim.allocator``)."""
    keep_freed_memory()


def score_files(orders_path: str | Path, reviews_path: str | Path, out: str | Path,
                rules_spec="taobao", as_of: str | int | None = None, fmt: str = "csv",
                accounts_path: str | Path | None = None, workers: int | None = None) -> ScoreResult:
    """Read the logs, score them and write the result into ``out``; return the result.

    ``rules_spec`` is a preset name, a .toml path or a ``RuleSet``; ``as_of`` an ISO 8601 string,
    int seconds or None (the core's default). Raises ``InputError`` for bad input, leaving no output.
    """
    if fmt not in FORMATS:
        raise InputError("--format", "", " or ".join(FORMATS), fmt)
    rules = presets.load(rules_spec) if isinstance(rules_spec, str) else rules_spec
    as_of_seconds = parse_time_option(as_of, "--as-of")
    with atomic_output_dir(out) as staging:
        # The result is finished before writing starts. Making the buyer scores and the system rows
        # in a second thread while the action rows were written gained nothing beyond the noise
        # (10M orders end to end, this 2-core machine shared with other work: 0.99 of the time,
        # 0.95-1.06 over 3 alternating pairs, with 125 MiB more peak memory), so it is not done.
        result = score_logs(orders_path, reviews_path, rules, as_of_seconds, accounts_path, workers)
        write_result(result, staging, fmt, rules)
    return result


def score_logs(orders_path: str | Path, reviews_path: str | Path, rules, as_of_seconds: int | None = None,
               accounts_path: str | Path | None = None, workers: int | None = None) -> ScoreResult:
    """Read the logs and score them under ``rules`` (a ``RuleSet``), writing nothing."""
    from sim.reputation.core import score  # lazily: the core is heavy and not needed for --help

    # One log after the other: read side by side in two threads they were slower, the two
    # threads' page faults contending in the kernel.
    orders = read_orders(orders_path)
    actions = read_actions(reviews_path, orders, orders_source=str(orders_path))
    accounts = read_accounts(accounts_path) if accounts_path is not None else None
    # the logs' memory serves the writer once the core returns: nothing else holds them
    return score(orders, actions, rules, as_of=as_of_seconds, accounts=accounts, workers=workers)


def score_distributed(args: argparse.Namespace) -> int:
    """``--dask``: the log scored on a Dask cluster into a Parquet dataset."""
    if args.fmt not in (None, "parquet"):
        raise InputError("--format", "", "parquet (or nothing) with --dask", args.fmt)
    rules = presets.load(args.rules)
    as_of = parse_time_option(args.as_of, "--as-of")
    try:
        from sim.distributed.job import connect, score_on_dask
        client = connect(args.dask)
    except ImportError:
        raise InputError("--dask", "", "the 'dask' extra installed (pip install 'repsim[dask]')") from None
    with client:
        done = score_on_dask(client, args.orders, args.reviews, args.out, rules, as_of, args.accounts,
                             args.partitions)
        if args.dask == "local":
            client.cluster.close()
    print(f"repsim score: {done['sellers']} sellers, {done['buyers']} buyers, {done['reviews']} review rows "
          f"as of {format_timestamp(done['as_of'])} -> {args.out} ({done['partitions']} partitions)")
    return 0


def main(args: argparse.Namespace) -> int:
    if args.dask is not None:
        return score_distributed(args)
    result = score_files(args.orders, args.reviews, args.out, args.rules, args.as_of, args.fmt or "csv",
                         args.accounts, args.workers)
    print(f"repsim score: {len(result.sellers)} sellers, {len(result.buyers)} buyers, "
          f"{len(result.reviews)} review rows as of {format_timestamp(result.as_of)} -> {args.out}")
    return 0
