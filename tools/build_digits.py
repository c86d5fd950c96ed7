"""Build ``convnet/datasets/data/digits.npz``, the copy of the digits that ships with convnet.

Provenance
----------
The images are the UCI "Optical Recognition of Handwritten Digits" data set
by E. Alpaydin and C. Kaynak (1998), UCI Machine Learning Repository,
https://doi.org/10.24432/C50P49, licensed CC BY 4.0.  Of its two files we use
the test file ``optdigits.tes``: 1,797 images of 8x8 pixels, each pixel the
number (0..16) of ink pixels in a 4x4 block of a 32x32 bitmap, written by 13
people.  It is read here from the copy scikit-learn ships
(``sklearn/datasets/data/digits.csv.gz``, loaded by
``sklearn.datasets.load_digits``), in that copy's order.

scikit-learn is needed only to run this script, never by convnet itself::

    python -m pip install scikit-learn
    python tools/build_digits.py            # rewrites the file
    python tools/build_digits.py --check    # only compares with the shipped file

The file
--------
An ``.npz`` archive readable with ``np.load(path, allow_pickle=False)``:

``images``  uint8 (1797, 8, 8), values 0..16
``labels``  uint8 (1797,), values 0..9
``test``    bool (1797,), True for the 450 images of the fixed test split

The split is stratified: for each digit, in increasing order, the indices of
its images are shuffled by one ``numpy.random.default_rng(SPLIT_SEED)`` and
the first 45 go to the test set (450 test, 1,347 train).  The archive is
written with fixed zip timestamps, so running the script twice gives the
same bytes; ``--check`` compares the arrays, which is what matters.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

SPLIT_SEED = 1998          # the year the data set was donated to UCI
TEST_PER_CLASS = 45        # 10 classes x 45 = 450 test images
TARGET = Path(__file__).resolve().parents[1] / "convnet" / "datasets" / "data" / "digits.npz"


def digits_arrays() -> dict[str, np.ndarray]:
    """The three arrays of the archive, from scikit-learn's copy of the data."""
    from sklearn.datasets import load_digits  # only this script needs scikit-learn

    bunch = load_digits()
    pixels = np.asarray(bunch.images)                          # (1797, 8, 8) float64
    if pixels.shape != (1797, 8, 8) or not np.array_equal(pixels, np.round(pixels)):
        raise SystemExit(f"unexpected digits data: shape {pixels.shape}")
    if pixels.min() < 0 or pixels.max() > 16:
        raise SystemExit("unexpected digits data: pixel values outside 0..16")
    images = pixels.astype(np.uint8)                           # (1797, 8, 8)
    labels = np.asarray(bunch.target).astype(np.uint8)         # (1797,)

    rng = np.random.default_rng(SPLIT_SEED)
    test = np.zeros(labels.shape, dtype=bool)                  # (1797,)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        test[rng.permutation(members)[:TEST_PER_CLASS]] = True
    return {"images": images, "labels": labels, "test": test}


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with fixed timestamps, so the bytes are reproducible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare the shipped file with a fresh build instead of writing")
    parser.add_argument("--output", type=Path, default=TARGET, help=f"default: {TARGET}")
    args = parser.parse_args(argv)

    arrays = digits_arrays()
    if args.check:
        with np.load(args.output, allow_pickle=False) as shipped:
            same = (sorted(shipped.files) == sorted(arrays)
                    and all(np.array_equal(shipped[k], v) and shipped[k].dtype == v.dtype
                            for k, v in arrays.items()))
        print(f"{args.output}: {'matches' if same else 'DIFFERS FROM'} a fresh build")
        return 0 if same else 1
    write_npz(args.output, arrays)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes, sha256 {digest}); "
          f"{int(arrays['test'].sum())} test / {int((~arrays['test']).sum())} train images")
    return 0


if __name__ == "__main__":
    sys.exit(main())
