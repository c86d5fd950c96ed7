"""Sizes and paddings: the integer arithmetic of convolution.

Everything here is plain integer arithmetic on sizes; no array is touched.
Padding is normalised here, once, into the explicit form
``((top, bottom), (left, right))`` that every other function receives.

The central formula is the chapter's Eq. 8.18-8.19 extended by dilation *d*
and an explicit floor::

    out = floor((n + p_before + p_after - d*(k - 1) - 1) / s) + 1

With ``d = 1`` and symmetric padding ``p`` this is ``floor((n + 2p - k)/s) + 1``,
the form used in problem set 1.5; with ``p = 0, s = 1`` it is Eq. 8.14-8.15,
``S = R - r + 1``.

Receptive fields of layer stacks, built on these sizes, are in
:mod:`convnet.receptive_field`.
"""

from __future__ import annotations

from ._validate import boolean, fail, int_pair, integer, one_of

__all__ = [
    "PADDING_MODES",
    "PADDING_FILLS",
    "normalize_padding",
    "output_size",
    "output_shape2d",
    "same_padding",
    "full_padding",
    "kernel_size_for",
    "transposed_output_size",
    "transposed_shape2d",
]

PADDING_MODES = ("valid", "same", "full")
PADDING_FILLS = ("zeros", "reflect", "replicate", "circular")   # what a convolution pads with

_PADDING_FORMS = ("'valid', 'same', 'full', an int >= 0, a pair (ph, pw) or "
                  "((top, bottom), (left, right))")


def _same_1d(kernel: int, dilation: int) -> tuple[int, int]:
    # d*(k-1) split with the extra one at the bottom/right, as PyTorch's padding="same".
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def same_padding(kernel_size, dilation=1) -> tuple[tuple[int, int], tuple[int, int]]:
    """Padding that keeps the output size equal to the input size at stride 1.

    Parameters
    ----------
    kernel_size : int or (int, int)
    dilation : int or (int, int), default 1

    Returns
    -------
    ((top, bottom), (left, right)) : tuple of int pairs
        ``d*(k-1)`` zeros in total per axis; for an even kernel the extra one
        goes to the bottom / right, as in PyTorch.

    Examples
    --------
    >>> same_padding(3)
    ((1, 1), (1, 1))
    >>> same_padding((2, 5))
    ((0, 1), (2, 2))
    """
    kh, kw = int_pair(kernel_size, "kernel_size", minimum=1)
    dh, dw = int_pair(dilation, "dilation", minimum=1)
    return _same_1d(kh, dh), _same_1d(kw, dw)


def full_padding(kernel_size, dilation=1) -> tuple[tuple[int, int], tuple[int, int]]:
    """Padding for a *full* correlation: every input pixel meets every kernel weight.

    That is ``d*(k-1)`` zeros on each side (Goodfellow sheet, exercise 3: two
    rows/columns for a 3x3 kernel).

    Examples
    --------
    >>> full_padding(3)
    ((2, 2), (2, 2))
    """
    kh, kw = int_pair(kernel_size, "kernel_size", minimum=1)
    dh, dw = int_pair(dilation, "dilation", minimum=1)
    return (dh * (kh - 1),) * 2, (dw * (kw - 1),) * 2


def _padding_int(value, name: str) -> int:
    try:
        return integer(value, name, minimum=0)
    except TypeError:
        fail(name, _PADDING_FORMS, value, error=TypeError)


