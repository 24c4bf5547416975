"""The ``hazard`` detector: an abstract detector with a recall, a false-positive rate and a lag.

docs/attacks.md "Detection": "detectors with a recall, a false-positive rate and a lag". This one
does not model any signal; it exists to calibrate experiments (what if the platform found 30 % of
fake orders within a month, two weeks late?). **It alone reads the ground truth**, by design: it is
handed the ``fake`` column of the view's orders, which no other detector ever sees. Its output is
honest about that: its rows are named by the detector, so a run's metrics say which detector found
what.

- A fake order becomes findable once ``lag_days`` have passed since it was placed. From then on, each sweep finds it
  with probability ``1 - (1 - recall) ** (elapsed / period_days)``, where ``elapsed`` is the time
  since the previous sweep (or since it became findable, if later): ``recall`` is the chance that it
  is found within one period of becoming findable, whatever the sweep schedule.
- A genuine order is wrongly flagged with probability ``false_positive_rate``, once: at the first
  sweep after it is ``lag_days`` old.
- Removed orders are not looked at again. Scores are 1 for every flagged order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.detection.view import ORDER, Detections, PlatformView
from sim.scenario.schema import knob
from sim.timeutil import DAY


@dataclass(frozen=True)
class HazardConfig:
    recall: float = knob(0.3, "chance a fake order is found within one period of becoming findable",
                         lo=0.0, hi=1.0)
    period_days: float = knob(30.0, "the period of the recall", lo=0.0, lo_open=True)
    false_positive_rate: float = knob(0.001, "chance a genuine order is wrongly flagged (once)", lo=0.0, hi=1.0)
    lag_days: float = knob(14.0, "an order is findable this long after it was placed", lo=0.0)


@dataclass
class HazardDetector:
    config: HazardConfig
    name: str = "hazard"
    needs_truth = True

    def sweep(self, view: PlatformView, since: int, rng: np.random.Generator, fake: np.ndarray) -> Detections:
        """``fake``: the ground truth per order of ``view.orders`` (this detector only)."""
        c = self.config
        o = view.orders
        lag = int(round(c.lag_days * DAY))
        findable_at = o.created_at + lag
        live = view.live() & (findable_at < view.as_of)
        draw = rng.random(len(o))  # one draw per order of the view: the stream's use is fixed by the log
        elapsed = (view.as_of - np.maximum(findable_at, since)) / (c.period_days * DAY)
        p_fake = 1.0 - (1.0 - c.recall) ** np.maximum(elapsed, 0.0)
        fresh = findable_at > since  # genuine orders get one chance, at the first sweep after their lag
        hit = live & np.where(fake, draw < p_fake, fresh & (draw < c.false_positive_rate))
        rows = np.flatnonzero(hit)
        return Detections.make(view.as_of, self.name, ORDER, o.order_id[rows], np.ones(len(rows)), True)
