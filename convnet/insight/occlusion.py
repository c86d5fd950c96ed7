"""Occlusion sensitivity: how much a class score drops when a grey patch hides part of the image.

Zeiler & Fergus (2014, Sec. 4.2) slid a grey square over the image and
watched the correct class's probability; here the score ``S_t`` drops,
``D[i, j] = S_t(x) - S_t(x with the patch at (i s, j s))``.  No gradient is
used: only forward passes, in inference (nothing is kept).
"""

from __future__ import annotations

import numpy as np

from .._validate import fail, integer, real_number
from ..functional import inference
from ._session import (batches, checked_images, checked_model, checked_target, class_scores,
                       untouched)

__all__ = ["occlusion"]


def occlusion(model, x, target, patch=3, stride=1, value=0.5, batch_size=256):
    """The score drop for every position of a square patch of constant ``value``.

    Parameters
    ----------
    model : Sequential
        A classifier whose output is (N, K) class scores.
    x : array_like of shape (N, C, H, W), or one image (C, H, W)
    target : int or array_like of shape (N,)
        The class ``t`` whose score is watched.
    patch : int >= 1, default 3
        The side of the square patch, at most min(H, W).
    stride : int >= 1, default 1
        Pixels between neighbouring positions of the patch.
    value : float, default 0.5
        What the patch sets every channel to: 0.5 is grey for images in [0, 1].
    batch_size : int, default 256
        Occluded images per forward pass.

    Returns
    -------
    ndarray of shape (N, Ho, Wo), or (Ho, Wo) for one image
        ``Ho = (H - patch) // stride + 1`` (likewise ``Wo``); entry ``(i, j)``
        is the drop with the patch's top-left corner at ``(i stride,
        j stride)``: positive where hiding that part lowers the score.

    References
    ----------
    M. D. Zeiler, R. Fergus, "Visualizing and understanding convolutional
    networks", ECCV 2014.

    Examples
    --------
    A "network" that scores the sum of the pixels: hiding a 1x1 patch with 0
    drops the score by the pixel.

    >>> from convnet import Sequential
    >>> from convnet.layers import Flatten, Dense
    >>> model = Sequential(Flatten(), Dense(4, 1, dtype=np.float64, rng=0))
    >>> model[1].params["weight"][:] = 1.0
    >>> occlusion(model, [[[1.0, 2.0], [3.0, 4.0]]], 0, patch=1, value=0.0)
    array([[1., 2.],
           [3., 4.]])
    """
    model = checked_model(model)
    x, single = checked_images(x)
    n, channels, height, width = x.shape
    clean = class_scores(model, x)              # (N, K); first, so that x the model refuses
    patch = integer(patch, "patch", minimum=1, maximum=min(height, width))  # is named as x
    stride = integer(stride, "stride", minimum=1)
    value = real_number(value, "value")
    batch_size = integer(batch_size, "batch_size", minimum=1)
    target = checked_target(target, n, clean.shape[1])
    rows = range(0, height - patch + 1, stride)
    cols = range(0, width - patch + 1, stride)
    corners = [(i, j) for i in rows for j in cols]                   # top-left corners
    drops = np.empty((n, len(corners)), dtype=clean.dtype)           # (N, Ho Wo)
    with untouched(model), inference():
        for sample in range(n):
            for part in batches(len(corners), batch_size):
                hidden = np.repeat(x[sample:sample + 1], part.stop - part.start, axis=0)
                for k, (i, j) in enumerate(corners[part]):
                    hidden[k, :, i:i + patch, j:j + patch] = value  # the grey square
                scores = model.forward(hidden)                       # (n, K)
                drops[sample, part] = clean[sample, target[sample]] - scores[:, target[sample]]
    drops = drops.reshape(n, len(rows), len(cols))                   # (N, Ho, Wo)
    return drops[0] if single else drops
