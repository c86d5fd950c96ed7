"""The newer checkers' worked examples, computed by hand, against PyTorch.

Each expected value in convnet.testing's worked examples for group norm,
grouped convolution, adaptive pooling and nearest upsampling was worked out
by hand; here PyTorch computes the same cases (forward, and the backward by
autograd), float64, so a slip in the hand arithmetic or in the reading of
PyTorch's rules fails.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as T

from convnet.testing import grouped, norm, resample


def t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def _norm(x, num_groups, gamma=None, beta=None, eps=1e-5, **_):
    return T.group_norm(x, num_groups, gamma, beta, eps)


def _conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, **_):
    return T.conv2d(x, w, b, stride, padding, dilation, groups)


def _upsample(x, scale_factor, **_):
    factor = tuple(scale_factor) if isinstance(scale_factor, tuple) else (scale_factor,) * 2
    return T.interpolate(x, scale_factor=factor, mode="nearest")


FORWARD = [(norm.GROUP_NORM, _norm), (grouped.GROUPED_CONV, _conv),
           (resample.ADAPTIVE_AVG, lambda x, output_size: T.adaptive_avg_pool2d(x, output_size)),
           (resample.ADAPTIVE_MAX, lambda x, output_size: T.adaptive_max_pool2d(x, output_size)),
           (resample.UPSAMPLE, _upsample)]
BACKWARD = [(norm.GROUP_NORM_BACKWARD, _norm, ("x", "gamma", "beta")),
            (grouped.GROUPED_CONV_BACKWARD, _conv, ("x", "w", "b")),
            (resample.ADAPTIVE_AVG_BACKWARD, FORWARD[2][1], ("x",)),
            (resample.ADAPTIVE_MAX_BACKWARD, FORWARD[3][1], ("x",)),
            (resample.UPSAMPLE_BACKWARD, _upsample, ("x",))]


def _tensors(arguments, grads=()):
    return {name: t(value, name in grads) if isinstance(value, np.ndarray) else value
            for name, value in arguments.items()}


@pytest.mark.parametrize("operation, torch_fn", FORWARD, ids=[o.name for o, _ in FORWARD])
def test_the_hand_computed_forward_examples_are_pytorchs(operation, torch_fn):
    for example in operation.worked:
        with torch.no_grad():
            z = torch_fn(**_tensors(example.arguments)).numpy()
        np.testing.assert_allclose(z, example.expected[0], rtol=1e-12, atol=1e-12,
                                   err_msg=example.name)


@pytest.mark.parametrize("operation, torch_fn, grads", BACKWARD,
                         ids=[o.name for o, _, _ in BACKWARD])
def test_the_hand_computed_backward_examples_are_pytorchs(operation, torch_fn, grads):
    for example in operation.worked:
        arguments = dict(example.arguments)
        dz = arguments.pop("dz")
        for bias in {"b", "beta"} & set(grads):           # the shift whose gradient is db
            arguments[bias] = np.zeros(dz.shape[1])
        inputs = _tensors(arguments, grads)
        torch_fn(**inputs).backward(t(dz))
        got = [inputs[name].grad.numpy() for name in grads]
        for g, expected in zip(got, example.expected):
            np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-12, err_msg=example.name)