def normalize_padding(padding, kernel_size=None, dilation=1, stride=1, *,
                      name: str = "padding") -> tuple[tuple[int, int], tuple[int, int]]:
    """Turn any accepted padding form into ``((top, bottom), (left, right))``.

    Parameters
    ----------
    padding : str, int, (int, int) or ((int, int), (int, int))
        ``"valid"`` (no padding), ``"same"`` (output as large as the input;
        stride 1 only, extra zero at the bottom/right for even kernels),
        ``"full"`` (``d*(k-1)`` on every side), an int for all four sides, a
        pair ``(ph, pw)`` for rows and columns, or explicit
        ``((top, bottom), (left, right))``.
    kernel_size, dilation, stride : int or (int, int)
        Needed only for ``"same"`` and ``"full"``.

    Raises
    ------
    ValueError, TypeError
        For an unknown string, a negative or non-integer amount, or
        ``"same"`` with a stride other than 1.

    Examples
    --------
    >>> normalize_padding(1)
    ((1, 1), (1, 1))
    >>> normalize_padding((0, 2))
    ((0, 0), (2, 2))
    >>> normalize_padding("same", kernel_size=4)
    ((1, 2), (1, 2))
    """
    if isinstance(padding, str):
        one_of(padding, name, PADDING_MODES)
        if padding == "valid":
            return (0, 0), (0, 0)
        if kernel_size is None:
            raise ValueError(f"{name}={padding!r} needs the kernel size to be resolved")
        if padding == "same":
            sh, sw = int_pair(stride, "stride", minimum=1)
            if (sh, sw) != (1, 1):
                shown = sh if sh == sw else (sh, sw)
                fail(name, "an explicit amount when the stride is not 1 ('same' needs "
                     "stride 1, as in PyTorch)", padding, given=f"'same' with stride {shown}")
            return same_padding(kernel_size, dilation)
        return full_padding(kernel_size, dilation)
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            fail(name, _PADDING_FORMS, padding)
        rows, cols = padding
        if isinstance(rows, (tuple, list)) and isinstance(cols, (tuple, list)):
            if len(rows) != 2 or len(cols) != 2:
                fail(name, _PADDING_FORMS, padding)
            return ((_padding_int(rows[0], name), _padding_int(rows[1], name)),
                    (_padding_int(cols[0], name), _padding_int(cols[1], name)))
        ph, pw = _padding_int(rows, name), _padding_int(cols, name)
        return (ph, ph), (pw, pw)
    amount = _padding_int(padding, name)
    return (amount, amount), (amount, amount)


def canonical_padding(padding):
    """The padding as given, with lists turned into tuples (for reprs and comparisons)."""
    if isinstance(padding, (list, tuple)):
        return tuple(canonical_padding(p) for p in padding)
    return padding


def _output_length(n: int, kernel: int, stride: int, before: int, after: int,
                   dilation: int, ceil_mode: bool = False) -> int:
    # Eq. 8.18 with dilation and asymmetric padding; // is the floor.  ceil_mode (pooling,
    # PyTorch's rule) rounds up, then drops a last window starting in the bottom/right padding.
    out = (n + before + after - dilation * (kernel - 1) - 1 + ceil_mode * (stride - 1)) // stride
    return out if ceil_mode and out * stride >= n + before else out + 1


