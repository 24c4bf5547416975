"""sim.io.ahead: the next item is made in a second thread while the caller has the current one."""

from __future__ import annotations

import threading

import pytest

from sim.io.ahead import ahead


def test_items_come_in_order_and_all_of_them():
    assert list(ahead(iter(range(50)))) == list(range(50))
    assert list(ahead([])) == []


def test_the_next_item_is_made_while_the_caller_holds_this_one():
    made = [threading.Event() for _ in range(3)]

    def items():
        for k in range(3):
            made[k].set()
            yield k

    stream = ahead(items())
    assert next(stream) == 0
    assert made[1].wait(timeout=10)  # made before the caller asked for it
    assert not made[2].is_set()  # but only one ahead
    assert list(stream) == [1, 2]


def test_an_error_in_making_an_item_is_raised_in_its_place():
    def items():
        yield 1
        raise ValueError("bad row")

    stream = ahead(items())
    assert next(stream) == 1
    with pytest.raises(ValueError, match="bad row"):
        next(stream)
