"""The pandas baseline of benchmarks/ against the scoring core and its reference twin.

benchmarks/pandas_score.py is a third, independent implementation of docs/scoring.md (written
from the contract with DataFrames). On a generated log of ~5,000 orders (benchmarks/gen_log.py,
with farms that hit SCORE-DEDUP and SCORE-CLAMP, refunds, removals, modifications, late and
invalid actions) it must give the same seller and buyer scores as ``sim.reputation.core.score``
and ``sim.reputation.reference.score_reference``, and the same review rows.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
gen_log = importlib.import_module("gen_log")
pandas_score = importlib.import_module("pandas_score")

from sim.reputation.core import score  # noqa: E402
from sim.reputation.log import NEVER, STATUS_NAMES  # noqa: E402
from sim.reputation.reference import score_reference  # noqa: E402
from sim.rules.presets import NAIVE, TAOBAO  # noqa: E402

N_ORDERS = 5_000
pytestmark = pytest.mark.slow  # generates two logs of 5,000 orders and scores them four ways


@pytest.fixture(scope="module")
def log():
    return gen_log.generate(N_ORDERS, seed=1)


@pytest.fixture(scope="module")
def tie_log():
    # a one-hour time grid: many same-instant actions, exercising every tie-break of the contract
    return gen_log.generate(N_ORDERS, seed=2, shape=gen_log.LogShape(time_resolution=3600))


def _assert_accounts_equal(mine: dict, result) -> None:
    for name, ref in (("sellers", result.sellers), ("buyers", result.buyers)):
        expected = pd.DataFrame(ref.columns())
        got = mine[name]
        assert list(got.columns) == list(expected.columns), name
        np.testing.assert_array_equal(got.iloc[:, 0].to_numpy(), expected.iloc[:, 0].to_numpy(), err_msg=name)
        for col in expected.columns[1:]:
            np.testing.assert_allclose(got[col].to_numpy(float), expected[col].to_numpy(float),
                                       rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=f"{name}.{col}")


def _assert_rows_equal(mine: dict, result) -> None:
    expected = pd.DataFrame(result.reviews.columns())
    got = mine["reviews"]
    assert len(got) == len(expected)
    differ = got["status"].to_numpy() != expected["status"].to_numpy()
    if differ.any():
        pairs = pd.Series([f"pandas {STATUS_NAMES[a]}, other {STATUS_NAMES[b]}" for a, b in
                           zip(got["status"][differ], expected["status"][differ])]).value_counts()
        pytest.fail(f"{differ.sum()} review rows differ in status: {pairs.to_dict()}")
    for col in ("source", "order_id", "author", "kind", "origin", "rating", "effective_at"):
        np.testing.assert_array_equal(got[col].to_numpy(), expected[col].to_numpy(), err_msg=col)
    np.testing.assert_allclose(got["points"].to_numpy(), expected["points"].to_numpy(), atol=1e-9)


def test_generated_log_has_the_promised_shape(log):
    orders, actions = log
    assert len(orders) == N_ORDERS
    assert np.all(np.diff(orders.created_at) >= 0)  # order_id follows creation
    assert np.all(np.diff(actions.at) >= 0)  # the log is in time order
    assert 0.94 < (orders.success_at < NEVER).mean() < 0.99
    assert set(np.unique(orders.refund)) <= {0, 1, 2, 3} and (orders.refund > 0).any()
    assert (orders.removed_at < NEVER).sum() >= 5
    assert set(np.unique(actions.action)) == {0, 1, 2, 3}
    again = gen_log.generate(N_ORDERS, seed=1)
    for a, b in zip((orders, actions), again):
        for name, column in a.columns().items():
            np.testing.assert_array_equal(column, b.columns()[name], err_msg=name)


def test_generated_log_exercises_dedup_and_clamp(log):
    orders, actions = log
    statuses = pandas_score.score_pandas(orders, actions, TAOBAO)["reviews"]["status"].map(
        lambda s: STATUS_NAMES[s]).value_counts()
    for status in ("counted", "deduplicated", "capped", "cancelled", "removed", "superseded",
                   "outside_window", "invalid"):
        assert statuses.get(status, 0) > 0, status


@pytest.mark.parametrize("rules", [TAOBAO, NAIVE], ids=lambda r: r.name)
def test_accounts_agree_with_core(log, rules):
    orders, actions = log
    _assert_accounts_equal(pandas_score.score_pandas(orders, actions, rules), score(orders, actions, rules))


def test_accounts_agree_with_core_under_ties(tie_log):
    orders, actions = tie_log
    _assert_accounts_equal(pandas_score.score_pandas(orders, actions, TAOBAO), score(orders, actions, TAOBAO))


@pytest.mark.parametrize("rules", [TAOBAO, NAIVE], ids=lambda r: r.name)
def test_accounts_and_rows_agree_with_reference(log, rules):
    orders, actions = log
    mine = pandas_score.score_pandas(orders, actions, rules)
    result = score_reference(orders, actions, rules)
    _assert_accounts_equal(mine, result)
    _assert_rows_equal(mine, result)


def test_accounts_and_rows_agree_with_reference_under_ties_and_early_as_of(tie_log):
    orders, actions = tie_log
    as_of = int(np.median(actions.at))  # pending reviews and actions after the as-of time
    mine = pandas_score.score_pandas(orders, actions, TAOBAO, as_of)
    result = score_reference(orders, actions, TAOBAO, as_of)
    _assert_accounts_equal(mine, result)
    _assert_rows_equal(mine, result)


@pytest.mark.parametrize("rules", [TAOBAO, TAOBAO.replace(min_amount=20.0, review_window_days=None)],
                         ids=["taobao", "min_amount-no_window"])
def test_review_rows_agree_with_core(log, rules):
    # late actions on cancelled/ineligible orders (SCORE-STATUS-ORDER) and one-sided reviews under
    # a window that never closes (effect time NEVER) once differed here
    orders, actions = log
    _assert_rows_equal(pandas_score.score_pandas(orders, actions, rules), score(orders, actions, rules))
