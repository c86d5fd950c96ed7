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
    key = ("conv", input_hw, kernel_size, stride, padding, dilation)
    window = _known.get(key) if _plain(key) else None
    if window is None:
        kernel = int_pair(kernel_size, "kernel_size", minimum=1)
        stride = int_pair(stride, "stride", minimum=1)
        dilation = int_pair(dilation, "dilation", minimum=1)
        pads = normalize_padding(padding, kernel, dilation, stride)
        out = output_shape2d(input_hw, kernel, stride, pads, dilation)
        window = _remember(key, Window(kernel, stride, pads, dilation, out))
    return window


def pool_window(input_hw, kernel_size, stride=None, padding=0) -> Window:
    """Validate and normalise the geometry of a pooling window.

    ``stride`` defaults to ``kernel_size`` (non-overlapping windows, the chapter's usual
    choice); padding may be at most half the kernel (:func:`padding_limit`).
    """
    key = ("pool", input_hw, kernel_size, stride, padding)
    window = _known.get(key) if _plain(key) else None
    if window is None:
        kernel = int_pair(kernel_size, "kernel_size", minimum=1)
        stride = int_pair(kernel if stride is None else stride, "stride", minimum=1)
        pads = padding_limit(padding, kernel)
        out = output_shape2d(input_hw, kernel, stride, pads)
        window = _remember(key, Window(kernel, stride, pads, (1, 1), out))
    return window


# Layers and the functional API ask for the same few geometries on every call, so
# windows already worked out are kept, keyed by the arguments as given.  Only keys of
# ints, strs, None and tuples of them: to a dict, True == 1 and 1.0 == 1, which must
# still be refused (and lists cannot be keys).
_known: dict = {}


def _plain(value) -> bool:
    kind = type(value)
    if kind is tuple:
        return all(_plain(part) for part in value)
    return kind is int or kind is str or value is None


def _remember(key, window: Window) -> Window:
    if _plain(key):
        if len(_known) >= 1024:
            _known.clear()
        _known[key] = window
    return window
