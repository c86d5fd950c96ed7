"""The fast engine's convolution internals: each gather and input-gradient method against the loops.

The fast engine picks, per shape, how to form the forward product (im2col or
kernel rows) and how to compute dA (gather, scatter or kernel rows).  The
public tests (tests/test_engines.py) see only the method the rule picks; here
every method is forced on every configuration, and the rules are checked by
hand counts.
"""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, strategies as st

from convnet import reference
from convnet.functional._fast import conv_forward
from convnet.functional._fast.conv_backward import (conv2d_backward_gathered, sensitivity_matrix,
                                                    wide_sensitivities)
from convnet.functional._fast.conv_forward import (blas_rows, conv2d_forward, forward_method,
                                                   gather_input)
from convnet.functional._fast.input_gradient import (input_gradient_by_kernel_rows,
                                                     input_gradient_gather,
                                                     input_gradient_method,
                                                     input_gradient_scatter)
from convnet.functional._fast.memory import Scratch
from convnet.window import conv_window

from ..strategies import conv_configs, normal

TIGHT = dict(rtol=1e-12, atol=1e-12)
BIAS_KINDS = ["tied", None, "untied"]


def conv_args(cfg):
    return dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])


def _fits_gather(w_shape, window):
    (kh, kw), (dh, dw) = w_shape[2:], window.dilation
    return (max(window.pads[0]) <= dh * (kh - 1)) and (max(window.pads[1]) <= dw * (kw - 1))


@given(conv_configs())
def test_every_input_gradient_method_equals_the_loop_reference(cfg):
    # Gather (Eq. 8.45, any stride via dilation, padding up to d*(k-1)), scatter
    # (col2im) and kernel rows (Eq. 8.45 split by kernel axis, stride 1): each
    # must be right on every configuration it accepts.
    x = normal(cfg["seed"], cfg["x_shape"])
    w = normal(cfg["seed"] + 1, cfg["w_shape"])
    window = conv_window(x.shape[2:], w.shape[2:], **conv_args(cfg))
    dz = normal(cfg["seed"] + 2, (x.shape[0], w.shape[0], *window.out))
    expected = reference.input_gradient_scatter(dz, x, w, **conv_args(cfg))
    with Scratch() as scratch:
        if _fits_gather(w.shape, window):
            np.testing.assert_allclose(input_gradient_gather(dz, w, x.shape, window, scratch),
                                       expected, **TIGHT)
        for wide in ((False, True) if window.stride == (1, 1) else (False,)):
            dz2 = wide_sensitivities(dz, window, scratch)[0] if wide else sensitivity_matrix(dz)
            np.testing.assert_allclose(
                input_gradient_scatter(dz2, w, x.shape, window, scratch, wide=wide), expected,
                **TIGHT)
        if window.stride == (1, 1):
            dz2, guarded = wide_sensitivities(dz, window, scratch)
            np.testing.assert_allclose(
                input_gradient_by_kernel_rows(dz2, guarded, w, x.shape, window, scratch),
                expected, **TIGHT)


@pytest.mark.parametrize("w_shape, x_shape, padding, expected", [
    ((16, 6, 5, 5), (64, 6, 14, 14), 0, "kernel rows"),   # LeNet's second layer (case b)
    ((32, 32, 3, 3), (64, 32, 32, 32), 1, "kernel rows"), # as many maps out as in (case c)
    ((8, 64, 3, 3), (64, 64, 16, 16), 1, "gather"),       # many maps narrowed into few
    ((32, 4, 3, 3), (64, 4, 16, 16), 1, "scatter"),       # few maps widened into many
    ((8, 64, 3, 3), (64, 64, 16, 16), 3, "kernel rows"),  # padding beyond d*(k-1): no gather
])
def test_input_gradient_rule_by_numbers_moved(w_shape, x_shape, padding, expected):
    # Hand count for case b (outputs = N*Ho*Wp = 64*10*14, inputs = N*H*(W+4) = 64*14*18):
    # gather (2*16*25 + 6) * 16128, scatter 4*6*25 * 8960, rows (2*16*5 + 4*6*5) * 8960.
    window = conv_window(x_shape[2:], w_shape[2:], 1, padding)
    assert input_gradient_method(w_shape, x_shape, window) == expected


def test_strided_layers_never_pick_kernel_rows():
    window = conv_window((64, 64), (3, 3), 2, 1)       # case d
    assert input_gradient_method((16, 3, 3, 3), (32, 3, 64, 64), window, wide=False) == "scatter"


