"""A small VGG-style network on CIFAR-10: augmentation, a cosine schedule, early stopping, checkpoints.

The network (Simonyan & Zisserman's pattern at CIFAR scale: pairs of 3x3
convolutions, then a 2x2 max pool, doubling the maps)::

    conv 32@3x3 p1 -> ReLU -> conv 32@3x3 p1 -> ReLU -> max pool 2     32 x 16 x 16
    conv 64@3x3 p1 -> ReLU -> conv 64@3x3 p1 -> ReLU -> max pool 2     64 x 8 x 8
    flatten -> dense 256 -> ReLU -> dense 10                           class scores

trained in float32 with SGD (momentum 0.9, weight decay 5e-4), the images
standardised per channel, each training batch augmented (pad 4 and crop
32 x 32, flip half the images: ``convnet.transforms``), the learning rate
following a cosine from ``--lr`` (0.01) to 0 (``schedules.CosineAnnealingLR``), a tenth
of the training images held out (``validation_split``), training stopped
when the validation loss has not improved for ``--patience`` epochs with the
best weights put back (``callbacks.EarlyStopping``), and the best model with
its optimizer state saved after every improvement (``callbacks.ModelCheckpoint``;
``--resume`` continues a run from it).

What to expect: this machine kind has no network access to the data set, so
no accuracy on it has been measured here.  The time has: one epoch over the
45,000 training images (and the 5,000 held out) took 116 s on a 2-core AMD
EPYC, measured on noise images written in the official format (the time does
not depend on the pixels); time a few hundred images with ``--limit``
first.  On that noise the network, without batch normalisation, diverged
within 12 batches at a learning rate of 0.05 and trained steadily at 0.01,
hence the default; a run that diverges stops with a DivergenceError that
says so (``--lr`` sets another rate).

Run:  python examples/train_cifar10.py --data DIR [--download] [--epochs 30] [--lr 0.01]
                                       [--limit N] [--out output/cifar10] [--resume]

``DIR`` holds ``cifar-10-binary.tar.gz`` as published (or its extracted
``cifar-10-batches-bin/``); ``--download`` fetches it (162 MB, kept only if
its MD5 matches the publisher's).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

import convnet
from convnet.callbacks import EarlyStopping, LearningRateScheduler, ModelCheckpoint, load_checkpoint
from convnet.datasets import CIFAR10_CLASSES, load_cifar10
from convnet.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from convnet.optim import SGD
from convnet.schedules import CosineAnnealingLR
from convnet.transforms import Compose, Normalize, RandomCrop, RandomHorizontalFlip


def vgg_small(seed=0):
    """The network above, float32 (the library's default)."""
    rng = np.random.default_rng(seed)
    return convnet.Sequential(
        Conv2D(3, 32, 3, padding=1, rng=rng), ReLU(),
        Conv2D(32, 32, 3, padding=1, rng=rng), ReLU(), MaxPool2D(2),
        Conv2D(32, 64, 3, padding=1, rng=rng), ReLU(),
        Conv2D(64, 64, 3, padding=1, rng=rng), ReLU(), MaxPool2D(2),
        Flatten(), Dense(64 * 8 * 8, 256, rng=rng), ReLU(), Dense(256, 10, rng=rng))


def standardised(x_train, x_test):
    """Both sets standardised with the training set's per-channel mean and deviation."""
    mean, std = x_train.mean(axis=(0, 2, 3)), x_train.std(axis=(0, 2, 3))
    normalize = Normalize(mean, np.maximum(std, 1e-3))
    return normalize(x_train, None), normalize(x_test, None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/cifar-10",
                        help="folder with cifar-10-binary.tar.gz or cifar-10-batches-bin/")
    parser.add_argument("--download", action="store_true")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01,
                        help="the learning rate the cosine schedule starts from")
    parser.add_argument("--limit", type=int, default=None,
                        help="train on the first N training images only (a quick try)")
    parser.add_argument("--out", type=Path, default=Path("output/cifar10"))
    parser.add_argument("--resume", action="store_true",
                        help="continue from the checkpoint in --out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    try:
        (x_train, y_train), (x_test, y_test) = load_cifar10(args.data, download=args.download)
    except FileNotFoundError as exc:
        sys.exit(f"This example needs CIFAR-10: run it with --download, or with --data "
                 f"pointing to a folder that holds the files.\n(the loader: {exc})")
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    x_train, x_test = standardised(x_train, x_test)
    print(f"CIFAR-10: {len(x_train)} training images (a tenth held out) and "
          f"{len(x_test)} test images")

    checkpoint = args.out / "checkpoint.npz"
    optimizer = SGD(lr=args.lr, momentum=0.9, weight_decay=5e-4)
    model, history = vgg_small(args.seed), None
    if args.resume:
        model, _, history = load_checkpoint(checkpoint, optimizer)
        print(f"resumed after epoch {history.epoch[-1]}")
    args.out.mkdir(parents=True, exist_ok=True)
    history = model.fit(
        x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
        loss="cross_entropy", optimizer=optimizer, validation_split=0.1, seed=args.seed,
        transform=Compose(RandomCrop(32, padding=4), RandomHorizontalFlip()),
        callbacks=[LearningRateScheduler(CosineAnnealingLR(T_max=args.epochs)),
                   EarlyStopping(monitor="val_loss", patience=args.patience),
                   ModelCheckpoint(checkpoint, monitor="val_loss", save_best_only=True)],
        history=history)
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.1%} after {len(history)} epochs "
          f"(the best epoch's weights)")
    per_class = convnet.metrics.confusion_matrix(y_test, model.predict(x_test), num_classes=10)
    for name, share in zip(CIFAR10_CLASSES, per_class.per_class_accuracy()):
        print(f"  {name:<11} {share:6.1%}")
    return accuracy


if __name__ == "__main__":
    main()
