"""Random streams keyed by name, not by position.

Each attack and each detector draws from its own stream, derived from the run's seed and its *name*:
adding, removing or reordering other attacks never changes its draws, and an
attack that never fires leaves every other stream untouched. The name is hashed (SHA-256, stable
across Python runs, unlike ``hash``) into the ``spawn_key`` of a ``numpy.random.SeedSequence``; the
first key word separates attack streams from the market's positional ones.
"""

from __future__ import annotations

import hashlib

import numpy as np

#: First spawn-key word of named streams (the market's own children use small positional keys).
NAMED = 0x6E616D65  # "name"


def named_stream(seed: int, name: str) -> np.random.Generator:
    """The generator of the stream called ``name`` in a run seeded with ``seed``."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    words = tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(NAMED, *words))))
