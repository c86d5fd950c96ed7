"""Worked solutions for pooling: every region as a small matrix, then its maximum or mean.

Covers :func:`convnet.functional.max_pool2d` and
:func:`convnet.functional.avg_pool2d` with all their options: padding,
dilation (max pooling), ``ceil_mode`` (the last window may hang over the
padded input; what hangs over is left out) and the divisor of the mean
(``count_include_pad``, ``divisor_override``), as PyTorch defines them.
"""

from __future__ import annotations

import numpy as np

from .. import functional
from .._validate import boolean, fail, int_pair, one_of, real_array
from ..functional.plain.pool import divisors
from ..window import pool_window
from ._blocks import Equations, Explanation, Matrix, Note, Step
from ._common import (MAX_TERMS, _limited, _more, _numbers, _options, _padding_note, _shape,
                      _size_rows)
from ._expressions import Call, Frac, Int, Num, Sum, Sym, _nums

__all__ = ["pool2d"]

_PLACES = {(2, 2): ("top-left", "top-right", "bottom-left", "bottom-right"),
           (1, 2): ("left", "right"), (2, 1): ("top", "bottom")}


def pool2d(x, kernel_size, stride=None, padding=0, kind="max", max_terms=MAX_TERMS, *,
           dilation=1, ceil_mode=False, count_include_pad=True, divisor_override=None,
           decimals=None) -> Explanation:
    """Explain max or average pooling: every region as a small matrix and its max or mean.

    In the style of problem set 1.3: "Region 1 (top-left)", the region's
    matrix, its maximum (Eq. 8.24) or mean (Eq. 8.22 with w = 1/(kh·kw), or
    1/divisor as the options below make it), then the pooled matrix.  Max
    pooling pads with -inf (any number of x beats it), average pooling with
    zeros that count in the mean unless ``count_include_pad=False``, as the
    library (and PyTorch) does.

    Parameters
    ----------
    x : array_like of shape (H, W)
    kernel_size, stride, padding
        As :func:`convnet.functional.max_pool2d`; ``stride`` defaults to
        ``kernel_size``.
    kind : {"max", "avg"}, default "max"
    max_terms : int or None, default 48
        Write out at most this many regions (None: all).
    dilation : int or (int, int), default 1
        Max pooling only, as :func:`convnet.functional.max_pool2d`.
    ceil_mode : bool, default False
        As both pooling functions: the output size rounds up.
    count_include_pad, divisor_override
        Average pooling only, as :func:`convnet.functional.avg_pool2d`.
    decimals : int, optional
        As :func:`correlate2d`.

    Returns
    -------
    Explanation
        ``.result`` is the (Ho, Wo) output of the library's pooling.

    Raises
    ------
    ValueError, TypeError
        As the library's pooling, or for an option the other kind has
        (``dilation`` for "avg"; ``count_include_pad``, ``divisor_override``
        for "max").

    Examples
    --------
    >>> e = pool2d([[1, 3], [4, 2]], 2)
    >>> "maximum = max(1, 3, 4, 2) = 4" in e.text()
    True
    >>> e.result
    array([[4.]])
    >>> pool2d([[1, 3, 5]], (1, 2), ceil_mode=True, kind="avg").result   # (5) / 1
    array([[2., 5.]])
    """
    one_of(kind, "kind", ("max", "avg"))
    x = real_array(x, "x", ndim=2).copy()       # kept by the explanation: the caller's may change
    _check_kind_options(kind, dilation, count_include_pad, divisor_override)
    if kind == "max":
        z = functional.max_pool2d(x[None, None], kernel_size, stride, padding, dilation,
                                  ceil_mode)[0, 0]                             # validates
    else:
        z = functional.avg_pool2d(x[None, None], kernel_size, stride, padding, ceil_mode,
                                  count_include_pad, divisor_override)[0, 0]   # validates
    max_terms, decimals = _options(max_terms, decimals)
    window = pool_window(x.shape, kernel_size, stride, padding, ceil_mode, dilation)
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, window.pads, constant_values=fill)                      # (Hp, Wp)
    steps = [Step("Input", (Matrix(Sym("X", "X"), x),))]
    note = _padding_note(window.pads, padding, _fill_words(kind, count_include_pad,
                                                           divisor_override))
    if note is not None:
        steps.append(Step("Padding", (note, Matrix(Sym("X padded", r"\tilde{X}"), xp))))
    sizes = [Equations(_size_rows(x.shape, window.kernel, window.stride, window.pads,
                                  window.dilation, z.shape, ceil=ceil_mode))]
    if any(window.overhang):
        sizes.append(Note(f"With ceil_mode the last window hangs {window.overhang[0]} row(s) "
                          f"and {window.overhang[1]} column(s) over the padded input; what "
                          "hangs over is left out of the region."))
    steps.append(Step("Output size (Eq. 8.18-8.19)", tuple(sizes)))
    divisor = np.broadcast_to(divisors(x.shape, window, count_include_pad, divisor_override),
                              z.shape) if kind == "avg" else None
    steps.append(Step("Regions", _regions(xp, z, window, kind, divisor, max_terms,
                                          divisor_override is not None)))
    steps.append(Step("Result", (Matrix(Sym("P", "P"), z),)))
    return Explanation(_title(x, window, kind, ceil_mode), steps, z, _numbers(decimals, x, z))


