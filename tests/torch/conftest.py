"""The PyTorch suite: convnet against PyTorch's own operations, as an independent oracle.

PyTorch is an optional extra (``pip install -e ".[torch]"``).  Without it these
files are not collected, and the run's header says so; ``.ci/run`` installs it
and sets ``CONVNET_REQUIRE_OPTIONAL=1``, under which a missing PyTorch or a
skipped test is a failure.
"""

import importlib.util
import os

import pytest

REQUIRED = os.environ.get("CONVNET_REQUIRE_OPTIONAL") == "1"
HAVE_TORCH = importlib.util.find_spec("torch") is not None

if not HAVE_TORCH:
    if REQUIRED:
        raise pytest.UsageError("CONVNET_REQUIRE_OPTIONAL=1 but PyTorch is not installed: "
                                "pip install -e \".[torch]\"")
    collect_ignore_glob = ["test_*.py", "*_helpers.py"]


def pytest_report_header(config):
    if not HAVE_TORCH:
        return "tests/torch: not collected (PyTorch is not installed: pip install -e \".[torch]\")"
    import torch
    return f"tests/torch: PyTorch {torch.__version__}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRED and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under CONVNET_REQUIRE_OPTIONAL=1: {report.longrepr}"
