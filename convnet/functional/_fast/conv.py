"""The fast engine's convolution entry points: check, borrow work memory, compute, keep a record.

Same names, signatures and results as :mod:`convnet.functional.conv`; the
docstrings there say what each computes.

A student's script calls ``conv2d(x, w)`` and then ``conv2d_backward(dz, x,
w)`` without a record.  Gathering ``x`` again costs ``kh*kw`` times the size
of ``x``; so each thread remembers its last forward's gather together with a
copy of ``x``, and a backward on the same geometry whose ``x`` holds the same
bits (compared in full: one pass over ``x`` and its copy) takes it instead
of gathering again.  Any other backward gathers as usual.
"""

from __future__ import annotations

import threading

import numpy as np

from ..._checks import (Saved, conv_args, conv_backward_args, conv_key, saved_contents,
                       single_args)
from ..._inference import inferring
from .conv_backward import conv2d_backward_gathered
from .conv_forward import Gathered, conv2d_forward, forward_method, gather_input
from .input_gradient import input_gradient_method
from .memory import Scratch

__all__ = ["conv2d", "conv2d_backward", "correlate2d", "convolve2d", "forget_last_gather"]

ENGINE = "fast"

_last = threading.local()       # .entry: (key, copy of x, Gathered) of this thread's last forward


def forget_last_gather() -> None:
    """Give back the gather this thread remembers (see the module docstring)."""
    entry = _last.__dict__.pop("entry", None)
    if entry is not None:
        entry[2].release()


def _remember(x, key, gathered: Gathered, scratch: Scratch) -> None:
    forget_last_gather()
    if gathered.cols.size >= 2 * x.size:          # worth a copy of x only if gathering costs more
        gathered.lease = scratch.keep(gathered.buffer)
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
    candidate counts (``convnet._checks.conv_arrays``).
    """
    stride_one = window.stride == (1, 1)
    found = {forward_method(w_shape, window, True)} if stride_one else set()
    methods = {input_gradient_method(w_shape, x_shape, window, wide)
               for wide in {stride_one, False}}
    if input_gradient:
        found |= methods
    elif "kernel rows" in methods:        # dLW then goes by kernel rows all the same
        found.add("kernel rows")
    return found


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, *, return_saved=False):
    """Eq. 8.20-8.21 as one gather and one product (:mod:`.conv_forward`)."""
    x, w, b, window = conv_args(x, w, b, stride, padding, dilation, return_saved, _ways)
    with Scratch() as scratch:
        z, gathered = conv2d_forward(x, w, b, window, scratch)
        if not return_saved:
            if not inferring():         # in inference no backward follows
                _remember(x, (conv_key(x, w, window), x.dtype.str), gathered, scratch)
            return z
        gathered.lease = scratch.keep(gathered.buffer)     # the record holds the gather
    return z, Saved(ENGINE, "conv2d", conv_key(x, w, window), gathered)


def conv2d_backward(dz, x, w, stride=1, padding=0, dilation=1, bias="tied", *, saved=None,
                    input_gradient=True):
    """dA, dLW, db (Eq. 8.45, 8.48, 8.36) from the forward's gather, or from gathering x again."""
    dz, x, w, window = conv_backward_args(dz, x, w, stride, padding, dilation, bias,
                                          input_gradient, _ways)
    gathered = None
    if saved is not None:
        gathered = saved_contents(saved, "conv2d", ENGINE, conv_key(x, w, window))
        if gathered.cols.dtype != x.dtype:    # made in another dtype: gather again
            gathered.release()
            gathered = None
    else:
        gathered = _remembered(x, (conv_key(x, w, window), x.dtype.str))
    with Scratch() as scratch:
        if gathered is None:
            gathered = gather_input(x, window, scratch, bias == "tied", w.shape)
        try:
            return conv2d_backward_gathered(dz, gathered, w, x.shape, window, bias, scratch,
                                            input_gradient)
        finally:
            gathered.release()


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
