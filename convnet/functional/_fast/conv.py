"""The fast engine's convolution entry points: check, borrow work memory, compute, keep a record.

Same names, signatures and results as :mod:`convnet.functional.conv`; the
docstrings there say what each computes.

A student's script calls ``conv2d(x, w)`` and then ``conv2d_backward(dz, x,
w)`` without a record.  Gathering ``x`` again costs ``kh*kw`` times the size
of ``x``; so each thread remembers its last forward's gather together with a
copy of ``x``, and a backward on the same geometry whose ``x`` holds the same
bits (compared in full: one pass over ``x`` and its copy) takes it instead
of gathering again.  Any other backward gathers as usual.

A depthwise convolution (one input map per group) takes the taps of
:mod:`.depthwise` instead of a gather; a ``padding_mode`` other than zeros
pads x with copies first (:mod:`.padding`) and folds the gradient back.
"""

from __future__ import annotations

import threading

import numpy as np

from ..._checks import Saved, saved_contents
from ..._checks_conv import conv_args, conv_backward_args, conv_key, single_args
from ..._inference import inferring
from .conv_backward import conv2d_backward_gathered
from .conv_forward import Gathered, conv2d_forward, forward_method, gather_input
from .depthwise import depthwise_backward, depthwise_forward, is_depthwise, pad_maps
from .input_gradient import input_gradient_method
from .memory import Scratch
from .padding import fold, padded_copies

__all__ = ["conv2d", "conv2d_backward", "correlate2d", "convolve2d", "forget_last_gather"]

ENGINE = "fast"

_last = threading.local()       # .entry: (key, copy of x, Gathered) of this thread's last forward


def forget_last_gather() -> None:
    """Give back the gather this thread remembers (see the module docstring)."""
    entry = _last.__dict__.pop("entry", None)
    if entry is not None:
        entry[2].release()


def _keep(gathered, scratch: Scratch) -> None:
    """Hand the record's buffer from this call's scratch over to the record (if scratch lent it)."""
    if scratch.lent(gathered.buffer):
        gathered.lease = scratch.keep(gathered.buffer)


def _remember(x, key, gathered: Gathered, scratch: Scratch) -> None:
    forget_last_gather()
    if gathered.cols.size >= 2 * x.size:          # worth a copy of x only if gathering costs more
        _keep(gathered, scratch)
        _last.entry = (key, x.copy(), gathered)


def _remembered(x, key):
    """The last forward's gather if it was made from these very bits of ``x``, else None."""
    entry = _last.__dict__.pop("entry", None)
    if entry is None:
        return None
    same = entry[0] == key and np.array_equal(_bits(entry[1]), _bits(np.ascontiguousarray(x)))
    if not same:
        entry[2].release()
        return None
    return entry[2]


def _bits(a: np.ndarray) -> np.ndarray:
    """The bytes of the contiguous ``a``, as wide unsigned words (a quick bitwise comparison)."""
    flat = a.reshape(-1)
    return flat.view(np.uint64) if flat.nbytes % 8 == 0 else flat.view(np.uint8)


def _ways(x_shape, w_shape, window, input_gradient: bool) -> set:
    """The ways this engine may compute for these shapes, for the memory budget.

    The forward's by kernel rows (stride 1); dA's by what
    ``input_gradient_method`` picks with and without wide rows (the plain
    scatter, taken with an inf weight, makes nothing larger than the
    gathered input).  Which one runs also depends on the data (inf or NaN), so every
    candidate counts (``convnet._checks_conv.conv_arrays``).  A depthwise
    convolution takes the taps (:mod:`.depthwise`).
    """
    stride_one = window.stride == (1, 1)
    if is_depthwise(w_shape, window):
        return {"taps"}
    found = {forward_method(w_shape, window, True)} if stride_one else set()
    methods = {input_gradient_method(w_shape, x_shape, window, wide)
               for wide in {stride_one, False}}
    if input_gradient:
        found |= methods
    elif "kernel rows" in methods:        # dLW then goes by kernel rows all the same
        found.add("kernel rows")
    return found


