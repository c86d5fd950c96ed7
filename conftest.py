"""Doctests of the package and of docs/*.md run with NumPy imported as ``np``."""

import numpy
import pytest


@pytest.fixture(autouse=True)
def _numpy_in_doctests(doctest_namespace):
    doctest_namespace["np"] = numpy
