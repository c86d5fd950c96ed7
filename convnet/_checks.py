"""Argument checks of the functional operations, shared by the three engines, and the saved record.

Each engine's public function calls one of these first and then trusts what
it gets back: arrays of one float dtype and the normalised geometry
(:class:`convnet.window.Window`).  So the three engines accept and refuse
exactly the same arguments with the same messages, while what they compute
shares nothing but the integer arithmetic of :mod:`convnet.geometry`.
"""

from __future__ import annotations

import threading

import numpy as np

from ._budget import refuse_beyond_budget
from ._validate import boolean, fail, integer, real_array, real_number, same_shape
from .geometry import normalize_padding
from .window import Window, conv_window, pool_window

__all__ = ["Saved", "saved_contents", "common_dtype", "conv_args",
           "conv_backward_args", "conv_key", "single_args", "pool_args", "pool_backward_args",
           "pool_key", "pad_args", "conv_arrays", "pool_arrays", "kernel_arg", "elementwise_arg",
           "elementwise_pair", "slope_arg", "axis_arg", "softmax_arg", "jacobian_arg",
           "net_input_args", "net_input_backward_args",
           "linear_args", "linear_backward_args", "BIAS_MODES"]

BIAS_MODES = ("tied", "untied", None)
_TAKING = threading.Lock()          # a record is used up once, whatever the threads do


class Saved:
    """What a forward pass kept for its backward: pass it on unchanged.

    Returned by a forward function called with ``return_saved=True`` and
    given to the matching backward as ``saved=``, so that the backward need
    not compute again what the forward already had (the gathered input of a
    convolution, the winners of max pooling).  Its contents belong to the
    engine that made it; the backward runs in that engine.  A record serves
    one backward, and the arrays given to and returned by the forward must
    not change in between (as with any automatic differentiation).
    """

    __slots__ = ("engine", "operation", "key", "_contents")

    def __init__(self, engine: str, operation: str, key: tuple, contents):
        self.engine, self.operation, self.key = engine, operation, key
        self._contents = contents

    def __repr__(self) -> str:
        state = "used" if self._contents is None else "unused"
        return f"<Saved by the {self.engine} engine's {self.operation}, {state}>"

    def __getstate__(self):
        raise TypeError("a Saved record holds work memory and cannot be pickled or copied; "
                        "run the forward pass again instead")

    def take(self):
        """The engine's contents, once; a second call raises ValueError."""
        with _TAKING:
            contents, self._contents = self._contents, None
        if contents is None:
            raise ValueError(f"saved was already used by a backward pass ({self.operation}); "
                             "each forward pass serves one backward: run the forward again")
        return contents


def saved_contents(saved, operation: str, engine: str, key: tuple, describe=None):
    """Check that ``saved`` comes from ``operation`` on the same arguments; return its contents.

    ``describe(key)`` puts a key in words for the message (default: a window operation's).
    """
    if not isinstance(saved, Saved):
        fail("saved", f"the record returned by {operation}(..., return_saved=True)", saved,
             error=TypeError)
    if saved.operation != operation or saved.engine != engine:
        fail("saved", f"a record of {operation} (made by the {engine} engine)", saved,
             given=f"a record of {saved.operation} made by the {saved.engine} engine")
    if saved.key != key:
        describe = describe or _describe
        fail("saved", f"the record of a forward pass on these arguments ({describe(key)})",
             saved, given=f"one made for {describe(saved.key)}")
    return saved.take()


def _describe(key) -> str:
    """``(x shape, w shape or kernel, Window)`` in words, for an error message."""
    x_shape, kernel, window = key
    if not isinstance(window, Window):     # adaptive pooling, upsampling: (x, output size, rule)
        return f"x {x_shape}, output {kernel[0]}x{kernel[1]}"
    return (f"x {x_shape}, kernel {kernel}, stride {window.stride}, padding {window.pads}, "
            f"dilation {window.dilation}")


