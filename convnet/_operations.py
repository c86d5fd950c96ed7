"""The operations of the functional core: every engine defines each, with one signature.

One list for the engines' ``__all__`` (``convnet.reference``,
``convnet.functional.plain``, the fast engine), the public face
``convnet.functional`` and the tests that hold the engines to it.  A new
operation is added here and in each engine.
"""

__all__ = ["OPERATIONS"]

OPERATIONS = (
    "correlate2d", "convolve2d", "rot180", "pad2d", "pad2d_backward", "conv2d",
    "conv2d_backward", "conv_transpose2d", "conv_transpose2d_backward",
    "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
    "sum_pool2d", "pool_weight_gradient",
    "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward", "adaptive_max_pool2d",
    "adaptive_max_pool2d_backward", "upsample2d", "upsample2d_backward",
    "sum_net_input", "sum_net_input_backward", "product_net_input", "product_net_input_backward",
    "linear", "linear_backward",
    "relu", "relu_derivative", "relu_backward", "leaky_relu", "leaky_relu_derivative",
    "leaky_relu_backward", "sigmoid", "sigmoid_derivative", "sigmoid_backward",
    "tanh", "tanh_derivative", "tanh_backward",
    "softmax", "softmax_derivative", "softmax_backward", "log_softmax",
    "batch_norm", "batch_norm_backward", "group_norm", "group_norm_backward",
)