def test_the_ones_row_follows_the_columns_only_with_a_tied_bias():
    x = normal(0, (2, 3, 6, 6))
    window = conv_window((6, 6), (3, 3), 1, 1)
    with Scratch() as scratch:
        gathered = gather_input(x, window, scratch, True, (64, 3, 3, 3))     # im2col: 27 rows
        matrix = gathered.with_ones()
        np.testing.assert_array_equal(matrix[:-1], gathered.cols.reshape(27, -1))
        np.testing.assert_array_equal(matrix[-1], 1.0)
    with Scratch() as scratch:
        assert gather_input(x, window, scratch, False, (4, 3, 3, 3)).with_ones() is None


@given(conv_configs(), st.sampled_from(["im2col", "kernel rows"]), st.sampled_from(BIAS_KINDS))
def test_both_forward_methods_and_their_gradients_equal_the_loop_reference(cfg, method, bias):
    # The forward product is formed by im2col or by kernel rows (forward_method);
    # the backward pass then starts from different matrices.  Each way must give
    # z, dx, dw and db of the loops on every configuration.
    x = normal(cfg["seed"], cfg["x_shape"])
    w = normal(cfg["seed"] + 1, cfg["w_shape"])
    window = conv_window(x.shape[2:], w.shape[2:], **conv_args(cfg))
    b = {"tied": normal(cfg["seed"] + 3, (w.shape[0],)), None: None,
         "untied": normal(cfg["seed"] + 3, (w.shape[0], *window.out))}[bias]
    dz = normal(cfg["seed"] + 2, (x.shape[0], w.shape[0], *window.out))
    with mock.patch.object(conv_forward, "forward_method", return_value=method), \
            Scratch() as scratch:
        z, gathered = conv2d_forward(x, w, b, window, scratch)
        z = z.copy()
        dx, dw, db = conv2d_backward_gathered(dz, gathered, w, x.shape, window, bias, scratch)
    np.testing.assert_allclose(z, reference.conv2d(x, w, b, **conv_args(cfg)), **TIGHT)
    expected = reference.conv2d_backward(dz, x, w, bias=bias, **conv_args(cfg))
    for got, want in zip((dx, dw, db), expected):
        if want is None:
            assert got is None
        else:
            np.testing.assert_allclose(got, want, **TIGHT)


@pytest.mark.parametrize("w_shape, expected", [
    ((32, 32, 3, 3), "kernel rows"),  # case c: 3*32*3*3 + 32 = 896 against 288 + 96 + 192 = 576
    ((16, 6, 5, 5), "kernel rows"),   # LeNet's second layer: 466 against 90 + 80 + 192 = 362
    ((6, 1, 5, 5), "im2col"),         # LeNet's first layer: 81 against 15 + 30 + 72 = 117
    ((32, 3, 5, 5), "im2col"),        # widening 3 -> 32 maps: 257 against 45 + 160 + 384 = 589
])
def test_forward_rule_by_numbers_moved(w_shape, expected):
    window = conv_window((14, 14), w_shape[2:], 1, 1)
    assert forward_method(w_shape, window, wide=True) == expected
    assert forward_method(w_shape, window, wide=False) == "im2col"


def test_blas_rows_rounds_up_to_a_multiple_of_four_except_one():
    assert [blas_rows(r) for r in (1, 2, 3, 4, 5, 6, 8, 30, 32)] == [1, 4, 4, 4, 8, 8, 8, 32, 32]


def test_kernel_rows_continue_into_the_ones_row_and_zero_rows():
    # The weight gradient by kernel rows multiplies with cols[:, :, 0]; after the
    # ones row of a tied bias the matrix continues with zero rows up to a
    # multiple of 4, and without that row it is the plain strided slice.
    x = normal(1, (2, 2, 7, 7))
    window = conv_window((7, 7), (3, 3), 1, 1)
    with Scratch() as scratch:
        gathered = gather_input(x, window, scratch, True, (1, 2, 3, 3))  # im2col: C*kh = 6
        rows = gathered.kernel_rows(with_ones=True)             # 6 rows, then 1, then 1 zero
        cols = gathered.cols
        assert rows.shape == (8, cols.shape[3] * cols.shape[4])          # (rows, N*Ho*Wp)
        np.testing.assert_array_equal(rows[:6], cols[:, :, 0].reshape(6, -1))
        np.testing.assert_array_equal(rows[6], 1.0)
        np.testing.assert_array_equal(rows[7], 0.0)
        np.testing.assert_array_equal(gathered.kernel_rows(with_ones=False),
                                      cols[:, :, 0].reshape(6, -1))
