"""Pieces the derivations share: options, the output-size formula, sums of products."""

from __future__ import annotations

import numpy as np

from .._validate import integer
from ._blocks import Note
from ._expressions import (Floor, Frac, Int, Neg, Num, Numbers, Paren, Prod, Sum, Sym, _nums,
                           _plus_one)


MAX_TERMS = 48   # the Goodfellow sheet's largest case, 'full' padding, has 6 x 8 = 48 outputs


# ==========================================================================
# Shared pieces: argument checks, the output-size formula, sums of products
# ==========================================================================

def _options(max_terms, decimals):
    if max_terms is not None:
        max_terms = integer(max_terms, "max_terms", minimum=1)
    if decimals is not None:
        decimals = integer(decimals, "decimals", minimum=0, maximum=12)
    return max_terms, decimals


def _numbers(decimals, *arrays) -> Numbers:
    return Numbers(decimals) if decimals is not None else Numbers.fitting(*arrays)


def _limited(count: int, max_terms) -> int:
    return count if max_terms is None else min(count, max_terms)


def _more(count: int, shown: int, what: str):
    left = count - shown
    return [Note(f"... and {left} more {what}, computed the same way.")] if left > 0 else []


def _size_chain(n, k, s, before, after, d, out, short=False, ceil=False) -> tuple:
    """Eq. 8.18 with the numbers put in: ``(n + 2p - k)/s + 1 = ... = out``.

    ``out`` is the library's value; the links before it are the formula's
    own arithmetic.  With dilation the kernel term is ``d·(k - 1) - 1``;
    the floor is written only when the division is not exact.  With
    ``ceil`` (pooling's ceil_mode) it is a ceil, and ``- 1`` follows when the
    last window would start in the bottom/right padding.
    """
    pads = (Prod((Int(2), Int(before))),) if before == after else (Int(before), Int(after))
    if d == 1:
        kernel = (Neg(Int(k)),)
    else:
        kernel = (Neg(Prod((Int(d), Paren(Sum((Int(k), Int(-1))))))), Int(-1))
    top = n + before + after - d * (k - 1) - 1                 # the numerator's value
    exact = top % s == 0
    wrap = (lambda e: e) if exact else (lambda e: Floor(e, ceil))
    whole = -(-top // s) if ceil else top // s
    dropped = whole + 1 > out            # ceil_mode's last window would start in the padding

    def plus_one(e):
        return Sum((e, Int(1), Int(-1))) if dropped else _plus_one(e)

    first = plus_one(wrap(Frac(Sum((Int(n), *pads, *kernel)), Int(s))))
    if short:
        return first, Int(out)
    return (first, plus_one(wrap(Frac(Int(top), Int(s)))), plus_one(Int(whole)), Int(out))


def _size_rows(input_hw, kernel, stride, pads, dilation, out_hw, short=False, ceil=False):
    """Output-size equations for rows and columns (one line when both are the same)."""
    axes = []
    for axis in range(2):
        chain = _size_chain(input_hw[axis], kernel[axis], stride[axis], *pads[axis],
                            dilation[axis], out_hw[axis], short, ceil)
        axes.append(chain)
    if axes[0] == axes[1]:
        return ((Sym("Ho = Wo", r"H_o = W_o"), axes[0]),)
    return ((Sym("Ho", "H_o"), axes[0]), (Sym("Wo", "W_o"), axes[1]))


def _padding_note(pads, padding, fill: str = "zeros") -> Note | None:
    (top, bottom), (left, right) = pads
    if (top, bottom, left, right) == (0, 0, 0, 0):
        return None
    given = f"padding {padding!r}" if isinstance(padding, str) else "the padding"
    rows = f"{top} row(s) at the top and {bottom} at the bottom"
    cols = f"{left} column(s) at the left and {right} at the right"
    if top == bottom and left == right:
        rows, cols = f"{top} row(s) at the top and bottom", f"{left} column(s) at each side"
    return Note(f"{given.capitalize()} adds {rows} and {cols}, filled with {fill}.")


def _grouping(kernel: np.ndarray) -> str | None:
    """"columns" when every kernel column holds one weight (the sheet's kernel), else "rows"
    when every row does, else None."""
    kh, kw = kernel.shape
    if kh > 1 and np.all(kernel == kernel[:1, :]):
        return "columns"
    if kw > 1 and np.all(kernel == kernel[:, :1]):
        return "rows"
    return None


def _products(weights: np.ndarray, patch: np.ndarray) -> Sum:
    """``w·x + w·x + ...`` element by element, kernel rows one after another."""
    terms = tuple(Prod((Num(w), Num(v))) for w, v in zip(weights.ravel(), patch.ravel()))
    return Sum(terms, row_length=weights.shape[1])


def _grouped(weights: np.ndarray, patch: np.ndarray, by: str) -> Sum:
    """``w·(x+x+x) + ...``: one weight per kernel column (or row) times that part's sum."""
    if by == "rows":
        weights, patch = weights.T, patch.T
    return Sum(tuple(Prod((Num(weights[0, j]), Paren(Sum(_nums(patch[:, j]), compact=True))))
                     for j in range(weights.shape[1])))


def _patch(xp, window, m, n) -> np.ndarray:
    """The entries of the padded input that kernel offsets (i, j) read for output (m, n)."""
    (kh, kw), (sh, sw), (dh, dw) = window.kernel, window.stride, window.dilation
    return xp[m * sh:m * sh + dh * (kh - 1) + 1:dh, n * sw:n * sw + dw * (kw - 1) + 1:dw]


def _shape(array) -> str:
    return "x".join(str(v) for v in array.shape)
