"""The loop engine: every operation of the functional core, written the way the chapter writes it.

This is the first code to read, and the oracle the plain and fast engines are
tested against.  Every function is a direct transcription of a sum from the
chapter, one ``for`` per index, so that it can be checked by hand.  It is
slow on purpose and shares nothing with the other engines except the
argument checks (:mod:`convnet._checks`) and the size arithmetic of
:mod:`convnet.geometry`.  Select it for everything with
``with convnet.engine("reference"): ...`` (for inputs of a few pixels).

* :mod:`~convnet.reference.conv` - correlation (Eq. 8.13), convolution
  (Eq. 8.8), the layer (Eq. 8.20, with groups Eq. G.1) and its gradients:
  dA by Eq. 8.41 and, as printed, by Eq. 8.44-8.45; dLW by Eq. 8.47; db by
  Eq. 8.36;
* :mod:`~convnet.reference.padding` - zeros (Eq. 8.16) or copies of the
  border (Eq. P.1) and the gradient folded back (Eq. P.2);
* :mod:`~convnet.reference.conv_transpose` - the transposed convolution,
  the convolution's input gradient and forward pass with the roles swapped
  (Eq. T.1-T.3);
* :mod:`~convnet.reference.pool` - Eq. 8.22-8.24, P8.3, P8.4 and E8.8;
* :mod:`~convnet.reference.elementwise` - Eq. 8.49-8.53, the net inputs of
  Eq. 8.32-8.36 and E8.9, the fully connected layer;
* :mod:`~convnet.reference.norm` - batch norm and group norm (Eq. N.1-N.6 of
  ``docs/backprop.md``), the backward pass along the computational graph
  (Eq. N.7-N.12), not the simplified formula the other engines use.

Indices start at 0 here and at 1 in the chapter: the chapter's
``p_{m+i-1, n+j-1}`` (Eq. 8.13) is ``x[m + i, n + j]``.
"""

from .._operations import OPERATIONS
from .adaptive import (adaptive_avg_pool2d, adaptive_avg_pool2d_backward, adaptive_max_pool2d,
                       adaptive_max_pool2d_backward)
from .conv import (conv2d, conv2d_backward, convolve2d, correlate2d, input_gradient_gather,
                   input_gradient_scatter, rot180, weight_gradient)
from .conv_transpose import conv_transpose2d, conv_transpose2d_backward
from .elementwise import (leaky_relu, leaky_relu_backward, leaky_relu_derivative, linear,
                          linear_backward, log_softmax, product_net_input,
                          product_net_input_backward, relu, relu_backward, relu_derivative,
                          sigmoid, sigmoid_backward, sigmoid_derivative, softmax,
                          softmax_backward, softmax_derivative, sum_net_input,
                          sum_net_input_backward, tanh, tanh_backward, tanh_derivative)
from .norm import batch_norm, batch_norm_backward, group_norm, group_norm_backward
from .padding import pad2d, pad2d_backward
from .pool import (avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward,
                   pool_weight_gradient, sum_pool2d)
from .upsample import upsample2d, upsample2d_backward

__all__ = [*OPERATIONS, "input_gradient_scatter", "input_gradient_gather", "weight_gradient"]
