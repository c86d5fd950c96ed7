"""The forward sheets: one image's correlation and padding, multi-channel conv2d, pooling."""

from __future__ import annotations

from ._sheet import Exercise, Sheet, checker_call

__all__ = ["CORRELATION", "CONV2D", "POOLING"]

_HOW = """
Work in `{module}.py`: replace each `raise NotImplementedError(...)` by your
implementation (NumPy only; loops are fine). The checks need pytest and
hypothesis: `pip install "convnet[testing]"` (from a checkout of convnet:
`pip install -e ".[testing]"`). Then, in this folder:

    pytest                        # every exercise: a report for each one that fails
    convnet exercises check .     # the per-exercise table your teacher grades

A failing check shows the smallest input on which your function differs from
the library, the expected and the computed numbers, the positions that differ,
and the classic mistake that explains them when there is one ("kernel
flipped", "padding on the wrong side", ...).
"""

CORRELATION = Sheet(
    name="correlation",
    title="One image: cross-correlation, convolution and padding (Eq. 8.8-8.19)",
    module="correlation",
    stubs='''"""Exercise sheet: cross-correlation, convolution and padding of one image.

Arrays are 2-D: an image x of shape (H, W) and a kernel k of shape (kh, kw).
Run `pytest` in this folder to check your work.
"""

import numpy as np


def correlate2d(x, k, padding="valid", stride=1):
    """Cross-correlation of one image with one kernel, as CNN layers compute it.

    z[m, n] = sum over i, j of k[i, j] * xp[m*stride + i, n*stride + j]   (Eq. 8.13)

    where xp is x with zeros added around it (Eq. 8.19): padding p adds p
    rows at the top and at the bottom and p columns at each side.

    Parameters
    ----------
    x : ndarray of shape (H, W)
    k : ndarray of shape (kh, kw)
    padding : "valid", "same", "full" or int
        "valid" (no padding, 0), "full" (kh - 1 rows and kw - 1 columns on
        each side: every overlap of kernel and image), "same" (stride 1: the
        output has the input's size; an even kernel puts the extra row or
        column at the bottom / right, as PyTorch does), or an integer p.
    stride : int
        The step between neighbouring windows.

    Returns
    -------
    ndarray of shape (Ho, Wo)
        Ho = floor((H + 2p - kh) / stride) + 1, likewise Wo (Eq. 8.18).
    """
    raise NotImplementedError("correlate2d: implement Eq. 8.13, z[m, n] = sum_i sum_j "
                              "k[i, j] * xp[m*s + i, n*s + j], with the padding of Eq. 8.19")


def convolve2d(x, k, padding="valid", stride=1):
    """Convolution of one image with one kernel: flip the kernel, then correlate.

    z = x * k = x correlated with rot180(k)   (Eq. 8.8, P8.1)

    Parameters and output size as :func:`correlate2d`.
    """
    raise NotImplementedError("convolve2d: implement Eq. 8.8, the correlation with the kernel "
                              "rotated by 180 degrees (P8.1)")
''',
    solution='''"""correlation.py, filled with the library's own functions (a solution key)."""

from convnet import convolve2d, correlate2d
''',
    exercises=(Exercise("correlate2d", "Eq. 8.13, 8.18-8.19",
                        checker_call("check_correlate2d", "correlate2d", "x, k, padding, stride")),
               Exercise("convolve2d", "Eq. 8.8, P8.1",
                        checker_call("check_convolve2d", "convolve2d", "x, k, padding, stride"))),
    readme="""# Cross-correlation, convolution and padding of one image

1. `correlate2d(x, k, padding, stride)`: the cross-correlation of Eq. 8.13 with
   the zero padding of Eq. 8.19 ("valid", "same", "full" or a number) and a
   stride; the output size is Eq. 8.18.
2. `convolve2d(x, k, padding, stride)`: the convolution of Eq. 8.8: the kernel
   rotated by 180 degrees (P8.1), then a correlation.

The first cases checked are the course sheets' own numbers (the Goodfellow
sheet's 4x6 image with valid, same and full padding, the LMU sheet's Sobel
kernels), then cases drawn at random, shrunk to the smallest that fails.
""" + _HOW.format(module="correlation"))


