"""Data to train on: bundled 8x8 digits, MNIST from IDX files, generated shapes.

Every loader returns images in the library's layout ``x: (N, 1, H, W)``,
float32 by default (``dtype=np.float64`` on request), values in [0, 1], and
int64 labels ``y: (N,)``.

- :func:`load_digits`: 1,797 UCI handwritten digits of 8x8 pixels, shipped
  with the package, with a fixed train/test split (1,347 / 450).
- :func:`load_mnist`: MNIST read from its four IDX files, downloaded on
  request and checked against SHA-256 digests; :func:`read_idx` reads one
  IDX file.
- :func:`make_shapes`: squares, diamonds, crosses and circles drawn as
  outlines, like Fig. 8.4.

File problems raise :class:`DatasetError`, a ``ValueError``.
"""

from ._common import DatasetError
from .digits import load_digits
from .mnist import load_mnist, read_idx
from .shapes import make_shapes

__all__ = ["load_digits", "load_mnist", "make_shapes", "read_idx", "DatasetError"]
