"""Data to train on: bundled 8x8 digits, MNIST and Fashion-MNIST, CIFAR-10, generated shapes.

Every loader returns images in the library's layout ``x: (N, C, H, W)``,
float32 by default (``dtype=np.float64`` on request), values in [0, 1], and
int64 labels ``y: (N,)``.

- :func:`load_digits`: 1,797 UCI handwritten digits of 8x8 pixels, shipped
  with the package, with a fixed train/test split (1,347 / 450).
- :func:`load_mnist`: MNIST read from its four IDX files, downloaded on
  request and checked against SHA-256 digests; :func:`read_idx` reads one
  IDX file.
- :func:`load_fashion_mnist`: Zalando's Fashion-MNIST, the same four IDX
  files and checks (published MD5s), :data:`FASHION_MNIST_CLASSES`.
- :func:`load_cifar10`: CIFAR-10 from the official binary archive, read as
  a stream without extracting, ``x: (N, 3, 32, 32)``, :data:`CIFAR10_CLASSES`.
- :func:`make_shapes`: squares, diamonds, crosses and circles drawn as
  outlines, like Fig. 8.4.

Downloads share one checked path: the published digest is compared before
a file is kept, and a folder that holds the files is read with no network;
``root=None`` means ``$CONVNET_DATA/<name>`` or ``~/.convnet/datasets/<name>``.
File problems raise :class:`DatasetError`, a ``ValueError``.
"""

from ._common import DatasetError
from .cifar import CIFAR10_CLASSES, load_cifar10
from .digits import load_digits
from .fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist
from .mnist import load_mnist, read_idx
from .shapes import make_shapes

__all__ = ["load_digits", "load_mnist", "load_fashion_mnist", "load_cifar10", "make_shapes",
           "read_idx", "DatasetError", "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES"]
