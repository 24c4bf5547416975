"""Distributed scoring on a Dask LocalCluster equals one-machine scoring to the last bit.

The log is generated (benchmarks/gen_log.py: farm pairs, tmall orders, removals, six months, so
month boundaries) and its orders shuffled, so that order ids are not in row order and no input
file is grouped by seller. It is written as datasets: the orders hive-partitioned by platform
(the column left out of the files), the reviews as three files of small row groups, read in
pieces of a few row groups. Every output table, put in the one-machine order, must equal the
one-machine result read from its own Parquet files (``pyarrow.Table.equals``), whatever the number
of partitions, under the taobao rules and under a rule set with decay and reviewer weights.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

distributed = pytest.importorskip("distributed")

from sim.cli import main as cli  # noqa: E402
from sim.commands.score import score_files  # noqa: E402
from sim.distributed.job import read_dataset_result, score_on_dask  # noqa: E402
from sim.errors import InputError  # noqa: E402
from sim.io.dataset import read_actions, read_orders  # noqa: E402
from sim.rules.presets import TAOBAO  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
gen_log = importlib.import_module("gen_log")

N_ORDERS = 12_000
WEIGHTED = TAOBAO.replace(credit_half_life_days=60, reviewer_weight="buyer_credit", reviewer_weight_full_credit=4)
AGED = TAOBAO.replace(min_reviewer_age_days=30)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> tuple[Path, Path]:
    """(orders dataset, reviews dataset, accounts dataset)."""
    orders, actions = gen_log.generate(N_ORDERS, seed=5)
    orders = orders.take(np.random.default_rng(5).permutation(len(orders)))
    order_table, review_table = gen_log.to_tables(orders, actions)
    root = tmp_path_factory.mktemp("log")
    platform = order_table.column("platform").cast(pa.string()).to_numpy(zero_copy_only=False)
    for name in ("taobao", "tmall"):
        part = root / "orders" / f"platform={name}"
        part.mkdir(parents=True)
        rows = np.flatnonzero(platform == name)
        pq.write_table(order_table.take(rows).drop_columns(["platform"]), part / "part-0.parquet",
                       row_group_size=1500)
    (root / "reviews").mkdir()
    cuts = np.linspace(0, review_table.num_rows, 4).astype(int)
    for k in range(3):
        pq.write_table(review_table.slice(cuts[k], cuts[k + 1] - cuts[k]), root / "reviews" / f"part-{k}.parquet",
                       row_group_size=2000)
    (root / "reviews" / "_SUCCESS").write_text("")  # not a data file
    # Accounts of some buyers and sellers, opened around the log's first months, in two files.
    rng = np.random.default_rng(6)
    ids = np.unique(np.concatenate([orders.buyer_id, orders.seller_id]))
    ids = rng.permutation(ids[rng.random(len(ids)) < 0.7])
    opened = orders.created_at.min() + rng.integers(-30, 90, len(ids)) * 86_400
    (root / "accounts").mkdir()
    half = len(ids) // 2
    for k, rows in enumerate((slice(0, half), slice(half, None))):
        pq.write_table(pa.table({"account_id": ids[rows], "created_at": pa.array(opened[rows] * 1_000, pa.timestamp("ms", "UTC"))}),
                       root / "accounts" / f"part-{k}.parquet")
    return root / "orders", root / "reviews", root / "accounts"


def one_machine(log, rules, out: Path, accounts=None) -> dict[str, pa.Table]:
    score_files(log[0], log[1], out, rules, fmt="parquet", accounts_path=accounts)
    return {name: pq.read_table(out / f"{name}.parquet") for name in ("sellers", "buyers", "reviews")}


@pytest.mark.parametrize("rules, partitions", [(TAOBAO, 3), (WEIGHTED, 1), (WEIGHTED, 7), (AGED, 4)],
                         ids=["taobao-3", "weighted-1", "weighted-7", "accounts-4"])
def test_distributed_equals_one_machine(client, log, tmp_path, rules, partitions):
    accounts = log[2] if rules is AGED else None
    expected = one_machine(log, rules, tmp_path / "one", accounts)
    figures = score_on_dask(client, log[0], log[1], tmp_path / "dist", rules, accounts=accounts,
                            partitions=partitions, piece_rows=3000)
    got = read_dataset_result(tmp_path / "dist")
    for name, table in expected.items():
        assert got[name].schema == table.schema, name
        assert got[name].equals(table), name
    assert figures["partitions"] == partitions
    assert len(list((tmp_path / "dist" / "sellers").iterdir())) == partitions
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == ["buyers", "manifest.json", "reviews", "sellers"]
    if rules is WEIGHTED:  # the case is not vacuous: points are fractional and weights bite
        credit = expected["buyers"].column("credit").to_numpy()
        assert (credit != np.round(credit)).any()
    if rules is AGED:  # the reviewer-age knob makes some reviews ineligible
        assert "ineligible" in expected["reviews"].column("status").to_pylist()


def test_dataset_reads_as_the_concatenated_files(log):
    orders = read_orders(log[0])
    files = sorted(log[0].rglob("*.parquet"))
    assert len(orders) == sum(pq.read_metadata(f).num_rows for f in files)
    # platform comes from the directory names: taobao's file first, then tmall's.
    n_taobao = pq.read_metadata(files[0]).num_rows
    assert (orders.platform[:n_taobao] == 0).all() and (orders.platform[n_taobao:] == 1).all()
    actions = read_actions(log[1], orders)
    assert len(actions) == sum(pq.read_metadata(f).num_rows for f in sorted(log[1].glob("*.parquet")))


def _break(log, tmp_path, file_index: int, row: int, column: str, value) -> Path:
    """A copy of the reviews dataset with one cell of one file changed."""
    broken = tmp_path / "reviews"
    broken.mkdir()
    for k, f in enumerate(sorted(log[1].glob("*.parquet"))):
        table = pq.read_table(f)
        if k == file_index:
            col = table.column(column).to_pylist()
            col[row] = value
            table = table.set_column(table.column_names.index(column), column, pa.array(col, table.schema.field(column).type))
        pq.write_table(table, broken / f.name, row_group_size=2000)
    return broken


@pytest.mark.parametrize("column, value, expected", [
    ("author", "nobody", "expected one of buyer, seller"),
    ("order_id", 10 ** 12, "expected an order id of"),
])
def test_bad_row_names_file_row_and_column(client, log, tmp_path, capsys, column, value, expected):
    reviews = _break(log, tmp_path, 1, 2345, column, value)
    out = tmp_path / "out"
    with pytest.raises(InputError) as one:
        score_files(log[0], reviews, tmp_path / "one", TAOBAO)
    with pytest.raises(InputError) as dist:
        score_on_dask(client, log[0], reviews, out, TAOBAO, partitions=3, piece_rows=3000)
    for error in (one.value, dist.value):
        assert error.source.endswith("part-1.parquet")
        assert error.where == f"row 2346, column '{column}'"
        assert expected in error.message()
    # Through the command line, on the same cluster: one line, exit 2, nothing left behind.
    code = cli(["score", "--orders", str(log[0]), "--reviews", str(reviews), "--out", str(out),
                "--dask", client.scheduler.address, "--partitions", "2"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "part-1.parquet: row 2346" in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reviews"]


def test_repeated_order_id_across_files(client, log, tmp_path):
    orders = tmp_path / "orders"
    (orders / "platform=taobao").mkdir(parents=True)
    first = pq.read_table(sorted(log[0].rglob("*.parquet"))[0])
    pq.write_table(first, orders / "platform=taobao" / "a.parquet")
    pq.write_table(first.slice(10, 5), orders / "platform=taobao" / "b.parquet")  # rows 11-15 of a.parquet
    with pytest.raises(InputError) as dist:
        score_on_dask(client, orders, log[1], tmp_path / "out", TAOBAO, partitions=2)
    with pytest.raises(InputError) as one:
        read_orders(orders)
    for error in (one.value, dist.value):
        assert error.source.endswith("b.parquet") and error.where == "row 1, column 'order_id'"
        assert f"row 11 of {orders / 'platform=taobao' / 'a.parquet'} has it" in error.expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders"]


def test_csv_inputs_and_empty_partitions(client, tmp_path):
    """The example log (CSV, 3 sellers) in 8 partitions: most partitions are empty."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    orders, reviews = examples / "orders.csv", examples / "reviews.csv"
    expected = one_machine((orders, reviews), WEIGHTED, tmp_path / "one")
    score_on_dask(client, orders, reviews, tmp_path / "dist", WEIGHTED, partitions=8)
    got = read_dataset_result(tmp_path / "dist")
    for name, table in expected.items():
        assert got[name].equals(table), name
    assert len(list((tmp_path / "dist" / "reviews").glob("part-*.parquet"))) == 8


def test_failure_in_the_last_stage_leaves_nothing(client, log, tmp_path, monkeypatch):
    """A job that fails after every partition has written its files leaves no directory."""
    from sim.distributed import tasks

    def broken(*args):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(tasks, "system_rows", broken)
    with pytest.raises(RuntimeError, match="worker lost"):
        score_on_dask(client, log[0], log[1], tmp_path / "out", TAOBAO, partitions=2)
    assert list(tmp_path.iterdir()) == []