def _read_input(x, window, scratch: Scratch):
    """``(x, window)`` as the convolution reads them: padded with copies first unless zeros."""
    if window.padding_mode == "zeros":
        return x, window
    return padded_copies(x, window.pads, window.padding_mode, scratch), window.on_padded_input()


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, *, padding_mode="zeros",
           return_saved=False):
    """Eq. 8.20-8.21 as one gather and one product (:mod:`.conv_forward`), or depthwise taps."""
    x, w, b, window = conv_args(x, w, b, stride, padding, dilation, groups, padding_mode,
                                return_saved, _ways)
    key = conv_key(x, w, window)
    with Scratch() as scratch:
        source, inner = _read_input(x, window, scratch)
        forward = depthwise_forward if is_depthwise(w.shape, inner) else conv2d_forward
        z, gathered = forward(source, w, b, inner, scratch)
        if not return_saved:
            if not inferring():         # in inference no backward follows
                _remember(x, (key, x.dtype.str), gathered, scratch)
            return z
        _keep(gathered, scratch)        # the record holds the gather
    return z, Saved(ENGINE, "conv2d", key, gathered)


def conv2d_backward(dz, x, w, stride=1, padding=0, dilation=1, bias="tied", groups=1, *,
                    padding_mode="zeros", saved=None, input_gradient=True):
    """dA, dLW, db (Eq. 8.45, 8.48, 8.36) from the forward's gather, or from gathering x again."""
    dz, x, w, window = conv_backward_args(dz, x, w, stride, padding, dilation, bias, groups,
                                          padding_mode, input_gradient, _ways)
    key = conv_key(x, w, window)
    gathered = None
    if saved is not None:
        gathered = saved_contents(saved, "conv2d", ENGINE, key)
        if gathered.cols.dtype != x.dtype:    # made in another dtype: gather again
            gathered.release()
            gathered = None
    else:
        gathered = _remembered(x, (key, x.dtype.str))
    (top, bottom), (left, right) = window.pads
    inner, source_shape = window, x.shape
    if window.padding_mode != "zeros":
        inner = window.on_padded_input()
        source_shape = (*x.shape[:2], x.shape[2] + top + bottom, x.shape[3] + left + right)
    depthwise = is_depthwise(w.shape, inner)
    with Scratch() as scratch:
        if gathered is None:
            source, _ = _read_input(x, window, scratch)
            gathered = (pad_maps(source, inner, scratch) if depthwise else
                        gather_input(source, inner, scratch, bias == "tied" and inner.groups == 1,
                                     w.shape))
        backward = depthwise_backward if depthwise else conv2d_backward_gathered
        try:
            dx, dw, db = backward(dz, gathered, w, source_shape, inner, bias, scratch,
                                  input_gradient)
        finally:
            gathered.release()
    if dx is not None and window.padding_mode != "zeros":
        dx = fold(dx, x.shape, window.pads, window.padding_mode)     # Eq. P.2
    return dx, dw, db


def correlate2d(x, k, padding="valid", stride=1, dilation=1):
    """Eq. 8.9 / 8.13 for one image: :func:`conv2d` with N = C = F = 1."""
    x, k, window = single_args(x, k, padding, stride, dilation)
    with Scratch() as scratch:
        z, _ = conv2d_forward(x[None, None], k[None, None], None, window, scratch)
    return np.ascontiguousarray(z[0, 0])


def convolve2d(x, k, padding="valid", stride=1, dilation=1):
    """Eq. 8.8: the correlation with the kernel rotated by 180 degrees (P8.1)."""
    x, k, window = single_args(x, k, padding, stride, dilation)
    flipped = np.ascontiguousarray(k[::-1, ::-1])[None, None]      # rot180, Eq. 8.8 vs 8.9
    with Scratch() as scratch:
        z, _ = conv2d_forward(x[None, None], flipped, None, window, scratch)
    return np.ascontiguousarray(z[0, 0])
