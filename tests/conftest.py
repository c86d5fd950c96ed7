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


def pytest_terminal_summary(terminalreporter):
    """Report how many distinct bad inputs the robustness suite tried per entry point."""
    import sys

    module = sys.modules.get("tests.robustness.test_bad_inputs")
    tried = getattr(module, "TRIED", None)
    if not tried:
        return
    write = terminalreporter.write_line
    terminalreporter.section("robustness: distinct bad inputs tried per public entry point")
    if terminalreporter.verbosity > 0:              # the whole table with -v, else its total
        for name in sorted(tried):
            write(f"{len(tried[name]):5d}  {name}")
    write(f"{sum(len(v) for v in tried.values()):5d}  in all, over {len(tried)} entry points; "
          "each raised ValueError or TypeError naming the argument"
          + ("" if terminalreporter.verbosity > 0 else " (pytest -v lists them)"))