def common_dtype(*arrays):
    """The arrays (None passes through) converted to their common float dtype."""
    dtypes = {a.dtype for a in arrays if a is not None}
    if len(dtypes) == 1:                                   # the common case: nothing to convert
        return arrays
    dtype = np.result_type(*[a for a in arrays if a is not None])
    return tuple(None if a is None else a.astype(dtype, copy=False) for a in arrays)


def _conv_pair(x, w, stride, padding, dilation):
    """``(x, w, window)``: x (N, C, H, W) and w (F, C, kh, kw) with matching channels."""
    x = real_array(x, "x", ndim=4)
    w = real_array(w, "w", ndim=4, layout="(F, C, kh, kw)")
    if w.shape[1] != x.shape[1]:
        fail("w", f"of shape (F, {x.shape[1]}, kh, kw) to match the {x.shape[1]} input "
             f"channel(s) of x {x.shape}", w, given=f"shape {w.shape}")
    return x, w, conv_window(x.shape[2:], w.shape[2:], stride, padding, dilation)


# -- the memory budget (convnet._budget): the largest arrays each operation makes ----------
#
# Each helper lists, as (argument a message names, the array in words, bytes in the
# arrays' dtype), the large arrays any engine makes for the call: the check runs before
# any of them is made.  Small arrays (kernels, biases, index vectors) are not counted.

def _area(x_shape, window) -> tuple:
    """``(H*W, Hp*Wp)``: the input's area without and with the padding."""
    (top, bottom), (left, right) = window.pads
    h, w = x_shape[-2:]
    return h * w, (h + top + bottom) * (w + left + right)


def conv_arrays(x_shape, w_shape, window, itemsize: int, ways=()) -> list:
    """The large arrays of a convolution or its backward pass, in any engine.

    Always counted: the padded input (N x C x Hp x Wp: the plain and fast
    engines pad a copy, and the input gradient is that large before it is
    cropped), the gathered input (im2col, C*kh*kw rows over N*Ho*W' columns,
    W' the padded width Wp at stride 1, where the fast engine gathers wide
    rows, else Wo; the scatter's column gradients are as large) and the
    output (F rows over as many columns; the sensitivities' matrix in a
    backward pass).  The reference engine makes only the output.  ``ways``
    adds the arrays of the other ways an engine may take:

    * ``"kernel rows"`` (fast, stride 1): F*kw rows over N*Ho*Wp;
    * ``"gather"`` (fast, dA as a full correlation whose padding is cut to
      the input): F*kh*kw rows over N*H*Wz, ``Wz = W + d*(kw-1)``, and dA
      with C rows over as many columns;
    * ``"full correlation"`` (plain, dA of Eq. 8.45 as printed): the arrays
      of that convolution of the spread-out sensitivities (N, F, Hs, Ws) with
      the flipped kernels, padded by ``d*(k-1)`` (:func:`_full_correlation`).
    """
    (n, c, h, w), (f, _, kh, kw), (ho, wo) = x_shape, w_shape, window.out
    hp, wp = h + sum(window.pads[0]), w + sum(window.pads[1])
    columns = n * ho * (wp if window.stride == (1, 1) else wo)
    skip = " (input_gradient=False skips it)"
    arrays = [("x", "the padded input (N x C x Hp x Wp)", n * c * hp * wp * itemsize),
              ("x", "the gathered input (C*kh*kw x N*Ho*Wo)", c * kh * kw * columns * itemsize),
              ("w", "the output (N x F x Ho x Wo)", f * columns * itemsize)]
    if "kernel rows" in ways:
        arrays.append(("w", "the products by kernel column (F*kw x N*Ho*Wp)",
                       f * kw * n * ho * wp * itemsize))
    if "gather" in ways:
        pixels = n * h * (w + window.dilation[1] * (kw - 1)) * itemsize
        arrays += [("x", "the gathered sensitivities (F*kh*kw x N*H*Wz)" + skip,
                    f * kh * kw * pixels),
                   ("x", "the input gradient (C x N*H*Wz)" + skip, c * pixels)]
    if "full correlation" in ways:
        arrays += [("x", f"{what.split(' (')[0]} of the input gradient's full correlation{skip}",
                    size)
                   for _, what, size in _full_correlation(x_shape, w_shape, window, itemsize)]
    return arrays


