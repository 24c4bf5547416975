"""The segmented scans of ``sim.reputation.scan`` against plain Python loops over the segments."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.reputation import scan
from sim.reputation.dedup import dedup_anchors

from helpers import examples


@st.composite
def segmented(draw, values=st.integers(-3, 3)):
    """A start mask (the first element always starts a segment) and one value per element."""
    n = draw(st.integers(0, 80))
    start = np.array([True] + draw(st.lists(st.booleans(), min_size=max(n - 1, 0), max_size=max(n - 1, 0))),
                     dtype=bool)[:n]
    return start, np.array(draw(st.lists(values, min_size=n, max_size=n)), dtype=np.int64)


def segments_of(start: np.ndarray) -> list[range]:
    bounds = list(np.flatnonzero(start)) + [len(start)]
    return [range(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)]


@settings(max_examples=examples(200), deadline=None)
@given(segmented(st.booleans()))
def test_segments_first_after_and_spread(case):
    start, mask = case
    segments = scan.Segments(start)
    firsts = segments.first(mask.astype(bool))
    expected = [next((i for i in seg if mask[i]), None) for seg in segments_of(start)]
    assert firsts.tolist() == [i for i in expected if i is not None]
    after, at_or_after = segments.after(firsts), segments.after(firsts, inclusive=True)
    spread = segments.spread(firsts * 10, firsts, -1)
    for seg, first in zip(segments_of(start), expected):
        for i in seg:
            assert after[i] == (first is not None and i > first)
            assert at_or_after[i] == (first is not None and i >= first)
            assert spread[i] == (-1 if first is None else first * 10)


@settings(max_examples=examples(200), deadline=None)
@given(segmented(), st.integers(-4, 0), st.integers(0, 4))
def test_clamp_scan_and_capped_mask(case, lo, hi):
    start, points = case
    state = scan.clamp_scan(points, start, lo, hi)
    capped = scan.capped_mask(points, start, lo, hi)
    for seg in segments_of(start):
        s = 0
        for i in seg:  # SCORE-CLAMP: s = clamp(s + p, lo, hi); a step that would leave [lo, hi] is capped
            assert capped[i] == (not lo <= s + points[i] <= hi)
            s = min(max(s + points[i], lo), hi)
            assert state[i] == s


@settings(max_examples=examples(200), deadline=None)
@given(segmented(st.integers(0, 40)), st.integers(1, 15))
def test_dedup_anchors_are_greedy(case, window):
    start, created = case
    for seg in segments_of(start):  # each segment sorted by creation time
        created[seg.start:seg.stop] = np.sort(created[seg.start:seg.stop])
    anchors = dedup_anchors(created, start, np.int64(window))
    for seg in segments_of(start):
        anchor = None
        for i in seg:  # SCORE-DEDUP: an anchor, then the first element at least `window` later
            expected = anchor is None or created[i] >= created[anchor] + window
            assert anchors[i] == expected
            if expected:
                anchor = i
