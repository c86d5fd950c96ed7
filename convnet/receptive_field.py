"""Receptive fields: which input pixels the output pixels of a layer stack look at.

Plain integer arithmetic on sizes, as in :mod:`convnet.geometry`, whose
padding forms every layer here accepts: a stack of convolution / pooling
layers is walked from the input upward, tracking the field size, the jump
between neighbouring outputs and where output pixel (0, 0)'s field starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._validate import fail, int_pair
from .geometry import normalize_padding

__all__ = [
    "receptive_field",
    "ReceptiveField",
    "layer_spec",
]


@dataclass(frozen=True)
class ReceptiveField:
    """Where the output pixels of a stack of window layers look in the input.

    Attributes
    ----------
    size : (int, int)
        Rows and columns of input that one output pixel depends on.
    jump : (int, int)
        Distance in input pixels between neighbouring output pixels (the
        product of the strides).
    start : (int, int)
        Input row and column of the top-left corner of output pixel (0, 0)'s
        field; negative when padding reaches outside the image.
    """

    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[int, int]

    def region(self, output_pixel, input_shape=None) -> tuple[tuple[int, int], tuple[int, int]]:
        """Inclusive input ranges ``((row0, row1), (col0, col1))`` seen by a pixel.

        With ``input_shape = (H, W)`` the ranges are clipped to the image (the
        rest of the field falls on padding).
        """
        row, col = int_pair(output_pixel, "output_pixel", minimum=0)
        ranges = []
        for axis, index in enumerate((row, col)):
            first = self.start[axis] + index * self.jump[axis]
            last = first + self.size[axis] - 1
            if input_shape is not None:
                limit = int_pair(input_shape, "input_shape", minimum=1)[axis]
                first, last = max(first, 0), min(last, limit - 1)
            ranges.append((first, last))
        return tuple(ranges)

    def contains(self, output_pixel, input_pixel, input_shape=None) -> bool:
        """Whether ``input_pixel = (row, col)`` lies in ``output_pixel``'s field."""
        (r0, r1), (c0, c1) = self.region(output_pixel, input_shape)
        row, col = int_pair(input_pixel, "input_pixel", minimum=0)
        return r0 <= row <= r1 and c0 <= col <= c1


def layer_spec(layer, index: int = 0):
    """One window layer as validated ``(kernel, stride, pads, dilation)`` pairs.

    ``layer`` is a tuple ``(kernel, stride=1, padding=0, dilation=1)``, a dict
    with those keys, or a layer object with those attributes; ``index`` is its
    position, used in error messages.
    """
    name = f"layers[{index}]"
    if hasattr(layer, "output_padding"):                  # upsamples: another rule entirely
        fail(name, "a convolution or pooling layer (a transposed convolution's receptive field "
             "is not worked out here)", layer, error=TypeError)
    if hasattr(layer, "kernel_size") and not isinstance(layer, (tuple, list, dict)):
        spec = (layer.kernel_size, getattr(layer, "stride", 1),
                getattr(layer, "padding", 0), getattr(layer, "dilation", 1))
    elif isinstance(layer, dict):
        spec = (layer.get("kernel_size"), layer.get("stride", 1),
                layer.get("padding", 0), layer.get("dilation", 1))
    elif isinstance(layer, (tuple, list)) and 1 <= len(layer) <= 4:
        spec = tuple(layer) + (1, 0, 1)[len(layer) - 1:]
    else:
        fail(name, "a tuple (kernel, stride=1, padding=0, dilation=1), a dict or a layer",
             layer, error=TypeError)
    kernel, stride, padding, dilation = spec
    kernel = int_pair(kernel, f"{name} kernel", minimum=1)
    stride = int_pair(stride, f"{name} stride", minimum=1)
    dilation = int_pair(dilation, f"{name} dilation", minimum=1)
    pads = normalize_padding(padding, kernel, dilation, stride, name=f"{name} padding")
    return kernel, stride, pads, dilation


def receptive_field(layers, output_pixel=None, input_shape=None):
    """The receptive field of a stack of convolution / pooling layers.

    Each layer is ``(kernel, stride, padding, dilation)`` (trailing entries
    may be left out: stride 1, padding 0, dilation 1), a dict with those keys,
    or a layer object with those attributes.  Working from the input upward,
    with ``r`` the field size and ``j`` the jump (input pixels between
    neighbouring outputs)::

        r_out = r_in + d*(k - 1) * j_in
        j_out = j_in * s
        start_out = start_in - p_before * j_in

    Parameters
    ----------
    layers : sequence
    output_pixel : (int, int), optional
        If given, return the inclusive input region ``((row0, row1), (col0,
        col1))`` of that output pixel instead of the :class:`ReceptiveField`.
    input_shape : (int, int), optional
        Clip the region to an image of this size.

    Examples
    --------
    LMU sheet 4-2(b): ten 5x5 "same" layers give each output pixel a 41x41
    field, 20 pixels to each side.

    >>> rf = receptive_field([(5, 1, "same")] * 10)
    >>> rf.size, rf.start
    ((41, 41), (-20, -20))
    >>> receptive_field([(5, 1, "same")] * 10, output_pixel=(0, 639), input_shape=(428, 640))
    ((0, 20), (619, 639))
    """
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        fail("layers", "a sequence of (kernel, stride, padding, dilation) tuples",
             layers, error=TypeError)
    size, jump, start = [1, 1], [1, 1], [0, 0]
    for index, layer in enumerate(layers):
        kernel, stride, pads, dilation = layer_spec(layer, index)
        for axis in range(2):
            start[axis] -= pads[axis][0] * jump[axis]
            size[axis] += dilation[axis] * (kernel[axis] - 1) * jump[axis]
            jump[axis] *= stride[axis]
    field = ReceptiveField(tuple(size), tuple(jump), tuple(start))
    if output_pixel is None:
        return field
    return field.region(output_pixel, input_shape)