def _fill_words(kind: str, count_include_pad, divisor_override) -> str:
    """What the padding is filled with, and what that means for the max or the mean."""
    if kind == "max":
        return "-inf (any number of x beats it)"
    if divisor_override is not None:
        return "zeros"
    return "zeros" + (" (they count in the mean)" if count_include_pad
                      else " (they do not count in the mean)")


def _check_kind_options(kind, dilation, count_include_pad, divisor_override) -> None:
    """Refuse an option that only the other kind of pooling has, naming it (as PyTorch's
    MaxPool2d and AvgPool2d, each without the other's options)."""
    if kind == "avg" and int_pair(dilation, "dilation", minimum=1) != (1, 1):
        fail("dilation", "1 for average pooling (only max pooling has a dilation)", dilation)
    if kind == "max" and not boolean(count_include_pad, "count_include_pad"):
        fail("count_include_pad", "True for max pooling (an option of average pooling)",
             count_include_pad)
    if kind == "max" and divisor_override is not None:
        fail("divisor_override", "None for max pooling (an option of average pooling)",
             divisor_override)


def _title(x, window, kind: str, ceil_mode: bool) -> str:
    (kh, kw), (sh, sw), (dh, dw) = window.kernel, window.stride, window.dilation
    title = (f"{'Max' if kind == 'max' else 'Average'} pooling of X ({_shape(x)}), "
             f"{kh}x{kw} window, stride {sh if sh == sw else (sh, sw)}")
    if (dh, dw) != (1, 1):
        title += f", dilation {dh if dh == dw else (dh, dw)}"
    return title + (", ceil_mode" if ceil_mode else "")


def _regions(xp, z, window, kind: str, divisor, max_terms, overridden: bool) -> tuple:
    """The Regions step: each region's matrix and its max (Eq. 8.24) or mean (Eq. 8.22)."""
    (kh, kw), (sh, sw), (dh, dw) = window.kernel, window.stride, window.dilation
    (ho, wo), word = z.shape, "maximum" if kind == "max" else "mean"
    blocks = [Note(f"Each {kh}x{kw} region of the input gives one output, its {word}.")]
    if divisor is not None and np.any(divisor != kh * kw):
        blocks.append(Note("Each sum is divided by divisor_override." if overridden else
                           "Each sum is divided by the number of the region's positions "
                           "that count (see the padding and output size above)."))
    places = _PLACES.get((ho, wo))
    shown = _limited(ho * wo, max_terms)
    for flat in range(shown):
        m, n = divmod(flat, wo)
        region = xp[m * sh:m * sh + dh * (kh - 1) + 1:dh,
                    n * sw:n * sw + dw * (kw - 1) + 1:dw]      # ceil_mode: cut at the edge
        caption = _caption(flat, m, n, region.shape, window, places)
        if kind == "max":
            value = Call("max", _nums(region))
        else:
            value = Frac(Sum(_nums(region)), Int(int(divisor[m, n])))   # a count, whole
        blocks += [Matrix(Sym(f"R{flat + 1}", f"R_{{{flat + 1}}}"), region, caption),
                   Equations(((Sym(word, f"\\text{{{word}}}"), (value, Num(z[m, n]))),))]
    return tuple(blocks + _more(ho * wo, shown, "regions"))


def _caption(flat: int, m: int, n: int, shape, window, places) -> Note:
    """"Region 3 (bottom-left), rows 2 to 3, columns 0 to 1 -> z[1, 0]" in text and LaTeX."""
    (sh, sw), (dh, dw) = window.stride, window.dilation
    first_row, first_col = m * sh - window.pads[0][0], n * sw - window.pads[1][0]
    rows = f"rows {first_row} to {first_row + dh * (shape[0] - 1)}" + (f" by {dh}" * (dh > 1))
    cols = f"columns {first_col} to {first_col + dw * (shape[1] - 1)}" + (f" by {dw}" * (dw > 1))
    head = f"Region {flat + 1}{f' ({places[flat]})' if places else ''}, {rows}, {cols}"
    return Note(f"{head} -> z[{m}, {n}]", f"{head} $\\to z_{{{m},{n}}}$",
                f"{head} $\\to z_{{{m},{n}}}$")
