"""Receptive fields of layer stacks: by hand and against the gradient's support."""

import numpy as np

from convnet.functional import conv2d
from convnet.receptive_field import receptive_field


def test_receptive_field_of_strided_stack():
    # conv 3 -> pool 2/2 -> conv 3: r = 1 + 2 + 1*1 ... computed by hand:
    #   after conv3:   r = 3,            j = 1
    #   after pool2/2: r = 3 + 1*1 = 4,  j = 2
    #   after conv3:   r = 4 + 2*2 = 8,  j = 2
    field = receptive_field([(3,), (2, 2), (3,)])
    assert field.size == (8, 8) and field.jump == (2, 2) and field.start == (0, 0)
    assert field.region((1, 2)) == ((2, 9), (4, 11))


def test_receptive_field_matches_gradient_support():
    # An independent check: the input pixels that influence one output pixel
    # are exactly those with a nonzero gradient for all-ones weights.
    layers = [(3, 1, 1), (2, 2, 0), (3, 2, 1, 2)]
    x = np.zeros((1, 1, 24, 24))
    from convnet.functional import conv2d_backward
    activations = [x]
    for k, s, p, *d in layers:
        d = d[0] if d else 1
        activations.append(conv2d(activations[-1], np.ones((1, 1, k, k)), stride=s,
                                  padding=p, dilation=d))
    out_shape = activations[-1].shape
    dz = np.zeros(out_shape)
    dz[0, 0, 2, 3] = 1.0
    for (k, s, p, *d), a in zip(reversed(layers), reversed(activations[:-1])):
        d = d[0] if d else 1
        dz, _, _ = conv2d_backward(dz, a, np.ones((1, 1, k, k)), stride=s, padding=p,
                                   dilation=d, bias=None)
    rows, cols = np.nonzero(dz[0, 0])
    (r0, r1), (c0, c1) = receptive_field(layers, (2, 3), input_shape=(24, 24))
    # dilation leaves holes inside the field, but its bounding box is exact
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (r0, r1, c0, c1)