def _full_correlation(x_shape, w_shape, window, itemsize: int) -> list:
    """The arrays of the plain engine's dA: conv2d(spread dz, rot180(w), padding="full")."""
    (n, c), (f, _, kh, kw), (ho, wo), (sh, sw) = x_shape[:2], w_shape, window.out, window.stride
    spread = (n, f, (ho - 1) * sh + 1, (wo - 1) * sw + 1)
    full = conv_window(spread[2:], (kh, kw), 1, "full", window.dilation)
    return conv_arrays(spread, (c, f, kh, kw), full, itemsize)


_ESTIMATES: dict = {}       # the arrays of shapes already seen: a layer's calls repeat them


def _itemsize(*arrays) -> int:
    """The item size of the arrays' common dtype (float32 or float64), before converting."""
    return max(a.dtype.itemsize for a in arrays if a is not None)


def _conv_budget(x, w, window, itemsize: int, ways, input_gradient: bool) -> None:
    """Refuse a convolution whose arrays (:func:`conv_arrays`) exceed the memory budget."""
    key = (x.shape, w.shape, window, itemsize, ways, input_gradient)
    arrays = _ESTIMATES.get(key)
    if arrays is None:
        named = () if ways is None else ways(x.shape, w.shape, window, input_gradient)
        arrays = conv_arrays(x.shape, w.shape, window, itemsize, named)
        if len(_ESTIMATES) >= 256:
            _ESTIMATES.clear()
        _ESTIMATES[key] = arrays
    refuse_beyond_budget(arrays, _area(x.shape, window))


def pool_arrays(x_shape, window, itemsize: int, winners: bool = False) -> list:
    """The large arrays of a pooling pass, forward or backward, in any engine.

    Counted: the padded input (N x C x Hp x Wp, padded with -inf or zeros;
    the input gradient is that large before it is cropped) and the output
    (N x C x Ho x Wo; the window sums of ``pool_weight_gradient``); with
    ``winners`` (max pooling's backward pass, and its saved record in the
    plain engine) the position of each window's maximum, int64.
    """
    n, c = x_shape[:2]
    padded, outputs = n * c * _area(x_shape, window)[1], n * c * window.out[0] * window.out[1]
    arrays = [("x", "the padded input (N x C x Hp x Wp)", padded * itemsize),
              ("x", "the output (N x C x Ho x Wo)", outputs * itemsize)]
    if winners:
        arrays.append(("x", "the position of each window's maximum (N x C x Ho x Wo, int64)",
                       outputs * 8))
    return arrays


def conv_args(x, w, b, stride, padding, dilation, return_saved=False, ways=None):
    """``(x, w, b, window)`` for conv2d: arrays of one dtype, b None, (F,) or (F, Ho, Wo).

    ``ways(x_shape, w_shape, window, input_gradient)``, if given, names the
    other ways the engine may compute (see :func:`conv_arrays`); what they
    make counts against the memory budget too.
    """
    boolean(return_saved, "return_saved")
    x, w, window = _conv_pair(x, w, stride, padding, dilation)
    if b is not None:
        b = real_array(b, "b", ndim=(1, 3), layout="(F,) or (F, Ho, Wo)")
    _conv_budget(x, w, window, _itemsize(x, w, b), ways, False)
    f = w.shape[0]
    if b is not None and b.shape not in ((f,), (f, *window.out)):
        fail("b", f"of shape ({f},) for a tied bias or {(f, *window.out)} for an untied bias",
             b, given=f"shape {b.shape}")
    x, w, b = common_dtype(x, w, b)
    return x, w, b, window


