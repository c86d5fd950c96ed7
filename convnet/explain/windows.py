"""Worked solutions for window operations: correlation, convolution and its backward.

Pooling is explained in :mod:`convnet.explain.pooling`.
"""

from __future__ import annotations

import numpy as np

from .. import functional
from .._validate import real_array, same_shape
from ..window import conv_window
from ._blocks import Equations, Explanation, Matrix, Note, Step
from ._expressions import Num, Sum, Sym, _index, _nums
from ._common import (MAX_TERMS, _grouped, _grouping, _limited, _more, _numbers, _options,
                      _padding_note, _patch, _products, _shape, _size_rows)


# ==========================================================================
# Correlation and convolution
# ==========================================================================

def correlate2d(x, k, padding="valid", stride=1, dilation=1, max_terms=MAX_TERMS, *,
                decimals=None) -> Explanation:
    """Explain :func:`convnet.correlate2d`: every output element as its sum of products.

    Shows the input, the padded input (when padding adds zeros), the kernel,
    the output size (Eq. 8.18-8.19), each output ``z[m, n] = Σ k[i, j]·x_p[m·s
    + i·d, n·s + j·d]`` (Eq. 8.13) term by term, and the output matrix.  When
    every column of the kernel holds one weight (the Goodfellow sheet's edge
    kernel) each sum is also grouped by column, ``-1·(1+1+1) + 0·(6+6+6) +
    1·(6+10+10)``; likewise by rows for kernels with constant rows.

    Parameters
    ----------
    x : array_like of shape (H, W)
    k : array_like of shape (r, c)
    padding, stride, dilation
        As :func:`convnet.correlate2d`.
    max_terms : int or None, default 48
        Write out at most this many output elements (None: all); the rest
        are summarised in one line.
    decimals : int, optional
        Decimals of every number shown; by default the fewest (at most 4)
        that show each number exactly.

    Returns
    -------
    Explanation
        ``.result`` is ``convnet.correlate2d(x, k, padding, stride, dilation)``.

    Raises
    ------
    ValueError, TypeError
        As :func:`convnet.correlate2d`, or for a bad ``max_terms`` / ``decimals``.

    Examples
    --------
    Goodfellow sheet, exercise 3 (valid), the first output:

    >>> X = [[1, 6, 6, 6, 6, 1], [1, 6, 10, 10, 6, 1], [1, 6, 10, 10, 6, 1], [1, 6, 6, 6, 6, 1]]
    >>> e = correlate2d(X, [[-1, 0, 1]] * 3)
    >>> "= -1·(1+1+1) + 0·(6+6+6) + 1·(6+10+10) = 23" in e.text()
    True
    """
    return _correlation(x, k, padding, stride, dilation, max_terms, decimals, flip=False)


def convolve2d(x, k, padding="valid", stride=1, dilation=1, max_terms=MAX_TERMS, *,
               decimals=None) -> Explanation:
    """Explain :func:`convnet.convolve2d`: flip the kernel, then correlate (Eq. 8.8, P8.1).

    As :func:`correlate2d`, with one more step that shows the flipped kernel
    ``rot180(k)``; the sums use the flipped kernel.  ``.result`` is
    ``convnet.convolve2d(x, k, ...)``.

    Examples
    --------
    >>> e = convolve2d([[1, 2], [3, 4]], [[1, 2], [3, 4]])
    >>> float(e.result[0, 0])        # 4·1 + 3·2 + 2·3 + 1·4
    20.0
    """
    return _correlation(x, k, padding, stride, dilation, max_terms, decimals, flip=True)


