"""The plain engine: the functional core in readable, vectorised NumPy.

This is the tier to read beside the chapter and to step through in a
debugger: the same functions, with the same signatures and results, as
:mod:`convnet.functional` (which runs the tuned ``fast`` engine by default),
written the way a course puts them on the board.  One screen per function,
no work buffers, no per-shape rules; the equation stands on the line that
implements it.

* :mod:`~convnet.functional.plain.conv` - im2col and one product (Eq. 8.20),
  one per group (Eq. G.1); dLW as one product (Eq. 8.48), db as a sum
  (Eq. 8.36), dA as the full correlation of the dilated dLZ with rot180(W)
  (Eq. 8.45);
* :mod:`~convnet.functional.plain.padding` - padding with zeros (Eq. 8.16)
  or copies of the border (Eq. P.1), the gradient folded back (Eq. P.2);
* :mod:`~convnet.functional.plain.conv_transpose` - the transposed
  convolution: the convolution's dA as its forward pass, the convolution's
  forward pass and dLW as its backward (Eq. T.1-T.3);
* :mod:`~convnet.functional.plain.pool` - max, mean and sum over a window
  view (Eq. 8.22, 8.24), the backward passes of E8.8, P8.3 and P8.4;
* :mod:`~convnet.functional.plain.norm` - batch norm and group norm
  (Eq. N.1-N.6 of ``docs/backprop.md``), the backward pass as the compact
  Eq. N.13;
* :mod:`~convnet.functional.plain.activations`,
  :mod:`~convnet.functional.plain.net_input`,
  :mod:`~convnet.functional.plain.linear` - transfer functions (Eq. 8.49-8.53),
  net inputs (Eq. 8.32-8.36, E8.9) and the fully connected layer.

Use it directly (``from convnet.functional import plain``) or select it for
everything, layers and training included, with
``with convnet.engine("plain"): ...``.
"""

from ..._operations import OPERATIONS
from .activations import (leaky_relu, leaky_relu_backward, leaky_relu_derivative, log_softmax,
                          relu, relu_backward, relu_derivative, sigmoid, sigmoid_backward,
                          sigmoid_derivative, softmax, softmax_backward, softmax_derivative, tanh,
                          tanh_backward, tanh_derivative)
from .adaptive import (adaptive_avg_pool2d, adaptive_avg_pool2d_backward, adaptive_max_pool2d,
                       adaptive_max_pool2d_backward)
from .conv import conv2d, conv2d_backward, convolve2d, correlate2d, rot180
from .conv_transpose import conv_transpose2d, conv_transpose2d_backward
from .padding import pad2d, pad2d_backward
from .linear import linear, linear_backward
from .net_input import (product_net_input, product_net_input_backward, sum_net_input,
                        sum_net_input_backward)
from .norm import batch_norm, batch_norm_backward, group_norm, group_norm_backward
from .pool import (avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward,
                   pool_weight_gradient, sum_pool2d)
from .upsample import upsample2d, upsample2d_backward

__all__ = list(OPERATIONS)