def conv_backward_args(dz, x, w, stride, padding, dilation, bias, input_gradient, ways=None):
    """``(dz, x, w, window)`` for conv2d_backward, all of one dtype (``ways`` as for conv_args)."""
    x, w, window = _conv_pair(x, w, stride, padding, dilation)
    if bias not in BIAS_MODES:
        fail("bias", "one of 'tied', 'untied', None", bias,
             error=TypeError if not isinstance(bias, str) else ValueError)
    boolean(input_gradient, "input_gradient")
    dz = real_array(dz, "dz", ndim=4, layout="(N, F, Ho, Wo)")
    _conv_budget(x, w, window, _itemsize(dz, x, w), ways, input_gradient)
    same_shape(dz, "dz", (x.shape[0], w.shape[0], *window.out), "the output of conv2d(x, w)")
    dz, x, w = common_dtype(dz, x, w)
    return dz, x, w, window


def conv_key(x, w, window) -> tuple:
    """What a convolution's saved record is valid for (a record of another dtype is not used)."""
    return x.shape, w.shape, window


def single_args(x, k, padding, stride, dilation):
    """``(x, k, window)`` for correlate2d / convolve2d on one image."""
    x = real_array(x, "x", ndim=2)
    k = real_array(k, "k", ndim=2, layout="(rows, cols)")
    window = conv_window(x.shape, k.shape, stride, padding, dilation)
    refuse_beyond_budget(conv_arrays((1, 1, *x.shape), (1, 1, *k.shape), window,
                                     _itemsize(x, k)), _area(x.shape, window))
    x, k = common_dtype(x, k)
    return x, k, window


def pool_args(x, kernel_size, stride, padding, return_saved=False, name: str = ""):
    """``(x, window)`` for a pooling forward pass (``name``: "max_pool2d" for max pooling)."""
    boolean(return_saved, "return_saved")
    x = real_array(x, "x", ndim=4)
    window = pool_window(x.shape[2:], kernel_size, stride, padding)
    winners = return_saved and name == "max_pool2d"
    refuse_beyond_budget(pool_arrays(x.shape, window, x.dtype.itemsize, winners),
                         _area(x.shape, window))
    return x, window


def pool_backward_args(dz, x, kernel_size, stride, padding, name: str):
    """``(dz, x, window)`` for a pooling backward pass, dz and x of one dtype."""
    x = real_array(x, "x", ndim=4)
    window = pool_window(x.shape[2:], kernel_size, stride, padding)
    dz = real_array(dz, "dz", ndim=4, layout="(N, C, Ho, Wo)")
    refuse_beyond_budget(pool_arrays(x.shape, window, _itemsize(dz, x), name == "max_pool2d"),
                         _area(x.shape, window))
    same_shape(dz, "dz", (*x.shape[:2], *window.out), f"the output of {name}(x, ...)")
    return (*common_dtype(dz, x), window)


def pool_key(x, window) -> tuple:
    """What a pooling record is valid for."""
    return x.shape, window.kernel, window


def pad_args(x, padding, value, kernel_size):
    """``(x, pads, fill)`` for pad2d: the padding normalised, the fill in x's dtype."""
    x = real_array(x, "x", ndim=range(2, 33), layout="(..., H, W)")
    pads = normalize_padding(padding, kernel_size)
    (top, bottom), (left, right) = pads
    (h, w), lead = x.shape[-2:], int(np.prod(x.shape[:-2], dtype=object))
    padded = (h + top + bottom) * (w + left + right)
    refuse_beyond_budget([("x", "the padded array", lead * padded * x.dtype.itemsize)],
                         (h * w, padded))
    fill = x.dtype.type(real_number(value, "value", finite=False))   # -inf pads for max pooling
    return x, pads, fill


def kernel_arg(k):
    """``k`` for rot180: at least two axes, rows and columns last."""
    return real_array(k, "k", ndim=range(2, 33), layout="(..., rows, cols)")


# -- elementwise functions, net inputs and the fully connected layer ------------------

