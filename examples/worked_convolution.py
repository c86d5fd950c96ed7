"""The three stages of a convolutional layer, worked on the course's example.

Goodfellow sheet, exercise 3: a 4x6 image, a vertical-edge kernel, then
ReLU (the detector stage) and 2x2 max pooling (the pooling stage).  Every
stage is printed so it can be compared with the worked solution.

Run:  python examples/worked_convolution.py
"""

import argparse

import numpy as np

import convnet
from convnet.functional import max_pool2d, relu
# The sheet's 4x6 image and vertical-edge kernel (one copy of the course's numbers).
from convnet.testing.sheets import GOODFELLOW_K as K, GOODFELLOW_X as X

np.set_printoptions(linewidth=100)


def show(title, array):
    print(f"\n{title}  {array.shape[0]}x{array.shape[1]}")
    print(np.array2string(array, formatter={"float_kind": lambda v: f"{v:5.0f}"}))


def main(argv=None):
    argparse.ArgumentParser(description="The three stages of a convolutional layer, worked on "
                            "the Goodfellow sheet's exercise 3 (no options)").parse_args(argv)
    show("image X", X)
    show("kernel K (vertical edges)", K)

    print("\n--- 1. convolution stage: cross-correlation K ⊗ X (Eq. 8.13) ---")
    for mode in ("valid", "same", "full"):
        if mode != "valid":
            show(f"X padded for '{mode}'", convnet.pad2d(X, mode, kernel_size=K.shape))
        show(f"A_{mode}", convnet.correlate2d(X, K, padding=mode))
    top_left = X[0:3, 0:3]
    print(f"\nA_valid[0, 0] = sum(K * X[0:3, 0:3]) = {np.sum(K * top_left):.0f}"
          "  (= -1*(1+1+1) + 0*(6+6+6) + 1*(6+10+10))")

    a_same = convnet.correlate2d(X, K, padding="same")
    print("\n--- 2. detector stage: ReLU, max(A, 0) ---")
    y_same = relu(a_same)
    show("Y_same", y_same)

    print("\n--- 3. pooling stage: 2x2 max pooling, stride 2 (Eq. 8.24) ---")
    p_same = max_pool2d(y_same[None, None], kernel_size=2)[0, 0]  # (1, 1, H, W) in and out
    show("P_same", p_same)


if __name__ == "__main__":
    main()
