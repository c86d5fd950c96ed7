"""convnet.explain: worked solutions whose every number comes from the library.

The course documents' own solutions are the expected text (Goodfellow sheet,
exercise 3; problem set 1.3-1.5); for random inputs every written-out sum is
evaluated back and compared with the library's result.
"""

import math
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

import convnet
from convnet import explain, functional, geometry
from convnet.layers import (AvgPool2D, Conv2D, Dense, Dropout, Flatten, GlobalAvgPool2D,
                            MaxPool2D, ReLU)
from convnet.model import Sequential, Summary

from .strategies import conv_configs, pool_configs

# Goodfellow sheet, exercise 3
X = np.array([[1, 6, 6, 6, 6, 1],
              [1, 6, 10, 10, 6, 1],
              [1, 6, 10, 10, 6, 1],
              [1, 6, 6, 6, 6, 1]], dtype=float)
K = np.array([[-1, 0, 1]] * 3, dtype=float)
# The sheet's Eq. (1.1): each output grouped by kernel column.
SHEET_SUMS = {
    23: "-1·(1+1+1) + 0·(6+6+6) + 1·(6+10+10)",
    8: "-1·(6+6+6) + 0·(6+10+10) + 1·(6+10+10)",
    -8: "-1·(6+10+10) + 0·(6+10+10) + 1·(6+6+6)",
    -23: "-1·(6+10+10) + 0·(6+6+6) + 1·(1+1+1)",
}

# Problem set 1.3: the sigmoid feature map and its 2x2 max pooling
SIGMOID_MAP = np.array([[0.5000, 0.8808, 0.5000, 0.8808],
                        [0.9820, 0.8808, 0.9933, 0.8808],
                        [0.8808, 0.9994, 0.9241, 0.9959],
                        [0.9820, 0.8808, 0.9933, 0.8808]])

# Problem set 1.5: AlexNet, described without building its 62 million weights
ALEXNET = [(Conv2D, dict(out_channels=96, kernel_size=11, stride=4)),
           (MaxPool2D, dict(kernel_size=3, stride=2)),
           (Conv2D, dict(out_channels=256, kernel_size=5, padding=2)),
           (MaxPool2D, dict(kernel_size=3, stride=2)),
           (Conv2D, dict(out_channels=384, kernel_size=3, padding=1)),
           (Conv2D, dict(out_channels=384, kernel_size=3, padding=1)),
           (Conv2D, dict(out_channels=256, kernel_size=3, padding=1)),
           (MaxPool2D, dict(kernel_size=3, stride=2)),
           (Flatten, {}),
           (Dense, dict(out_features=4096)),
           (Dense, dict(out_features=4096)),
           (Dense, dict(out_features=1000))]
ALEXNET_SHAPES = [(3, 227, 227), (96, 55, 55), (96, 27, 27), (256, 27, 27), (256, 13, 13),
                  (384, 13, 13), (384, 13, 13), (256, 13, 13), (256, 6, 6), (9216,), (4096,),
                  (4096,), (1000,)]


# -- helpers: read the numbers back out of the text ----------------------------

def last_matrix(text, name):
    """The last matrix called ``name`` in a text explanation, as an array."""
    lines = text.splitlines()
    header = re.compile(rf"^{re.escape(name)} \(\d+x\d+\) =$")
    start = max(i for i, line in enumerate(lines) if header.match(line))
    rows = []
    for line in lines[start + 1:]:
        if not line.startswith("  ["):
            break
        rows.append([float(v) for v in line.strip(" []").split()])
    return np.array(rows)


def equations(text, name):
    """{(i, j): [link, link, ..., value]} for every line ``name[i, j] = ... = value``."""
    found = {}
    for line in text.splitlines():
        match = re.match(rf"^  {name}\[(\d+), (\d+)\] = (.*)$", line)
        if match:
            found[int(match.group(1)), int(match.group(2))] = match.group(3).split(" = ")
    return found


