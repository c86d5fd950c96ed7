"""Checkers for a student's correlation, convolution and convolution backward."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from . import sheets as s
from ._core import REQUIRED, Operation, Worked, run_check
from .catalogue import mistakes_for

__all__ = ["check_correlate2d", "check_convolve2d", "check_conv2d", "check_conv2d_backward",
           "check_conv_transpose2d"]

_SINGLE_PARAMETERS = (("x", REQUIRED), ("k", REQUIRED), ("padding", "valid"), ("stride", 1),
                      ("dilation", 1))


def _single_strategy(taken):
    from ._strategies import single
    return single(taken)


def _batch_strategy(backward):
    def strategy(taken):
        from ._strategies import batch
        return batch(taken, backward)
    return strategy


def _case(x, k, expected=None, **options):
    return dict(x=x, k=k, **options), None if expected is None else (expected,)


def _worked(name, x, k, expected=None, **options):
    arguments, expected = _case(x, k, expected, **options)
    return Worked(name, arguments, expected)


CORRELATE_WORKED = (
    _worked("Goodfellow sheet, exercise 3(a), valid", s.GOODFELLOW_X, s.GOODFELLOW_K,
            s.GOODFELLOW_VALID),
    _worked("Goodfellow sheet, exercise 3(a), same padding", s.GOODFELLOW_X, s.GOODFELLOW_K,
            s.GOODFELLOW_SAME, padding="same"),
    _worked("Goodfellow sheet, exercise 3(a), full padding", s.GOODFELLOW_X, s.GOODFELLOW_K,
            s.GOODFELLOW_FULL, padding="full"),
    _worked("LMU exercise 4-1(a), vertical Sobel", s.LMU_X, s.LMU_SOBEL_VERTICAL,
            s.LMU_SOBEL_VERTICAL_OUT),
    _worked("LMU exercise 4-1(a), horizontal Sobel", s.LMU_X, s.LMU_SOBEL_HORIZONTAL,
            s.LMU_SOBEL_HORIZONTAL_OUT),
    _worked("LMU exercise 4-1(a), Laplace", s.LMU_X, s.LMU_LAPLACE, s.LMU_LAPLACE_OUT),
    _worked("Hertie problem set 2, 1.1(a), identity kernel, padding 1", s.HERTIE_IMAGE,
            s.HERTIE_IDENTITY, s.HERTIE_IMAGE, padding=1),
    _worked("Hertie problem set 2, 1.1(b), 4x4 blur", s.HERTIE_IMAGE, s.HERTIE_BLUR,
            s.HERTIE_BLUR_OUT),
    _worked("Hagan chapter 8, Fig. 8.3, stride 2", s.CHAPTER8_STRIDE_X, np.ones((2, 2)),
            s.CHAPTER8_STRIDE_OUT, stride=2),
)

CONVOLVE_WORKED = (
    _worked("Hertie problem set 2, 1.3, convolution with same padding", s.HERTIE_X13,
            s.HERTIE_K13, s.HERTIE_Z13, padding="same"),
    _worked("Hagan chapter 8, E8.4, the kernel shifts the image", s.CHAPTER8_E84_IMAGE,
            s.CHAPTER8_E84_KERNEL, s.CHAPTER8_E84_SHIFTED, padding="same"),
    _worked("Goodfellow sheet, exercise 1(a), convolution flips the sign", s.GOODFELLOW_X,
            s.GOODFELLOW_K, -s.GOODFELLOW_VALID),
    _worked("LMU exercise 4-1(a), convolution flips the sign of Sobel", s.LMU_X,
            s.LMU_SOBEL_VERTICAL, -s.LMU_SOBEL_VERTICAL_OUT),
)

CORRELATE = Operation(
    "correlate2d", _SINGLE_PARAMETERS, ("z",),
    lambda x, k, padding, stride, dilation: (F.correlate2d(x, k, padding, stride, dilation),),
    _single_strategy, CORRELATE_WORKED, mistakes_for("correlate2d"))

CONVOLVE = Operation(
    "convolve2d", _SINGLE_PARAMETERS, ("z",),
    lambda x, k, padding, stride, dilation: (F.convolve2d(x, k, padding, stride, dilation),),
    _single_strategy, CONVOLVE_WORKED, mistakes_for("convolve2d"))

_SOBELS = np.stack([s.LMU_SOBEL_VERTICAL, s.LMU_SOBEL_HORIZONTAL])[:, None]   # (2, 1, 3, 3)

CONV2D = Operation(
    "conv2d", (("x", REQUIRED), ("w", REQUIRED), ("b", None), ("stride", 1), ("padding", 0),
               ("dilation", 1)), ("z",),
    lambda x, w, b, stride, padding, dilation: (F.conv2d(x, w, b, stride, padding, dilation),),
    _batch_strategy(False),
    (Worked("Goodfellow sheet, exercise 3(a), same padding (padding 1)",
            dict(x=s.GOODFELLOW_X[None, None], w=s.GOODFELLOW_K[None, None], padding=1),
            (s.GOODFELLOW_SAME[None, None],)),
     Worked("LMU exercise 4-1(a), both Sobel kernels as two feature maps",
            dict(x=s.LMU_X[None, None], w=_SOBELS),
            (np.stack([s.LMU_SOBEL_VERTICAL_OUT, s.LMU_SOBEL_HORIZONTAL_OUT])[None],)),
     Worked("Hertie problem set 2, 1.4, average pooling as a stride-2 convolution",
            dict(x=s.HERTIE_X14[None, None], w=np.full((1, 1, 2, 2), 0.25), stride=2),
            (s.HERTIE_AVG14[None, None],))),
    mistakes_for("conv2d"))


def _one_hot(shape, index):
    dz = np.zeros(shape)
    dz[index] = 1.0
    return dz


CONV2D_BACKWARD = Operation(
    "conv2d_backward", (("dz", REQUIRED), ("x", REQUIRED), ("w", REQUIRED), ("stride", 1),
                        ("padding", 0), ("dilation", 1)), ("dx", "dw", "db"),
    lambda dz, x, w, stride, padding, dilation: F.conv2d_backward(dz, x, w, stride, padding,
                                                                  dilation),
    _batch_strategy(True),
    (Worked("Hagan chapter 8, Eq. 8.36, the tied bias gradient sums each map",
            dict(dz=np.arange(8.0).reshape(1, 2, 2, 2), x=np.zeros((1, 1, 3, 3)),
                 w=np.zeros((2, 1, 2, 2)))),
     Worked("LMU exercise 4-2(a), dY12/dW = the window of X at (1, 2)",
            dict(dz=_one_hot((1, 1, 3, 3), (0, 0, 1, 2)), x=s.LMU_X[None, None],
                 w=s.LMU_SOBEL_VERTICAL[None, None])),
     Worked("Hagan chapter 8, Eq. 8.45, dx of a 2x2 kernel of ones",
            dict(dz=np.ones((1, 1, 2, 2)), x=np.zeros((1, 1, 3, 3)), w=np.ones((1, 1, 2, 2))))),
    mistakes_for("conv2d_backward"))


def _transposed_strategy(taken):
    from ._strategies import transposed
    return transposed(taken)


# By hand: the input gradient of Eq. 8.45 for a 2x2 kernel of ones and dz of ones (the
# conv2d_backward docstring's example) is the transposed convolution of dz with w: each
# pixel counts the windows that cover it.
CONV_TRANSPOSE = Operation(
    "conv_transpose2d", (("x", REQUIRED), ("w", REQUIRED), ("b", None), ("stride", 1),
                         ("padding", 0), ("output_padding", 0)), ("z",),
    lambda x, w, b, stride, padding, output_padding: (
        F.conv_transpose2d(x, w, b, stride, padding, output_padding),),
    _transposed_strategy,
    (Worked("Hagan chapter 8, Eq. 8.45: dx of a 2x2 kernel of ones is a transposed convolution",
            dict(x=np.ones((1, 1, 2, 2)), w=np.ones((1, 1, 2, 2))),
            (np.array([[[[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]]]),)),
     Worked("Hagan chapter 8, Fig. 8.3 transposed: stride 2 spreads each pixel over its window",
            dict(x=np.arange(1.0, 5.0).reshape(1, 1, 2, 2), w=np.ones((1, 1, 2, 2)), stride=2),
            (np.kron(np.arange(1.0, 5.0).reshape(2, 2), np.ones((2, 2)))[None, None],))),
    mistakes_for("conv_transpose2d"))


def check_correlate2d(fn, *, signature=None, examples=40, seed=0):
    """Check a single-image 2-D cross-correlation against :func:`convnet.correlate2d`.

    Your function is called ``fn(x, k, padding, stride, dilation)`` (positionally, in
    that order) and must return ``z`` of shape (Ho, Wo):
    ``z[m, n] = sum_i sum_j k[i, j] * x_p[m*s + i*d, n*s + j*d]`` (Eq. 8.9, 8.13),
    the kernel *not* flipped.

    * ``x``: (H, W) float64; ``k``: (r, c) float64.
    * ``padding``: ``"valid"``, ``"same"`` (an even kernel's extra row/column at
      the bottom/right, as PyTorch; drawn with stride 1 only), ``"full"``, or an
      int (zeros on every side).
    * ``stride``, ``dilation``: ints.

    Runs the worked examples (Goodfellow sheet exercise 3(a); LMU exercise
    4-1(a); Hertie problem set 2, 1.1; Hagan Fig. 8.3), then ``examples`` cases
    drawn by hypothesis from ``seed``, shrinking a failure to the smallest case.

    Parameters
    ----------
    fn : callable
    signature : sequence of str or str, optional
        Your function's arguments in its order, named as above, e.g.
        ``("k", "x")`` or ``"x, k, padding"``; ``"padding=pad"`` passes padding
        as the keyword ``pad``.  Arguments left out are not passed, and only
        cases with their default values (valid, 1, 1) are tried.
    examples : int, default 40
        How many cases hypothesis draws.
    seed : int, default 0
        The seed of the drawing: the same seed, the same cases.

    Returns
    -------
    CheckResult
        What ran (prints as one line).

    Raises
    ------
    AssertionError
        With a report: the smallest failing case, expected against got, the
        differing positions, and the catalogue's mistake that reproduces
        your output, if one does (:mod:`convnet.testing.catalogue`).

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_correlate2d
    >>> check_correlate2d(convnet.correlate2d, examples=5)
    check_correlate2d: 9 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_correlate2d", CORRELATE, fn, signature, examples, seed)


