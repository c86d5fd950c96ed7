"""Exercise E8.10: a network designed by hand, then the same network trained.

The input is a 15x15 black-and-white outline of a square or a diamond
(Fig. 8.4).  Squares are made of horizontal and vertical lines, diamonds of
slanted ones, so four 3x3 line templates (Fig. 8.5) are enough:

1. convolution with the four templates, bias -2 and ReLU: a neuron fires
   (value 1) only where three pixels in a row match its line;
2. max pooling over the whole 13x13 map: "does this image contain such a
   line anywhere?";
3. a fully connected softmax layer that votes square for horizontal and
   vertical lines and diamond for slanted ones.

No weight is learned.  Then the same architecture starts from random weights
and is trained with cross-entropy.  With matplotlib installed, the kernels of
both networks and the designed network's feature maps for one square and one
diamond are written as PNGs.

Run:  python examples/squares_vs_diamonds.py [--epochs N] [--out output/squares_vs_diamonds]
"""

import argparse
from pathlib import Path

import numpy as np

from convnet import viz
from convnet.datasets import make_shapes
from convnet.functional import softmax
from convnet.optim import Adam
from convnet.zoo import designed_squares_vs_diamonds, squares_vs_diamonds

CLASSES = ("square", "diamond")
# The network and its designed weights live in convnet.zoo (read them there):
# the four line templates of Fig. 8.5 with bias -2, max pooling over the whole
# map, and a dense layer voting +5 per straight line for "square" and +5 per
# slanted line for "diamond".
architecture = squares_vs_diamonds
designed_network = designed_squares_vs_diamonds


def accuracy(model, x, y):
    return float(np.mean(model.predict(x).argmax(axis=1) == y))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Exercise E8.10: squares vs diamonds")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("output/squares_vs_diamonds"),
                        help="folder for the pictures (written if matplotlib is installed)")
    args = parser.parse_args(argv)

    x_test, y_test = make_shapes(500, classes=CLASSES, seed=args.seed + 1, dtype=np.float64)

    print("1. the designed network (no training)")
    designed = designed_network()
    print("   conv: the four line templates, bias -2, ReLU; max pool 13x13; dense weights")
    print("   " + np.array2string(designed.layers[4].params["weight"], prefix="   "))
    lines = designed.layers[3].forward(designed.layers[2].forward(
        designed.layers[1].forward(designed.layers[0].forward(x_test[:4]))))  # (4, 4)
    probabilities = softmax(designed.predict(x_test[:4]))                        # (4, 2)
    for label, found, p in zip(y_test[:4], lines, probabilities):
        print(f"   a {CLASSES[label]:<7}: lines (horizontal, vertical, diagonal, anti-diagonal) "
              f"= {found.astype(int).tolist()} -> p(square) = {p[0]:.4f}")
    designed_accuracy = accuracy(designed, x_test, y_test)
    print(f"   accuracy on {len(y_test)} new shapes: {designed_accuracy:.1%}")

    print("2. the same architecture, trained from random weights")
    x_train, y_train = make_shapes(400, classes=CLASSES, seed=args.seed, dtype=np.float64)
    trained = architecture(seed=args.seed)
    trained.fit(x_train, y_train, epochs=args.epochs, batch_size=20, loss="cross_entropy",
                optimizer=Adam(lr=0.02), seed=args.seed, verbose=False)
    trained_accuracy = accuracy(trained, x_test, y_test)
    print(f"   accuracy after {args.epochs} epochs: {trained_accuracy:.1%}")
    print("   learned kernels (rounded), one per output map:")
    for kernel in trained.layers[0].params["weight"][:, 0]:
        print("   " + np.array2string(np.round(kernel, 1), prefix="   "))

    square, diamond = x_test[y_test == 0][0], x_test[y_test == 1][0]     # (1, 15, 15) each
    viz.save_pictures(args.out, out=lambda line: print("   " + line), drawings={
        "designed_kernels": lambda path: viz.plot_kernels(designed.layers[0], path),
        "trained_kernels": lambda path: viz.plot_kernels(trained.layers[0], path),
        "designed_maps_square": lambda path: viz.plot_feature_maps(designed, square, path),
        "designed_maps_diamond": lambda path: viz.plot_feature_maps(designed, diamond, path),
    })
    return designed_accuracy, trained_accuracy


if __name__ == "__main__":
    main()
