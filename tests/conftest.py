"""Shared test set-up: the hypothesis profiles.

- ``ci`` (the default, and what ``.ci/run`` selects): every property test runs the number of
  examples it names (``helpers.examples``).
- ``dev``: a tenth of those, at least 5 per test, for a quick loop while editing.

Choose one with ``--hypothesis-profile=dev`` or ``HYPOTHESIS_PROFILE=dev``. Long-running tests are
marked ``slow`` (``-m "not slow"`` leaves them out).
"""

from __future__ import annotations

import os

from hypothesis import settings

# max_examples is the base that helpers.examples scales each test's own count by (100 = as named).
settings.register_profile("ci", max_examples=100, deadline=None)
settings.register_profile("dev", max_examples=10, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
