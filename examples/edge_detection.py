"""Sobel and Laplace filters (LMU exercise 4-1) on a generated image.

The two Sobel kernels approximate the image gradient across columns and
across rows; the Laplace kernel responds to rapid changes in any direction.
The script applies all three by cross-correlation, prints statistics, and,
if matplotlib is installed, writes the pictures as PNGs.

Run:  python examples/edge_detection.py [--out output/edges]
"""

import argparse
from pathlib import Path

import numpy as np

import convnet

SOBEL_COLUMNS = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)  # vertical edges
SOBEL_ROWS = SOBEL_COLUMNS.T                                                  # horizontal edges
LAPLACE = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float)
LMU_IMAGE = np.array([[3, 5, 2, 5, 5], [5, 5, 2, 5, 5], [7, 7, 5, 7, 7],
                      [5, 5, 2, 5, 5], [5, 5, 2, 5, 5]], dtype=float)


def scene(size=64):
    """A dark background, a bright square and a grey disk: edges in every direction."""
    rows, cols = np.mgrid[0:size, 0:size]
    image = np.full((size, size), 0.1)
    image[8:28, 8:28] = 1.0                                              # square
    image[(rows - 42) ** 2 + (cols - 40) ** 2 <= 14 ** 2] = 0.6          # disk
    return image


def describe(name, response):
    strong = np.abs(response) > 0.5 * np.abs(response).max()
    print(f"{name:<14} range [{response.min():7.2f}, {response.max():6.2f}]  "
          f"mean |response| {np.abs(response).mean():.3f}  strong-edge pixels {strong.mean():.1%}")


def save_pictures(folder, pictures):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print('matplotlib is not installed: no pictures (pip install -e ".[plot]")')
        return []
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, image in pictures.items():
        path = folder / f"{name}.png"
        plt.imsave(path, image, cmap="gray")
        written.append(path)
    print(f"wrote {len(written)} pictures to {folder}/")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description="Sobel and Laplace edge detection")
    parser.add_argument("--out", type=Path, default=Path("output/edges"))
    args = parser.parse_args(argv)

    print("LMU exercise 4-1, the 5x5 image, 'valid' cross-correlation:")
    for name, kernel in (("Sobel columns", SOBEL_COLUMNS), ("Sobel rows", SOBEL_ROWS),
                         ("Laplace", LAPLACE)):
        print(f"{name}:\n{convnet.correlate2d(LMU_IMAGE, kernel).astype(int)}")

    image = scene()
    gx = convnet.correlate2d(image, SOBEL_COLUMNS, padding="same")
    gy = convnet.correlate2d(image, SOBEL_ROWS, padding="same")
    magnitude = np.hypot(gx, gy)
    laplace = convnet.correlate2d(image, LAPLACE, padding="same")
    print(f"\na generated {image.shape[0]}x{image.shape[1]} scene:")
    for name, response in (("Sobel columns", gx), ("Sobel rows", gy),
                           ("gradient size", magnitude), ("Laplace", laplace)):
        describe(name, response)
    return save_pictures(args.out, {"scene": image, "sobel_columns": gx, "sobel_rows": gy,
                                    "gradient_magnitude": magnitude, "laplace": laplace})


if __name__ == "__main__":
    main()
