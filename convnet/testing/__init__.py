"""Check your own work: checkers for a student's functions, layers and hand-computed answers.

Each ``check_*`` function calls *your* implementation on the course
documents' worked examples (named after the exercise, numbers from
:mod:`convnet.testing.sheets`), then on cases drawn by hypothesis from a
fixed seed (bounded in number: a grading run is reproducible and quick),
and compares with the library.  It returns a :class:`CheckResult` when all
agree and raises ``AssertionError`` otherwise, with a report: the smallest
failing case (hypothesis shrinks it), expected against got, the differing
positions, and the classic mistake that reproduces your output exactly,
when one of the catalogue does (:mod:`convnet.testing.catalogue`).  Plain
functions: call them in a ``test_*.py`` and pytest shows the report.

The argument conventions your function is called with are in each
checker's docstring; ``signature=`` adapts a function that orders or
names them differently.  Needs hypothesis (``pip install hypothesis``).
See ``docs/checking.md``.
"""

from ._core import CheckResult
from .catalogue import MISTAKES, Mistake, catalogue_table
from .activation import check_activation
from .conv import (check_conv2d, check_conv2d_backward, check_conv_transpose2d, check_convolve2d,
                   check_correlate2d)
from .layer import check_layer
from .grouped import check_grouped_conv2d, check_grouped_conv2d_backward
from .norm import (check_batch_norm, check_batch_norm_backward, check_group_norm,
                   check_group_norm_backward)
from .pool import check_avg_pool2d, check_max_pool2d, check_pool_backward
from .resample import (check_adaptive_avg_pool2d, check_adaptive_max_pool2d,
                       check_adaptive_pool_backward, check_upsample2d, check_upsample2d_backward)

__all__ = ["check_correlate2d", "check_convolve2d", "check_conv2d", "check_conv2d_backward",
           "check_max_pool2d", "check_avg_pool2d", "check_pool_backward", "check_activation",
           "check_layer", "check_conv_transpose2d", "check_batch_norm", "check_batch_norm_backward",
           "check_group_norm", "check_group_norm_backward", "check_grouped_conv2d",
           "check_grouped_conv2d_backward", "check_adaptive_avg_pool2d",
           "check_adaptive_max_pool2d", "check_adaptive_pool_backward", "check_upsample2d",
           "check_upsample2d_backward",
           "CheckResult", "Mistake", "MISTAKES", "catalogue_table"]
