"""Reading logs (CSV, Parquet text and native columns) and writing results: sim.io.logfiles/results."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.errors import InputError
from sim.io import logfiles
from sim.io.logfiles import parse_time_option, read_accounts, read_actions, read_orders
from sim.io.results import iso_strings, write_result
from sim.reputation import log as L
from sim.reputation.ids import is_member
from sim.rules.presets import TAOBAO
from sim.timeutil import NEVER, format_timestamps, parse_timestamp

from helpers.logs import (
    ORDERS_CSV, REVIEWS_CSV, csv_as_text_parquet, parquet_as_csv_text, write_native_parquet,
)


def same_columns(a, b) -> None:
    assert type(a) is type(b)
    for name, column in a.columns().items():
        other = b.columns()[name]
        assert column.dtype == other.dtype, name
        np.testing.assert_array_equal(column, other, err_msg=name)


# --- reading ---------------------------------------------------------------------------------

def test_example_log_reads_with_expected_values():
    orders = read_orders(ORDERS_CSV)
    actions = read_actions(REVIEWS_CSV, orders)
    assert len(orders) == 20 and len(actions) >= 30
    first = int(np.flatnonzero(orders.order_id == 1001)[0])
    assert orders.created_at[first] == parse_timestamp("2024-09-01T10:00:00+08:00")
    assert orders.platform[orders.order_id == 1007][0] == L.TMALL
    assert orders.refund[orders.order_id == 1009][0] == L.RETURN
    assert orders.refund[orders.order_id == 1014][0] == L.PARTIAL
    assert orders.success_at[orders.order_id == 1015][0] == NEVER
    assert (orders.removed_at < NEVER).sum() == 1
    dsr = actions.action == L.DSR
    assert (actions.rating[dsr] == L.NO_RATING).all() and (actions.described[dsr] >= 1).all()
    assert (actions.described[~dsr] == 0).all()
    # "2024-09-14T00:30:00Z" is 08:30 in UTC+8
    assert parse_timestamp("2024-09-14T08:30:00") in set(actions.at[actions.order_id == 1008])


def test_native_and_text_parquet_read_like_csv(tmp_path):
    orders = read_orders(ORDERS_CSV)
    actions = read_actions(REVIEWS_CSV, orders)
    o_path, a_path = write_native_parquet(orders, actions, tmp_path)
    same_columns(orders, read_orders(o_path))
    same_columns(actions, read_actions(a_path, orders))
    o_text = csv_as_text_parquet(ORDERS_CSV, tmp_path / "orders_text.parquet")
    a_text = csv_as_text_parquet(REVIEWS_CSV, tmp_path / "reviews_text.parquet")
    same_columns(orders, read_orders(o_text))
    same_columns(actions, read_actions(a_text, orders))


@pytest.mark.parametrize("text, expected", [
    ("2024-09-01T10:00:00", "2024-09-01T10:00:00+08:00"),
    ("2024-09-01 10:00:00", "2024-09-01T10:00:00+08:00"),
    ("2024-09-01T10:00:00+08:00", "2024-09-01T10:00:00+08:00"),
    ("2024-09-01T02:00:00Z", "2024-09-01T10:00:00+08:00"),
    ("2024-09-01T03:00:00+0100", "2024-09-01T10:00:00+08:00"),
    ("2024-09-01T10:00:00.999", "2024-09-01T10:00:00+08:00"),  # truncated
    ("2024-09-01T10:00:00.5+08:00", "2024-09-01T10:00:00+08:00"),
    ("2024-09-01", "2024-09-01T00:00:00+08:00"),
])
def test_timestamp_forms(text, expected):
    seconds, valid = logfiles.parse_timestamps(pa.array([text]))
    assert valid is None
    assert int(seconds[0]) == parse_timestamp(expected)
    assert parse_time_option(text) == parse_timestamp(expected)


def test_mixed_offsets_blanks_and_spaces_in_one_column():
    texts = ["2024-09-01T10:00:00", None, "2024-09-01T02:00:00Z", " 2024-09-01 10:00:00 ", ""]
    seconds, valid = logfiles.parse_timestamps(pa.array(texts, pa.string()))
    assert valid.tolist() == [True, False, True, True, False]
    want = parse_timestamp("2024-09-01T10:00:00")
    assert seconds[valid].tolist() == [want] * 3


def test_first_bad_row_is_found_in_a_large_column():
    texts = np.array(["2024-09-01T10:00:00"] * 20_000, dtype=object)
    texts[::2] = "2024-09-01T10:00:00+08:00"  # mixed: the regular-expression path
    texts[13_579] = "2024-02-30T10:00:00"
    texts[17_000] = "garbage"
    with pytest.raises(logfiles._BadTimestamp) as info:
        logfiles.parse_timestamps(pa.array(texts.tolist()))
    assert info.value.row == 13_579


def test_as_of_option_rejects_garbage():
    with pytest.raises(InputError, match="--as-of"):
        parse_time_option("yesterday")
    assert parse_time_option(None) is None
    assert parse_time_option(123) == 123


def _rewrite(source: Path, target: Path, row: int, column: str, value: str | None) -> Path:
    """Copy a CSV with one cell changed (row is 1-based, data rows only); None drops the column."""
    with open(source, newline="") as handle:
        rows = list(csv.reader(handle))
    if value is None:
        index = rows[0].index(column)
        rows = [r[:index] + r[index + 1:] for r in rows]
    else:
        rows[row][rows[0].index(column)] = value
    with open(target, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return target


ORDER_ERRORS = [
    (17, "created_at", "2024-13-01", "row 17, column 'created_at': expected an ISO 8601 timestamp, got '2024-13-01'"),
    (3, "success_at", "2024-02-30 10:00:00", "row 3, column 'success_at'"),
    (5, "amount", "12.5.1", "row 5, column 'amount': expected a number"),
    (5, "amount", "-1", "row 5, column 'amount'"),
    (6, "buyer_id", "7x", "row 6, column 'buyer_id': expected an integer, got '7x'"),
    (6, "buyer_id", "", "row 6, column 'buyer_id': expected an integer, got ''"),
    (8, "platform", "jd", "row 8, column 'platform': expected one of taobao, tmall, got 'jd'"),
    (9, "refund", "lost", "row 9, column 'refund'"),
    (12, "order_id", "1003", "row 12, column 'order_id': expected an order id not used on an earlier row (row 3 has it)"),
    (0, "seller_id", None, "header: expected a column 'seller_id'"),
]


@pytest.mark.parametrize("row, column, value, message", ORDER_ERRORS)
def test_bad_orders(tmp_path, row, column, value, message):
    path = _rewrite(ORDERS_CSV, tmp_path / "orders.csv", row, column, value)
    with pytest.raises(InputError) as info:
        read_orders(path)
    text = info.value.message()
    assert text.startswith(str(path) + ": ") and message in text
    assert "\n" not in text
    # the same file as Parquet text columns fails at the same cell
    if value is not None:
        parquet = csv_as_text_parquet(path, tmp_path / "orders.parquet")
        with pytest.raises(InputError) as info:
            read_orders(parquet)
        assert message.split(":")[0] in info.value.message()


ACTION_ERRORS = [
    (5, "order_id", "999", "row 5, column 'order_id': expected an order id of the orders, got '999'"),
    (5, "rating", "", "row 5, column 'rating': expected one of good, neutral, bad on a 'rate' row, got ''"),
    (8, "rating", "", "row 8, column 'rating': expected one of good, neutral, bad on a 'modify' row"),
    (5, "rating", "great", "row 5, column 'rating'"),
    (9, "rating", "good", "row 9, column 'rating': expected empty on a 'dsr' row, got 'good'"),
    (9, "described", "6", "row 9, column 'described': expected an integer from 1 to 5, got '6'"),
    (9, "service", "0", "row 9, column 'service'"),
    (9, "shipping", "", "row 9, column 'shipping': expected an integer from 1 to 5 on a 'dsr' row, got ''"),
    (5, "logistics", "3", "row 5, column 'logistics': expected empty on a 'rate' row, got '3'"),
    (5, "author", "platform", "row 5, column 'author': expected one of buyer, seller, got 'platform'"),
    (5, "action", "edit", "row 5, column 'action'"),
    (5, "at", "", "row 5, column 'at': expected an ISO 8601 timestamp, got ''"),
    (0, "at", None, "header: expected a column 'at'"),
]


@pytest.mark.parametrize("row, column, value, message", ACTION_ERRORS)
def test_bad_actions(tmp_path, row, column, value, message):
    orders = read_orders(ORDERS_CSV)
    path = _rewrite(REVIEWS_CSV, tmp_path / "reviews.csv", row, column, value)
    with pytest.raises(InputError) as info:
        read_actions(path, orders)
    assert info.value.message().startswith(str(path) + ": ")
    assert message in info.value.message()


def test_file_level_errors(tmp_path):
    cases = {
        tmp_path / "missing.csv": "expected an existing file",
        tmp_path / "orders.txt": "expected a .csv or .parquet file",
        tmp_path / "empty.csv": "expected a header line",
        tmp_path / "junk.parquet": "expected a readable Parquet file",
        tmp_path / "ragged.csv": "row 2: expected 10 comma-separated fields",
    }
    (tmp_path / "orders.txt").write_text("x")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    lines = ORDERS_CSV.read_text().splitlines()
    (tmp_path / "ragged.csv").write_text("\n".join(lines[:2] + ["1,2,3"] + lines[3:]) + "\n")
    for path, message in cases.items():
        with pytest.raises(InputError) as info:
            read_orders(path)
        assert info.value.message().startswith(str(path)) and message in info.value.message()


def test_native_parquet_errors(tmp_path):
    orders = read_orders(ORDERS_CSV)
    bad = orders.take(np.arange(len(orders)))
    bad.order_id[4] = bad.order_id[1]
    o_path, _ = write_native_parquet(bad, read_actions(REVIEWS_CSV, orders), tmp_path)
    with pytest.raises(InputError, match=r"row 5, column 'order_id'.*row 2 has it"):
        read_orders(o_path)
    table = pq.read_table(o_path).set_column(3, "item_id", pa.array([1.5] + [1.0] * (len(orders) - 1)))
    pq.write_table(table, o_path)
    with pytest.raises(InputError, match=r"row 1, column 'item_id': expected an integer, got '1.5'"):
        read_orders(o_path)
    table = table.set_column(3, "item_id", pa.array([True] * len(orders)))
    pq.write_table(table, o_path)
    with pytest.raises(InputError, match=r"column 'item_id': expected an integer.*got 'bool'"):
        read_orders(o_path)


@pytest.mark.parametrize("column, row, value, message", [
    ("platform", 12, pa.scalar("jd"), "one of taobao, tmall"),  # a dictionary chunk
    ("item_id", 16, pa.scalar(2.5), "an integer"),
    ("created_at", 9, pa.scalar(None, pa.timestamp("s")), "an ISO 8601 timestamp"),
    ("refund", 15, pa.scalar("lost"), "one of not_received, return, partial or empty"),
])
def test_bad_cells_in_later_row_groups_name_their_row_in_the_file(tmp_path, column, row, value, message):
    orders = read_orders(ORDERS_CSV)
    o_path, _ = write_native_parquet(orders, read_actions(REVIEWS_CSV, orders), tmp_path)
    table = pq.read_table(o_path)
    cells = table.column(column).combine_chunks()
    if pa.types.is_dictionary(cells.type):
        cells = cells.dictionary_decode()
    cells = cells.to_pylist()
    cells[row] = value.as_py()
    typ = value.type if pa.types.is_floating(value.type) else table.schema.field(column).type
    if pa.types.is_dictionary(typ):
        typ = typ.value_type
    arr = pa.array(cells, typ)
    table = table.set_column(table.schema.get_field_index(column), column,
                             arr.dictionary_encode() if column == "platform" else arr)
    pq.write_table(table, o_path, row_group_size=7)  # the bad cell is in the second or third chunk
    assert pq.ParquetFile(o_path).metadata.num_row_groups > 2
    with pytest.raises(InputError, match=rf"row {row + 1}, column '{column}': expected {message}"):
        read_orders(o_path)


def test_optional_removed_at_and_extra_columns(tmp_path):
    path = _rewrite(ORDERS_CSV, tmp_path / "orders.csv", 0, "removed_at", None)
    orders = read_orders(path)
    assert (orders.removed_at == NEVER).all()
    text = ORDERS_CSV.read_text().splitlines()
    (tmp_path / "wide.csv").write_text("\n".join([text[0] + ",color"] + [t + ",red" for t in text[1:]]) + "\n")
    same_columns(read_orders(ORDERS_CSV), read_orders(tmp_path / "wide.csv"))


def test_accounts(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,created_at\n1,2023-01-01 00:00:00\n2,2024-09-01T00:00:00+08:00\n")
    accounts = read_accounts(path)
    assert accounts.account_id.tolist() == [1, 2]
    assert accounts.created_at[1] == parse_timestamp("2024-09-01T00:00:00")
    path.write_text("account_id,created_at\n1,2023-01-01\n1,2023-01-02\n")
    with pytest.raises(InputError, match=r"row 2, column 'account_id'"):
        read_accounts(path)


def test_membership_with_sparse_ids():
    keys = np.array([10**12, 5, 3 * 10**11], np.int64)
    values = np.array([5, 10**12, 5, 7], np.int64)
    assert is_member(values, keys).tolist() == [True, True, True, False]
    dense = np.arange(100, 200, dtype=np.int64)[::-1]
    assert is_member(np.array([99, 100, 150, 199, 200]), dense).tolist() == [False, True, True, True, False]


# --- writing ---------------------------------------------------------------------------------

def small_result() -> L.ScoreResult:
    reviews = L.ReviewRows(
        source=np.array([0, 1, -1]), order_id=np.array([7, 7, 8]),
        author=np.array([L.BUYER, L.BUYER, L.SELLER], np.int8),
        kind=np.array([L.CREDIT, L.DSR_KIND, L.CREDIT], np.int8),
        origin=np.array([L.GIVEN, L.GIVEN, L.DEFAULT], np.int8),
        rating=np.array([L.BAD, L.NO_RATING, L.GOOD], np.int8),
        effective_at=np.array([parse_timestamp("2024-09-01T10:00:00"), NEVER, 0]),
        status=np.array([L.COUNTED, L.PENDING, L.CAPPED], np.int8),
        points=np.array([-1.0, 0.0, 0.0]),
    )
    sellers = L.SellerScores(
        seller_id=np.array([3, 4]), credit=np.array([-1.0, 2.0]), level=np.array([0, 0]),
        good=np.array([0, 2]), neutral=np.array([0, 0]), bad=np.array([1, 0]),
        positive_rate=np.array([0.0, np.nan]), dsr_described=np.array([np.nan, 4.5]),
        dsr_service=np.array([np.nan, 4.0]), dsr_shipping=np.array([np.nan, 5.0]),
        dsr_logistics=np.array([np.nan, 1 / 3]),
    )
    buyers = L.BuyerScores(buyer_id=np.array([9]), credit=np.array([1.0]), level=np.array([0]),
                           good=np.array([1]), neutral=np.array([0]), bad=np.array([0]))
    return L.ScoreResult(as_of=parse_timestamp("2024-10-01T00:00:00"), reviews=reviews,
                         sellers=sellers, buyers=buyers)


def test_write_csv_exact_text(tmp_path):
    write_result(small_result(), tmp_path, "csv", TAOBAO)
    assert (tmp_path / "reviews.csv").read_text() == (
        "order_id,author,kind,origin,rating,effective_at,status,points\n"
        "7,buyer,credit,given,bad,2024-09-01T10:00:00+08:00,counted,-1\n"
        "7,buyer,dsr,given,,,pending,0\n"
        "8,seller,credit,default,good,1970-01-01T08:00:00+08:00,capped,0\n"
    )
    assert (tmp_path / "sellers.csv").read_text() == (
        "seller_id,credit,level,good,neutral,bad,positive_rate,dsr_described,dsr_service,"
        "dsr_shipping,dsr_logistics\n"
        "3,-1,0,0,0,1,0,,,,\n"
        "4,2,0,2,0,0,,4.5,4,5,0.3333333333333333\n"
    )
    assert (tmp_path / "buyers.csv").read_text() == "buyer_id,credit,level,good,neutral,bad\n9,1,0,1,0,0\n"
    assert '"as_of": ' in (tmp_path / "manifest.json").read_text()


def test_credit_and_points_types_follow_rules_integral(tmp_path):
    result = small_result()
    result.sellers.credit[1] = 2.75  # a decayed credit
    result.reviews.points[0] = -0.5
    for rules, kind in ((TAOBAO, "integral"), (TAOBAO.replace(credit_half_life_days=180.0), "float")):
        out = tmp_path / kind
        out.mkdir()
        write_result(result, out, "parquet", rules)
        sellers = pq.read_table(out / "sellers.parquet")
        reviews = pq.read_table(out / "reviews.parquet")
        want = pa.float64() if kind == "float" else pa.int64()
        assert sellers.schema.field("credit").type == want
        assert reviews.schema.field("points").type == want
        assert pq.read_table(out / "buyers.parquet").schema.field("credit").type == want
        credit = sellers.column("credit").to_pylist()
        assert credit == ([-1.0, 2.75] if kind == "float" else [-1, 3])
    (tmp_path / "csv").mkdir()
    write_result(result, tmp_path / "csv", "csv", TAOBAO.replace(credit_half_life_days=180.0))
    assert (tmp_path / "csv" / "sellers.csv").read_text().splitlines()[2].startswith("4,2.75,")
    assert (tmp_path / "csv" / "reviews.csv").read_text().splitlines()[1].endswith(",counted,-0.5")


def test_parquet_output_matches_csv(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "p").mkdir()
    write_result(small_result(), tmp_path / "c", "csv", TAOBAO)
    write_result(small_result(), tmp_path / "p", "parquet", TAOBAO)
    reviews = pq.read_table(tmp_path / "p" / "reviews.parquet")
    # Parquet has no seconds unit: written as timestamp[s, tz=+08:00], read back as milliseconds
    assert reviews.schema.field("effective_at").type.tz == "+08:00"
    assert reviews.column("effective_at")[0].as_py().isoformat() == "2024-09-01T10:00:00+08:00"
    assert reviews.column("effective_at").null_count == 1
    assert reviews.schema.field("points").type == pa.int64()
    for name in ("sellers", "buyers", "reviews"):
        assert parquet_as_csv_text(tmp_path / "p" / f"{name}.parquet") == (tmp_path / "c" / f"{name}.csv").read_text()


def test_parquet_outputs_declare_the_columns_that_are_never_empty(tmp_path):
    write_result(small_result(), tmp_path, "parquet", TAOBAO)
    optional = {
        "sellers": {"positive_rate", "dsr_described", "dsr_service", "dsr_shipping", "dsr_logistics"},
        "buyers": set(),
        "reviews": {"rating", "effective_at"},
    }
    for name, may_be_empty in optional.items():
        schema = pq.read_schema(tmp_path / f"{name}.parquet")
        assert {f.name for f in schema if f.nullable} == may_be_empty
        file_schema = pq.ParquetFile(tmp_path / f"{name}.parquet").schema
        repetition = {file_schema.column(i).name: file_schema.column(i).max_definition_level
                      for i in range(len(file_schema))}
        assert {n for n, level in repetition.items() if level > 0} == may_be_empty


def test_a_null_in_a_required_column_is_refused():
    from sim.io.parquet import table_of

    assert table_of({"a": pa.array([1, None])}, optional={"a"}).num_rows == 2
    with pytest.raises(ValueError, match="'a' is declared never empty"):
        table_of({"a": pa.array([1, None])})


def test_iso_strings_match_format_timestamps():
    rng = np.random.default_rng(3)
    t = rng.integers(-2_000_000_000, 4_000_000_000, 5000)
    t[::5] = NEVER
    fast = iso_strings(t).to_pylist()
    assert [x or "" for x in fast] == format_timestamps(t).tolist()
    assert iso_strings(np.array([-10**12, NEVER])).to_pylist()[1] is None  # the slow fallback


def test_spaces_around_csv_cells_are_ignored(tmp_path):
    lines = ORDERS_CSV.read_text().splitlines()
    spaced = [lines[0]] + [", ".join(line.split(",")) for line in lines[1:]]
    (tmp_path / "spaced.csv").write_text("\n".join(spaced) + "\n")
    same_columns(read_orders(ORDERS_CSV), read_orders(tmp_path / "spaced.csv"))


# --- review rows in parts -------------------------------------------------------------------

def test_review_parts_read_like_review_rows_and_write_the_same_tables():
    from sim.io.results import reviews_table
    from sim.reputation.core import score

    examples = Path(__file__).resolve().parents[1] / "examples"
    orders = read_orders(examples / "orders.csv")
    actions = read_actions(examples / "reviews.csv", orders)
    parts = score(orders, actions, TAOBAO).reviews
    assert isinstance(parts, L.ReviewParts)
    joined = L.ReviewRows(**{name: np.concatenate([p[name] for p in parts.parts()]) for name in parts.columns()})
    assert len(parts) == len(joined) > len(actions)
    for name, column in joined.columns().items():
        assert np.array_equal(getattr(parts, name), column), name
    index = np.array([0, len(joined) - 1, 3])
    assert all(np.array_equal(a, b) for a, b in zip(parts.take(index).columns().values(),
                                                     joined.take(index).columns().values()))
    assert parts.source[len(actions):].tolist() == [-1] * (len(joined) - len(actions))
    for fmt in ("parquet", "csv"):
        assert reviews_table(parts, True, fmt).equals(reviews_table(joined, True, fmt))
    with pytest.raises(AttributeError):
        parts.no_such_column


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_reviews_are_written_the_same_in_slices(tmp_path, fmt, monkeypatch):
    import sim.io.results as results
    from sim.reputation.core import score

    examples = Path(__file__).resolve().parents[1] / "examples"
    orders = read_orders(examples / "orders.csv")
    result = score(orders, read_actions(examples / "reviews.csv", orders), TAOBAO)
    whole, sliced = tmp_path / "whole", tmp_path / "sliced"
    whole.mkdir(), sliced.mkdir()
    write_result(result, whole, fmt, TAOBAO)
    monkeypatch.setattr(results, "WRITE_SLICE_ROWS", 5)
    given = int((result.reviews.source >= 0).sum())
    system = len(result.reviews) - given
    assert given % 5 and len(list(results.reviews_tables(result.reviews, True, fmt))) == -(-given // 5) - (-system // 5)
    write_result(result, sliced, fmt, TAOBAO)
    if fmt == "parquet":
        assert pq.read_table(sliced / "reviews.parquet").equals(pq.read_table(whole / "reviews.parquet"))
        assert pq.ParquetFile(sliced / "reviews.parquet").metadata.num_row_groups > 3
    else:
        assert (sliced / "reviews.csv").read_text() == (whole / "reviews.csv").read_text()


def test_a_log_without_reviews_writes_a_reviews_file_with_the_header_only(tmp_path):
    from sim.reputation.core import score

    orders = read_orders(ORDERS_CSV)
    none = read_actions(REVIEWS_CSV, orders).take(np.zeros(0, np.int64))
    result = score(orders, none, TAOBAO.replace(default_good=False))
    assert len(result.reviews) == 0
    write_result(result, tmp_path, "csv", TAOBAO)
    assert (tmp_path / "reviews.csv").read_text() == "order_id,author,kind,origin,rating,effective_at,status,points\n"
    (tmp_path / "p").mkdir()
    write_result(result, tmp_path / "p", "parquet", TAOBAO)
    assert pq.read_table(tmp_path / "p" / "reviews.parquet").num_rows == 0
