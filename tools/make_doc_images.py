"""Render the pictures of docs/tutorial.md into docs/images/ (needs matplotlib).

Run:  python tools/make_doc_images.py
The tutorial's code blocks make the same pictures (into a temporary folder)
when the documentation tests run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from convnet import viz  # noqa: E402
from convnet.datasets import load_digits, make_shapes  # noqa: E402
from convnet.zoo import designed_squares_vs_diamonds, train_digits  # noqa: E402

OUT = ROOT / "docs" / "images"

def main():
    OUT.mkdir(parents=True, exist_ok=True)
    viz.plot_conv_matrix([[1, 2], [3, 4]], (3, 3), order="F", path=OUT / "conv_matrix.png")
    viz.plot_receptive_field([(5, 1, "same")] * 10, (0, 63), (48, 64),
                             path=OUT / "receptive_field.png")
    designed = designed_squares_vs_diamonds()
    x, y = make_shapes(2, seed=3, dtype=np.float64)
    viz.plot_feature_maps(designed, x[int(np.argmax(y == 0))], path=OUT / "square_maps.png")
    model, history, accuracy = train_digits(epochs=40, seed=0, verbose=False,
                                            out=lambda line: None)
    viz.plot_history(history, path=OUT / "history.png")
    viz.plot_kernels(model.layers[0], path=OUT / "kernels.png")
    (_, _), (x_test, _) = load_digits()
    viz.plot_feature_maps(model, x_test[0], path=OUT / "digit_maps.png")
    print(f"wrote {len(list(OUT.glob('*.png')))} pictures to {OUT} (digits accuracy "
          f"{accuracy:.2%})")


if __name__ == "__main__":
    main()
