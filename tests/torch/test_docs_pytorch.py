"""docs/pytorch.md's examples, run where PyTorch and safetensors are installed.

The page is left out of the doctest collection of the torch-free suite (the
root conftest.py); here it runs with the options of every other page but NUMBER (pytest's, not needed here).
"""

import doctest
from pathlib import Path

import numpy as np

PAGE = Path(__file__).resolve().parents[2] / "docs" / "pytorch.md"


def test_the_pytorch_page_runs():
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testfile(str(PAGE), module_relative=False, optionflags=flags,
                              globs={"np": np}, verbose=False, report=True)
    assert result.attempted > 20 and result.failed == 0, result