def evaluate(link):
    """The value of one written-out link, e.g. ``-1·(1+1+1) + 0·6`` or ``floor(213/4) + 1``."""
    source = (link.replace("·", "*").replace("floor", "math.floor")
              .replace("-inf", "(-math.inf)"))
    return eval(source, {"math": math, "max": lambda *values: max(values)})  # noqa: S307


def check_links(found, expected):
    """Every link of every line evaluates to the library's value at that position."""
    for (i, j), links in found.items():
        value = float(links[-1])
        assert value == pytest.approx(expected[i, j], abs=1e-9)
        for link in links[:-1]:
            assert evaluate(link) == pytest.approx(value, abs=1e-9), link


def quarters(seed, shape):
    """Small multiples of 1/4: every product and sum is exact with <= 4 decimals."""
    return np.random.default_rng(seed).integers(-8, 9, size=shape) / 4


# -- the Goodfellow sheet, exercise 3 -----------------------------------------------

def test_goodfellow_ex3_sums_in_text():
    explanation = explain.correlate2d(X, K, padding="valid")
    text = explanation.text()
    assert str(explanation) == text
    for value, grouped in SHEET_SUMS.items():           # the sheet's Eq. (1.1)
        assert f" = {grouped} = {value}\n" in text
    assert ("  z[0, 0] = -1·1 + 0·6 + 1·6 + (-1)·1 + 0·6 + 1·10 + (-1)·1 + 0·6 + 1·10"
            " = -1·(1+1+1) + 0·(6+6+6) + 1·(6+10+10) = 23\n") in text
    assert "Z (2x4) =\n  [  23    8   -8  -23 ]\n  [  23    8   -8  -23 ]" in text
    np.testing.assert_array_equal(explanation.result, convnet.correlate2d(X, K))


def test_goodfellow_ex3_markdown_and_latex():
    explanation = explain.correlate2d(X, K)
    markdown, latex = explanation.markdown(), explanation.latex()
    for value, grouped in SHEET_SUMS.items():
        tex = grouped.replace("·", " \\cdot ")
        assert f"= {tex} = {value}$" in markdown
        assert f"&= {tex} \\\\\n  &= {value}" in latex
    assert latex.count("\\begin{bmatrix}") == 3                      # X, K and Z
    assert "Z = \\begin{bmatrix}\n  23 & 8 & -8 & -23 \\\\\n  23 & 8 & -8 & -23\n" in latex
    assert "\\begin{align*}" in latex
    assert "$$\nX = \\begin{bmatrix}\n  1 & 6 & 6 & 6 & 6 & 1 \\\\" in markdown
    assert "- $z_{0,0} = " in markdown


def test_goodfellow_ex3_same_shows_the_padded_image():
    explanation = explain.correlate2d(X, K, padding="same")
    text = explanation.text()
    assert "Padding 'same' adds 1 row(s) at the top and bottom and 1 column(s) at each side" \
        in text
    padded = last_matrix(text, "X padded")
    np.testing.assert_array_equal(padded, np.pad(X, 1))
    np.testing.assert_array_equal(last_matrix(text, "Z"), convnet.correlate2d(X, K, "same"))
    assert "z[1, 1] = " in text and text.rstrip().endswith("-12 ]")


def test_full_padding_writes_all_48_outputs_by_default():
    explanation = explain.correlate2d(X, K, padding="full")
    found = equations(explanation.text(), "z")
    assert len(found) == 48                                          # 6 x 8
    check_links(found, explanation.result)
    assert "more outputs" not in explanation.text()


def test_large_outputs_are_cut_after_max_terms():
    x = np.arange(144.0).reshape(12, 12)
    text = explain.correlate2d(x, np.ones((3, 3)), max_terms=5).text()
    assert len(equations(text, "z")) == 5
    assert "... and 95 more outputs, computed the same way." in text
    np.testing.assert_array_equal(last_matrix(text, "Z"), convnet.correlate2d(x, np.ones((3, 3))))


def test_constant_rows_are_grouped_by_row():
    horizontal = K.T                                                 # rows of -1, 0, 1
    text = explain.correlate2d(X, horizontal).text()
    assert "grouped by kernel row" in text
    assert "z[0, 0] = " in text and " = -1·(1+6+6) + 0·(1+6+10) + 1·(1+6+10) = 4\n" in text


