"""The functional core: pure functions on arrays, each forward beside its backward.

Arrays are NCHW: ``x`` (N, C, H, W), weights (F, C, kh, kw), outputs
(N, F, Ho, Wo).  Nothing here holds state; the layers in
:mod:`convnet.layers` are thin classes over these functions.
"""

from .activations import (
    leaky_relu,
    leaky_relu_derivative,
    log_softmax,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    softmax_backward,
    softmax_derivative,
    tanh,
    tanh_derivative,
)
from .correlate import conv2d, conv2d_backward, convolve2d, correlate2d, pad2d, rot180
from .net_input import (product_net_input, product_net_input_backward, sum_net_input,
                        sum_net_input_backward)
from .pool import (avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward,
                   pool_weight_gradient, sum_pool2d)

__all__ = [
    "correlate2d", "convolve2d", "rot180", "pad2d",
    "conv2d", "conv2d_backward",
    "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
    "sum_pool2d", "pool_weight_gradient",
    "sum_net_input", "sum_net_input_backward", "product_net_input", "product_net_input_backward",
    "relu", "relu_derivative", "leaky_relu", "leaky_relu_derivative",
    "sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative",
    "softmax", "softmax_derivative", "softmax_backward", "log_softmax",
]
