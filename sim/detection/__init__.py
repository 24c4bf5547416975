"""Pluggable detectors of fake orders: the registry of detector kinds, and how a sweep is run.

A scenario declares detectors by kind (``[[detectors]]`` tables at the integration): ``kind`` (a
name of :data:`KINDS`), ``name`` (default: the kind; keys its random stream and its rows in the
detections table), ``every_days`` (its sweep schedule) and the kind's own keys, validated by the
kind's config dataclass. Every detector sees only a :class:`~sim.detection.view.PlatformView`;
only a kind registered with ``needs_truth`` (``hazard``) is also handed the ground truth.

- ``signals``: :mod:`sim.detection.signals`, a weighted score of platform signals;
- ``graph``: :mod:`sim.detection.graph`, Fraudar-style dense blocks of the buyer-seller graph;
- ``hazard``: :mod:`sim.detection.hazard`, an abstract recall / false-positive rate / lag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from sim.attacks.config import build, unknown_key
from sim.detection.graph import GraphConfig, GraphDetector
from sim.detection.hazard import HazardConfig, HazardDetector
from sim.detection.signals import SignalsConfig, SignalsDetector
from sim.detection.view import Detections, PlatformView
from sim.errors import InputError


@dataclass(frozen=True)
class DetectorKind:
    name: str
    config: type
    factory: Callable[[Any, str], Any]  # (config, name) -> detector with .sweep(view, since, rng[, fake])
    needs_truth: bool = False


KINDS: dict[str, DetectorKind] = {
    "signals": DetectorKind("signals", SignalsConfig, lambda c, n: SignalsDetector(c, n)),
    "graph": DetectorKind("graph", GraphConfig, lambda c, n: GraphDetector(c, n)),
    "hazard": DetectorKind("hazard", HazardConfig, lambda c, n: HazardDetector(c, n), needs_truth=True),
}


@dataclass(frozen=True)
class DetectorSpec:
    kind: str
    name: str
    every_days: float
    config: Any

    def make(self):
        return KINDS[self.kind].factory(self.config, self.name)

    @property
    def needs_truth(self) -> bool:
        return KINDS[self.kind].needs_truth


def read_detector(data: Mapping, source: str = "<scenario>", path: str = "detectors[0]") -> DetectorSpec:
    """A detector declaration: ``kind``, optional ``name`` and ``every_days`` (default 7), and the
    kind's keys."""
    if not isinstance(data, Mapping):
        raise InputError(source, path, "a table", data)
    data = dict(data)
    kind = data.pop("kind", None)
    if not isinstance(kind, str) or kind not in KINDS:
        if isinstance(kind, str):
            raise unknown_key(source, f"{path}.kind", kind, KINDS)
        raise InputError(source, f"{path}.kind", f"one of {', '.join(KINDS)}", kind)
    name = data.pop("name", kind)
    if not isinstance(name, str) or not name:
        raise InputError(source, f"{path}.name", "a non-empty string", name)
    every = data.pop("every_days", 7.0)
    if isinstance(every, bool) or not isinstance(every, (int, float)) or not every > 0:
        raise InputError(source, f"{path}.every_days", "a number > 0", every)
    config = build(KINDS[kind].config, data, source, path)
    return DetectorSpec(kind=kind, name=name, every_days=float(every), config=config)


def sweep(spec: DetectorSpec, detector, view: PlatformView, since: int, rng: np.random.Generator,
          fake: np.ndarray | None = None) -> Detections:
    """One sweep. The ground truth ``fake`` (per order of ``view``) reaches the detector only if its
    kind is registered with ``needs_truth``."""
    if spec.needs_truth:
        if fake is None:
            raise ValueError(f"detector {spec.name!r} ({spec.kind}) needs the ground truth")
        return detector.sweep(view, since, rng, fake)
    return detector.sweep(view, since, rng)


__all__ = ["KINDS", "DetectorKind", "DetectorSpec", "Detections", "PlatformView", "read_detector", "sweep"]
