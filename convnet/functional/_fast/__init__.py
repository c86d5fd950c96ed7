"""The fast engine: the functional core tuned for speed, behind a fence.

Work buffers kept per thread (:mod:`.memory`), per-shape choices between
gathers (:mod:`.conv_forward`, :mod:`.input_gradient`), depthwise taps
(:mod:`.depthwise`), BLAS-friendly layouts, pooling by window rows
(:mod:`.pool`) and batch norm in few passes over memory (:mod:`.norm`): the
only clever code of the library, explained in ``docs/performance.md`` and
reached only through :mod:`convnet.functional`.  Where there is nothing to
tune (the activations but ReLU, the net inputs, the fully connected layer,
constant padding and rotation, group norm)
this engine runs the plain tier's code.
"""

from ..._operations import OPERATIONS
from ..plain.activations import (leaky_relu, leaky_relu_backward, leaky_relu_derivative,
                                 log_softmax, relu_derivative, sigmoid, sigmoid_backward,
                                 sigmoid_derivative, softmax, softmax_backward,
                                 softmax_derivative, tanh, tanh_backward, tanh_derivative)
from ..plain.conv import rot180
from ..plain.linear import linear, linear_backward
from ..plain.net_input import (product_net_input, product_net_input_backward, sum_net_input,
                               sum_net_input_backward)
from .activations import relu, relu_backward
from .adaptive import (adaptive_avg_pool2d, adaptive_avg_pool2d_backward, adaptive_max_pool2d,
                       adaptive_max_pool2d_backward)
from .conv import conv2d, conv2d_backward, convolve2d, correlate2d
from .norm import batch_norm, batch_norm_backward, group_norm, group_norm_backward
from .conv_transpose import conv_transpose2d, conv_transpose2d_backward
from .padding import pad2d, pad2d_backward
from .pool import (avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward,
                   pool_weight_gradient, sum_pool2d)
from .upsample import upsample2d, upsample2d_backward

__all__ = list(OPERATIONS)
