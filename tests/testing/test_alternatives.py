"""Correct implementations written differently from the library pass every checker.

Loops (the chapter's sums), einsum over window views, and the convolution
theorem (numpy.fft): none of them shares code with convnet, and a checker
that failed one of them would be checking the library's way of writing it.
"""

import numpy as np
import pytest

from convnet import testing

from . import implementations as impl, implementations_more as more

CASES = [
    (testing.check_correlate2d, (), impl.correlate_loops),
    (testing.check_correlate2d, (), impl.correlate_einsum),
    (testing.check_correlate2d, (), impl.correlate_fft),
    (testing.check_convolve2d, (), impl.convolve_loops),
    (testing.check_convolve2d, (), impl.convolve_fft),
    (testing.check_conv2d, (), impl.conv2d_loops),
    (testing.check_conv2d, (), impl.conv2d_einsum),
    (testing.check_conv2d, (), impl.conv2d_fft),
    (testing.check_conv2d_backward, (), impl.conv2d_backward_loops),
    (testing.check_conv2d_backward, (), impl.conv2d_backward_einsum),
    (testing.check_conv2d_backward, (), impl.conv2d_backward_fft),
    (testing.check_max_pool2d, (), impl.max_pool_loops),
    (testing.check_max_pool2d, (), impl.max_pool_einsum),
    (testing.check_avg_pool2d, (), impl.avg_pool_loops),
    (testing.check_avg_pool2d, (), impl.avg_pool_einsum),
    (testing.check_pool_backward, ("max",), impl.pool_backward_loops("max")),
    (testing.check_pool_backward, ("avg",), impl.pool_backward_loops("avg")),
    (testing.check_conv_transpose2d, (), impl.conv_transpose_loops),
    (testing.check_batch_norm, (), impl.batch_norm_einsum),
    (testing.check_batch_norm_backward, (), impl.batch_norm_backward_by_steps),
]


@pytest.mark.parametrize("check, arguments, fn", CASES,
                         ids=[f"{c.__name__}-{getattr(f, '__name__', 'loops')}"
                              for c, _, f in CASES])
def test_a_correct_implementation_passes(check, arguments, fn):
    result = check(fn, *arguments, examples=25)
    assert result.drawn == 25 and "passed" in str(result)


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))                 # the tanh form, no exp(-x) at all


def _softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))


def _softmax_jacobian(x):
    s = _softmax(x)
    return np.einsum("...i,ij->...ij", s, np.eye(s.shape[-1])) - s[..., :, None] * s[..., None, :]


ACTIVATIONS = [
    ("relu", lambda x: x * (x > 0), lambda x: np.heaviside(x, 0.0)),
    ("leaky_relu", lambda x: np.maximum(x, 0.01 * x), lambda x: np.where(x > 0, 1.0, 0.01)),
    ("sigmoid", _sigmoid, lambda x: _sigmoid(x) * _sigmoid(-x)),
    ("tanh", lambda x: 2 * _sigmoid(2 * x) - 1, lambda x: 1 / np.cosh(x) ** 2),
    ("softmax", _softmax, _softmax_jacobian),
]


@pytest.mark.parametrize("name, fn, derivative", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_a_correct_activation_passes(name, fn, derivative):
    assert check_ok(testing.check_activation(fn, derivative, name, examples=20))


def check_ok(result):
    return "passed" in str(result) and result.drawn == 40


MORE = [
    (testing.check_group_norm, (), more.group_norm_einsum()),
    (testing.check_group_norm_backward, (), more.group_norm_backward_by_steps()),
    (testing.check_grouped_conv2d, (), more.grouped_conv_loops()),
    (testing.check_grouped_conv2d_backward, (), more.grouped_conv_backward_loops()),
    (testing.check_adaptive_avg_pool2d, (), more.adaptive_loops("avg")),
    (testing.check_adaptive_max_pool2d, (), more.adaptive_loops("max")),
    (testing.check_adaptive_pool_backward, ("avg",), more.adaptive_backward_loops("avg")),
    (testing.check_adaptive_pool_backward, ("max",), more.adaptive_backward_loops("max")),
    (testing.check_upsample2d, (), more.upsample_loops()),
    (testing.check_upsample2d_backward, (), more.upsample_backward_indexing()),
]


@pytest.mark.parametrize("check, arguments, fn", MORE,
                         ids=[f"{c.__name__}-{'-'.join(a) or 'loops'}" for c, a, _ in MORE])
def test_a_correct_implementation_of_a_newer_operation_passes(check, arguments, fn):
    result = check(fn, *arguments, examples=25)
    # a few drawn cases may coincide (the same case from two draws), counted once
    assert result.drawn >= 20 and "passed" in str(result)
