"""Argument checks of the functional operations, shared by the three engines, and the saved record.

The convolutions' and padding's checks are in :mod:`convnet._checks_conv`.
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
from .window import Window, pool_window

__all__ = ["Saved", "saved_contents", "common_dtype", "pool_args", "pool_backward_args",
           "pool_key", "avg_options", "avg_key", "pool_arrays", "area", "itemsize", "kernel_arg",
           "elementwise_arg",
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
    """``(x shape, w shape or kernel, Window, ...)`` in words, for an error message."""
    x_shape, kernel, window = key[:3]
    if not isinstance(window, Window):     # adaptive pooling, upsampling: (x, output size, rule)
        return f"x {x_shape}, output {kernel[0]}x{kernel[1]}"
    text = (f"x {x_shape}, kernel {kernel}, stride {window.stride}, padding {window.pads}, "
            f"dilation {window.dilation}")
    if window.groups != 1:
        text += f", groups {window.groups}"
    if window.padding_mode != "zeros":
        text += f", padding_mode {window.padding_mode!r}"
    return text + "".join(f", {part}" for part in key[3:])


def common_dtype(*arrays):
    """The arrays (None passes through) converted to their common float dtype."""
    dtypes = {a.dtype for a in arrays if a is not None}
    if len(dtypes) == 1:                                   # the common case: nothing to convert
        return arrays
    dtype = np.result_type(*[a for a in arrays if a is not None])
    return tuple(None if a is None else a.astype(dtype, copy=False) for a in arrays)


# -- the memory budget (convnet._budget): the largest arrays each operation makes ----------
#
# Each helper lists, as (argument a message names, the array in words, bytes in the
# arrays' dtype), the large arrays any engine makes for the call: the check runs before
# any of them is made.  Small arrays (kernels, biases, index vectors) are not counted.

def area(x_shape, window) -> tuple:
    """``(H*W, Hp*Wp)``: the input's area without and with the padding."""
    (top, bottom), (left, right) = window.reach()        # pooling's ceil_mode may reach further
    h, w = x_shape[-2:]
    return h * w, (h + top + bottom) * (w + left + right)


def itemsize(*arrays) -> int:
    """The item size of the arrays' common dtype (float32 or float64), before converting."""
    return max(a.dtype.itemsize for a in arrays if a is not None)


def pool_arrays(x_shape, window, itemsize: int, winners: bool = False) -> list:
    """The large arrays of a pooling pass, forward or backward, in any engine.

    Counted: the padded input (N x C x Hp x Wp, padded with -inf or zeros;
    the input gradient is that large before it is cropped) and the output
    (N x C x Ho x Wo; the window sums of ``pool_weight_gradient``); with
    ``winners`` (max pooling's backward pass, and its saved record in the
    plain engine) the position of each window's maximum, int64.
    """
    n, c = x_shape[:2]
    padded, outputs = n * c * area(x_shape, window)[1], n * c * window.out[0] * window.out[1]
    arrays = [("x", "the padded input (N x C x Hp x Wp)", padded * itemsize),
              ("x", "the output (N x C x Ho x Wo)", outputs * itemsize)]
    if winners:
        arrays.append(("x", "the position of each window's maximum (N x C x Ho x Wo, int64)",
                       outputs * 8))
    return arrays


def pool_args(x, kernel_size, stride, padding, ceil_mode=False, return_saved=False,
              name: str = "", dilation=1):
    """``(x, window)`` for a pooling forward pass (``name``: "max_pool2d" for max pooling)."""
    boolean(return_saved, "return_saved")
    x = real_array(x, "x", ndim=4)
    window = pool_window(x.shape[2:], kernel_size, stride, padding, ceil_mode, dilation)
    winners = return_saved and name == "max_pool2d"
    refuse_beyond_budget(pool_arrays(x.shape, window, x.dtype.itemsize, winners),
                         area(x.shape, window))
    return x, window


def pool_backward_args(dz, x, kernel_size, stride, padding, name: str, ceil_mode=False,
                       dilation=1):
    """``(dz, x, window)`` for a pooling backward pass, dz and x of one dtype."""
    x = real_array(x, "x", ndim=4)
    window = pool_window(x.shape[2:], kernel_size, stride, padding, ceil_mode, dilation)
    dz = real_array(dz, "dz", ndim=4, layout="(N, C, Ho, Wo)")
    refuse_beyond_budget(pool_arrays(x.shape, window, itemsize(dz, x), name == "max_pool2d"),
                         area(x.shape, window))
    same_shape(dz, "dz", (*x.shape[:2], *window.out), f"the output of {name}(x, ...)")
    return (*common_dtype(dz, x), window)


def pool_key(x, window, *options) -> tuple:
    """What a pooling record is valid for; ``options`` in words (average pooling's divisor)."""
    return (x.shape, window.kernel, window, *options)


def avg_options(count_include_pad, divisor_override) -> tuple:
    """``(count_include_pad, divisor_override)`` of average pooling, checked as PyTorch does.

    ``divisor_override`` is None or a positive integer (PyTorch refuses 0).
    """
    boolean(count_include_pad, "count_include_pad")
    if divisor_override is not None:
        divisor_override = integer(divisor_override, "divisor_override", minimum=1)
    return count_include_pad, divisor_override


def avg_key(x, window, count_include_pad, divisor_override) -> tuple:
    """What an average pooling record is valid for (:func:`pool_key` with the divisor's options)."""
    if count_include_pad and divisor_override is None:
        return pool_key(x, window)
    return pool_key(x, window, f"count_include_pad={count_include_pad}",
                    f"divisor_override={divisor_override}")


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
                           x.shape[0] * w.shape[0] * itemsize(x, w, b))])
    return common_dtype(x, w, b)


def linear_backward_args(dz, x, w, bias, input_gradient):
    """``(dz, x, w)`` for linear_backward, of one dtype."""
    x, w = _linear_pair(x, w)
    dz = real_array(dz, "dz", ndim=2, layout="(N, out_features)")
    same_shape(dz, "dz", (x.shape[0], w.shape[0]), "the output of linear(x, w)")
    boolean(bias, "bias")
    boolean(input_gradient, "input_gradient")
    return common_dtype(dz, x, w)