def test_sobel_kernel_gets_no_grouped_form():
    sobel = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    found = equations(explain.correlate2d(X, sobel).text(), "z")
    assert all(len(links) == 2 for links in found.values())         # products, value


# -- random small inputs: the text holds the library's numbers ------------------------

SMALL_CONV = conv_configs(max_batch=1, max_channels=1, max_filters=1, max_kernel=3,
                          max_stride=2, max_dilation=2, extra=3)


@given(SMALL_CONV, st.booleans())
def test_random_correlation_and_convolution_match_the_library(cfg, flip):
    x = quarters(cfg["seed"], cfg["x_shape"][2:])
    k = quarters(cfg["seed"] + 1, cfg["w_shape"][2:])
    options = dict(padding=cfg["padding"], stride=cfg["stride"], dilation=cfg["dilation"])
    function, library = ((explain.convolve2d, convnet.convolve2d) if flip
                         else (explain.correlate2d, convnet.correlate2d))
    explanation = function(x, k, **options)
    expected = library(x, k, **options)
    np.testing.assert_array_equal(explanation.result, expected)
    text = explanation.text()
    np.testing.assert_array_equal(last_matrix(text, "Z = X * K" if flip else "Z"), expected)
    found = equations(text, "z")
    assert len(found) == min(expected.size, explain.MAX_TERMS)
    check_links(found, expected)
    assert explanation.latex().count("\\begin{bmatrix}") >= 3
    if flip:
        np.testing.assert_array_equal(last_matrix(text, "K' = rot180(K)"), convnet.rot180(k))


# -- convolution: the flipped kernel (problem set 1.3) ------------------------------

def test_problem_set_1_3_convolution_shows_the_flipped_kernel():
    x = [[0, 0, 0, 0], [0, 1, 0, 1], [1, 0.5, 1, 0.5], [0, 1, 0, 1]]
    k = [[0, 2, 0], [2, 1, 1], [0, 2, 0]]
    explanation = explain.convolve2d(x, k, padding=1)
    text = explanation.text()
    assert "K' = rot180(K) (3x3) =\n  [ 0  2  0 ]\n  [ 1  1  2 ]\n  [ 0  2  0 ]" in text
    assert "Convolution flips the kernel by 180 degrees" in text
    assert "K' = \\operatorname{rot180}(K) = \\begin{bmatrix}" in explanation.latex()
    z = [[0, 2, 0, 2], [4, 2, 5, 2], [2, 7.5, 2.5, 5.5], [4, 2, 5, 2]]      # the sheet's Z
    np.testing.assert_array_equal(explanation.result, z)
    assert "  [   2  7.5  2.5  5.5 ]" in text
    assert "  z[0, 1] = 0·0 + 2·0 + 0·0 + 1·0 + 1·0 + 2·0 + 0·0 + 2·1 + 0·0 = 2\n" in text


# -- pooling (problem set 1.3 and 1.4) -----------------------------------------------

def test_problem_set_1_3_max_pooling_regions():
    explanation = explain.pool2d(SIGMOID_MAP, 2, decimals=4)
    text = explanation.text()
    regions = [("1 (top-left), rows 0 to 1, columns 0 to 1 -> z[0, 0]",
                "0.5000  0.8808", "0.9820  0.8808", "0.9820"),
               ("2 (top-right), rows 0 to 1, columns 2 to 3 -> z[0, 1]",
                "0.5000  0.8808", "0.9933  0.8808", "0.9933"),
               ("3 (bottom-left), rows 2 to 3, columns 0 to 1 -> z[1, 0]",
                "0.8808  0.9994", "0.9820  0.8808", "0.9994"),
               ("4 (bottom-right), rows 2 to 3, columns 2 to 3 -> z[1, 1]",
                "0.9241  0.9959", "0.9933  0.8808", "0.9959")]
    for place, top, bottom, maximum in regions:
        values = ", ".join((top + "  " + bottom).split())
        assert (f"Region {place}:\n  [ {top} ]\n  [ {bottom} ]\n"
                f"  maximum = max({values}) = {maximum}\n") in text
    np.testing.assert_array_equal(explanation.result, [[0.9820, 0.9933], [0.9994, 0.9959]])
    assert "P (2x2) =\n  [ 0.9820  0.9933 ]\n  [ 0.9994  0.9959 ]" in text
    assert "\\text{maximum} &= \\max(0.5000, 0.8808, 0.9820, 0.8808) \\\\\n  &= 0.9820" \
        in explanation.latex()