def _correlation(x, k, padding, stride, dilation, max_terms, decimals, flip):
    library = functional.convolve2d if flip else functional.correlate2d
    z = library(x, k, padding=padding, stride=stride, dilation=dilation)   # validates
    max_terms, decimals = _options(max_terms, decimals)
    # Copies: the explanation keeps these matrices, and must not change when the caller's do.
    x, k = real_array(x, "x", ndim=2).copy(), real_array(k, "k", ndim=2).copy()
    window = conv_window(x.shape, k.shape, stride, padding, dilation)
    (top, bottom), (left, right) = window.pads
    xp = np.pad(x, window.pads)                                            # (Hp, Wp)
    weights = k[::-1, ::-1] if flip else k                                 # rot180 for Eq. 8.8
    numbers = _numbers(decimals, x, k, z)
    operation = "Convolution" if flip else "Cross-correlation"
    mode = f"padding {padding!r}" if isinstance(padding, str) else f"padding {padding}"
    title = (f"{operation} of X ({_shape(x)}) with K ({_shape(k)}), {mode}"
             + "".join(f", {name} {value}" for name, value in (("stride", stride),
                                                                ("dilation", dilation))
                       if value != 1))
    steps = [Step("Input", (Matrix(Sym("X", "X"), x),))]
    note = _padding_note(window.pads, padding)
    if note is not None:
        steps.append(Step("Zero padding", (note, Matrix(Sym("X padded", r"\tilde{X}"), xp))))
    kernel_blocks = [Matrix(Sym("K", "K"), k)]
    if flip:
        kernel_blocks += [
            Note("Convolution flips the kernel by 180 degrees (Eq. 8.8, P8.1): "
                 "K' = rot180(K), then slides it like a correlation.",
                 r"Convolution flips the kernel by 180 degrees (Eq.~8.8, P8.1): "
                 r"$K' = \operatorname{rot180}(K)$, then slides it like a correlation."),
            Matrix(Sym("K' = rot180(K)", r"K' = \operatorname{rot180}(K)"), weights)]
    steps.append(Step("Kernel", tuple(kernel_blocks)))
    steps.append(Step("Output size (Eq. 8.18-8.19)", (Equations(_size_rows(
        x.shape, window.kernel, window.stride, window.pads, window.dilation, z.shape)),)))
    steps.append(_sum_step(xp, weights, window, z, max_terms, "K'" if flip else "K"))
    result_name = Sym("Z = X * K", r"Z = X * K") if flip else Sym("Z", "Z")
    steps.append(Step("Result", (Matrix(result_name, z),)))
    return Explanation(title, steps, z, numbers)


def _sum_step(xp, weights, window, z, max_terms, kernel_name) -> Step:
    (sh, sw), (dh, dw) = window.stride, window.dilation
    row = "m" if sh == 1 else f"{sh}m"
    col = "n" if sw == 1 else f"{sw}n"
    row += " + i" if dh == 1 else f" + {dh}i"
    col += " + j" if dw == 1 else f" + {dw}j"
    source = "X padded" if window.pads != ((0, 0), (0, 0)) else "X"
    source_tex = r"\tilde{X}" if source != "X" else "X"
    blocks = [Note(f"z[m, n] = sum over i, j of {kernel_name}[i, j]·{source}[{row}, {col}] "
                   "(Eq. 8.13), written out term by term:",
                   f"$z_{{m,n}} = \\sum_i \\sum_j {kernel_name}_{{i,j}} \\, "
                   f"{source_tex}_{{{row},\\,{col}}}$ "
                   "(Eq.~8.13), written out term by term:",
                   f"$z_{{m,n}} = \\sum_i \\sum_j {kernel_name}_{{i,j}} \\, "
                   f"{source_tex}_{{{row},\\,{col}}}$ (Eq. 8.13), written out term by term:")]
    by = _grouping(weights)
    if by is not None:
        blocks.append(Note(f"Every {by[:-1]} of {kernel_name} holds one weight, so each sum is "
                           f"also grouped by kernel {by[:-1]}: weight·(sum of the window's "
                           f"{by[:-1]})."))
    ho, wo = z.shape
    shown = _limited(ho * wo, max_terms)
    rows = []
    for flat in range(shown):
        m, n = divmod(flat, wo)
        patch = _patch(xp, window, m, n)
        chain = [_products(weights, patch)]
        if by is not None:
            chain.append(_grouped(weights, patch, by))
        rows.append((_index("z", m, n), (*chain, Num(z[m, n]))))
    blocks.append(Equations(tuple(rows)))
    blocks += _more(ho * wo, shown, "outputs")
    return Step("Each output as a sum of products", tuple(blocks))


# ==========================================================================
# Backpropagation through a convolution
# ==========================================================================