def check_convolve2d(fn, *, signature=None, examples=40, seed=0):
    """Check a single-image 2-D convolution against :func:`convnet.convolve2d`.

    Your function is called ``fn(x, k, padding, stride, dilation)`` and must
    return the *convolution* (Eq. 8.8): the cross-correlation with the kernel
    rotated by 180 degrees (P8.1), ``z`` of shape (Ho, Wo).  Arguments,
    padding forms, ``signature``, ``examples`` and ``seed`` as in
    :func:`check_correlate2d`, and so are the result and the report.  Worked
    examples: Hertie problem set 2, 1.3; Hagan E8.4; Goodfellow exercise 1(a);
    LMU exercise 4-1(a).

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_convolve2d
    >>> check_convolve2d(convnet.convolve2d, examples=5)
    check_convolve2d: 4 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_convolve2d", CONVOLVE, fn, signature, examples, seed)


def check_conv2d(fn, *, signature=None, examples=40, seed=0):
    """Check a batched multi-channel convolution layer's forward against :func:`~convnet.functional.conv2d`.

    Your function is called ``fn(x, w, b, stride, padding, dilation)`` (PyTorch's
    order) and must return ``z`` of shape (N, F, Ho, Wo) with
    ``z[n, f, i, j] = sum_c sum_u sum_v w[f, c, u, v] * x_p[n, c, i*s + u*d, j*s + v*d] + b[f]``
    (Eq. 8.20, a cross-correlation; NCHW layout).

    * ``x``: (N, C, H, W); ``w``: (F, C, kh, kw); ``b``: (F,) or None.
    * ``stride``, ``padding`` (zeros, the same on every side), ``dilation``: ints.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`: ``signature``, ``examples``, ``seed``;
        a :class:`CheckResult`, or ``AssertionError`` with the report.

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_conv2d
    >>> check_conv2d(convnet.functional.conv2d, examples=5)
    check_conv2d: 3 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_conv2d", CONV2D, fn, signature, examples, seed)


def check_conv2d_backward(fn, *, signature=None, examples=40, seed=0):
    """Check the backward of a convolution layer against :func:`~convnet.functional.conv2d_backward`.

    Your function is called ``fn(dz, x, w, stride, padding, dilation)`` and must
    return ``(dx, dw, db)``: dx (N, C, H, W), the full correlation of the
    (stride-dilated) dz with rot180(w) (Eq. 8.44-8.45); dw (F, C, kh, kw),
    dz correlated with the padded input (Eq. 8.47-8.48); db (F,), dz summed
    over batch and positions (a tied bias, Eq. 8.36).

    * ``dz``: (N, F, Ho, Wo); ``x``: (N, C, H, W); ``w``: (F, C, kh, kw);
      ``stride``, ``padding`` (zeros on every side), ``dilation``: ints.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`: ``signature``, ``examples``, ``seed``;
        a :class:`CheckResult`, or ``AssertionError`` with the report.

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_conv2d_backward
    >>> check_conv2d_backward(convnet.functional.conv2d_backward, examples=5)
    check_conv2d_backward: 3 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_conv2d_backward", CONV2D_BACKWARD, fn, signature, examples, seed)


