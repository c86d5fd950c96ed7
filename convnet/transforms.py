"""Data augmentation on whole batches: random crops, flips and shifts, normalisation.

Every transform is a callable ``transform(x, rng) -> new array``: ``x`` is a
batch ``(N, C, H, W)``, ``rng`` a ``numpy.random.Generator`` (or an int
seed, or None for fresh entropy); the result is a new array of ``x``'s
dtype (float32 stays float32) and ``x`` is never modified.  Each image gets
its own random draw, but the work is vectorised over the batch: one padded
copy and one gather, never a Python loop per image.  This is the protocol
``Sequential.fit(..., transform=...)`` calls with the generator seeded by
``fit``'s ``seed``, so the same seed gives the same augmented run.

The semantics are torchvision's where torchvision has the same transform
(``RandomCrop`` pads with zeros and draws the corner uniformly;
``RandomHorizontalFlip`` flips each image with probability ``p``;
``Normalize`` computes ``(x - mean[c]) / std[c]``), applied to every image
of a batch independently as torchvision does image by image.

Examples
--------
The usual CIFAR-10 recipe (He et al., 2016): pad by 4, crop 32x32, flip
half the images.

>>> augment = Compose(RandomCrop(32, padding=4), RandomHorizontalFlip())
>>> x = np.zeros((64, 3, 32, 32), np.float32)
>>> augment(x, np.random.default_rng(0)).shape
(64, 3, 32, 32)
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import fail, generator, int_pair, integer, real_array, real_number

__all__ = ["RandomCrop", "RandomHorizontalFlip", "RandomShift", "Normalize", "Compose"]


def _batch(x) -> np.ndarray:
    return real_array(x, "x", ndim=4, layout="(N, C, H, W)")


def _crop_at(x: np.ndarray, size: tuple, padding: int, rng) -> np.ndarray:
    """Each image of ``x`` zero-padded by ``padding``, cropped to ``size`` at a uniform corner."""
    n, channels, height, width = x.shape
    h, w = size
    padded_h, padded_w = height + 2 * padding, width + 2 * padding
    if h > padded_h or w > padded_w:
        fail("size", f"at most the padded image ({padded_h}x{padded_w}: x is {height}x{width}, "
             f"padding {padding})", size)
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))  # (N, C, Hp, Wp)
    top = rng.integers(0, padded_h - h + 1, size=n)                               # (N,)
    left = rng.integers(0, padded_w - w + 1, size=n)                              # (N,)
    windows = sliding_window_view(padded, (h, w), axis=(2, 3))   # (N, C, Hp-h+1, Wp-w+1, h, w)
    return windows[np.arange(n), :, top, left]                                    # (N, C, h, w)


class RandomCrop:
    """Crop each image at a random place, after padding it with zeros.

    As ``torchvision.transforms.RandomCrop(size, padding)`` with its
    defaults (``fill=0``, ``padding_mode="constant"``): each image is padded
    by ``padding`` zeros on all four sides, then a window of ``size`` is
    taken whose top-left corner is uniform over the ``Hp - h + 1`` by
    ``Wp - w + 1`` places.  Unlike torchvision, ``padding`` is one integer
    (the same on every side) and there is no ``pad_if_needed``: a crop
    larger than the padded image is an error.

    Parameters
    ----------
    size : int or (int, int)
        Output height and width ``(h, w)``.
    padding : int, default 0

    Shape
    -----
    ``(N, C, H, W) -> (N, C, h, w)``

    Examples
    --------
    Padding 1 then cropping 2x2 out of a 2x2 image can shift it by one pixel
    either way; one of the nine corners, (0, 0), gives the image moved down
    and right with zeros coming in.

    >>> x = np.array([[[[1., 2.], [3., 4.]]]])
    >>> crops = [RandomCrop(2, padding=1)(x, seed)[0, 0].tolist() for seed in range(40)]
    >>> [[0.0, 0.0], [0.0, 1.0]] in crops and [[1.0, 2.0], [3.0, 4.0]] in crops
    True
    """

    def __init__(self, size, padding=0):
        self.size = int_pair(size, "size", minimum=1)
        self.padding = integer(padding, "padding", minimum=0)

    def __call__(self, x, rng):
        x, rng = _batch(x), generator(rng, "rng")
        return _crop_at(x, self.size, self.padding, rng)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomShift:
    """Move each image by a random whole number of pixels, zeros coming in at the edges.

    The vertical and horizontal shifts are drawn independently and uniformly
    from ``-max_pixels .. max_pixels``; the output has the input's size.
    This is exactly ``RandomCrop(size=(H, W), padding=max_pixels)`` and is
    computed that way; torchvision has no integer-shift transform (its
    ``RandomAffine(translate=...)`` takes fractions and interpolates).

    Parameters
    ----------
    max_pixels : int
        The largest shift, in pixels, in each direction (0: no change).

    Shape
    -----
    ``(N, C, H, W) -> (N, C, H, W)``
    """

    def __init__(self, max_pixels):
        self.max_pixels = integer(max_pixels, "max_pixels", minimum=0)

    def __call__(self, x, rng):
        x, rng = _batch(x), generator(rng, "rng")
        return _crop_at(x, x.shape[2:], self.max_pixels, rng)

    def __repr__(self):
        return f"RandomShift(max_pixels={self.max_pixels})"


class RandomHorizontalFlip:
    """Mirror each image left-right with probability ``p``, as torchvision's transform.

    Parameters
    ----------
    p : float in [0, 1], default 0.5

    Shape
    -----
    ``(N, C, H, W) -> (N, C, H, W)``

    Examples
    --------
    >>> x = np.array([[[[1., 2., 3.]]]])
    >>> RandomHorizontalFlip(p=1.0)(x, 0)
    array([[[[3., 2., 1.]]]])
    """

    def __init__(self, p=0.5):
        self.p = real_number(p, "p", minimum=0.0, maximum=1.0)

    def __call__(self, x, rng):
        x, rng = _batch(x), generator(rng, "rng")
        flip = rng.random(x.shape[0]) < self.p                      # (N,) which images
        return np.where(flip[:, None, None, None], x[..., ::-1], x)  # (N, C, H, W), a new array

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


class Normalize:
    """Per-channel standardisation ``(x[:, c] - mean[c]) / std[c]``, as torchvision's.

    Deterministic (``rng`` is accepted for the protocol and not used).

    Parameters
    ----------
    mean, std : float or sequence of float
        One number for every channel, or one per channel (the length must
        match ``C`` when called).  ``std`` must be positive.

    Shape
    -----
    ``(N, C, H, W) -> (N, C, H, W)``, in ``x``'s dtype.

    Examples
    --------
    >>> x = np.array([[[[0.0, 1.0]], [[0.5, 0.5]]]])          # two channels
    >>> Normalize(mean=[0.5, 0.5], std=[0.5, 0.25])(x, None)
    array([[[[-1.,  1.]],
    <BLANKLINE>
            [[ 0.,  0.]]]])
    """

    def __init__(self, mean, std):
        self.mean = self._numbers(mean, "mean")
        self.std = self._numbers(std, "std")
        if np.any(self.std <= 0):
            fail("std", "positive numbers", std)
        if self.mean.size > 1 and self.std.size > 1 and self.mean.size != self.std.size:
            fail("std", f"as many numbers as mean ({self.mean.size})", std,
                 given=f"{self.std.size}")

    @staticmethod
    def _numbers(value, name):
        if isinstance(value, (bool, np.bool_, str)):
            fail(name, "a number or a sequence of numbers (one per channel)", value,
                 error=TypeError)
        array = real_array(value, name, ndim=(0, 1), layout="(C,)").astype(np.float64)
        if not np.all(np.isfinite(array)):
            fail(name, "finite numbers", value)
        return array.reshape(-1)

    def __call__(self, x, rng=None):
        x = _batch(x)
        for name, values in (("mean", self.mean), ("std", self.std)):
            if values.size not in (1, x.shape[1]):
                fail(name, f"one number or one per channel of x ({x.shape[1]})",
                     values.tolist(), given=f"{values.size} numbers")
        mean = self.mean.astype(x.dtype)[None, :, None, None]            # (1, C, 1, 1)
        std = self.std.astype(x.dtype)[None, :, None, None]              # (1, C, 1, 1)
        return (x - mean) / std                                          # (N, C, H, W)

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Compose:
    """Apply transforms one after the other, all drawing from the same generator.

    ``Compose(a, b)`` and torchvision's spelling ``Compose([a, b])`` are
    the same: ``b(a(x, rng), rng)``.

    Parameters
    ----------
    *transforms : callables ``(x, rng) -> array``
        The library's transforms or any function with that protocol.
    """

    def __init__(self, *transforms):
        if len(transforms) == 1 and isinstance(transforms[0], (list, tuple)):
            transforms = tuple(transforms[0])
        for k, transform in enumerate(transforms):
            if not callable(transform):
                fail(f"transforms[{k}]", "a callable transform(x, rng)", transform,
                     error=TypeError)
        self.transforms = tuple(transforms)

    def __call__(self, x, rng):
        x, rng = _batch(x), generator(rng, "rng")
        out = x.copy() if not self.transforms else x
        for transform in self.transforms:
            out = transform(out, rng)
        return out

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose({inner}\n)" if inner else "Compose()"
