"""Train a small LeNet-style network on the bundled handwritten digits.

1,347 training and 450 test images of 8x8 pixels ship with convnet, so this
runs without any download.  Two convolution-pooling groups and two dense
layers (the architecture of the chapter's Fig. 8.11, scaled to 8x8 inputs)
reach about 98 % test accuracy in a few seconds on two cores.

Run:  python examples/train_digits.py [--epochs N] [--seed S]
"""

import argparse
import time

import numpy as np

import convnet
from convnet.datasets import load_digits
from convnet.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from convnet.optim import Adam


def build_model(seed=0):
    rng = np.random.default_rng(seed)           # one seeded source for every layer
    f32 = dict(rng=rng, dtype=np.float32)
    return convnet.Sequential(
        Conv2D(1, 16, 3, padding="same", **f32), ReLU(), MaxPool2D(2),    # 16 x 4 x 4
        Conv2D(16, 32, 3, padding="same", **f32), ReLU(), MaxPool2D(2),   # 32 x 2 x 2
        Flatten(),                                                        # 128
        Dense(128, 64, init="he", **f32), ReLU(), Dropout(0.25, rng=rng),
        Dense(64, 10, **f32))                                             # class scores


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = load_digits()
    print(f"digits: {len(x_train)} training and {len(x_test)} test images of 8x8 pixels")
    model = build_model(args.seed)
    print(model.summary((1, 8, 8)))

    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=32, loss="cross_entropy",
              optimizer=Adam(lr=2e-3), validation_data=(x_test, y_test), seed=args.seed,
              verbose=True)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"trained {args.epochs} epochs in {seconds:.1f} s")
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.2%} "
          f"({round(accuracy * len(x_test))} of {len(x_test)} digits)")
    return accuracy


if __name__ == "__main__":
    main()
