"""Argument checks of the convolutions and of padding, shared by the three engines.

``conv2d`` (with ``groups`` and ``padding_mode``), ``conv_transpose2d``,
``pad2d`` and their backward passes, and the single-image correlations: each
engine's public function calls one of these first and then trusts what it
gets back (arrays of one float dtype and the normalised geometry,
:class:`convnet.window.Window`).  The memory budget is checked here too,
before any engine allocates (:func:`conv_arrays`).
"""

from __future__ import annotations

import numpy as np

from ._budget import refuse_beyond_budget
from ._checks import BIAS_MODES, Saved, area, common_dtype, itemsize, saved_contents
from ._validate import boolean, fail, integer, one_of, real_array, real_number, same_shape
from .geometry import normalize_padding
from .window import conv_window, fill_limit, transposed_window

__all__ = ["PAD_MODES", "conv_args", "conv_backward_args", "conv_key", "conv_arrays",
           "single_args", "conv_transpose_args", "conv_transpose_backward_args",
           "conv_transpose_key", "conv_transpose_record", "check_conv_transpose_record",
           "conv_transpose_arrays", "pad_args", "pad_backward_args"]

PAD_MODES = ("constant", "reflect", "replicate", "circular")   # pad2d's, as torch.nn.functional.pad


def _groups(groups, channels: int, maps: int, x_shape, w_shape) -> int:
    """``groups`` as an int that divides the input channels and the output maps (PyTorch's rule)."""
    groups = integer(groups, "groups", minimum=1)
    if channels % groups:
        fail("groups", f"a divisor of the {channels} input channel(s) of x {x_shape}", groups)
    if maps % groups:
        fail("groups", f"a divisor of the {maps} output map(s) of w {w_shape}", groups)
    return groups


def _conv_pair(x, w, stride, padding, dilation, groups, padding_mode):
    """``(x, w, window)``: x (N, C, H, W), w (F, C/groups, kh, kw) with matching channels."""
    x = real_array(x, "x", ndim=4)
    w = real_array(w, "w", ndim=4, layout="(F, C/groups, kh, kw)")
    c = x.shape[1]
    groups = _groups(groups, c, w.shape[0], x.shape, w.shape)
    if w.shape[1] * groups != c:
        split = "" if groups == 1 else f" in {groups} groups of {c // groups}"
        fail("w", f"of shape (F, {c // groups}, kh, kw) to match the {c} input channel(s) of "
             f"x {x.shape}{split}", w, given=f"shape {w.shape}")
    one_of(padding_mode, "padding_mode", ("zeros", "reflect", "replicate", "circular"))
    return x, w, conv_window(x.shape[2:], w.shape[2:], stride, padding, dilation, groups,
                             padding_mode)


# -- the memory budget (convnet._budget): the largest arrays each operation makes ----------

