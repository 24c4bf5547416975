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
A batch's events are mixed once (:class:`Draws`); each further draw of them costs one mix.

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
_MASK = (1 << 64) - 1


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in place on a fresh array (numpy's uint64 array arithmetic wraps)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _u64(x) -> np.ndarray:
    return np.asarray(x, np.int64).view(np.uint64)


def event_hash(key: np.uint64, a, b) -> np.ndarray:
    """The 64-bit hash of events (a, b) under a key: two mixes (arrays of at least one dimension, so
    numpy's wrap-around arithmetic never warns as it does on scalars)."""
    z = _mix(np.atleast_1d(_u64(a)) * _GOLD + key)
    return _mix(z + np.atleast_1d(_u64(b)) * _M1)


def _slot_offset(slot):
    """What a slot adds to an event's hash before the last mix (a Python int for a scalar slot: no array op)."""
    if isinstance(slot, (int, np.integer)):
        return np.uint64((int(slot) * 0x9E3779B97F4A7C15 + 1) & _MASK)
    return _u64(slot) * _GOLD + np.uint64(1)


class Draws:
    """The draws of one stream for a batch of events (a, b): the events' hash is mixed once here, so each
    slot costs one more mix. ``slot`` is an integer or an integer array (broadcast with the events)."""

    def __init__(self, key: np.uint64, events: np.ndarray, deterministic: bool = False) -> None:
        self.base = _mix(events ^ key)  # the events' hash (event_hash) under this stream's key
        self.deterministic = deterministic

    def take(self, index) -> "Draws":
        """The draws of a subset of the events (a mask or indices)."""
        sub = Draws.__new__(Draws)
        sub.base, sub.deterministic = self.base[index], self.deterministic
        return sub

    def bits(self, slot) -> np.ndarray:
        return _mix(self.base + _slot_offset(slot))

    def uniform(self, slot) -> np.ndarray:
        """Uniform on the open interval (0, 1)."""
        u = (self.bits(slot) >> _S11).astype(np.float64)
        u += 0.5
        u *= _TO_UNIT
        return u

    def uniforms(self, first, k: int) -> np.ndarray:
        """The uniforms of slots ``first .. first + k - 1`` as a (k, n) array, in one mix: each row equals
        ``uniform(first + i)`` (``first`` an integer or an array of per-event slots). One call instead of
        k saves the per-call cost that dominates the small batches of an hourly tick."""
        offsets = np.asarray(first, np.int64).reshape(1, -1) + np.arange(k, dtype=np.int64).reshape(k, 1)
        u = (_mix(self.base[None, ...] + _u64(offsets) * _GOLD + np.uint64(1)) >> _S11).astype(np.float64)
        u += 0.5
        u *= _TO_UNIT
        return u

    def normal(self, slot) -> np.ndarray:
        return ndtri(self.uniform(slot))

    def exponential(self, slot, mean=1.0) -> np.ndarray:
        e = np.log(self.uniform(slot))
        e *= -1.0
        return e * mean

    def gumbel(self, slot) -> np.ndarray:
        return -np.log(-np.log(self.uniform(slot)))

    def integers(self, slot, high) -> np.ndarray:
        """Integers in [0, high) (``high`` >= 1, an integer or an array of them)."""
        return to_integers(self.uniform(slot), high)

    def choice(self, slot, shares: np.ndarray) -> np.ndarray:
        """An index drawn with the given (non-negative) shares."""
        cum = np.cumsum(np.asarray(shares, np.float64))
        return np.searchsorted(cum / cum[-1], self.uniform(slot), side="right").clip(0, len(cum) - 1)

    # delays: exactly the mean with ``run.deterministic_delays``
    def exp_delay(self, slot, mean_seconds) -> np.ndarray:
        """Exponential delays with the given mean, in whole seconds."""
        if self.deterministic:
            return _full(self.base.shape, mean_seconds)
        return self.exp_delay_from(self.uniform(slot), mean_seconds)

    def exp_delay_from(self, u: np.ndarray, mean_seconds) -> np.ndarray:
        """``exp_delay`` from its uniform (a row of ``uniforms``)."""
        if self.deterministic:
            return _full(u.shape, mean_seconds)
        e = np.log(u)
        e *= -1.0
        return np.rint(e * mean_seconds).astype(np.int64)

    def lognormal_delay(self, slot, mean_seconds, sd: float) -> np.ndarray:
        """Log-normal delays with the given mean and log-spread, in whole seconds."""
        if self.deterministic or sd <= 0:
            return _full(self.base.shape, mean_seconds)
        return self.lognormal_delay_from(self.uniform(slot), mean_seconds, sd)

    def lognormal_delay_from(self, u: np.ndarray, mean_seconds, sd: float) -> np.ndarray:
        """``lognormal_delay`` from its uniform (a row of ``uniforms``)."""
        if self.deterministic or sd <= 0:
            return _full(u.shape, mean_seconds)
        return np.rint(mean_seconds * np.exp(sd * ndtri(u) - sd * sd / 2)).astype(np.int64)


def to_integers(u: np.ndarray, high) -> np.ndarray:
    """Integers in [0, high) from uniforms."""
    return np.minimum((u * high).astype(np.int64), np.asarray(high, np.int64) - 1)


def _full(shape: tuple, mean) -> np.ndarray:
    mean = np.rint(np.asarray(mean, np.float64)).astype(np.int64)
    return np.full(shape, mean) if mean.ndim == 0 else np.broadcast_to(mean, shape).copy()


class Keyed:
    """One named stream of keyed draws. ``a``, ``b`` and ``slot`` are integers or integer arrays
    (broadcast together; ``slot`` is small and tells one event's draws apart); the same (seed, name, a,
    b, slot) always gives the same number."""

    def __init__(self, seed: int, name: str) -> None:
        self.name = name
        ss = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode()), len(name)))
        self.key = np.uint64(ss.generate_state(1, np.uint64)[0])

    def at(self, a, b, deterministic: bool = False) -> Draws:
        """The draws of events (a, b)."""
        return Draws(self.key, event_hash(EVENT_KEY, a, b), deterministic)

    def on(self, events: np.ndarray, deterministic: bool = False) -> Draws:
        """The draws of events given by their ``event_hash`` (e.g. an order's ``event`` column)."""
        return Draws(self.key, events, deterministic)

    def uniform(self, a, b, slot=0) -> np.ndarray:
        return self.at(a, b).uniform(slot)

    def normal(self, a, b, slot=0) -> np.ndarray:
        return self.at(a, b).normal(slot)

    def exponential(self, a, b, slot=0, mean=1.0) -> np.ndarray:
        return self.at(a, b).exponential(slot, mean)

    def integers(self, a, b, slot, high) -> np.ndarray:
        return self.at(a, b).integers(slot, high)

    def choice(self, a, b, slot, shares: np.ndarray) -> np.ndarray:
        return self.at(a, b).choice(slot, shares)


#: the key of event hashes: fixed, as the streams' keys already carry the seed
EVENT_KEY = np.uint64(0x2545F4914F6CDD1D)


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
