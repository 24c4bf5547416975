"""Time conversions (TIME-ZONE, TIME-MONTH) against Python's datetime."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.timeutil import PLATFORM_TZ, month_index, parse_timestamp

from helpers import examples


def calendar_month(t: int) -> int:
    local = dt.datetime.fromtimestamp(t, PLATFORM_TZ)
    return (local.year - 1970) * 12 + local.month - 1


def test_month_boundaries_are_in_utc_plus_8():
    # 2024-08-31T23:59:59+08:00 is August; one second later is September, though still August in UTC.
    last = parse_timestamp("2024-08-31T23:59:59+08:00")
    assert month_index(np.array([last, last + 1])).tolist() == [(2024 - 1970) * 12 + 7, (2024 - 1970) * 12 + 8]
    assert month_index(np.array([parse_timestamp("2024-02-29T12:00:00")])).tolist() == [(2024 - 1970) * 12 + 1]
    assert month_index(np.zeros(0, np.int64)).tolist() == []


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.integers(-2_000_000_000, 4_000_000_000), min_size=1, max_size=50),
       st.sampled_from([0, 10, 86_400 * 70_000]))
def test_month_index_matches_the_calendar(times, spread):
    # A narrow span takes the table path, a span of over 180 years the general path.
    t = np.array(times + [times[0] + spread], np.int64)
    assert month_index(t).tolist() == [calendar_month(int(x)) for x in t]
