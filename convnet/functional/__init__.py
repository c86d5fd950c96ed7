"""The functional core: pure functions on arrays, each forward beside its backward.

Arrays are NCHW: ``x`` (N, C, H, W), weights (F, C/groups, kh, kw), outputs
(N, F, Ho, Wo).  Besides the chapter's operations: batch norm and group norm
(:mod:`convnet.functional.norm`).  Nothing here holds state; the layers in
:mod:`convnet.layers` are thin classes over these functions.

Every function runs in the engine selected for the calling thread
(:func:`engine`, :func:`set_engine`; default ``"fast"``): ``"reference"``
(the loops of :mod:`convnet.reference`), ``"plain"`` (the readable
vectorised tier, :mod:`convnet.functional.plain`) or ``"fast"`` (the tuned
engine).  All three take and return the same arrays.

A forward function called with ``return_saved=True`` also returns a
:class:`Saved` record; its backward accepts it as ``saved=`` and then
reuses what the forward computed.
"""

from .._checks import Saved
from .._operations import OPERATIONS
from .activations import (leaky_relu, leaky_relu_backward, leaky_relu_derivative, log_softmax,
                          relu, relu_backward, relu_derivative, sigmoid, sigmoid_backward,
                          sigmoid_derivative, softmax, softmax_backward, softmax_derivative, tanh,
                          tanh_backward, tanh_derivative)
from .adaptive import (adaptive_avg_pool2d, adaptive_avg_pool2d_backward, adaptive_max_pool2d,
                       adaptive_max_pool2d_backward)
from .conv import conv2d, conv2d_backward, convolve2d, correlate2d, rot180
from .conv_transpose import conv_transpose2d, conv_transpose2d_backward
from .._inference import inference, inferring
from .engines import (ENGINES, engine, get_engine, release_work_memory, reuse_work_memory,
                      set_engine, step_memory, temporary_work_memory)
from .linear import linear, linear_backward
from .norm import batch_norm, batch_norm_backward, group_norm, group_norm_backward
from .net_input import (product_net_input, product_net_input_backward, sum_net_input,
                        sum_net_input_backward)
from .padding import pad2d, pad2d_backward
from .pool import (avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward,
                   pool_weight_gradient, sum_pool2d)
from .upsample import upsample2d, upsample2d_backward

__all__ = [
    *OPERATIONS,
    "Saved", "ENGINES", "engine", "set_engine", "get_engine",
    "reuse_work_memory", "release_work_memory", "step_memory", "temporary_work_memory",
    "inference", "inferring",
]