def pad_text(pads) -> str:
    """``pads`` as short as it can be written: ``1``, ``(1, 2)`` or the four sides."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right:
        return str(top)
    if top == bottom and left == right:
        return f"({top}, {left})"
    return f"(({top}, {bottom}), ({left}, {right}))"


def output_shape2d(input_hw, kernel_hw, stride=1, padding=0, dilation=1,
                   ceil_mode=False) -> tuple[int, int]:
    """Output ``(Ho, Wo)`` of a 2-D window operation; padding already in any form.

    Raises ``ValueError`` with all the numbers when the (dilated) kernel does
    not fit the padded input.

    Examples
    --------
    >>> output_shape2d((28, 28), 5)
    (24, 24)
    >>> output_shape2d((3, 3), 5)
    Traceback (most recent call last):
    ...
    ValueError: kernel 5x5 does not fit input 3x3 with padding 0 (output would be -1x-1)
    """
    h, w = int_pair(input_hw, "input size", minimum=1)
    kh, kw = int_pair(kernel_hw, "kernel_size", minimum=1)
    sh, sw = int_pair(stride, "stride", minimum=1)
    dh, dw = int_pair(dilation, "dilation", minimum=1)
    ceil_mode = boolean(ceil_mode, "ceil_mode")
    pads = normalize_padding(padding, (kh, kw), (dh, dw), (sh, sw))
    (top, bottom), (left, right) = pads
    ho = _output_length(h, kh, sh, top, bottom, dh, ceil_mode)
    wo = _output_length(w, kw, sw, left, right, dw, ceil_mode)
    if ho < 1 or wo < 1:
        effective = "" if (dh, dw) == (1, 1) else (
            f" (dilation {dh}x{dw} makes it {dh * (kh - 1) + 1}x{dw * (kw - 1) + 1})")
        raise ValueError(
            f"kernel {kh}x{kw}{effective} does not fit input {h}x{w} with padding "
            f"{pad_text(pads)} (output would be {ho}x{wo})")
    return ho, wo


def output_size(n, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False):
    """Size of the output of a convolution or pooling layer (Eq. 8.18-8.19).

    ``floor((n + p_before + p_after - d*(k - 1) - 1) / s) + 1``; ``ceil_mode=True``
    (pooling, PyTorch's rule): ``ceil`` instead of ``floor``, minus one if the last
    window would then start at ``n + p_before`` or beyond (in the bottom/right padding).

    Parameters
    ----------
    n : int or (int, int)
        Input size (rows, or rows and columns).
    kernel_size, stride, dilation : int or (int, int)
    padding : str, int, pair or pair of pairs
        Any form accepted by :func:`normalize_padding`.
    ceil_mode : bool, default False

    Returns
    -------
    int if every argument is a single number (and padding is symmetric),
    else ``(rows, cols)``.

    Raises
    ------
    ValueError
        When the kernel does not fit (output would be < 1) or stride,
        dilation or kernel size is < 1.

    Examples
    --------
    AlexNet's first layer (problem set 1.5): (227 - 11)/4 + 1 = 55.

    >>> output_size(227, 11, stride=4)
    55
    >>> output_size(15, 3, stride=2, padding=1)   # exercise E8.7 i
    8
    >>> output_size((28, 32), 5, padding="same")
    (28, 32)
    >>> output_size(5, 2, stride=2, ceil_mode=True)    # ceil(3/2) + 1; the last window starts at 4
    3
    """
    scalar = all(not isinstance(a, (tuple, list))
                 for a in (n, kernel_size, stride, dilation, padding))
    result = output_shape2d(n, kernel_size, stride, padding, dilation, ceil_mode)
    return result[0] if scalar and result[0] == result[1] else result


def kernel_size_for(n_in, n_out, stride=1, padding=0) -> int:
    """The kernel size that maps an input of size ``n_in`` to ``n_out``.

    Solves Eq. 8.18 for the kernel: ``k = n_in + 2p - s*(n_out - 1)``.  With a
    stride above 1 several kernels give the same floored output size; this is
    the one whose windows end exactly on the last input row (nothing dropped).

    Examples
    --------
    Goodfellow sheet, exercise 4(a): 512x512 input, 504x504 feature maps.

    >>> kernel_size_for(512, 504)
    9
    """
    n_in = integer(n_in, "n_in", minimum=1)
    n_out = integer(n_out, "n_out", minimum=1)
    stride = integer(stride, "stride", minimum=1)
    pad = _padding_int(padding, "padding")
    kernel = n_in + 2 * pad - stride * (n_out - 1)
    if kernel < 1:
        fail("n_out", f"reachable from n_in={n_in} with stride {stride} and padding {pad} "
             f"(at most {(n_in + 2 * pad - 1) // stride + 1})", n_out)
    return kernel


def _transposed_length(n: int, kernel: int, stride: int, before: int, after: int,
                       extra: int, dilation: int) -> int:
    # Eq. 8.18 solved for the input size: (n - 1)*s - p_before - p_after + d*(k - 1) + extra + 1.
    return (n - 1) * stride - before - after + dilation * (kernel - 1) + extra + 1


def output_padding_pair(output_padding, stride, dilation) -> tuple[int, int]:
    """``output_padding`` as a pair, each below the stride or the dilation (PyTorch's rule).

    Stride and dilation are already ``(rows, cols)`` pairs.
    """
    oh, ow = int_pair(output_padding, "output_padding", minimum=0)
    (sh, sw), (dh, dw) = stride, dilation
    if oh >= max(sh, dh) or ow >= max(sw, dw):
        fail("output_padding", f"smaller than the stride or the dilation (at most "
             f"{max(sh, dh) - 1} rows and {max(sw, dw) - 1} columns for stride {(sh, sw)} and "
             f"dilation {(dh, dw)}), as in PyTorch", output_padding)
    return oh, ow


def transposed_padding(padding) -> tuple[tuple[int, int], tuple[int, int]]:
    """A transposed convolution's padding normalised: amounts only, no 'same' (as PyTorch)."""
    if isinstance(padding, str):
        fail("padding", "an amount: an int >= 0, a pair (ph, pw) or ((top, bottom), (left, "
             "right)) (a transposed convolution takes no 'valid', 'same' or 'full', as in "
             "PyTorch)", padding, error=TypeError)
    return normalize_padding(padding)


def transposed_shape2d(input_hw, kernel_hw, stride=1, padding=0, output_padding=0,
                       dilation=1) -> tuple[int, int]:
    """Output ``(Ho, Wo)`` of a transposed convolution (explicit padding only).

    ``Ho = (H - 1)*s - top - bottom + d*(kh - 1) + output_padding + 1``: the
    input size of a convolution whose output is H (Eq. 8.18 solved for the
    input), with ``output_padding`` choosing among the sizes a stride above 1
    maps to the same H.  As in PyTorch, ``output_padding`` must be smaller
    than the stride or the dilation, and the output at least 1x1.

    Examples
    --------
    >>> transposed_shape2d((16, 16), 4, stride=2, padding=1)
    (32, 32)
    >>> transposed_shape2d((3, 3), 3, stride=2, padding=1, output_padding=1)
    (6, 6)
    """
    h, w = int_pair(input_hw, "input size", minimum=1)
    kh, kw = int_pair(kernel_hw, "kernel_size", minimum=1)
    sh, sw = int_pair(stride, "stride", minimum=1)
    dh, dw = int_pair(dilation, "dilation", minimum=1)
    oh, ow = output_padding_pair(output_padding, (sh, sw), (dh, dw))
    (top, bottom), (left, right) = pads = transposed_padding(padding)
    ho = _transposed_length(h, kh, sh, top, bottom, oh, dh)
    wo = _transposed_length(w, kw, sw, left, right, ow, dw)
    if ho < 1 or wo < 1:
        fail("padding", f"small enough to leave an output of at least 1x1 (input {h}x{w}, "
             f"kernel {kh}x{kw}, stride {(sh, sw)}, output_padding {(oh, ow)}, dilation "
             f"{(dh, dw)})", padding, given=f"{pad_text(pads)} (output would be {ho}x{wo})")
    return ho, wo


def transposed_output_size(n, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    """Size of the output of a transposed convolution, as PyTorch's ``ConvTranspose2d``.

    ``(n - 1)*s - 2p + d*(k - 1) + output_padding + 1``: the inverse of
    :func:`output_size`'s map from input to output sizes.

    Parameters
    ----------
    n : int or (int, int)
        Input size (rows, or rows and columns).
    kernel_size, stride, output_padding, dilation : int or (int, int)
    padding : int, pair or pair of pairs

    Returns
    -------
    int if every argument is a single number, else ``(rows, cols)``.

    Raises
    ------
    ValueError
        ``output_padding`` not below the stride or the dilation, or an output
        smaller than 1.

    Examples
    --------
    A DCGAN-style decoder layer doubles the size: (16 - 1)*2 - 2 + 3 + 1 = 32.

    >>> transposed_output_size(16, 4, stride=2, padding=1)
    32
    >>> output_size(32, 4, stride=2, padding=1)    # and the convolution halves it back
    16
    """
    scalar = all(not isinstance(a, (tuple, list))
                 for a in (n, kernel_size, stride, padding, output_padding, dilation))
    result = transposed_shape2d(n, kernel_size, stride, padding, output_padding, dilation)
    return result[0] if scalar and result[0] == result[1] else result


# Names that lived here before, moved to convnet.window and convnet.receptive_field.
_MOVED = {"Window": "window", "conv_window": "window", "pool_window": "window",
          "padding_limit": "window", "receptive_field": "receptive_field",
          "ReceptiveField": "receptive_field", "layer_spec": "receptive_field"}


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(f"module 'convnet.geometry' has no attribute {name!r}")
    import importlib
    import warnings
    warnings.warn(f"convnet.geometry.{name} moved to convnet.{_MOVED[name]}.{name}",
                  DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(f"convnet.{_MOVED[name]}"), name)
