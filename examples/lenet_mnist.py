"""LeNet-5 on MNIST, read from a local folder of IDX files.

conv 6@5x5 -> ReLU -> max pool 2 -> conv 16@5x5 -> ReLU -> max pool 2 ->
dense 120 -> 84 -> 10, trained with softmax cross-entropy and SGD with
momentum, in float32.  One epoch over the 60,000 training images takes
well under a minute on two cores.

Run:  python examples/lenet_mnist.py --data DIR [--download] [--epochs N] [--limit N]
"""

import argparse
import sys
import time

from convnet.datasets import load_mnist
from convnet.optim import SGD
from convnet.zoo import lenet5


def main(argv=None):
    parser = argparse.ArgumentParser(description="LeNet-5 on MNIST")
    parser.add_argument("--data", default="data/mnist",
                        help="folder with the four MNIST IDX files (raw or .gz)")
    parser.add_argument("--download", action="store_true",
                        help="fetch missing files (about 11 MB), checked by SHA-256")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None,
                        help="train on the first N images only (a quick try)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    try:
        (x_train, y_train), (x_test, y_test) = load_mnist(args.data, download=args.download)
    except FileNotFoundError as exc:
        sys.exit(f"This example needs MNIST: run it with --download, or with --data "
                 f"pointing to a folder that holds the files.\n(the loader: {exc})")
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    print(f"MNIST: {len(x_train)} training and {len(x_test)} test images")
    model = lenet5(args.seed)
    print(model.summary(x_train.shape[1:]))
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=64, loss="cross_entropy",
              optimizer=SGD(lr=0.05, momentum=0.9), seed=args.seed, verbose=True)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"{args.epochs} epoch(s) in {seconds:.1f} s "
          f"({len(x_train) * args.epochs / seconds:,.0f} images/s)")
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.2%}")
    return accuracy


if __name__ == "__main__":
    main()
