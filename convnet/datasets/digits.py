"""The small handwritten digits that ship with convnet: 1,797 images of 8x8 pixels.

The data are the test file of the UCI "Optical Recognition of Handwritten
Digits" data set by E. Alpaydin and C. Kaynak (UCI Machine Learning
Repository, 1998, https://doi.org/10.24432/C50P49, CC BY 4.0), the same copy
that scikit-learn ships.  ``tools/build_digits.py`` made the bundled file
``data/digits.npz`` and says how; scikit-learn is not needed to load it.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from ._common import float_dtype

__all__ = ["load_digits"]

_FILE = ("data", "digits.npz")   # inside this package
_MAX_PIXEL = 16                  # each pixel counts the ink in a 4x4 block: 0..16


def load_digits(dtype=np.float32):
    """Load the bundled 8x8 digits with their fixed train/test split.

    Parameters
    ----------
    dtype : float32 or float64, default float32
        Floating-point type of the images.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x_*`` : ndarray of shape (N, 1, 8, 8) in ``dtype``, the pixel counts
        0..16 divided by 16, so values lie in [0, 1].
        ``y_*`` : ndarray of shape (N,), int64 digits 0..9.
        N is 1,347 for the training set and 450 (45 of each digit) for the
        test set.  The split is fixed: every call returns the same images in
        the same order (fresh copies, so changing them is safe).

    Raises
    ------
    TypeError, ValueError
        If ``dtype`` is not float32 or float64.

    Notes
    -----
    UCI "Optical Recognition of Handwritten Digits", E. Alpaydin and C.
    Kaynak, https://doi.org/10.24432/C50P49, licensed CC BY 4.0: 32x32
    bitmaps of digits written by 13 people, each 4x4 block reduced to the
    number of its ink pixels.  The split was drawn once, stratified by digit,
    with the seed documented in ``tools/build_digits.py``.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_digits()
    >>> x_train.shape, x_test.shape, x_train.dtype, y_train.dtype
    ((1347, 1, 8, 8), (450, 1, 8, 8), dtype('float32'), dtype('int64'))
    >>> float(x_train.min()), float(x_train.max())
    (0.0, 1.0)
    >>> np.bincount(y_test)
    array([45, 45, 45, 45, 45, 45, 45, 45, 45, 45])
    """
    dtype = float_dtype(dtype)
    resource = resources.files(__package__).joinpath(_FILE[0]).joinpath(_FILE[1])
    with resource.open("rb") as handle, np.load(handle, allow_pickle=False) as archive:
        images = archive["images"]                        # (1797, 8, 8) uint8
        labels = archive["labels"].astype(np.int64)       # (1797,)
        test = archive["test"]                            # (1797,) bool
    x = images[:, np.newaxis].astype(dtype) / dtype(_MAX_PIXEL)   # (1797, 1, 8, 8), exact
    return (x[~test], labels[~test]), (x[test], labels[test])
