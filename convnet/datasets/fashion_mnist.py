"""Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): Zalando's article images in MNIST's format.

Four IDX files with MNIST's names, shapes and types -- 60,000 training and
10,000 test images of 28x28 grey pixels, labels 0..9 naming the classes in
:data:`FASHION_MNIST_CLASSES` -- read by the same checked path as MNIST
(:func:`convnet.datasets.mnist.load_idx_set`).
"""

from __future__ import annotations

import numpy as np

from .mnist import IdxSet, load_idx_set

__all__ = ["load_fashion_mnist", "FASHION_MNIST_CLASSES", "FASHION_MNIST_MIRROR"]

# The publisher's own copy (https://github.com/zalandoresearch/fashion-mnist, "Get the Data").
FASHION_MNIST_MIRROR = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

# The publisher gives no SHA-256; these are the MD5s torchvision lists for the same files
# (pytorch/vision, torchvision/datasets/mnist.py, class FashionMNIST, ``resources``).
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}

# Label k names class FASHION_MNIST_CLASSES[k] (the publisher's README, "Labels").
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")

FASHION_MNIST = IdxSet("Fashion-MNIST", "fashion-mnist", FASHION_MNIST_MIRROR, FASHION_MNIST_MD5)


def load_fashion_mnist(root=None, download=False, mirror=FASHION_MNIST_MIRROR, checksums=None,
                       dtype=np.float32):
    """Load Fashion-MNIST from the folder ``root``, downloading missing files if asked.

    Parameters
    ----------
    root : str or os.PathLike, optional
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each raw or
        with ``.gz`` added -- the names are MNIST's, so keep the two data sets
        in different folders.  None means ``$CONVNET_DATA/fashion-mnist`` if
        that environment variable is set, else ``~/.convnet/datasets/fashion-mnist``.
    download : bool, default False
        Fetch each missing file as ``<name>.gz`` from ``mirror`` (about 30 MB
        in all).  Files already present are not fetched again, so a folder
        holding the four files works without any network.
    mirror : str, default FASHION_MNIST_MIRROR
        Base URL the file names are appended to (Zalando's own copy).
    checksums : dict of str to str, optional
        Digests by ``.gz`` file name overriding the published MD5s in
        ``FASHION_MNIST_MD5`` (64 hex digits are a SHA-256, 32 an MD5).
    dtype : float32 or float64, default float32

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x_*`` : ndarray of shape (N, 1, 28, 28) in ``dtype``, values in [0, 1].
        ``y_*`` : ndarray of shape (N,), int64 labels 0..9; label ``k`` is
        ``FASHION_MNIST_CLASSES[k]``.  N is 60,000 and 10,000.

    Raises
    ------
    FileNotFoundError, DatasetError, OSError, TypeError, ValueError
        As :func:`convnet.datasets.load_mnist`: missing files (the message
        names them and the folder), a file that is not valid IDX or does not
        fit, a digest that differs, a failed download (nothing is left under
        the file's name), invalid arguments.

    Examples
    --------
    >>> FASHION_MNIST_CLASSES[9]
    'Ankle boot'
    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist(download=True)  # doctest: +SKIP
    >>> x_train.shape, y_test[:3]                                                # doctest: +SKIP
    ((60000, 1, 28, 28), array([9, 2, 1]))
    """
    return load_idx_set(FASHION_MNIST, root, download, mirror, checksums, dtype)
