"""Nearest-neighbour upsampling layer (Eq. R.6-R.7)."""

from __future__ import annotations

from .. import functional as F
from .._checks_resample import upsample_options, upsample_size
from .base import Layer
from .conv import _chw

__all__ = ["Upsample2D"]


class Upsample2D(Layer):
    """Upsampling by copying the nearest pixel (Eq. R.6); no trainable parameters.

    Output pixel (p, q) copies input pixel ``(min(floor(p / s_h), H - 1),
    min(floor(q / s_w), W - 1))``, PyTorch's ``nn.Upsample(scale_factor=s,
    mode="nearest")`` exactly, non-integer factors included (computed in
    float32 as PyTorch does); with ``size`` instead, the step is ``H / Ho``.
    Going back, each pixel collects the sensitivities of its copies
    (Eq. R.7; for an integer factor the sum over its block).  PyTorch's
    ``nn.Upsample`` takes ``size`` first; here ``Upsample2D(2)`` doubles.

    Parameters
    ----------
    scale_factor : float or (float, float), optional
        Factor > 0 for the rows and the columns; give it or ``size``.
    mode : {"nearest"}, default "nearest"
    size : int or (int, int), optional
        The output size (Ho, Wo) instead of a factor.

    Shape
    -----
    (N, C, H, W) -> (N, C, Ho, Wo), ``Ho = floor(H * scale_factor)`` (or the
    size given), likewise ``Wo``.

    Examples
    --------
    >>> layer = Upsample2D(2)
    >>> layer.forward(np.array([[[[1.0, 2.0]]]]))
    array([[[[1., 1., 2., 2.],
             [1., 1., 2., 2.]]]])
    >>> layer.backward(np.ones((1, 1, 2, 4)))           # each pixel has four copies
    array([[[[4., 4.]]]])
    """

    def __init__(self, scale_factor=None, mode="nearest", *, size=None):
        super().__init__()
        scales, size = upsample_options(scale_factor, mode, size)
        self.scale_factor, self.mode, self.size = scales, mode, size

    def config(self):
        return dict(scale_factor=self.scale_factor, mode=self.mode, size=self.size)

    def output_shape(self, input_shape):
        channels, height, width = _chw(input_shape, type(self).__name__)
        return (channels, *upsample_size((height, width), self.scale_factor, self.size))

    def forward(self, x):
        return self._forward_saving(F.upsample2d, x, self.scale_factor, self.mode,
                                    size=self.size)                                  # Eq. R.6

    def backward(self, dy):
        return self._backward_saved(F.upsample2d_backward, dy, self.scale_factor, self.mode,
                                    size=self.size)                                  # Eq. R.7
