"""Black-and-white outline shapes, like the squares and diamonds of Fig. 8.4.

Every image is ``size x size`` with 1 for ink and 0 for background, holding
one outline of half-size ``r`` (its bounding box is ``2r + 1`` pixels wide)
centred on a pixel ``(ci, cj)``, always entirely inside the image:

``square``   the border of the box: ``max(|i-ci|, |j-cj|) == r``, r >= 2
``diamond``  ``|i-ci| + |j-cj| == r``, r >= 2
``cross``    a plus sign: row ``ci`` and column ``cj`` within the box, r >= 2
``circle``   a closed ring of radius r drawn by the midpoint circle algorithm, r >= 3

The property a hand-designed detector can rely on: a square has horizontal
and vertical runs of at least 5 ink pixels but no three ink pixels in a row
along either diagonal; a diamond has diagonal runs of at least 3 in both
diagonal directions but no two ink pixels side by side horizontally or
vertically.
"""

from __future__ import annotations

import numpy as np

from .._budget import refuse_beyond_budget
from .._validate import fail, generator, integer, one_of, real_number
from ._common import float_dtype

__all__ = ["make_shapes", "SHAPES"]

# Class name -> smallest half-size r it is drawn with.
SHAPES = {"square": 2, "diamond": 2, "cross": 2, "circle": 3}


def make_shapes(n, size=15, classes=("square", "diamond"), noise=0.0, max_shift=None,
                seed=None, dtype=np.float32):
    """Random outline images of squares, diamonds, crosses or circles, with labels.

    Parameters
    ----------
    n : int
        Number of images, >= 1.
    size : int, default 15
        Images are ``size x size``; at least ``2 r + 1`` for the smallest
        half-size ``r`` of every requested class (5, or 7 with "circle").
    classes : sequence of str, default ("square", "diamond")
        Names from "square", "diamond", "cross", "circle", no repeats; label
        ``k`` means ``classes[k]``.
    noise : float in [0, 1], default 0.0
        Probability that each pixel is flipped (salt-and-pepper noise).
    max_shift : int >= 0, optional
        Largest offset, in pixels and along each axis separately, of the
        shape's centre from the image's centre pixel ``(size // 2, size // 2)``.
        None: anywhere the shape fits.
    seed : None, int or numpy.random.Generator
        Source of all randomness; the same seed gives the same images.
    dtype : float32 or float64, default float32

    Returns
    -------
    x : ndarray of shape (n, 1, size, size)
        Values 0 and 1 in ``dtype`` (1 = ink).
    y : ndarray of shape (n,), int64
        Labels, balanced (each class ``n // K`` or ``n // K + 1`` times for
        K classes) and in shuffled order.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments: an unknown class name (the message lists the
        known ones), a repeated class, ``size`` too small for a class, ``noise``
        outside [0, 1], a negative ``max_shift``.

    Notes
    -----
    For each image the half-size ``r`` is drawn uniformly from the smallest
    one of its class to ``(size - 1) // 2``, then each centre coordinate
    uniformly among the pixels that keep the shape inside the image and
    within ``max_shift`` of the centre pixel.  The noise is drawn last, so a
    seed gives the same shapes with or without noise.

    Examples
    --------
    At ``size=5`` a diamond can only have ``r = 2`` and sit in the middle:

    >>> x, y = make_shapes(1, size=5, classes=("diamond",), seed=0)
    >>> x.shape, y
    ((1, 1, 5, 5), array([0]))
    >>> x[0, 0].astype(int)
    array([[0, 0, 1, 0, 0],
           [0, 1, 0, 1, 0],
           [1, 0, 0, 0, 1],
           [0, 1, 0, 1, 0],
           [0, 0, 1, 0, 0]])
    >>> x, y = make_shapes(10, seed=0)          # 15x15 squares and diamonds
    >>> x.shape, np.bincount(y)
    ((10, 1, 15, 15), array([5, 5]))
    """
    n = integer(n, "n", minimum=1)
    size = integer(size, "size", minimum=1)
    classes = _classes(classes)
    noise = real_number(noise, "noise", minimum=0.0, maximum=1.0)
    if max_shift is not None:
        max_shift = integer(max_shift, "max_shift", minimum=0)
    rng = generator(seed, "seed")
    dtype = float_dtype(dtype)
    smallest = max(SHAPES[name] for name in classes)
    if size < 2 * smallest + 1:
        fail("size", f"at least {2 * smallest + 1} for classes {classes}", size)
    itemsize = 8 if noise > 0 else np.dtype(dtype).itemsize      # the noise is drawn in float64
    refuse_beyond_budget([("size", "one image (size x size)", size * size * itemsize),
                          ("n", "the images (n x size x size)", n * size * size * itemsize)])

    count = len(classes)
    y = rng.permutation(np.arange(n) % count).astype(np.int64)   # (n,) balanced, shuffled
    r_min = np.array([SHAPES[name] for name in classes])[y]      # (n,)
    r_max = (size - 1) // 2
    radius = rng.integers(r_min, r_max + 1)                       # (n,)
    centre, shift = size // 2, size if max_shift is None else max_shift
    low = np.maximum(radius, centre - shift)                      # (n,) keeps the box inside
    high = np.minimum(size - 1 - radius, centre + shift)          # (n,) and near the centre
    rows = rng.integers(low, high + 1)                            # (n,)
    cols = rng.integers(low, high + 1)                            # (n,)

    x = np.zeros((n, size, size), dtype=dtype)                    # (n, size, size)
    outlines = {}
    for index, (label, r, ci, cj) in enumerate(zip(y, radius, rows, cols)):
        key = (classes[label], int(r))
        if key not in outlines:
            outlines[key] = _outline(*key)
        di, dj = outlines[key]
        x[index, ci + di, cj + dj] = 1
    if noise > 0:
        flip = rng.random(x.shape) < noise                        # (n, size, size)
        x[flip] = 1 - x[flip]
    return x[:, np.newaxis], y                                    # (n, 1, size, size), (n,)