def check_conv_transpose2d(fn, *, signature=None, examples=40, seed=0):
    """Check a transposed convolution against :func:`~convnet.functional.conv_transpose2d`.

    Your function is called ``fn(x, w, b, stride, padding, output_padding)``
    (PyTorch's order) and must return ``z`` (N, C_out, Ho, Wo) with
    ``Ho = (H - 1)*s - 2*padding + kh + output_padding``: each input pixel
    spreads ``x[n, c, i, j] * w[c, f]`` over the output window at
    ``(i*s - padding, j*s - padding)``, and the windows add up (Eq. T.1) --
    the input gradient of the convolution with the same w, stride and padding.

    * ``x``: (N, C_in, H, W); ``w``: (C_in, C_out, kh, kw) (PyTorch's layout,
      that of the convolution from C_out maps to C_in); ``b``: (C_out,) or None.
    * ``stride``, ``padding`` (cut off every side of the output),
      ``output_padding`` (added at the bottom/right, below the stride): ints.

    Parameters, Returns, Raises
        As :func:`check_correlate2d`.

    Examples
    --------
    >>> import convnet
    >>> from convnet.testing import check_conv_transpose2d
    >>> check_conv_transpose2d(convnet.functional.conv_transpose2d, examples=5)
    check_conv_transpose2d: 2 worked example(s) and 5 drawn case(s) passed
    """
    return run_check("check_conv_transpose2d", CONV_TRANSPOSE, fn, signature, examples, seed)
