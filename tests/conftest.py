"""Shared test set-up: hypothesis profiles.

Locally hypothesis explores new examples on every run; under ``CI=true`` the
same bounded set of examples is replayed (derandomized) so CI is
reproducible.  Neither profile has a deadline: tests never time things.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