def _classes(classes) -> tuple[str, ...]:
    """``classes`` as a tuple of known, distinct names, or a clear error."""
    if isinstance(classes, str) or not isinstance(classes, (tuple, list)):
        fail("classes", "a tuple or list of shape names", classes, error=TypeError)
    if len(classes) == 0:
        fail("classes", "a non-empty tuple or list of shape names", classes)
    names = tuple(one_of(name, f"classes[{k}]", tuple(SHAPES)) for k, name in enumerate(classes))
    if len(set(names)) != len(names):
        fail("classes", "names without repeats", classes)
    return names


def _outline(kind: str, r: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column offsets ``(di, dj)`` from the centre of the ink pixels of one outline."""
    if kind == "circle":
        return _circle(r)
    di, dj = np.mgrid[-r:r + 1, -r:r + 1]                         # (2r+1, 2r+1) each
    if kind == "square":
        ink = np.maximum(abs(di), abs(dj)) == r
    elif kind == "diamond":
        ink = abs(di) + abs(dj) == r
    else:  # cross
        ink = (di == 0) | (dj == 0)
    return di[ink], dj[ink]


def _circle(r: int) -> tuple[np.ndarray, np.ndarray]:
    """The midpoint circle algorithm: one octant stepped in integers, mirrored 8 ways."""
    points = set()
    a, b, error = r, 0, 1 - r      # (a, b) on the octant from (r, 0) to the diagonal
    while a >= b:
        for p, q in ((a, b), (b, a)):
            points.update({(p, q), (-p, q), (p, -q), (-p, -q)})
        b += 1
        if error < 0:              # the midpoint is inside the circle: keep a
            error += 2 * b + 1
        else:                      # outside: step a inwards too
            a -= 1
            error += 2 * (b - a) + 1
    di, dj = np.array(sorted(points)).T
    return di, dj
