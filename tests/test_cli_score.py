"""``repsim score`` end to end: files in, files out, bad input as one line and exit code 2.

Most tests use a tiny fake scorer, so they test reading, writing and the command itself whatever
state the core is in; the tests marked ``core`` run the real ``sim.reputation.core.score``.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import sim.cli
from sim.commands.score import score_files
from sim.reputation import log as L
from sim.timeutil import NEVER, parse_timestamp

from helpers import repsim_command
from helpers.logs import (
    ORDERS_CSV, REVIEWS_CSV, csv_as_text_parquet, parquet_as_csv_text, write_native_parquet,
)

OUTPUTS = ("sellers", "buyers", "reviews")


def fake_score(orders, actions, rules, as_of=None, accounts=None, workers=None):
    """Every rating counts at its own time; enough to exercise every output column."""
    if as_of is None:
        as_of = L.default_as_of(orders, actions)
    row = np.searchsorted(orders.order_id, actions.order_id, sorter=np.argsort(orders.order_id))
    row = np.argsort(orders.order_id)[row]
    credit = actions.action != L.DSR
    late = actions.at > as_of
    points = np.where(credit & ~late & (actions.rating != L.NO_RATING), actions.rating, 0).astype(float)
    reviews = L.ReviewRows(
        source=np.arange(len(actions)), order_id=actions.order_id, author=actions.author,
        kind=np.where(credit, L.CREDIT, L.DSR_KIND).astype(np.int8),
        origin=np.full(len(actions), L.GIVEN, np.int8), rating=actions.rating,
        effective_at=np.where(late, NEVER, actions.at),
        status=np.where(late, L.PENDING, L.COUNTED).astype(np.int8), points=points)

    def totals(ids, mask):
        keys, where = np.unique(ids, return_inverse=True)
        target = where[row]
        total = np.bincount(target, weights=np.where(mask, points, 0), minlength=len(keys))
        count = lambda r: np.bincount(target, weights=mask & (actions.rating == r) & credit,  # noqa: E731
                                      minlength=len(keys)).astype(np.int64)
        return keys, total, count(L.GOOD), count(L.NEUTRAL), count(L.BAD)

    s_ids, s_credit, s_good, s_neutral, s_bad = totals(orders.seller_id, actions.author == L.BUYER)
    rated = s_good + s_neutral + s_bad
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(rated > 0, s_good / np.maximum(rated, 1), np.nan)
    means = {}
    dsr = actions.action == L.DSR
    sellers_of_dsr = np.searchsorted(s_ids, orders.seller_id[row])
    for dim in L.DSR_DIMENSIONS:
        total = np.bincount(sellers_of_dsr, weights=np.where(dsr, getattr(actions, dim), 0), minlength=len(s_ids))
        n = np.bincount(sellers_of_dsr, weights=dsr, minlength=len(s_ids))
        with np.errstate(invalid="ignore", divide="ignore"):
            means[dim] = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    sellers = L.SellerScores(seller_id=s_ids, credit=s_credit, level=np.zeros(len(s_ids), np.int64),
                             good=s_good, neutral=s_neutral, bad=s_bad, positive_rate=rate,
                             **{f"dsr_{d}": means[d] for d in L.DSR_DIMENSIONS})
    b_ids, b_credit, b_good, b_neutral, b_bad = totals(orders.buyer_id, actions.author == L.SELLER)
    buyers = L.BuyerScores(buyer_id=b_ids, credit=b_credit, level=np.zeros(len(b_ids), np.int64),
                           good=b_good, neutral=b_neutral, bad=b_bad)
    return L.ScoreResult(as_of=int(as_of), reviews=reviews, sellers=sellers, buyers=buyers)


@pytest.fixture
def cli(monkeypatch):
    """``sim.cli.main`` with only the score subcommand, scoring with the fake."""
    monkeypatch.setattr(sim.cli, "COMMANDS", {"score": sim.cli.COMMANDS["score"]})
    fake = types.ModuleType("sim.reputation.core")
    fake.score = fake_score
    monkeypatch.setitem(sys.modules, "sim.reputation.core", fake)
    return sim.cli.main


def run_score(cli, orders, reviews, out, *extra):
    return cli(["score", "--orders", str(orders), "--reviews", str(reviews), "--out", str(out), *extra])


def read_outputs(directory: Path, fmt: str = "csv") -> dict[str, str]:
    if fmt == "csv":
        return {name: (directory / f"{name}.csv").read_text() for name in OUTPUTS}
    return {name: parquet_as_csv_text(directory / f"{name}.parquet") for name in OUTPUTS}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((".out", "out")))


# --- happy paths -----------------------------------------------------------------------------

def test_score_writes_three_tables_and_a_manifest(cli, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_score(cli, ORDERS_CSV, REVIEWS_CSV, out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["buyers.csv", "manifest.json", "reviews.csv", "sellers.csv"]
    assert "3 sellers" in capsys.readouterr().out
    with open(out / "reviews.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(REVIEWS_CSV.read_text().splitlines()) - 1
    assert rows[0] == {"order_id": "1001", "author": "buyer", "kind": "credit", "origin": "given",
                       "rating": "good", "effective_at": "2024-09-05T09:00:00+08:00",
                       "status": "counted", "points": "1"}
    assert {r["rating"] for r in rows if r["kind"] == "dsr"} == {""}
    sellers = (out / "sellers.csv").read_text().splitlines()
    assert sellers[0].split(",")[-4:] == ["dsr_described", "dsr_service", "dsr_shipping", "dsr_logistics"]


def test_csv_and_parquet_inputs_and_outputs_agree(cli, tmp_path):
    """The same log as CSV, Parquet text and Parquet native columns: identical outputs in both formats."""
    from sim.io.logfiles import read_actions, read_orders

    orders = read_orders(ORDERS_CSV)
    native = write_native_parquet(orders, read_actions(REVIEWS_CSV, orders), tmp_path)
    text = (csv_as_text_parquet(ORDERS_CSV, tmp_path / "o_text.parquet"),
            csv_as_text_parquet(REVIEWS_CSV, tmp_path / "r_text.parquet"))
    results = []
    for i, (o, r) in enumerate([(ORDERS_CSV, REVIEWS_CSV), native, text]):
        for fmt in ("csv", "parquet"):
            out = tmp_path / f"out{i}{fmt}"
            assert run_score(cli, o, r, out, "--format", fmt, "--as-of", "2024-09-20 00:00:00") == 0
            results.append(read_outputs(out, fmt))
    assert all(result == results[0] for result in results[1:])
    assert ",pending," in results[0]["reviews"]  # the as-of time cut the log


def test_score_files_api_and_rules_file(tmp_path, monkeypatch):
    fake = types.ModuleType("sim.reputation.core")
    fake.score = fake_score
    monkeypatch.setitem(sys.modules, "sim.reputation.core", fake)
    rules = tmp_path / "decay.toml"
    rules.write_text('preset = "taobao"\ncredit_half_life_days = 90\n')
    result = score_files(ORDERS_CSV, REVIEWS_CSV, tmp_path / "out", str(rules), "2024-10-01T00:00:00Z",
                         "parquet")
    assert result.as_of == parse_timestamp("2024-10-01T08:00:00")
    table = pq.read_table(tmp_path / "out" / "sellers.parquet")
    assert str(table.schema.field("credit").type) == "double"  # not integral: decay is on


def test_accounts_option(cli, tmp_path, monkeypatch):
    seen = {}

    def spy(orders, actions, rules, as_of=None, accounts=None, workers=None):
        seen["accounts"] = accounts
        return fake_score(orders, actions, rules, as_of)

    sys.modules["sim.reputation.core"].score = spy
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,created_at\n101,2020-01-01\n1,2024-08-30 12:00:00\n")
    assert run_score(cli, ORDERS_CSV, REVIEWS_CSV, tmp_path / "out", "--accounts", str(accounts)) == 0
    assert seen["accounts"].account_id.tolist() == [101, 1]


# --- bad input: exit 2, one line naming file/row/column, nothing left behind -----------------

def _edit(source: Path, target: Path, row: int, column: str, value: str) -> Path:
    with open(source, newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    with open(target, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return target


BAD_INPUTS = [
    # (which file, row, column, value, text expected after "file: ")
    ("orders", 17, "created_at", "2024-13-01", "row 17, column 'created_at': expected an ISO 8601 timestamp, got '2024-13-01'"),
    ("orders", 4, "amount", "lots", "row 4, column 'amount': expected a number"),
    ("orders", 2, "platform", "ebay", "row 2, column 'platform': expected one of taobao, tmall, got 'ebay'"),
    ("orders", 9, "order_id", "1001", "row 9, column 'order_id': expected an order id not used on an earlier row"),
    ("orders", 3, "refund", "yes", "row 3, column 'refund'"),
    ("reviews", 3, "order_id", "4242", "row 3, column 'order_id': expected an order id of"),
    ("reviews", 1, "rating", "", "row 1, column 'rating': expected one of good, neutral, bad on a 'rate' row, got ''"),
    ("reviews", 9, "logistics", "9", "row 9, column 'logistics': expected an integer from 1 to 5, got '9'"),
    ("reviews", 9, "described", "", "row 9, column 'described': expected an integer from 1 to 5 on a 'dsr' row"),
    ("reviews", 2, "at", "tomorrow", "row 2, column 'at': expected an ISO 8601 timestamp, got 'tomorrow'"),
    ("reviews", 2, "author", "courier", "row 2, column 'author'"),
]


@pytest.mark.parametrize("which, row, column, value, message", BAD_INPUTS)
def test_bad_input_exits_2_with_one_line(cli, tmp_path, capsys, which, row, column, value, message):
    source = ORDERS_CSV if which == "orders" else REVIEWS_CSV
    bad = _edit(source, tmp_path / f"{which}.csv", row, column, value)
    orders = bad if which == "orders" else ORDERS_CSV
    reviews = bad if which == "reviews" else REVIEWS_CSV
    out = tmp_path / "out"
    assert run_score(cli, orders, reviews, out) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"repsim: error: {bad}: {message}")
    assert not out.exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("extra, message", [
    (["--orders", "nowhere.csv"], "nowhere.csv: expected an existing file"),
    (["--reviews", "reviews.json"], "reviews.json: expected a .csv or .parquet file"),
    (["--rules", "strict"], "--rules: expected a preset"),
    (["--as-of", "2024-02-30"], "--as-of: expected an ISO 8601 timestamp, got '2024-02-30'"),
    (["--accounts", "accounts.csv"], "accounts.csv: row 1, column 'created_at'"),
])
def test_bad_options_exit_2(cli, tmp_path, capsys, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "accounts.csv").write_text("account_id,created_at\n1,soon\n")
    args = {"--orders": str(ORDERS_CSV), "--reviews": str(REVIEWS_CSV), "--out": "out"}
    args.update(dict(zip(extra[::2], extra[1::2])))
    assert cli(["score", *[x for pair in args.items() for x in pair]]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_existing_output_is_refused_and_kept(cli, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert run_score(cli, ORDERS_CSV, REVIEWS_CSV, out) == 2
    assert "a new or empty directory" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_failure_while_writing_leaves_nothing(cli, tmp_path, monkeypatch):
    import sim.io.results as results

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(results, "write_csv_parts", broken)
    assert run_score(cli, ORDERS_CSV, REVIEWS_CSV, tmp_path / "out") == 130
    assert leftovers(tmp_path) == []


# --- the real core and the installed command -------------------------------------------------

def test_examples_with_the_real_core(tmp_path):
    """The example log exercises what docs/formats.md says it does."""
    result = score_files(ORDERS_CSV, REVIEWS_CSV, tmp_path / "out")
    r = result.reviews
    statuses = {L.STATUS_NAMES[s] for s in r.status}
    assert {"counted", "deduplicated", "superseded", "invalid", "cancelled", "removed", "capped"} <= statuses
    assert (r.origin == L.DEFAULT).sum() >= 2  # default good reviews and tmall buyer credits
    order = lambda oid, author, kind=L.CREDIT: (r.order_id == oid) & (r.author == author) & (r.kind == kind)  # noqa: E731
    assert L.STATUS_NAMES[r.status[order(1002, L.BUYER)][0]] == "deduplicated"
    assert L.STATUS_NAMES[r.status[order(1013, L.BUYER, L.DSR_KIND)][0]] == "capped"  # 4th DSR in a month
    assert L.STATUS_NAMES[r.status[order(1009, L.BUYER)][0]] == "cancelled"  # refund: return
    mutual = r.effective_at[order(1006, L.BUYER)][0]
    assert mutual == parse_timestamp("2024-09-10T08:00:00") + 48 * 3600  # 48h after the later bad
    csv_out = read_outputs(tmp_path / "out")
    score_files(ORDERS_CSV, REVIEWS_CSV, tmp_path / "pq", fmt="parquet")
    assert read_outputs(tmp_path / "pq", "parquet") == csv_out
    # Any number of workers writes the same files.
    for workers in (1, 3):
        score_files(ORDERS_CSV, REVIEWS_CSV, tmp_path / f"w{workers}", workers=workers)
        assert read_outputs(tmp_path / f"w{workers}") == csv_out


def test_workers_must_be_a_positive_number(cli, tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:  # argparse's own error: usage, then the message
        run_score(cli, ORDERS_CSV, REVIEWS_CSV, tmp_path / "out", "--workers", "0")
    assert exited.value.code == 2
    assert "--workers: expected a whole number of at least 1, got '0'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_installed_command_exits_2_without_traceback(tmp_path):
    bad = _edit(ORDERS_CSV, tmp_path / "orders.csv", 5, "success_at", "2024-09-31T10:00:00")
    out = tmp_path / "out"
    done = subprocess.run([repsim_command(), "score", "--orders", str(bad), "--reviews", str(REVIEWS_CSV),
                           "--out", str(out)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"repsim: error: {bad}: row 5, column 'success_at': expected an ISO 8601 timestamp or empty, "
        "got '2024-09-31T10:00:00'"]
    assert not out.exists() and leftovers(tmp_path) == []


def test_orders_error_is_reported_before_a_reviews_error(cli, tmp_path, capsys):
    # The orders are read and checked first.
    orders = _edit(ORDERS_CSV, tmp_path / "orders.csv", 4, "amount", "lots")
    reviews = _edit(REVIEWS_CSV, tmp_path / "reviews.csv", 2, "at", "tomorrow")
    for attempt in range(5):
        assert run_score(cli, orders, reviews, tmp_path / f"out{attempt}") == 2
        assert capsys.readouterr().err.startswith(f"repsim: error: {orders}: row 4, column 'amount'")