def elementwise_arg(x, name: str = "x"):
    """An array of any shape (empty allowed) for the transfer functions."""
    return real_array(x, name, allow_empty=True)


def elementwise_pair(dz, x):
    """``(dz, x)`` of one shape and dtype: the sensitivity and the net input."""
    x = elementwise_arg(x)
    dz = elementwise_arg(dz, "dz")
    same_shape(dz, "dz", x.shape, "the shape of x")
    return common_dtype(dz, x)


def slope_arg(negative_slope) -> float:
    return real_number(negative_slope, "negative_slope")


def axis_arg(axis, ndim: int) -> int:
    """``axis`` as an int in [-ndim, ndim)."""
    axis = integer(axis, "axis")
    if not -ndim <= axis < ndim:
        fail("axis", f"in [-{ndim}, {ndim - 1}] for an array with {ndim} dimension(s)", axis)
    return axis


def softmax_arg(x, axis):
    """``(x, axis)`` for softmax: at least one axis, classes along ``axis``."""
    x = real_array(x, "x", ndim=range(1, 33), layout="(..., K)")
    return x, axis_arg(axis, x.ndim)


def jacobian_arg(x):
    """``x`` for softmax_derivative, whose (..., K, K) Jacobian must fit the memory budget."""
    x = real_array(x, "x", ndim=range(1, 33), layout="(..., K)")
    refuse_beyond_budget([("x", "the Jacobian (... x K x K)",
                           x.size * x.shape[-1] * x.dtype.itemsize)])
    return x


def net_input_args(lz, b):
    """``(lz, b)`` of one dtype: b tied (F,) or untied (F, Ho, Wo)."""
    lz = real_array(lz, "lz", ndim=4, layout="(N, F, Ho, Wo)")
    b = real_array(b, "b", ndim=(1, 3), layout="(F,) or (F, Ho, Wo)")
    if b.shape not in (lz.shape[1:2], lz.shape[1:]):
        fail("b", f"of shape ({lz.shape[1]},) or {lz.shape[1:]} to match lz {lz.shape}", b,
             given=f"shape {b.shape}")
    return common_dtype(lz, b)


def net_input_backward_args(dn, lz, b):
    """``(dn, lz, b)`` of one dtype, dn of the shape of lz."""
    lz, b = net_input_args(lz, b)
    dn = real_array(dn, "dn", ndim=4, layout="(N, F, Ho, Wo)")
    same_shape(dn, "dn", lz.shape, "the shape of lz")
    return common_dtype(dn, lz, b)


def _linear_pair(x, w):
    x = real_array(x, "x", ndim=2, layout="(N, in_features)")
    w = real_array(w, "w", ndim=2, layout="(out_features, in_features)")
    if w.shape[1] != x.shape[1]:
        fail("w", f"of shape (out_features, {x.shape[1]}) to match x {x.shape}", w,
             given=f"shape {w.shape}")
    return x, w


def linear_args(x, w, b):
    """``(x, w, b)`` for linear, of one dtype; b None or (out_features,)."""
    x, w = _linear_pair(x, w)
    if b is not None:
        b = real_array(b, "b", ndim=1, layout="(out_features,)")
        same_shape(b, "b", (w.shape[0],), "one bias per row of w")
    refuse_beyond_budget([("x", "the output (N x out_features)",
                           x.shape[0] * w.shape[0] * _itemsize(x, w, b))])
    return common_dtype(x, w, b)


def linear_backward_args(dz, x, w, bias, input_gradient):
    """``(dz, x, w)`` for linear_backward, of one dtype."""
    x, w = _linear_pair(x, w)
    dz = real_array(dz, "dz", ndim=2, layout="(N, out_features)")
    same_shape(dz, "dz", (x.shape[0], w.shape[0]), "the output of linear(x, w)")
    boolean(bias, "bias")
    boolean(input_gradient, "input_gradient")
    return common_dtype(dz, x, w)
