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

from ._validate import boolean, fail, int_pair, integer, one_of
from .geometry import (PADDING_FILLS, normalize_padding, output_shape2d, pad_text,
                       transposed_shape2d)

__all__ = ["Window", "conv_window", "pool_window", "padding_limit", "fill_limit",
           "transposed_window"]


class Window(NamedTuple):
    """Normalised geometry of one 2-D window operation; every pair is (rows, cols).

    Built once by a public entry point (:func:`conv_window`,
    :func:`pool_window`) and handed to the inner helpers, which trust it.
    A convolution's window also says how its channels are split
    (``groups``: each output map reads the input maps of its group only)
    and what the padding holds (``padding_mode``: ``"zeros"`` or a copy of
    the input's own pixels, :func:`fill_limit`).
    """

    kernel: tuple[int, int]
    stride: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    dilation: tuple[int, int]
    out: tuple[int, int]
    groups: int = 1
    padding_mode: str = "zeros"
    overhang: tuple[int, int] = (0, 0)

    def reach(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """The padding plus the ``overhang`` at the bottom/right: every window lies inside.

        Pooling's ``ceil_mode`` may add a last window that hangs over the
        bottom or right edge of the padded input by ``overhang`` rows or
        columns; engines pad that far (with -inf for max, with zeros for
        average pooling) and never count those positions in a mean.
        """
        (top, bottom), (left, right) = self.pads
        return (top, bottom + self.overhang[0]), (left, right + self.overhang[1])

    def on_padded_input(self) -> "Window":
        """The same window on the input once it is padded: no padding left, ``"zeros"`` mode.

        A padding mode other than zeros pads the input first (with copies of
        its pixels) and then convolves without padding, as PyTorch's
        ``Conv2d`` does.
        """
        return self._replace(pads=((0, 0), (0, 0)), padding_mode="zeros")

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


def fill_limit(input_hw, pads, padding_mode: str, name: str = "padding_mode") -> str:
    """Check ``padding_mode`` and PyTorch's bounds on the padding it fills; returns the mode.

    ``"zeros"`` and ``"replicate"`` (copies of the edge pixel) fill any
    padding; ``"reflect"`` mirrors the input about its edge pixel, so each
    side may be at most ``size - 1`` rows or columns; ``"circular"`` wraps
    around once, so at most ``size``.

    Examples
    --------
    >>> fill_limit((3, 3), ((2, 2), (1, 1)), "reflect")
    'reflect'
    >>> fill_limit((3, 3), ((3, 0), (0, 0)), "reflect")
    Traceback (most recent call last):
    ...
    ValueError: padding must be at most 2 rows on each side with padding_mode='reflect' (the padding mirrors the input about its edge row, which is not repeated), as in PyTorch; got ((3, 0), (0, 0))
    """
    one_of(padding_mode, name, PADDING_FILLS)
    rules = {"reflect": (1, "the padding mirrors the input about its edge {one}, which is not "
                            "repeated"),
             "circular": (0, "the padding wraps around the input once")}
    if padding_mode in rules:
        short, why = rules[padding_mode]
        for axis, (word, one) in enumerate((("rows", "row"), ("columns", "column"))):
            size = input_hw[axis]
            if max(pads[axis]) > size - short:
                fail("padding", f"at most {size - short} {word} on each side with "
                     f"{name}={padding_mode!r} ({why.format(one=one)}), as in PyTorch", None,
                     given=pad_text(pads))
    return padding_mode


def conv_window(input_hw, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                padding_mode="zeros") -> Window:
    """Validate and normalise the geometry of a convolution / correlation.

    Any padding is accepted, as in PyTorch: padding wider than the kernel's
    reach ``d*(k-1)`` only adds outputs whose windows see nothing but zeros
    (a 1x1 kernel with padding 1 frames the image with the bias).  A
    ``padding_mode`` other than ``"zeros"`` bounds it (:func:`fill_limit`).
    ``groups`` is checked against the channels by the caller.

    Examples
    --------
    >>> conv_window((6, 6), (3, 3), padding="same").out
    (6, 6)
    >>> conv_window((2, 2), (1, 1), padding=1).out
    (4, 4)
    """
    key = ("conv", input_hw, kernel_size, stride, padding, dilation, groups, padding_mode)
    window = _known.get(key) if _plain(key) else None
    if window is None:
        kernel = int_pair(kernel_size, "kernel_size", minimum=1)
        stride = int_pair(stride, "stride", minimum=1)
        dilation = int_pair(dilation, "dilation", minimum=1)
        groups = integer(groups, "groups", minimum=1)
        pads = normalize_padding(padding, kernel, dilation, stride)
        fill_limit(input_hw, pads, padding_mode)
        out = output_shape2d(input_hw, kernel, stride, pads, dilation)
        window = _remember(key, Window(kernel, stride, pads, dilation, out, groups,
                                       padding_mode))
    return window


def transposed_window(input_hw, kernel_size, stride=1, padding=0, output_padding=0,
                      dilation=1, groups=1):
    """The geometry of a transposed convolution, as the convolution it transposes.

    Returns ``(window, out_hw, extra)``: ``window`` is the :class:`Window` of
    the convolution that maps the transposed convolution's output, of size
    ``out_hw`` (:func:`convnet.geometry.transposed_shape2d`), back to its
    input of size ``input_hw``, and ``extra`` the ``(rows, cols)`` of that
    convolution's outputs beyond ``input_hw``.  ``extra`` is nonzero only
    when ``output_padding >= stride`` (allowed, as in PyTorch, when the
    dilation is larger than the stride): those outputs' windows lie in the
    output padding, and the transposed convolution treats them as zeros.

    Examples
    --------
    >>> window, out_hw, extra = transposed_window((16, 16), 4, stride=2, padding=1)
    >>> out_hw, window.out, extra          # a 32x32 output, convolved back to 16x16
    ((32, 32), (16, 16), (0, 0))
    """
    key = ("transposed", input_hw, kernel_size, stride, padding, output_padding, dilation,
           groups)
    known = _known.get(key) if _plain(key) else None
    if known is None:
        kernel = int_pair(kernel_size, "kernel_size", minimum=1)
        stride = int_pair(stride, "stride", minimum=1)
        dilation = int_pair(dilation, "dilation", minimum=1)
        out = transposed_shape2d(input_hw, kernel, stride, padding, output_padding, dilation)
        pads = normalize_padding(padding)
        window = conv_window(out, kernel, stride, pads, dilation, groups)
        extra = (window.out[0] - input_hw[0], window.out[1] - input_hw[1])
        known = _remember(key, (window, out, extra))
    return known


def pool_window(input_hw, kernel_size, stride=None, padding=0, ceil_mode=False,
                dilation=1) -> Window:
    """Validate and normalise the geometry of a pooling window.

    ``stride`` defaults to ``kernel_size`` (non-overlapping windows, the chapter's usual
    choice); padding may be at most half the kernel (:func:`padding_limit`).  With
    ``ceil_mode`` the output size rounds up (:func:`convnet.geometry.output_size`) and
    the last window may hang over the padded input (``Window.overhang``).  ``dilation``
    (max pooling) spreads the window's pixels apart, as in a convolution.

    Examples
    --------
    >>> pool_window((5, 5), 2, ceil_mode=True)[-1]   # windows at 0, 2, 4: the last reads row 5
    (1, 1)
    """
    ceil_mode = boolean(ceil_mode, "ceil_mode")
    key = ("pool", input_hw, kernel_size, stride, padding, "ceil" if ceil_mode else "floor",
           dilation)
    window = _known.get(key) if _plain(key) else None
    if window is None:
        kernel = int_pair(kernel_size, "kernel_size", minimum=1)
        stride = int_pair(kernel if stride is None else stride, "stride", minimum=1)
        dilation = int_pair(dilation, "dilation", minimum=1)
        pads = padding_limit(padding, kernel)
        out = output_shape2d(input_hw, kernel, stride, pads, dilation, ceil_mode)
        overhang = tuple(max(0, (o - 1) * s + d * (k - 1) + 1 - (n + sum(p)))  # last end - Hp
                         for o, s, d, k, n, p in zip(out, stride, dilation, kernel, input_hw,
                                                     pads))
        window = _remember(key, Window(kernel, stride, pads, dilation, out, overhang=overhang))
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
