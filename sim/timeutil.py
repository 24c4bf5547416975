"""Time: the one unit of repsim, and the conversions to and from it.

Every time inside repsim is an ``int64`` count of **seconds since the Unix epoch (UTC)**; every
duration is an ``int64`` count of seconds. This module is the only place that converts.

- TIME-ZONE: platform-local time is UTC+8; a timestamp without an offset is read as UTC+8.
- TIME-DAYS: "N days" is N x 86,400 s from the triggering instant; "48 hours" is 172,800 s.
- TIME-MONTH: a natural month is a calendar month in platform-local time.

``NEVER`` marks an instant that has not happened (an order that never succeeded, an order never
removed). It lies far in the future, so ``t <= as_of`` is false for it, and adding any window to it
cannot overflow. ``FOREVER`` is the duration of a window that never closes.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

SECOND = 1
HOUR = 3600
DAY = 86_400
PLATFORM_UTC_OFFSET = 8 * HOUR  # TIME-ZONE
PLATFORM_TZ = _dt.timezone(_dt.timedelta(seconds=PLATFORM_UTC_OFFSET))

NEVER = np.int64(1 << 62)  # an instant that has not happened
FOREVER = np.int64(1 << 60)  # a window that never closes


def days(n: float | None) -> np.int64:
    """Seconds in ``n`` days (TIME-DAYS); ``None`` means a window that never closes."""
    if n is None:
        return FOREVER
    return np.int64(round(float(n) * DAY))


def hours(n: float) -> np.int64:
    """Seconds in ``n`` hours (TIME-DAYS)."""
    return np.int64(round(float(n) * HOUR))


#: Day spans up to this long get their months from a table of the span's days.
_MONTH_TABLE_DAYS = 1 << 16


def month_index(t: np.ndarray) -> np.ndarray:
    """Natural month of each instant in platform-local time (TIME-MONTH), as months since 1970-01."""
    day = local_day_index(t)
    if len(day) == 0:
        return day
    first, last = int(day.min()), int(day.max())
    if last - first < _MONTH_TABLE_DAYS:
        # Numpy's datetime64 month conversion costs ten times more than a lookup in a table of
        # the days the instants span.
        table = np.arange(first, last + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        return table[day - first]
    return day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def local_day_index(t: np.ndarray) -> np.ndarray:
    """Platform-local calendar day of each instant, as days since 1970-01-01."""
    return (np.asarray(t, dtype=np.int64) + PLATFORM_UTC_OFFSET) // DAY


def parse_timestamp(text: str) -> int:
    """One ISO 8601 timestamp to seconds; no offset means UTC+8 (TIME-ZONE). Raises ValueError."""
    value = _dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=PLATFORM_TZ)
    return int(value.timestamp() // 1)


def parse_date(text: str) -> _dt.date:
    """An ISO date such as ``2024-03-04`` (a platform-local calendar day). Raises ValueError."""
    return _dt.date.fromisoformat(text)


def local_datetime(t: int) -> _dt.datetime:
    """One instant as a platform-local datetime (TIME-ZONE), for calendar questions: year, month, weekday."""
    return _dt.datetime.fromtimestamp(int(t), PLATFORM_TZ)


def format_timestamp(t: int) -> str:
    """Seconds to an ISO 8601 string in platform-local time, with its +08:00 offset."""
    return local_datetime(t).isoformat()


def format_timestamps(t: np.ndarray) -> np.ndarray:
    """Vectorised ``format_timestamp``; ``NEVER`` becomes the empty string."""
    t = np.asarray(t, dtype=np.int64)
    out = np.full(t.shape, "", dtype=object)
    known = t < NEVER
    if known.any():
        local = (t[known] + PLATFORM_UTC_OFFSET).astype("datetime64[s]")
        out[known] = np.char.add(np.datetime_as_string(local, unit="s"), "+08:00")
    return out
