"""For every test and doctest: NumPy imported as ``np``, and the default memory budget.

The expected messages quote the default budget (4 GiB); a ``CONVNET_MEMORY_BUDGET``
set in the shell that runs the suite must not change them (the variable itself is
tested in a subprocess, tests/test_memory_budget.py).
"""

import importlib.util

import numpy
import pytest

import convnet
from convnet._budget import DEFAULT_MEMORY_BUDGET

# The bridge's PyTorch modules import PyTorch, an optional extra: without it they are
# not collected (tests/torch/ is skipped the same way).  docs/pytorch.md needs PyTorch
# and safetensors: tests/torch/test_docs_pytorch.py runs its examples, so that CI's
# optional run (pytest tests/torch) runs them too.
collect_ignore = ["docs/pytorch.md"]
if importlib.util.find_spec("torch") is None:
    collect_ignore.append("convnet/interop/modules.py")


@pytest.fixture(autouse=True)
def _numpy_in_doctests(doctest_namespace):
    doctest_namespace["np"] = numpy


@pytest.fixture(autouse=True, scope="session")
def _default_memory_budget():
    previous = convnet.set_memory_budget(DEFAULT_MEMORY_BUDGET)
    yield
    convnet.set_memory_budget(previous)
