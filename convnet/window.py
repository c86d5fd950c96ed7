"""The validated geometry of one window operation: the kernel, stride, padding, dilation and output.

Every public window operation (correlation, convolution, pooling) turns its
arguments into a :class:`Window` once, through :func:`conv_window` or
:func:`pool_window`, and hands it to the code that computes, which trusts
it.  The arithmetic is that of :mod:`convnet.geometry`; the rules on padding
are PyTorch's: any padding for a convolution, at most half the window for
pooling (:func:`padding_limit`).  Both are cached: layers and the
functional API ask for the same few geometries on every call.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from ._validate import fail, int_pair
from .geometry import normalize_padding, output_shape2d, pad_text

__all__ = ["Window", "conv_window", "pool_window", "padding_limit"]


class Window(NamedTuple):
    """Normalised geometry of one 2-D window operation; every pair is (rows, cols).

    Built once by a public entry point (:func:`conv_window`,
    :func:`pool_window`) and handed to the inner helpers, which trust it.
    """

    kernel: tuple[int, int]
    stride: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]
    out: tuple[int, int]

    def offsets(self) -> list[tuple[int, int]]:
        """The kernel offsets ``(i, j)`` in row-major order."""
        kh, kw = self.kernel
        return [(i, j) for i in range(kh) for j in range(kw)]

    def tap(self, i: int, j: int) -> tuple[slice, slice]:
        """Slices of the padded input that kernel offset (i, j) reads at every output.

        ``xp[..., rows, cols]`` has shape (..., Ho, Wo) and holds, at output
        (h, w), the pixel ``xp[..., h*sh + i*dh, w*sw + j*dw]``.
        """
        (sh, sw), (dh, dw), (ho, wo) = self.stride, self.dilation, self.out
        top, left = i * dh, j * dw
        return (slice(top, top + sh * (ho - 1) + 1, sh),
                slice(left, left + sw * (wo - 1) + 1, sw))


def padding_limit(padding, kernel_size):
    """Normalise a pooling window's ``padding`` and check PyTorch's bound: at most half the window.

    With more, a window could hold nothing but padding.  (A convolution
    accepts any padding, as in PyTorch: see :func:`conv_window`.)  Returns
    ``((top, bottom), (left, right))``.

    Examples
    --------
    >>> padding_limit(1, 3)
    ((1, 1), (1, 1))
    """
    kernel = int_pair(kernel_size, "kernel_size", minimum=1)
    limit = tuple(k // 2 for k in kernel)
    pads = normalize_padding(padding, kernel)
    for axis, word in ((0, "rows"), (1, "columns")):
        if max(pads[axis]) > limit[axis]:
            fail("padding", f"at most {limit[axis]} {word} on each side (half the kernel size, "
                 "so that every window holds a real pixel)", padding,
                 given=f"{pad_text(pads)}")
    return pads


def conv_window(input_hw, kernel_size, stride=1, padding=0, dilation=1) -> Window:
    """Validate and normalise the geometry of a convolution / correlation.

    Any padding is accepted, as in PyTorch: padding wider than the kernel's
    reach ``d*(k-1)`` only adds outputs whose windows see nothing but zeros
    (a 1x1 kernel with padding 1 frames the image with the bias).

    Examples
    --------
    >>> conv_window((6, 6), (3, 3), padding="same").out
    (6, 6)
    >>> conv_window((2, 2), (1, 1), padding=1).out
    (4, 4)
    """
    arguments = (int_pair(input_hw, "input size", minimum=1),
                 int_pair(kernel_size, "kernel_size", minimum=1),
                 int_pair(stride, "stride", minimum=1), padding,
                 int_pair(dilation, "dilation", minimum=1))
    if not _plain_padding(padding):   # True == 1 and 1.0 == 1 to a cache: check such afresh
        return _conv_window.__wrapped__(*arguments)
    try:
        return _conv_window(*arguments[:3], _as_tuples(padding), arguments[4])
    except (ValueError, TypeError):   # say it with the padding as given, lists and all
        return _conv_window.__wrapped__(*arguments)


def _plain_padding(padding) -> bool:
    """Whether ``padding`` holds only strs and ints (no bool, float, ...), in lists or tuples."""
    if isinstance(padding, (list, tuple)):
        return all(_plain_padding(p) for p in padding)
    return type(padding) in (int, str)


def _as_tuples(padding):
    return tuple(_as_tuples(p) for p in padding) if isinstance(padding, (list, tuple)) else padding


@lru_cache(maxsize=512)
def _conv_window(input_hw, kernel, stride, padding, dilation) -> Window:
    # Cached: layers and the functional API ask for the same few geometries on every call.
    pads = normalize_padding(padding, kernel, dilation, stride)
    out = output_shape2d(input_hw, kernel, stride, pads, dilation)
    return Window(kernel, stride, pads, dilation, out)


def pool_window(input_hw, kernel_size, stride=None, padding=0) -> Window:
    """Validate and normalise the geometry of a pooling window.

    ``stride`` defaults to ``kernel_size`` (non-overlapping windows, the chapter's usual
    choice); padding may be at most half the kernel (:func:`padding_limit`).
    """
    kernel = int_pair(kernel_size, "kernel_size", minimum=1)
    stride = int_pair(kernel if stride is None else stride, "stride", minimum=1)
    arguments = (int_pair(input_hw, "input size", minimum=1), kernel, stride, padding)
    if not _plain_padding(padding):
        return _pool_window.__wrapped__(*arguments)
    try:
        return _pool_window(*arguments[:3], _as_tuples(padding))
    except (ValueError, TypeError):
        return _pool_window.__wrapped__(*arguments)


@lru_cache(maxsize=512)
def _pool_window(input_hw, kernel, stride, padding) -> Window:
    pads = padding_limit(padding, kernel)
    out = output_shape2d(input_hw, kernel, stride, pads)
    return Window(kernel, stride, pads, (1, 1), out)
