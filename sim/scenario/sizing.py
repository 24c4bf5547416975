"""How big a scenario is: expected orders, the memory a run needs, and the memory the machine has.

The estimate is deliberately simple and conservative: expected orders x bytes per order, plus the
per-account and per-seller-day records. ``BYTES_PER_ORDER`` covers the order table (about 190 bytes
of columns, doubled while growing), about three review actions (about 40 bytes each, doubled), the
scorer's per-order ledger and its working arrays, and the output conversion. It was checked against
the peak memory of the benchmark scenario (see ``benchmarks/bench_market.py``).
"""

from __future__ import annotations

import os

from sim.errors import InputError
from sim.scenario.schema import Scenario
from sim.vocabulary import ARCHETYPES

BYTES_PER_ORDER = 2_000
BYTES_PER_BUYER = 200
BYTES_PER_SELLER_DAY = 250
BASE_BYTES = 300 * 2**20  # interpreter, numpy, pyarrow, simpy


def expected_orders(s: Scenario, days: int | None = None) -> float:
    """Expected placed orders: visits x the chance a visit places an order (festivals included)."""
    days = s.run.days if days is None else days
    b = s.buyers
    factor = 1.0
    for fest in b.festivals:
        peak = len(fest.peak_hours) / 24.0
        factor += (fest.days * fest.multiplier * (1 + peak * (fest.peak_multiplier - 1)) - fest.days
                   + fest.presale_days * (fest.presale_multiplier - 1)) / max(days, 1)
    chat = sum(getattr(b.archetypes, a).share * getattr(b.archetypes, a).chat_prob for a in ARCHETYPES)
    keep = 1.0 - 0.5 * chat * (s.sellers.slow_abandon + s.sellers.unskilled_abandon) / 2
    return b.count * b.visits_per_day * days * factor * b.buy_prob * keep


def estimate_bytes(s: Scenario, days: int | None = None) -> int:
    days = s.run.days if days is None else days
    return int(BASE_BYTES + expected_orders(s, days) * BYTES_PER_ORDER + s.buyers.count * BYTES_PER_BUYER
               + s.sellers.count * days * BYTES_PER_SELLER_DAY)


def available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo, else free physical pages from sysconf; None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(s: Scenario, days: int | None = None, available: int | None = None) -> int:
    """Refuse (InputError) a scenario whose estimated memory exceeds the allowed share of the machine."""
    need = estimate_bytes(s, days)
    have = available_bytes() if available is None else available
    if have is not None and need > s.run.max_memory_fraction * have:
        raise InputError(s.source, "buyers.count / buyers.visits_per_day / run.days",
                         f"a scenario that fits in memory: it needs about {need / 2**30:.1f} GiB "
                         f"({expected_orders(s, days):,.0f} expected orders x {BYTES_PER_ORDER} bytes), "
                         f"but {s.run.max_memory_fraction:.0%} of the {have / 2**30:.1f} GiB available is "
                         f"{s.run.max_memory_fraction * have / 2**30:.1f} GiB")
    return need
