"""Shared by the convnet.explain tests: the Goodfellow sheet's data and read-back helpers.

The helpers read the numbers back out of an explanation's text, so that the
tests can compare every written-out number with the library's result.
"""

import math
import re

import numpy as np
import pytest

# Goodfellow sheet, exercise 3
X = np.array([[1, 6, 6, 6, 6, 1],
              [1, 6, 10, 10, 6, 1],
              [1, 6, 10, 10, 6, 1],
              [1, 6, 6, 6, 6, 1]], dtype=float)
K = np.array([[-1, 0, 1]] * 3, dtype=float)
# The sheet's Eq. (1.1): each output grouped by kernel column.
SHEET_SUMS = {
    23: "-1·(1+1+1) + 0·(6+6+6) + 1·(6+10+10)",
    8: "-1·(6+6+6) + 0·(6+10+10) + 1·(6+10+10)",
    -8: "-1·(6+10+10) + 0·(6+10+10) + 1·(6+6+6)",
    -23: "-1·(6+10+10) + 0·(6+6+6) + 1·(1+1+1)",
}


# -- helpers: read the numbers back out of the text ----------------------------

def last_matrix(text, name):
    """The last matrix called ``name`` in a text explanation, as an array."""
    lines = text.splitlines()
    header = re.compile(rf"^{re.escape(name)} \(\d+x\d+\) =$")
    start = max(i for i, line in enumerate(lines) if header.match(line))
    rows = []
    for line in lines[start + 1:]:
        if not line.startswith("  ["):
            break
        rows.append([float(v) for v in line.strip(" []").split()])
    return np.array(rows)


def equations(text, name):
    """{(i, j): [link, link, ..., value]} for every line ``name[i, j] = ... = value``."""
    found = {}
    for line in text.splitlines():
        match = re.match(rf"^  {name}\[(\d+), (\d+)\] = (.*)$", line)
        if match:
            found[int(match.group(1)), int(match.group(2))] = match.group(3).split(" = ")
    return found


def evaluate(link):
    """The value of one written-out link, e.g. ``-1·(1+1+1) + 0·6`` or ``floor(213/4) + 1``."""
    source = (link.replace("·", "*").replace("floor", "math.floor")
              .replace("-inf", "(-math.inf)"))
    return eval(source, {"math": math, "max": lambda *values: max(values)})  # noqa: S307


def check_links(found, expected):
    """Every link of every line evaluates to the library's value at that position."""
    for (i, j), links in found.items():
        value = float(links[-1])
        assert value == pytest.approx(expected[i, j], abs=1e-9)
        for link in links[:-1]:
            assert evaluate(link) == pytest.approx(value, abs=1e-9), link


def quarters(seed, shape):
    """Small multiples of 1/4: every product and sum is exact with <= 4 decimals."""
    return np.random.default_rng(seed).integers(-8, 9, size=shape) / 4
