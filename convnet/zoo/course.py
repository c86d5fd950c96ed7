"""Ready-made networks of the course, and the digits training run behind the README.

``lenet5`` is the network of the benchmarks and ``examples/lenet_mnist.py``;
``digits_cnn`` and ``train_digits`` are the main example
(``python examples/train_digits.py`` and ``convnet train digits``).
"""

from __future__ import annotations

import time

import numpy as np

from .._progress import verbosity
from .._validate import generator, integer
from ..layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from ..model import Sequential
from ..optim import Adam
from ._common import building

__all__ = ["lenet5", "digits_cnn", "train_digits", "LINE_KERNELS", "squares_vs_diamonds",
           "designed_squares_vs_diamonds"]

# Fig. 8.5: horizontal, vertical and the two diagonal line templates (3 x 3).
LINE_KERNELS = np.array([
    [[0, 0, 0], [1, 1, 1], [0, 0, 0]],     # horizontal
    [[0, 1, 0], [0, 1, 0], [0, 1, 0]],     # vertical
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]],     # diagonal, top-left to bottom-right
    [[0, 0, 1], [0, 1, 0], [1, 0, 0]],     # diagonal, top-right to bottom-left
], dtype=float)


def lenet5(seed=0, dtype=np.float32, shapes_only=False) -> Sequential:
    """LeNet-5 for 1 x 28 x 28 images (LeCun et al., 1998), with ReLU and max pooling.

    conv 6@5x5 -> ReLU -> max pool 2 -> conv 16@5x5 -> ReLU -> max pool 2 ->
    dense 120 -> ReLU -> dense 84 -> ReLU -> dense 10 (class scores).

    Examples
    --------
    >>> lenet5().summary((1, 28, 28)).total
    44426
    """
    rng = generator(seed, "seed")
    kw = dict(rng=rng, dtype=dtype)
    with building(shapes_only):
        return Sequential(
            Conv2D(1, 6, 5, **kw), ReLU(), MaxPool2D(2),       # 6 x 12 x 12
            Conv2D(6, 16, 5, **kw), ReLU(), MaxPool2D(2),      # 16 x 4 x 4
            Flatten(),                                         # 256
            Dense(256, 120, init="he", **kw), ReLU(),
            Dense(120, 84, init="he", **kw), ReLU(),
            Dense(84, 10, **kw))


def digits_cnn(seed=0, dtype=np.float32, shapes_only=False) -> Sequential:
    """A small LeNet-style network for the 1 x 8 x 8 digits of :func:`convnet.datasets.load_digits`.

    Two convolution-pooling groups and two dense layers (Fig. 8.11's
    architecture, scaled to 8 x 8 inputs).  ``shapes_only=True``: placeholder
    weights, for a summary.

    Examples
    --------
    >>> digits_cnn().summary((1, 8, 8)).rows[-1]
    ('10 Dense', (10,), 650)
    """
    rng = generator(seed, "seed")
    kw = dict(rng=rng, dtype=dtype)
    with building(shapes_only):
        return Sequential(
            Conv2D(1, 16, 3, padding="same", **kw), ReLU(), MaxPool2D(2),    # 16 x 4 x 4
            Conv2D(16, 32, 3, padding="same", **kw), ReLU(), MaxPool2D(2),   # 32 x 2 x 2
            Flatten(),                                                       # 128
            Dense(128, 64, init="he", **kw), ReLU(), Dropout(0.25, rng=rng),
            Dense(64, 10, **kw))                                             # class scores


def train_digits(epochs=40, seed=0, verbose=True, out=None):
    """Train :func:`digits_cnn` on the bundled digits and report the test accuracy.

    Parameters
    ----------
    epochs : int, default 40
    seed : int, default 0
        Seeds the weights, the dropout masks and the shuffling.
    verbose : {0, 1, 2} or bool, default True
        ``fit``'s progress (see :meth:`convnet.Sequential.fit`); 0 or False
        prints nothing at all, the report lines included.
    out : callable, optional
        Where the report lines go (default ``print``, or nowhere when
        ``verbose`` is 0 or False).

    Returns
    -------
    (model, history, accuracy)
    """
    from ..datasets import load_digits   # the datasets are only needed here

    epochs = integer(epochs, "epochs", minimum=1)
    if out is None:
        out = print if verbosity(verbose) else _silent
    (x_train, y_train), (x_test, y_test) = load_digits()
    out(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels")
    model = digits_cnn(seed)
    out(str(model.summary((1, 8, 8))))
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, loss="cross_entropy",
                        optimizer=Adam(lr=2e-3), validation_data=(x_test, y_test), seed=seed,
                        verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test)
    out(f"trained {epochs} epochs in {seconds:.1f} s")
    out(f"test loss {loss:.4f}, test accuracy {accuracy:.2%} "
        f"({round(accuracy * len(x_test))} of {len(x_test)} digits)")
    return model, history, accuracy


def _silent(*_):
    pass


def squares_vs_diamonds(seed=None) -> Sequential:
    """Exercise E8.10's architecture for 15 x 15 outlines, with random weights.

    conv 4@3x3 -> ReLU -> max pool 13 (the whole map) -> flatten -> dense 2
    (class scores for square and diamond; softmax in the loss).
    """
    rng = generator(seed, "seed")
    return Sequential(
        Conv2D(1, 4, 3, rng=rng), ReLU(),     # 4 x 13 x 13 line detectors
        MaxPool2D(13),                         # 4 x 1 x 1: is the line anywhere?
        Flatten(),                             # 4
        Dense(4, 2, rng=rng))                  # scores for (square, diamond)


def designed_squares_vs_diamonds() -> Sequential:
    """Exercise E8.10 solved by design: every weight chosen by reasoning, none learned.

    The convolution holds the four line templates of Fig. 8.5 with bias -2:
    three matching pixels give 3 - 2 = 1 after the ReLU, anything less (at
    most 2 on an outline of the other class) gives 0.  Max pooling over the
    whole map asks "is this line anywhere?".  The dense layer votes +5 for
    square per straight line and +5 for diamond per slanted one.

    Examples
    --------
    >>> from convnet.datasets import make_shapes
    >>> x, y = make_shapes(200, seed=0)
    >>> model = designed_squares_vs_diamonds()
    >>> float(np.mean(model.predict(x).argmax(axis=1) == y))
    1.0
    """
    model = squares_vs_diamonds(seed=0)
    conv, dense = model.layers[0], model.layers[4]
    conv.params["weight"][:, 0] = LINE_KERNELS
    conv.params["bias"][:] = -2.0
    dense.params["weight"][:] = 5.0 * np.array([[1, 1, -1, -1],
                                                [-1, -1, 1, 1]])
    dense.params["bias"][:] = 0.0
    return model