def test_problem_set_1_4_average_pooling():
    x = np.arange(1.0, 17.0).reshape(4, 4)
    explanation = explain.pool2d(x, 2, kind="avg")
    assert "  mean = (1 + 2 + 5 + 6)/4 = 3.5\n" in explanation.text()
    assert "\\frac{11 + 12 + 15 + 16}{4} \\\\\n  &= 13.5" in explanation.latex()
    np.testing.assert_array_equal(explanation.result, [[3.5, 5.5], [11.5, 13.5]])


@given(pool_configs(max_batch=1, max_channels=1, max_kernel=3, max_stride=3, extra=3),
       st.sampled_from(["max", "avg"]))
def test_random_pooling_matches_the_library(cfg, kind):
    x = quarters(cfg["seed"], cfg["x_shape"][2:])
    library = functional.max_pool2d if kind == "max" else functional.avg_pool2d
    expected = library(x[None, None], cfg["kernel_size"], cfg["stride"], cfg["padding"])[0, 0]
    explanation = explain.pool2d(x, cfg["kernel_size"], cfg["stride"], cfg["padding"], kind,
                                 max_terms=None, decimals=6)
    np.testing.assert_array_equal(explanation.result, expected)
    text = explanation.text()
    np.testing.assert_allclose(last_matrix(text, "P"), expected, atol=1e-6)
    word = "maximum" if kind == "max" else "mean"
    lines = [line.split(" = ") for line in text.splitlines()
             if line.startswith(f"  {word} = ")]
    assert len(lines) == expected.size
    for (_, link, value), want in zip(lines, expected.ravel()):
        assert float(value) == pytest.approx(want, abs=1e-6)
        assert evaluate(link) == pytest.approx(want, abs=1e-6)


# -- output sizes (problem set 1.5) -----------------------------------------------------

def test_alexnet_first_layer_output_size():
    explanation = explain.output_size(227, 11, stride=4)
    assert explanation.result == 55
    assert "  o = (227 + 2·0 - 11)/4 + 1 = 216/4 + 1 = 54 + 1 = 55\n" in explanation.text()
    assert "o = floor((n + 2p - k)/s) + 1" in explanation.text()
    assert "\\frac{227 + 2 \\cdot 0 - 11}{4} + 1" in explanation.latex()


def test_output_size_writes_the_floor_when_the_division_is_not_exact():
    text = explain.output_size(224, 11, stride=4).text()
    assert "  o = floor((224 + 2·0 - 11)/4) + 1 = floor(213/4) + 1 = 53 + 1 = 54\n" in text
    assert "\\left\\lfloor \\frac{213}{4} \\right\\rfloor" in explain.output_size(
        224, 11, stride=4).latex()


def test_output_size_rows_and_columns_with_dilation_and_same_padding():
    explanation = explain.output_size((28, 30), 4, padding="same", dilation=2)
    text = explanation.text()
    assert explanation.result == (28, 30)
    assert "p = 3 ('same')" in text and "d = 2" in text
    assert "  Ho = (28 + 2·3 - 2·(4 - 1) - 1)/1 + 1 = 27/1 + 1 = 27 + 1 = 28\n" in text
    assert "  Wo = (30 + 2·3 - 2·(4 - 1) - 1)/1 + 1 = 29/1 + 1 = 29 + 1 = 30\n" in text


@given(st.integers(1, 60), st.integers(1, 7), st.integers(1, 5), st.integers(0, 3),
       st.integers(1, 3))
