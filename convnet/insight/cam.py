"""Grad-CAM: where in the image a convolution layer's maps argue for a class (Selvaraju et al. 2017).

The maps ``A^k`` (k = 1..F) of a layer are weighted by how much the class
score ``y^c`` grows with each of them on average, summed and rectified:

``alpha_k = (1/Z) sum_ij dy^c/dA^k_ij``         (Selvaraju et al., Eq. 1; Z = h w)
``L^c = ReLU(sum_k alpha_k A^k)``               (Eq. 2)

``dy^c/dA^k`` is the sensitivity that the model's backward pass carries
through that layer (Eq. 8.29); it is read there by a temporary hook on the
layer's ``forward`` and ``backward``, removed before returning.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import boolean, fail, integer
from ..layers import LeakyReLU, ReLU
from ..layers.base import walk
from ._session import (CONVOLUTIONS, batches, checked_images, checked_model, checked_target,
                       class_scores, input_gradient, model_dtype, target_seed, untouched)

__all__ = ["grad_cam", "resolve_layer", "bilinear_resize"]


def grad_cam(model, x, target, layer=None, upsample=True, batch_size=256):
    """Gradient-weighted class activation map of one layer, upsampled to the input.

    Parameters
    ----------
    model : Sequential
        A classifier whose output is (N, K) class scores, with at least one
        convolution layer (:class:`~convnet.layers.Conv2D` or
        :class:`~convnet.layers.ConvTranspose2D`).
    x : array_like of shape (N, C, H, W), or one image (C, H, W)
    target : int or array_like of shape (N,)
        The class ``c`` explained, for every image or one each.
    layer : None, int or str
        The layer whose output maps ``A^k`` are weighed: an index into
        ``model.layers`` (negative counts from the end) or the name of a
        layer's path, as in parameter names (``"3"``, ``"3.body.0"``).  Any
        layer whose output is (N, F, h, w) maps will do; None: the last
        convolution layer, *rectified*, i.e. the activation layer right after it
        (ReLU or LeakyReLU) if there is one, as Selvaraju et al. take the
        rectified maps of VGG's last convolution.
    upsample : bool, default True
        Resize the (h, w) map to the input's (H, W) bilinearly (PyTorch's
        ``interpolate(mode="bilinear", align_corners=False)``); False keeps
        the layer's resolution.
    batch_size : int, default 256
        Images per forward-backward pass.

    Returns
    -------
    ndarray of shape (N, H, W) (or (N, h, w)), without N for one image
        ``L^c`` >= 0, not normalised (divide by its max to show it).

    Raises
    ------
    TypeError, ValueError
        A model without a convolution layer, a ``layer`` that names no layer
        of the model or one whose output is not (N, F, h, w) maps, a target
        outside ``[0, K)``, and the errors of :func:`saliency`.

    Notes
    -----
    Eq. 1 and 2 of the module docstring.  The model's parameters, gradients
    and modes are left as they were (it runs in evaluation mode).

    References
    ----------
    R. R. Selvaraju, M. Cogswell, A. Das, R. Vedantam, D. Parikh, D. Batra,
    "Grad-CAM: visual explanations from deep networks via gradient-based
    localization", ICCV 2017.
    """
    model = checked_model(model)
    x, single = checked_images(x)
    upsample = boolean(upsample, "upsample")
    batch_size = integer(batch_size, "batch_size", minimum=1)
    path, chosen = resolve_layer(model, layer)
    target = checked_target(target, len(x), class_scores(model, x[:1]).shape[1])
    parts = []
    with untouched(model), _hooked(chosen) as seen:
        for part in batches(len(x), batch_size):
            input_gradient(model, x[part], target_seed(target[part]))
            maps, sensitivity = seen["A"], seen["dA"]                # (n, F, h, w) each
            if maps.ndim != 4:
                fail("layer", "a layer whose output is (N, F, h, w) maps", layer,
                     given=f"layer {path}, {type(chosen).__name__}, output of shape "
                           f"{maps.shape}")
            alpha = sensitivity.mean(axis=(2, 3))                    # (n, F)  Eq. 1
            parts.append(np.maximum(np.einsum("nf,nfhw->nhw", alpha, maps), 0))  # Eq. 2
    cam = np.concatenate(parts)                                      # (N, h, w)
    if upsample:
        cam = bilinear_resize(cam, x.shape[2:])                      # (N, H, W)
    cam = cam.astype(model_dtype(model), copy=False)
    return cam[0] if single else cam


def resolve_layer(model, layer):
    """``(path, layer)`` of the layer that ``layer`` (None, an index or a path) names."""
    named = list(walk(enumerate(model.layers)))                      # [(path, layer)] in order
    convolutions = [i for i, (_, item) in enumerate(named) if isinstance(item, CONVOLUTIONS)]
    if not convolutions:
        kinds = ", ".join(sorted({type(item).__name__ for _, item in named})) or "no layers"
        fail("model", "a model with a convolution layer (Conv2D or ConvTranspose2D) for "
             "Grad-CAM", model, error=TypeError, given=f"a model of {kinds}")
    if layer is None:
        last = convolutions[-1]
        path, conv = named[last]
        following = _next_sibling(named, path)
        if following is not None and isinstance(following[1], (ReLU, LeakyReLU)):
            return following
        return path, conv
    paths = dict(named)
    if isinstance(layer, str):
        if layer not in paths:
            fail("layer", f"an index into model.layers or a layer's path such as "
                 f"{', '.join(repr(p) for p in list(paths)[:4])}", layer)
        return layer, paths[layer]
    if isinstance(layer, (bool, np.bool_)) or not isinstance(layer, (numbers.Integral, str)):
        fail("layer", "None, an index into model.layers (int) or a layer's path (str)", layer,
             error=TypeError)
    index = integer(layer, "layer", minimum=-len(model.layers), maximum=len(model.layers) - 1)
    index %= len(model.layers)
    return str(index), model.layers[index]


def _next_sibling(named, path: str):
    """The layer after ``path`` in the same list of layers, or None."""
    parent, _, last = path.rpartition(".")
    wanted = f"{parent}.{int(last) + 1}" if parent else str(int(last) + 1)
    return next(((p, item) for p, item in named if p == wanted), None)


class _hooked:
    """Record a layer's output ``A`` and the sensitivity ``dA`` its backward receives."""

    def __init__(self, layer):
        self.layer, self.seen = layer, {}

    def __enter__(self):
        layer, seen = self.layer, self.seen
        forward, backward = layer.forward, layer.backward

        def recording_forward(x):
            seen["A"] = out = forward(x)
            return out

        def recording_backward(dy, *args, **kwargs):
            seen["dA"] = np.asarray(dy)
            return backward(dy, *args, **kwargs)

        layer.forward, layer.backward = recording_forward, recording_backward
        return seen

    def __exit__(self, *exc):
        del self.layer.forward, self.layer.backward                  # the class's methods again
        return False


def bilinear_resize(maps, size):
    """Resize (N, h, w) maps to ``size = (H, W)`` by bilinear interpolation.

    PyTorch's ``interpolate(mode="bilinear", align_corners=False)``: output
    pixel ``p`` reads the input at ``(p + 1/2) h / H - 1/2``, clamped to the
    first pixel, between its two neighbours.  Done as ``R_rows @ map @ R_cols.T``.
    """
    rows = _interpolation_matrix(maps.shape[1], size[0])             # (H, h)
    cols = _interpolation_matrix(maps.shape[2], size[1])             # (W, w)
    return np.einsum("Hh,nhw,Ww->nHW", rows, maps, cols)            # (N, H, W)


def _interpolation_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Row p: the weights of the input pixels that output pixel p reads (linear)."""
    source = np.maximum((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0.0)   # (n_out,)
    low = np.minimum(np.floor(source).astype(int), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    weight = source - low                                            # share of the upper pixel
    matrix = np.zeros((n_out, n_in))
    np.add.at(matrix, (np.arange(n_out), low), 1 - weight)
    np.add.at(matrix, (np.arange(n_out), high), weight)
    return matrix                                                    # (n_out, n_in)
