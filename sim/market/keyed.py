"""Keyed random draws: every number is a function of (stream name, entity, event, slot), not of how
many numbers were drawn before it.

A sequential generator hands out numbers in the order they are asked for, so when a rule set or an
extra actor changes how many draws the market makes, every later draw of every honest buyer shifts,
and two runs meant to be compared pair by pair differ by needless noise. Here a draw is a hash instead
(a counter-based generator): the stream's 64-bit key, taken from ``SeedSequence(seed,
spawn_key=<the name's bytes>)`` (streams are keyed by name, not by position), is mixed with two
integers that name the entity and the event (for a buyer's visit: the buyer's account id and its visit
number; for an order: its buyer and visit, see ``orders.ORDER_KEY``) and a small slot number that tells
the draws of one event apart. The mixer is SplitMix64's finaliser applied three times, once per input,
which passes the usual statistical batteries as a counter-based generator; it is vectorised over numpy
``uint64`` arrays (wrap-around multiplication), so a batch of any size costs a few array operations.

The distributions are made by inversion from one uniform each (normal through ``scipy.special.ndtri``),
so one draw is always exactly one slot.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 2.0 ** -53


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (in place on a fresh array)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _u64(x) -> np.ndarray:
    return np.asarray(x, np.int64).astype(np.uint64)


class Keyed:
    """One named stream of keyed draws. ``a``, ``b`` and ``slot`` are integers or integer arrays (broadcast
    together; ``slot`` is small and tells one event's draws apart); the same (seed, name, a, b, slot) always gives the same number."""

    def __init__(self, seed: int, name: str) -> None:
        self.name = name
        ss = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode()), len(name)))
        self.key = np.uint64(ss.generate_state(1, np.uint64)[0])

    def bits(self, a, b, slot: int = 0) -> np.ndarray:
        with np.errstate(over="ignore"):
            z = _mix(_u64(a) * _GOLD + self.key)
            z = _mix(z + _u64(b) * _M1)
            return _mix(z + _u64(slot) * _GOLD + np.uint64(1))

    def uniform(self, a, b, slot: int = 0) -> np.ndarray:
        """Uniform on the open interval (0, 1)."""
        return ((self.bits(a, b, slot) >> _S11).astype(np.float64) + 0.5) * _TO_UNIT

    def normal(self, a, b, slot: int = 0) -> np.ndarray:
        return ndtri(self.uniform(a, b, slot))

    def exponential(self, a, b, slot: int = 0, mean=1.0) -> np.ndarray:
        return -np.log(self.uniform(a, b, slot)) * mean

    def gumbel(self, a, b, slot: int = 0) -> np.ndarray:
        return -np.log(-np.log(self.uniform(a, b, slot)))

    def integers(self, a, b, slot: int, high) -> np.ndarray:
        """Integers in [0, high) (``high`` >= 1, an integer or an array of them)."""
        return np.minimum((self.uniform(a, b, slot) * high).astype(np.int64), np.asarray(high, np.int64) - 1)

    def beta(self, a, b, slot: int, alpha: float, beta_: float) -> np.ndarray:
        from scipy.special import betaincinv
        return betaincinv(alpha, beta_, self.uniform(a, b, slot))

    def choice(self, a, b, slot: int, shares: np.ndarray) -> np.ndarray:
        """An index drawn with the given (non-negative) shares."""
        cum = np.cumsum(np.asarray(shares, np.float64))
        return np.searchsorted(cum / cum[-1], self.uniform(a, b, slot), side="right").clip(0, len(cum) - 1)


class Streams:
    """The named keyed streams of one run (made on first use)."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, Keyed] = {}

    def __getitem__(self, name: str) -> Keyed:
        s = self._streams.get(name)
        if s is None:
            s = self._streams[name] = Keyed(self.seed, name)
        return s

    def names(self) -> list[str]:
        return sorted(self._streams)