def conv_arrays(x_shape, w_shape, window, itemsize: int, ways=()) -> list:
    """The large arrays of a convolution or its backward pass, in any engine.

    Always counted: the padded input (N x C x Hp x Wp: the plain and fast
    engines pad a copy, with any ``padding_mode``, and the input gradient is
    that large before it is cropped or folded back), the gathered input
    (im2col, C*kh*kw rows over N*Ho*W' columns, W' the padded width Wp at
    stride 1, where the fast engine gathers wide rows, else Wo; the
    scatter's column gradients are as large; a grouped convolution gathers
    as many rows) and the output (F rows over as many columns; the
    sensitivities' matrix in a backward pass).  The reference engine makes
    only the output.  ``ways`` adds the arrays of the other ways an engine
    may take:

    * ``"kernel rows"`` (fast, stride 1): F*kw rows over N*Ho*Wp;
    * ``"gather"`` (fast, dA as a full correlation whose padding is cut to
      the input): F*kh*kw rows over N*H*Wz, ``Wz = W + d*(kw-1)``, and dA
      with C rows over as many columns;
    * ``"full correlation"`` (plain, dA of Eq. 8.45 as printed): the arrays
      of that convolution of the spread-out sensitivities (N, F, Hs, Ws) with
      the flipped kernels, padded by ``d*(k-1)`` (:func:`_full_correlation`);
    * ``"taps"`` (fast, depthwise): the outputs and the sensitivities of the
      wide taps, F rows over the padded maps' N*Hp*Wp;
    * ``"sub-pixel"`` (fast, a transposed convolution's forward pass as a
      stride-1 convolution of its input, of the convolution's output size
      Ho x Wo, with ``qh x qw = kh/sh x kw/sw`` kernels): F*qh*qw rows
      gathered, C*sh*sw*qw rows of products, over N*(Ho + 2qh)*(Wo + 2qw).
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
    if "taps" in ways:
        arrays.append(("w", "the depthwise taps' outputs (F x N*Hp*Wp)",
                       f * n * hp * wp * itemsize))
    if "sub-pixel" in ways:
        (sh, sw), cells = window.stride, n * (ho + 2 * kh) * (wo + 2 * kw) * itemsize
        qh, qw = kh // sh, kw // sw
        arrays += [("x", "the sub-pixel convolution's gathered input (C_in*qh*qw x N*H*W)",
                    f * qh * qw * cells),
                   ("x", "the sub-pixel convolution's products (C_out*sh*sw*qw x N*H*W)",
                    c * sh * sw * qw * cells)]
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


def _conv_budget(x_shape, w_shape, window, size: int, ways, input_gradient: bool,
                 transposed=False) -> None:
    """Refuse a convolution whose arrays (:func:`conv_arrays`) exceed the memory budget.

    ``x_shape`` is the convolution's input: for a transposed convolution
    (``transposed``), the output of the convolution it transposes' input.
    """
    key = (x_shape, w_shape, window, size, ways, input_gradient, transposed)
    arrays = _ESTIMATES.get(key)
    if arrays is None:
        named = () if ways is None else ways(x_shape, w_shape, window, input_gradient)
        arrays = conv_arrays(x_shape, w_shape, window, size, named)
        if transposed:
            arrays = conv_transpose_arrays(arrays)
        if len(_ESTIMATES) >= 256:
            _ESTIMATES.clear()
        _ESTIMATES[key] = arrays
    refuse_beyond_budget(arrays, (1, 1) if transposed else area(x_shape, window))


def conv_transpose_arrays(arrays) -> list:
    """The arrays of a transposed convolution: those of the convolution it transposes.

    Its forward pass is that convolution's input gradient and its backward
    that convolution's forward pass and weight gradient (Eq. T.1-T.3), so it
    makes the same arrays; the convolution's input is the transposed
    convolution's output, which grows with ``x``: every array is ``x``'s.
    """
    return [("x", f"{what} of the convolution it transposes (whose input is this output)",
             size) for _, what, size in arrays]


def conv_args(x, w, b, stride, padding, dilation, groups=1, padding_mode="zeros",
              return_saved=False, ways=None):
    """``(x, w, b, window)`` for conv2d: arrays of one dtype, b None, (F,) or (F, Ho, Wo).

    ``ways(x_shape, w_shape, window, input_gradient)``, if given, names the
    other ways the engine may compute (see :func:`conv_arrays`); what they
    make counts against the memory budget too.
    """
    boolean(return_saved, "return_saved")
    x, w, window = _conv_pair(x, w, stride, padding, dilation, groups, padding_mode)
    if b is not None:
        b = real_array(b, "b", ndim=(1, 3), layout="(F,) or (F, Ho, Wo)")
    _conv_budget(x.shape, w.shape, window, itemsize(x, w, b), ways, False)
    f = w.shape[0]
    if b is not None and b.shape not in ((f,), (f, *window.out)):
        fail("b", f"of shape ({f},) for a tied bias or {(f, *window.out)} for an untied bias",
             b, given=f"shape {b.shape}")
    x, w, b = common_dtype(x, w, b)
    return x, w, b, window


def conv_backward_args(dz, x, w, stride, padding, dilation, bias, groups, padding_mode,
                       input_gradient, ways=None):
    """``(dz, x, w, window)`` for conv2d_backward, all of one dtype (``ways`` as for conv_args)."""
    x, w, window = _conv_pair(x, w, stride, padding, dilation, groups, padding_mode)
    if bias not in BIAS_MODES:
        fail("bias", "one of 'tied', 'untied', None", bias,
             error=TypeError if not isinstance(bias, str) else ValueError)
    boolean(input_gradient, "input_gradient")
    dz = real_array(dz, "dz", ndim=4, layout="(N, F, Ho, Wo)")
    _conv_budget(x.shape, w.shape, window, itemsize(dz, x, w), ways, input_gradient)
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
                                     itemsize(x, k)), area(x.shape, window))
    x, k = common_dtype(x, k)
    return x, k, window


# -- the transposed convolution ----------------------------------------------------------

def _transposed(x, w, stride, padding, output_padding, groups, dilation):
    """``(x, w, window, out_shape, extra)``: x (N, C_in, H, W), w (C_in, C_out/groups, kh, kw).

    ``window`` is the geometry of the convolution being transposed, whose
    input is this operation's output, of shape ``out_shape`` (N, C_out,
    Hout, Wout); ``extra`` as :func:`convnet.window.transposed_window` says.
    """
    x = real_array(x, "x", ndim=4)
    w = real_array(w, "w", ndim=4, layout="(C_in, C_out/groups, kh, kw)")
    c = x.shape[1]
    groups = integer(groups, "groups", minimum=1)
    if w.shape[0] != c:
        fail("w", f"of shape ({c}, C_out/groups, kh, kw) to match the {c} input channel(s) "
             f"of x {x.shape}", w, given=f"shape {w.shape}")
    if c % groups:
        fail("groups", f"a divisor of the {c} input channel(s) of x {x.shape}", groups)
    window, out_hw, extra = transposed_window(x.shape[2:], w.shape[2:], stride, padding,
                                              output_padding, dilation, groups)
    return x, w, window, (x.shape[0], w.shape[1] * groups, *out_hw), extra


def conv_transpose_args(x, w, b, stride, padding, output_padding, groups, dilation,
                        return_saved=False, ways=None):
    """``(x, w, b, window, out_shape, extra)`` for conv_transpose2d; b None or (C_out,).

    Arrays of one dtype; the rest as :func:`_transposed` says.  ``ways`` as
    for :func:`conv_args`, for the convolution being transposed.
    """
    boolean(return_saved, "return_saved")
    x, w, window, out_shape, extra = _transposed(x, w, stride, padding, output_padding, groups,
                                                 dilation)
    if b is not None:
        b = real_array(b, "b", ndim=1, layout="(C_out,)")
        same_shape(b, "b", out_shape[1:2], "one bias per output channel, C_out = "
                   "w.shape[1] * groups")
    _conv_budget(out_shape, w.shape, window, itemsize(x, w, b), ways, True, transposed=True)
    x, w, b = common_dtype(x, w, b)
    return x, w, b, window, out_shape, extra


def conv_transpose_backward_args(dz, x, w, stride, padding, output_padding, groups, dilation,
                                 bias, input_gradient, ways=None):
    """``(dz, x, w, window, extra)`` for conv_transpose2d_backward, of one dtype."""
    x, w, window, out_shape, extra = _transposed(x, w, stride, padding, output_padding, groups,
                                                 dilation)
    boolean(bias, "bias")
    boolean(input_gradient, "input_gradient")
    dz = real_array(dz, "dz", ndim=4, layout="(N, C_out, Hout, Wout)")
    _conv_budget(out_shape, w.shape, window, itemsize(dz, x, w), ways, True, transposed=True)
    same_shape(dz, "dz", out_shape, "the output of conv_transpose2d(x, w)")
    dz, x, w = common_dtype(dz, x, w)
    return dz, x, w, window, extra


def conv_transpose_key(x, w, window, extra) -> tuple:
    """What a transposed convolution's record is valid for."""
    return x.shape, w.shape, window, f"output_padding rows beyond the windows {extra}"


