"""Train a small LeNet-style network on the bundled handwritten digits.

1,347 training and 450 test images of 8x8 pixels ship with convnet, so this
runs without any download.  Two convolution-pooling groups and two dense
layers (the architecture of the chapter's Fig. 8.11, scaled to 8x8 inputs)
reach about 98 % test accuracy in a few seconds on two cores.  The network
and the training run live in :mod:`convnet.zoo`; ``convnet train digits`` on
the command line does the same.

Run:  python examples/train_digits.py [--epochs N] [--seed S]
"""

import argparse

from convnet.zoo import train_digits


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train a CNN on the bundled digits")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    _, _, accuracy = train_digits(epochs=args.epochs, seed=args.seed)
    return accuracy


if __name__ == "__main__":
    main()