CONV2D = Sheet(
    name="conv2d",
    title="Many maps: the multi-channel convolution layer's forward pass (Eq. 8.20-8.21)",
    module="multichannel",
    stubs='''"""Exercise sheet: the convolution layer's forward pass over many maps.

Arrays are NCHW: a batch x of shape (N, C, H, W), weights w of shape
(F, C, kh, kw) (F filters, each with one kernel per input channel), a bias b
of shape (F,).  Run `pytest` in this folder to check your work.
"""

import numpy as np


def conv2d(x, w, b=None, stride=1, padding=0):
    """Each output map sums the correlations of every input map with its kernel, plus a bias.

    z[n, f, m, q] = b[f] + sum over c, i, j of w[f, c, i, j] * xp[n, c, m*stride + i, q*stride + j]
                                                                     (Eq. 8.20-8.21)

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (F, C, kh, kw)
    b : ndarray of shape (F,) or None
        One bias per output map (tied: the same at every position); None: no bias.
    stride : int
    padding : int
        p rows of zeros at the top and bottom of every map, p columns at each side.

    Returns
    -------
    ndarray of shape (N, F, Ho, Wo)
        Ho = floor((H + 2p - kh) / stride) + 1, likewise Wo (Eq. 8.18).
    """
    raise NotImplementedError("conv2d: implement Eq. 8.20-8.21, each output map the sum over "
                              "input channels of their correlations with the filter's kernels, "
                              "plus the filter's bias")
''',
    solution='''"""multichannel.py, filled with the library's own function (a solution key)."""

from convnet.functional import conv2d
''',
    exercises=(Exercise("conv2d", "Eq. 8.20-8.21",
                        checker_call("check_conv2d", "conv2d", "x, w, b, stride, padding")),),
    readme="""# The convolution layer's forward pass over many maps

`conv2d(x, w, b, stride, padding)`: a batch of images with C channels, F
filters of C kernels each; every output map is the sum over the input
channels of the correlations (Eq. 8.20-8.21), plus the filter's bias. Arrays
are NCHW, weights (F, C, kh, kw), as in PyTorch.
""" + _HOW.format(module="multichannel"))


POOLING = Sheet(
    name="pooling",
    title="Pooling: max and average over windows (Eq. 8.22-8.25)",
    module="pooling",
    stubs='''"""Exercise sheet: max and average pooling.

Arrays are NCHW: x of shape (N, C, H, W); each channel is pooled on its own.
Run `pytest` in this folder to check your work.
"""

import numpy as np


def max_pool2d(x, kernel_size, stride=None):
    """The maximum of every kernel_size x kernel_size window (Eq. 8.24-8.25).

    z[n, c, m, q] = max over i, j of x[n, c, m*stride + i, q*stride + j]

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    kernel_size : int
        The window's height and width.
    stride : int or None
        None: the window size (windows side by side, not overlapping).

    Returns
    -------
    ndarray of shape (N, C, Ho, Wo)
        Ho = floor((H - kernel_size) / stride) + 1, likewise Wo (Eq. 8.18).
    """
    raise NotImplementedError("max_pool2d: implement Eq. 8.24, the maximum of each window, "
                              "channel by channel")


def avg_pool2d(x, kernel_size, stride=None):
    """The mean of every kernel_size x kernel_size window (Eq. 8.22-8.23 with w = 1/kernel_size**2).

    Parameters and output shape as :func:`max_pool2d`.
    """
    raise NotImplementedError("avg_pool2d: implement Eq. 8.22, w times the sum of each window "
                              "with w = 1 / (kernel_size * kernel_size)")
''',
    solution='''"""pooling.py, filled with the library's own functions (a solution key)."""

from convnet.functional import avg_pool2d, max_pool2d
''',
    exercises=(Exercise("max_pool2d", "Eq. 8.24-8.25",
                        checker_call("check_max_pool2d", "max_pool2d", "x, kernel_size, stride")),
               Exercise("avg_pool2d", "Eq. 8.22-8.23",
                        checker_call("check_avg_pool2d", "avg_pool2d", "x, kernel_size, stride"))),
    readme="""# Max and average pooling

1. `max_pool2d(x, kernel_size, stride)`: the maximum of every window (Eq. 8.24).
2. `avg_pool2d(x, kernel_size, stride)`: the mean of every window (Eq. 8.22
   with the weight w = 1/(kernel_size²)).

Each channel is pooled on its own; the stride defaults to the window size.
""" + _HOW.format(module="pooling"))