def test_random_output_size_matches_geometry(n, k, s, p, d):
    try:
        expected = geometry.output_size(n, k, s, p, d)
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            explain.output_size(n, k, s, p, d)
        return
    explanation = explain.output_size(n, k, s, p, d)
    assert explanation.result == expected
    line = explanation.text().splitlines()[-1]
    links = line.split(" = ")[1:]
    assert int(links[-1]) == expected
    for link in links[:-1]:
        assert evaluate(link) == expected, line


# -- layer-by-layer summaries (problem set 1.5, Goodfellow exercise 4) ----------------

def table_rows(text):
    """{layer name: table line} of a summary's text."""
    return {line.split()[0]: line for line in text.splitlines()
            if re.match(r"^(Input|Conv\d|Pool\d|AvgPool\d|GAP\d|FC\d|Flatten|ReLU|Dropout) ",
                        line)}


def test_alexnet_summary_derivation():
    explanation = explain.summary(ALEXNET, (3, 227, 227))
    rows = table_rows(explanation.text())
    expected = {
        "Input": "3 x 227 x 227",
        "Conv1": "11x11, 96, S=4, P=0  (227 + 2·0 - 11)/4 + 1 = 55  96 x 55 x 55",
        "Pool1": "3x3 max, S=2, P=0    (55 + 2·0 - 3)/2 + 1 = 27    96 x 27 x 27",
        "Conv2": "(27 + 2·2 - 5)/1 + 1 = 27    256 x 27 x 27",
        "Pool2": "(27 + 2·0 - 3)/2 + 1 = 13    256 x 13 x 13",
        "Conv3": "(13 + 2·1 - 3)/1 + 1 = 13    384 x 13 x 13",
        "Conv4": "384 x 13 x 13",
        "Conv5": "256 x 13 x 13",
        "Pool3": "(13 + 2·0 - 3)/2 + 1 = 6     256 x 6 x 6",
        "Flatten": "256·6·6 = 9216               9216",
        "FC1": "9216·4096 + 4096 = 37,752,832",
        "FC2": "4096·4096 + 4096 = 16,781,312",
        "FC3": "4096·1000 + 1000 = 4,097,000",
    }
    for name, part in expected.items():
        assert part in rows[name], (name, rows[name])
    assert "96·3·11·11 + 96 = 34,944" in rows["Conv1"]
    assert explanation.text().rstrip().endswith("= 62,378,344")
    result = explanation.result
    assert isinstance(result, Summary)
    assert [shape for _, shape, _ in result.rows] == ALEXNET_SHAPES
    assert result.total == 62_378_344
    assert "\\begin{tabular}" in explanation.latex()
    assert "| Conv1 | 11x11, 96, S=4, P=0 | $\\frac{227 + 2 \\cdot 0 - 11}{4} + 1 = 55$ |" \
        in explanation.markdown()


GOODFELLOW_NET = [(Conv2D, dict(out_channels=12, kernel_size=9)),     # exercise 4 (a)
                  (ReLU, {}),
                  (MaxPool2D, dict(kernel_size=2)),                     # (b), (c)
                  (Conv2D, dict(out_channels=6, kernel_size=3)),       # (d)
                  (MaxPool2D, dict(kernel_size=2)),
                  (Flatten, {})]                                        # (e)


def build(described, input_shape):
    shape, layers = input_shape, []
    for cls, config in described:
        config = dict(config)
        if cls is Conv2D:
            config.update(in_channels=shape[0], rng=0)
        if cls is Dense:
            config.update(in_features=shape[0], rng=0)
        layer = cls(**config)
        shape = layer.output_shape(shape)
        layers.append(layer)
    return Sequential(layers)


