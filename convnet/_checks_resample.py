"""Argument checks of adaptive pooling and upsampling, shared by the three engines.

Like :mod:`convnet._checks`: each engine's public function calls one of these
first and then trusts what it gets back (arrays of one float dtype, the
output size).  The index rules both operations follow are here too, for the
plain and fast engines (the loop engine writes them out for itself):

* adaptive pooling: output ``i`` of ``R`` pools rows ``floor(i*S/R)`` to
  ``ceil((i+1)*S/R) - 1`` of ``S`` (PyTorch's rule, Eq. R.1);
* nearest upsampling: output ``p`` reads input ``min(floor(p * step), S - 1)``
  (Eq. R.6), ``step = 1/scale_factor`` when a factor is given and ``S/R``
  when a size is, in float32 arithmetic, as PyTorch computes it.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._budget import refuse_beyond_budget
from ._checks import common_dtype
from ._validate import boolean, fail, integer, one_of, real_array, real_number, same_shape

__all__ = ["UPSAMPLE_MODES", "upsample_options", "upsample_size", "adaptive_size", "adaptive_args",
           "adaptive_backward_args",
           "adaptive_key", "adaptive_bounds", "upsample_args", "upsample_backward_args",
           "upsample_key", "nearest_sources"]

UPSAMPLE_MODES = ("nearest",)


# -- adaptive pooling ------------------------------------------------------------------

def adaptive_size(output_size, input_hw) -> tuple[int, int]:
    """``output_size`` (an int, or a pair of ints or None: the input's size) as (Ho, Wo)."""
    rule = "an integer >= 1 or a pair of them (None in a pair keeps that input size)"
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            fail("output_size", rule, output_size)
        return tuple(size if value is None else _size(value, rule)
                     for value, size in zip(output_size, input_hw))
    if output_size is None:
        fail("output_size", rule, output_size, error=TypeError)
    value = _size(output_size, rule)
    return value, value


def _size(value, rule: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        fail("output_size", rule, value, error=TypeError)
    return integer(value, "output_size", minimum=1)


def _adaptive_budget(x_shape, out, itemsize: int, winners: bool) -> None:
    """Refuse an adaptive pooling whose arrays exceed the memory budget.

    Counted: the output (N x C x Ho x Wo), the input gradient (as large as
    x), the plain engine's windows gathered side by side (N x C x Ho x kh x
    Wo x kw, kh and kw the longest window) and, for max pooling's record and
    backward pass, the position of each window's maximum (int64).
    """
    (n, c, h, w), (oh, ow) = x_shape, out
    kh, kw = _longest(h, oh), _longest(w, ow)
    arrays = [("output_size", "the output (N x C x Ho x Wo)", n * c * oh * ow * itemsize),
              ("x", "the input gradient (N x C x H x W)", n * c * h * w * itemsize),
              ("output_size", "the gathered windows (N x C x Ho x kh x Wo x kw)",
               n * c * oh * kh * ow * kw * itemsize)]
    if winners:
        arrays.append(("output_size", "the position of each window's maximum (N x C x Ho x Wo, "
                       "int64)", n * c * oh * ow * 8))
    refuse_beyond_budget(arrays)


def _longest(size: int, out: int) -> int:
    """The longest adaptive window along an axis: at most ceil(S/R) + 1 pixels."""
    return min(size, -(-size // out) + 1)


def adaptive_args(x, output_size, return_saved=False, name: str = ""):
    """``(x, (Ho, Wo))`` for an adaptive pooling forward pass ("adaptive_max_pool2d": max)."""
    boolean(return_saved, "return_saved")
    x = real_array(x, "x", ndim=4)
    out = adaptive_size(output_size, x.shape[2:])
    _adaptive_budget(x.shape, out, x.dtype.itemsize,
                     return_saved and name == "adaptive_max_pool2d")
    return x, out


def adaptive_backward_args(dz, x, output_size, name: str):
    """``(dz, x, (Ho, Wo))`` for an adaptive pooling backward pass, dz and x of one dtype."""
    x = real_array(x, "x", ndim=4)
    out = adaptive_size(output_size, x.shape[2:])
    dz = real_array(dz, "dz", ndim=4, layout="(N, C, Ho, Wo)")
    _adaptive_budget(x.shape, out, max(dz.dtype.itemsize, x.dtype.itemsize),
                     name == "adaptive_max_pool2d")
    same_shape(dz, "dz", (*x.shape[:2], *out), f"the output of {name}(x, output_size)")
    return (*common_dtype(dz, x), out)


def adaptive_key(x, out) -> tuple:
    """What an adaptive pooling record is valid for."""
    return x.shape, out, "adaptive"


def adaptive_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Eq. R.1: ``(starts, ends)`` of the ``out`` windows over ``size`` pixels (ends exclusive).

    ``start_i = floor(i*S/R)``, ``end_i = ceil((i+1)*S/R)``: every pixel is in
    some window, neighbouring windows overlap by at most one pixel.

    Examples
    --------
    >>> adaptive_bounds(5, 3)
    (array([0, 1, 3]), array([2, 4, 5]))
    """
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


# -- upsampling -------------------------------------------------------------------------

def upsample_options(scale_factor, mode, size) -> tuple:
    """``(scales, size)``: the factors as a float pair (or None), or the size as an int pair."""
    one_of(mode, "mode", UPSAMPLE_MODES)
    if (scale_factor is None) == (size is None):
        fail("scale_factor", "given, or size, but not both", scale_factor,
             given=f"scale_factor={scale_factor!r} and size={size!r}")
    if size is not None:
        rule = "an integer >= 1 or a pair of them"
        if isinstance(size, (tuple, list)):
            if len(size) != 2:
                fail("size", rule, size)
            return None, tuple(integer(v, "size", minimum=1) for v in size)
        return None, (integer(size, "size", minimum=1),) * 2
    if isinstance(scale_factor, (tuple, list)):
        if len(scale_factor) != 2:
            fail("scale_factor", "a number > 0 or a pair of them", scale_factor)
        return tuple(_scale(v) for v in scale_factor), None
    return (_scale(scale_factor),) * 2, None


def upsample_size(x_hw, scales, size) -> tuple[int, int]:
    """The output size (Ho, Wo): ``size``, or ``floor(H * scale)`` as PyTorch computes it."""
    if size is not None:
        return size
    if not all(math.isfinite(n * s) for n, s in zip(x_hw, scales)):
        fail("scale_factor", "small enough for an output size that is a number", scales)
    out = tuple(int(math.floor(n * s)) for n, s in zip(x_hw, scales))   # floor(S * s)
    if min(out) < 1:
        fail("scale_factor", f"large enough for an output of at least 1x1 from {x_hw[0]}x"
             f"{x_hw[1]} (floor(size * scale_factor))", scales,
             given=f"{scales}, an output of {out[0]}x{out[1]}")
    return out


def _upsample_geometry(x_hw, scale_factor, mode, size):
    """``((Ho, Wo), (scale_h, scale_w))``; the scales are None where a size was given."""
    scales, size = upsample_options(scale_factor, mode, size)
    return upsample_size(x_hw, scales, size), scales or (None, None)


def _scale(value) -> float:
    return real_number(value, "scale_factor", minimum=0.0, inclusive=(False, True))


def _upsample_budget(x_shape, out, itemsize: int, name: str) -> None:
    """The output (N x C x Ho x Wo) and the backward pass's rows (N x C x H x Wo).

    ``name`` is the argument that set the output size: scale_factor or size.
    """
    (n, c, h, _), (oh, ow) = x_shape, out
    refuse_beyond_budget([
        (name, "the output (N x C x Ho x Wo)", n * c * oh * ow * itemsize),
        (name, "the input gradient's rows (N x C x H x Wo)", n * c * h * ow * itemsize)])


def upsample_args(x, scale_factor, mode, size, return_saved=False):
    """``(x, (Ho, Wo), scales)`` for an upsampling forward pass."""
    boolean(return_saved, "return_saved")
    x = real_array(x, "x", ndim=4)
    out, scales = _upsample_geometry(x.shape[2:], scale_factor, mode, size)
    _upsample_budget(x.shape, out, x.dtype.itemsize, "size" if size is not None else "scale_factor")
    return x, out, scales


def upsample_backward_args(dz, x, scale_factor, mode, size):
    """``(dz, x, (Ho, Wo), scales)`` for an upsampling backward pass, dz and x of one dtype."""
    x = real_array(x, "x", ndim=4)
    out, scales = _upsample_geometry(x.shape[2:], scale_factor, mode, size)
    dz = real_array(dz, "dz", ndim=4, layout="(N, C, Ho, Wo)")
    _upsample_budget(x.shape, out, max(dz.dtype.itemsize, x.dtype.itemsize),
                     "size" if size is not None else "scale_factor")
    same_shape(dz, "dz", (*x.shape[:2], *out), "the output of upsample2d(x, ...)")
    return (*common_dtype(dz, x), out, scales)


def upsample_key(x, out, scales) -> tuple:
    """What an upsampling record is valid for."""
    return x.shape, out, scales


def nearest_sources(size: int, out: int, scale) -> np.ndarray:
    """Eq. R.6: the input index each of the ``out`` outputs reads, ``min(floor(p*step), S-1)``.

    ``step`` is ``1/scale`` for a given scale factor and ``S/out`` for a
    given size, in float32 as PyTorch computes it (``upsample_nearest2d``);
    like PyTorch, an output as large as the input copies it and one twice
    as large reads ``p // 2`` whatever the factor.

    Examples
    --------
    >>> nearest_sources(5, 8, 1.7)          # 1/1.7, not 5/8: as torch.nn.Upsample(scale_factor=1.7)
    array([0, 0, 1, 1, 2, 2, 3, 4])
    """
    p = np.arange(out)
    if out == size:
        return p
    if out == 2 * size:
        return p // 2
    step = np.float32(1.0 / scale) if scale is not None else np.float32(size) / np.float32(out)
    return np.minimum(np.floor(p.astype(np.float32) * step).astype(np.int64), size - 1)