def conv2d_backward(dz, x, w, stride=1, padding=0, max_terms=MAX_TERMS, *,
                    decimals=None) -> Explanation:
    """Explain the gradients of a single-channel convolution layer.

    * ``dx`` is the *full* cross-correlation of ``dz`` with ``rot180(w)``
      (Eq. 8.44-8.45): ``dz`` is padded with ``kh - 1`` rows and ``kw - 1``
      columns of zeros on each side (less the forward padding, whose
      gradient is dropped), then every ``dx[i, j]`` is a sum of products.
    * ``dw`` is the cross-correlation of the (padded) input ``x`` with
      ``dz`` (Eq. 8.47-8.48): ``dw[u, v] = Σ dz[m, n]·x[m·s + u, n·s + v]``.
    * ``db`` is the sum of ``dz`` (Eq. 8.36).

    A stride ``s > 1`` is supported by showing the dilated ``dz``, with
    ``s - 1`` zeros between neighbouring entries (the windows the stride
    skipped have sensitivity 0); input rows and columns that no window
    reached get extra zero padding at the bottom/right and a zero gradient.

    Parameters
    ----------
    dz : array_like of shape (Ho, Wo)
        The sensitivity of the loss to the layer's output ``z = x ⊗ w``.
    x : array_like of shape (H, W)
    w : array_like of shape (kh, kw)
    stride, padding
        As :func:`convnet.correlate2d` (dilation 1).
    max_terms : int or None, default 48
        Write out at most this many elements of each gradient.
    decimals : int, optional
        As :func:`correlate2d`.

    Returns
    -------
    Explanation
        ``.result`` is ``(dx, dw, db)``: ``convnet.functional.conv2d_backward``
        on the (1, 1, H, W) versions, with the batch and channel axes dropped
        (``db`` a float).

    Examples
    --------
    >>> e = conv2d_backward(np.ones((2, 2)), np.zeros((3, 3)), np.ones((2, 2)))
    >>> e.result[0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    # Copies: the explanation keeps these matrices, and must not change when the caller's do.
    dz = real_array(dz, "dz", ndim=2, layout="(Ho, Wo)").copy()
    x = real_array(x, "x", ndim=2).copy()
    w = real_array(w, "w", ndim=2, layout="(kh, kw)").copy()
    window = conv_window(x.shape, w.shape, stride, padding)
    same_shape(dz, "dz", window.out, "the output of correlate2d(x, w) with this stride and "
               "padding")
    max_terms, decimals = _options(max_terms, decimals)
    dx4, dw4, db1 = functional.conv2d_backward(dz[None, None], x[None, None], w[None, None],
                                               stride, padding)
    dx, dw, db = dx4[0, 0], dw4[0, 0], float(db1[0])
    numbers = _numbers(decimals, x, w, dz, dx, dw, db)
    padded = window.pads != ((0, 0), (0, 0))
    title = (f"Backpropagation through z = x ⊗ w: x ({_shape(x)}), w ({_shape(w)}), "
             f"dz ({_shape(dz)})"
             + (f", stride {stride}" if window.stride != (1, 1) else "")
             + (f", padding {padding}" if padded else ""))
    steps = [Step("Given", (Matrix(Sym("x", "x"), x), Matrix(Sym("w", "w"), w),
                            Matrix(Sym("dz", r"\mathit{dz}"), dz))),
             _input_gradient_step(x.shape, w, dz, dx, window, max_terms),
             _weight_gradient_step(x, dz, dw, window, max_terms),
             Step("Bias gradient db (Eq. 8.36)", (Equations(((
                 Sym("db", r"\mathit{db}"), (Sum(_nums(dz)), Num(db))),)),))]
    return Explanation(title, steps, (dx, dw, db), numbers)


def _input_gradient_step(x_shape, w, dz, dx, window, max_terms) -> Step:
    """dx[i, j] = sum_u sum_v rot180(w)[u, v]·dz_p[i + u, j + v] (Eq. 8.44-8.45)."""
    (kh, kw), (sh, sw), (ho, wo) = window.kernel, window.stride, window.out
    (top, _), (left, _) = window.pads
    h, wid = x_shape
    spread = np.zeros(((ho - 1) * sh + 1, (wo - 1) * sw + 1), dtype=dz.dtype)
    spread[::sh, ::sw] = dz                              # s - 1 zeros between entries
    # Full padding kh - 1 less the forward padding on top / left; at the bottom /
    # right whatever makes H + kh - 1 rows (the stride's remainder rows get zeros).
    # A forward padding wider than kh - 1 makes an amount negative: rows are cut.
    pad_top, pad_bottom = kh - 1 - top, h + top - spread.shape[0]
    pad_left, pad_right = kw - 1 - left, wid + left - spread.shape[1]
    dzp = _pad_or_cut(spread, ((pad_top, pad_bottom), (pad_left, pad_right)))  # (H+kh-1, W+kw-1)
    rot = w[::-1, ::-1]                                                   # rot180(w)
    blocks = [Note("dx is the full cross-correlation of dz with rot180(w) (Eq. 8.44-8.45).",
                   r"$\mathit{dx}$ is the full cross-correlation of $\mathit{dz}$ with "
                   r"$\operatorname{rot180}(w)$ (Eq.~8.44--8.45)."),
              Matrix(Sym("rot180(w)", r"\operatorname{rot180}(w)"), rot)]
    if (sh, sw) != (1, 1):
        blocks += [Note(f"The stride skipped windows: put {sh - 1} zero row(s) and {sw - 1} "
                        "zero column(s) between the entries of dz."),
                   Matrix(Sym("dz dilated", r"\mathit{dz}_{\uparrow}"), spread)]
    dropped = (" (the forward padding's gradient is dropped)"
               if window.pads != ((0, 0), (0, 0)) else "")
    blocks += [Note(f"Pad it with zeros ({_amount(pad_top, 'row(s)')} at the top, "
                    f"{_amount(pad_bottom)} at the bottom, {_amount(pad_left, 'column(s)')} at "
                    f"the left, {_amount(pad_right)} at the right) so that every pixel of x "
                    f"meets every weight{dropped}."),
               Matrix(Sym("dz padded", r"\tilde{\mathit{dz}}"), dzp)]
    shown = _limited(h * wid, max_terms)
    rows = []
    for flat in range(shown):
        i, j = divmod(flat, wid)
        rows.append((_index("dx", i, j), (_products(rot, dzp[i:i + kh, j:j + kw]),
                                          Num(dx[i, j]))))
    blocks += [Equations(tuple(rows)), *_more(h * wid, shown, "elements"),
               Matrix(Sym("dx", r"\mathit{dx}"), dx)]
    return Step("Input gradient dx (Eq. 8.44-8.45)", tuple(blocks))


def _pad_or_cut(a, amounts):
    """``a`` with zeros added (positive amounts) or rows and columns cut off (negative ones)."""
    (top, bottom), (left, right) = amounts
    a = np.pad(a, ((max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))))
    return a[max(-top, 0):a.shape[0] - max(-bottom, 0), max(-left, 0):a.shape[1] - max(-right, 0)]


def _amount(n: int, what: str = "") -> str:
    """``"2 row(s)"``, or for a negative amount ``"2 row(s) cut off"``."""
    text = f"{abs(n)} {what}".rstrip()
    return text if n >= 0 else f"{text} cut off"


def _weight_gradient_step(x, dz, dw, window, max_terms) -> Step:
    """dw[u, v] = sum_m sum_n dz[m, n]·x_p[m·s + u, n·s + v] (Eq. 8.47-8.48)."""
    (kh, kw), (sh, sw), (ho, wo) = window.kernel, window.stride, window.out
    xp = np.pad(x, window.pads)
    padded = window.pads != ((0, 0), (0, 0))
    source = "x padded" if padded else "x"
    blocks = [Note(f"dw is the cross-correlation of {source} with dz (Eq. 8.47-8.48): "
                   f"dw[u, v] = sum over m, n of dz[m, n]·{source}[{_stride_text(sh, 'm')}"
                   f"u, {_stride_text(sw, 'n')}v].",
                   r"$\mathit{dw}$ is the cross-correlation of "
                   + (r"$\tilde{x}$" if padded else "$x$")
                   + r" with $\mathit{dz}$ (Eq.~8.47--8.48).")]
    if padded:
        blocks.append(Matrix(Sym("x padded", r"\tilde{x}"), xp))
    shown = _limited(kh * kw, max_terms)
    rows = []
    for flat in range(shown):
        u, v = divmod(flat, kw)
        patch = xp[u:u + sh * (ho - 1) + 1:sh, v:v + sw * (wo - 1) + 1:sw]    # (Ho, Wo)
        rows.append((_index("dw", u, v), (_products(dz, patch), Num(dw[u, v]))))
    blocks += [Equations(tuple(rows)), *_more(kh * kw, shown, "elements"),
               Matrix(Sym("dw", r"\mathit{dw}"), dw)]
    return Step("Weight gradient dw (Eq. 8.47-8.48)", tuple(blocks))


def _stride_text(s: int, index: str) -> str:
    return f"{index} + " if s == 1 else f"{s}{index} + "