def test_goodfellow_two_layer_net_summary():
    explanation = explain.summary(GOODFELLOW_NET, (3, 512, 512))
    rows = table_rows(explanation.text())
    assert "(512 + 2·0 - 9)/1 + 1 = 504  12 x 504 x 504" in rows["Conv1"]
    assert "(504 + 2·0 - 2)/2 + 1 = 252  12 x 252 x 252" in rows["Pool1"]
    assert "(252 + 2·0 - 3)/1 + 1 = 250  6 x 250 x 250" in rows["Conv2"]
    assert "(250 + 2·0 - 2)/2 + 1 = 125  6 x 125 x 125" in rows["Pool2"]
    assert "6·125·125 = 93750" in rows["Flatten"]
    assert explanation.result.rows[-1][1] == (93_750,)
    # the same derivation, word for word, from the built model and its own summary
    model = build(GOODFELLOW_NET, (3, 512, 512))
    built = explain.summary(model, (3, 512, 512))
    assert built.text() == explanation.text()
    assert built.result == model.summary((3, 512, 512))


def test_described_and_built_models_agree_for_every_layer_kind():
    described = [(Conv2D, dict(out_channels=4, kernel_size=(3, 2), stride=(2, 1), padding=1,
                               dilation=(1, 2))),
                 (Conv2D, dict(out_channels=2, kernel_size=3, padding="same", bias=None)),
                 (AvgPool2D, dict(kernel_size=2, stride=1)),
                 (MaxPool2D, dict(kernel_size=3, stride=2, padding=1)),
                 (ReLU, {}), (Flatten, {}), (Dense, dict(out_features=5)), (Dropout, {}),
                 (Dense, dict(out_features=3, bias=False))]
    model = build(described, (1, 13, 11))
    from_description = explain.summary(described, (1, 13, 11))
    from_model = explain.summary(model, (1, 13, 11))
    assert from_description.text() == from_model.text()
    library = model.summary((1, 13, 11))
    assert [(s, c) for _, s, c in from_description.result.rows] == \
        [(s, c) for _, s, c in library.rows]
    text = from_model.text()
    assert "Ho: (13 + 2·1 - 3)/2 + 1 = 7; Wo: (11 + 2·1 - 2·(2 - 1) - 1)/1 + 1 = 11" in text
    assert "Ho: floor((6 + 2·1 - 3)/2) + 1 = 3; Wo: floor((10 + 2·1 - 3)/2) + 1 = 5" in text
    assert "2·4·3·3 = 72" in text and "5·3 = 15" in text                # no bias


def test_untied_bias_and_global_pooling_in_summaries():
    model = Sequential(Conv2D(1, 2, 3, bias="untied", input_size=(6, 6), rng=0),
                       GlobalAvgPool2D())
    text = explain.summary(model, (1, 6, 6)).text()
    assert "2·1·3·3 + 2·4·4 = 50" in text
    assert "mean over 4x4" in text


def test_summary_refuses_bad_descriptions():
    with pytest.raises(ValueError, match=r"^model\[0\] must be keyword arguments of Conv2D "
                                         r"\(.*\); got unknown argument\(s\) 'kernal_size'$"):
        explain.summary([(Conv2D, dict(out_channels=3, kernal_size=3))], (1, 8, 8))
    with pytest.raises(ValueError, match=r"got no 'out_features'$"):
        explain.summary([(Flatten, {}), (Dense, {})], (1, 8, 8))
    with pytest.raises(TypeError, match=r"^model\[0\] must be a \(layer class, dict"):
        explain.summary([3], (1, 8, 8))
    with pytest.raises(ValueError, match="does not fit input"):
        explain.summary([(Conv2D, dict(out_channels=3, kernel_size=9))], (1, 8, 8))
    with pytest.raises(ValueError, match="put a Flatten before it"):
        explain.summary([(Dense, dict(out_features=3))], (1, 8, 8))


# -- backpropagation (Eq. 8.44-8.48) ---------------------------------------------------

