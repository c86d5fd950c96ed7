"""Ready-made networks of the course, and the digits training run behind the README.

``lenet5`` is the network of the benchmarks and ``examples/lenet_mnist.py``;
``digits_cnn`` and ``train_digits`` are the main example
(``python examples/train_digits.py`` and ``convnet train digits``).
"""

from __future__ import annotations

import time

import numpy as np

from ._validate import generator, integer
from .layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from .model import Sequential
from .optim import Adam

__all__ = ["lenet5", "digits_cnn", "train_digits"]


def lenet5(seed=0, dtype=np.float32) -> Sequential:
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
    return Sequential(
        Conv2D(1, 6, 5, **kw), ReLU(), MaxPool2D(2),       # 6 x 12 x 12
        Conv2D(6, 16, 5, **kw), ReLU(), MaxPool2D(2),      # 16 x 4 x 4
        Flatten(),                                         # 256
        Dense(256, 120, init="he", **kw), ReLU(),
        Dense(120, 84, init="he", **kw), ReLU(),
        Dense(84, 10, **kw))


def digits_cnn(seed=0, dtype=np.float32) -> Sequential:
    """A small LeNet-style network for the 1 x 8 x 8 digits of :func:`convnet.datasets.load_digits`.

    Two convolution-pooling groups and two dense layers (Fig. 8.11's
    architecture, scaled to 8 x 8 inputs).

    Examples
    --------
    >>> digits_cnn().summary((1, 8, 8)).rows[-1]
    ('10 Dense', (10,), 650)
    """
    rng = generator(seed, "seed")
    kw = dict(rng=rng, dtype=dtype)
    return Sequential(
        Conv2D(1, 16, 3, padding="same", **kw), ReLU(), MaxPool2D(2),    # 16 x 4 x 4
        Conv2D(16, 32, 3, padding="same", **kw), ReLU(), MaxPool2D(2),   # 32 x 2 x 2
        Flatten(),                                                       # 128
        Dense(128, 64, init="he", **kw), ReLU(), Dropout(0.25, rng=rng),
        Dense(64, 10, **kw))                                             # class scores


def train_digits(epochs=40, seed=0, verbose=True, out=print):
    """Train :func:`digits_cnn` on the bundled digits and report the test accuracy.

    Parameters
    ----------
    epochs : int, default 40
    seed : int, default 0
        Seeds the weights, the dropout masks and the shuffling.
    verbose : bool, default True
        Progress and one line per epoch.
    out : callable, default print
        Where the report lines go.

    Returns
    -------
    (model, history, accuracy)
    """
    from .datasets import load_digits   # the datasets are only needed here

    epochs = integer(epochs, "epochs", minimum=1)
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