def conv_transpose_record(engine: str, x, w, window, extra) -> Saved:
    """The record of a transposed convolution: nothing to keep but what it was made for.

    The backward gathers dz, which the forward never sees; the record lets
    the backward run in the same engine and checks that it is given the same
    arguments, as every other record does.
    """
    return Saved(engine, "conv_transpose2d", conv_transpose_key(x, w, window, extra), ())


def check_conv_transpose_record(saved, engine: str, x, w, window, extra) -> None:
    """Use up ``saved`` (None passes), which must be this engine's record for these arguments."""
    if saved is not None:
        saved_contents(saved, "conv_transpose2d", engine, conv_transpose_key(x, w, window, extra))


# -- padding -------------------------------------------------------------------------------

def _padded_size(x, pads) -> tuple:
    """``(H*W, Hp*Wp, bytes of the padded array)`` for x (..., H, W)."""
    (top, bottom), (left, right) = pads
    (h, w), lead = x.shape[-2:], int(np.prod(x.shape[:-2], dtype=object))
    padded = (h + top + bottom) * (w + left + right)
    return h * w, padded, lead * padded * x.dtype.itemsize


def pad_args(x, padding, value, kernel_size, mode="constant"):
    """``(x, pads, fill, mode)`` for pad2d: the padding normalised, the fill in x's dtype.

    ``mode`` is PyTorch's (``torch.nn.functional.pad``): ``"constant"`` fills
    with ``value``; ``"reflect"``, ``"replicate"`` and ``"circular"`` copy
    the input's own pixels, within :func:`convnet.window.fill_limit`.
    """
    x = real_array(x, "x", ndim=range(2, 33), layout="(..., H, W)")
    pads = normalize_padding(padding, kernel_size)
    one_of(mode, "mode", PAD_MODES)
    fill_limit(x.shape[-2:], pads, "zeros" if mode == "constant" else mode, name="mode")
    unpadded, padded, nbytes = _padded_size(x, pads)
    refuse_beyond_budget([("x", "the padded array", nbytes)], (unpadded, padded))
    fill = x.dtype.type(real_number(value, "value", finite=False))   # -inf pads for max pooling
    if mode != "constant" and fill != 0:
        fail("value", f"0 (the default) with mode={mode!r}: only mode='constant' fills with a "
             "value", value)
    return x, pads, fill, mode


def pad_backward_args(dz, x, padding, mode, kernel_size):
    """``(dz, x, pads, mode)`` for pad2d_backward: dz of the padded shape, of x's dtype."""
    x, pads, _, mode = pad_args(x, padding, 0.0, kernel_size, mode)
    dz = real_array(dz, "dz", ndim=range(2, 33), layout="(..., Hp, Wp)")
    (top, bottom), (left, right) = pads
    *lead, h, w = x.shape
    same_shape(dz, "dz", (*lead, h + top + bottom, w + left + right), "the output of "
               "pad2d(x, padding)")
    dz, x = common_dtype(dz, x)
    return dz, x, pads, mode