def test_backward_ones_example():
    explanation = explain.conv2d_backward(np.zeros((3, 3)), np.ones((2, 2)), np.ones((2, 2)))
    dx, dw, db = explanation.result
    np.testing.assert_array_equal(dx, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert db == 4.0
    text = explanation.text()
    assert "dx is the full cross-correlation of dz with rot180(w) (Eq. 8.44-8.45)." in text
    assert "dz padded (4x4) =\n  [ 0  0  0  0 ]\n  [ 0  1  1  0 ]" in text
    assert "  dx[1, 1] = 1·1 + 1·1 + 1·1 + 1·1 = 4\n" in text
    assert "  db = 1 + 1 + 1 + 1 = 4\n" in text


@given(conv_configs(max_batch=1, max_channels=1, max_filters=1, max_kernel=3, max_stride=3,
                    max_dilation=1, extra=3))
def test_random_backward_matches_conv2d_backward(cfg):
    x = quarters(cfg["seed"], cfg["x_shape"][2:])
    w = quarters(cfg["seed"] + 1, cfg["w_shape"][2:])
    window = geometry.conv_window(x.shape, w.shape, cfg["stride"], cfg["padding"])
    dz = quarters(cfg["seed"] + 2, window.out)
    explanation = explain.conv2d_backward(x, w, dz, cfg["stride"], cfg["padding"],
                                          max_terms=None)
    dx4, dw4, db = functional.conv2d_backward(dz[None, None], x[None, None], w[None, None],
                                              cfg["stride"], cfg["padding"])
    dx, dw, db_shown = explanation.result
    np.testing.assert_array_equal(dx, dx4[0, 0])
    np.testing.assert_array_equal(dw, dw4[0, 0])
    assert db_shown == db[0]
    text = explanation.text()
    np.testing.assert_array_equal(last_matrix(text, "rot180(w)"), convnet.rot180(w))
    np.testing.assert_array_equal(last_matrix(text, "dx"), dx)
    np.testing.assert_array_equal(last_matrix(text, "dw"), dw)
    check_links(equations(text, "dx"), dx)
    check_links(equations(text, "dw"), dw)
    assert len(equations(text, "dx")) == dx.size and len(equations(text, "dw")) == dw.size
    if window.stride != (1, 1):
        assert "dz dilated" in text


# -- numbers and arguments ---------------------------------------------------------------

def test_numbers_are_written_exactly_or_rounded_uniformly():
    text = explain.correlate2d([[0.5, 1], [2, 3]], [[1]]).text()
    assert "[ 0.5    1 ]" in text                                   # exact: trimmed
    thirds = explain.pool2d([[1, 2], [2, 2]], 2, kind="avg", decimals=None)
    assert "(1 + 2 + 2 + 2)/4 = 1.75" in thirds.text()
    rounded = explain.pool2d([[1, 0], [0, 0]], 2, kind="avg", decimals=2)
    assert "(1.00 + 0.00 + 0.00 + 0.00)/4 = 0.25" in rounded.text()
    sevenths = explain.correlate2d([[1.0]], [[1 / 7]])
    assert "= 0.1429\n" in sevenths.text()                          # rounded: 4 decimals


def test_bad_arguments_use_the_library_wording():
    with pytest.raises(TypeError, match=r"^max_terms must be an integer; got 1\.5 \(float\)$"):
        explain.correlate2d(X, K, max_terms=1.5)
    with pytest.raises(ValueError, match=r"^kind must be one of 'max', 'avg'; got 'min' \(str\)$"):
        explain.pool2d(X, 2, kind="min")
    with pytest.raises(ValueError, match=r"^kernel 5x5 does not fit input 4x6"):
        explain.convolve2d(X, np.ones((5, 5)))
    with pytest.raises(ValueError, match=r"^dz must be of shape \(2, 4\)"):
        explain.conv2d_backward(X, K, np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"^x must be a 2-D array \(H, W\)"):
        explain.conv2d_backward(np.ones((1, 1, 3, 3)), K, np.ones((1, 1)))
    with pytest.raises(ValueError, match=r"^decimals must be an integer <= 12"):
        explain.pool2d(X, 2, decimals=13)


def test_explanations_render_in_jupyter():
    explanation = explain.output_size(32, 5)
    assert explanation._repr_markdown_() == explanation.markdown()
    assert repr(explanation) == "<Explanation: Output size: n = 32, k = 5, s = 1, p = 0>"
