"""convnet.explain: worked correlations, convolutions, poolings and backward passes.

The course documents' own solutions are the expected text (Goodfellow sheet,
exercise 3; problem set 1.3-1.4); for random inputs every written-out sum is
evaluated back and compared with the library's result.
"""

import functools

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import convnet
from convnet import explain, functional
from convnet.window import conv_window

from .explain_helpers import (K, SHEET_SUMS, X, check_links, equations, evaluate, last_matrix,
                              quarters)
from .strategies import conv_configs, pool_configs

# Problem set 1.3: the sigmoid feature map and its 2x2 max pooling
SIGMOID_MAP = np.array([[0.5000, 0.8808, 0.5000, 0.8808],
                        [0.9820, 0.8808, 0.9933, 0.8808],
                        [0.8808, 0.9994, 0.9241, 0.9959],
                        [0.9820, 0.8808, 0.9933, 0.8808]])


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
       st.sampled_from(["max", "avg"]), st.booleans(), st.sampled_from([1, 2]), st.booleans())
def test_random_pooling_matches_the_library(cfg, kind, ceil_mode, dilation, include_pad):
    x = quarters(cfg["seed"], cfg["x_shape"][2:])
    geometry = (cfg["kernel_size"], cfg["stride"], cfg["padding"])
    if kind == "max":
        options = dict(dilation=dilation, ceil_mode=ceil_mode)
        library = functools.partial(functional.max_pool2d, **options)
    else:
        options = dict(ceil_mode=ceil_mode, count_include_pad=include_pad)
        library = functools.partial(functional.avg_pool2d, **options)
    try:
        expected = library(x[None, None], *geometry)[0, 0]
    except ValueError:          # a dilated window larger than the padded input
        assume(False)
    explanation = explain.pool2d(x, *geometry, kind, max_terms=None, decimals=6, **options)
    np.testing.assert_array_equal(explanation.result, expected)
    text = explanation.text()
    np.testing.assert_allclose(last_matrix(text, "P"), expected, atol=1e-6)
    word = "maximum" if kind == "max" else "mean"
    lines = [line.split(" = ") for line in text.splitlines()
             if line.startswith(f"  {word} = ")]
    assert len(lines) == expected.size
    for (_, link, value), want in zip(lines, expected.ravel()):
        assert float(value) == pytest.approx(want, abs=1e-6)
        assert evaluate(link) == pytest.approx(want, abs=1e-6)   # the region's own arithmetic


def test_ceil_mode_cuts_the_window_that_hangs_over():
    # By hand: windows of 1x2 at columns 0 and 2 of a 1x3 input; the second reads column 2
    # only, so its mean is 5 / 1 (PyTorch's AvgPool2d(ceil_mode=True) gives [2, 5] too).
    explanation = explain.pool2d([[1, 3, 5]], (1, 2), kind="avg", ceil_mode=True)
    text = explanation.text()
    np.testing.assert_array_equal(explanation.result, [[2, 5]])
    assert "Wo = ceil((3 + 2·0 - 2)/2) + 1 = ceil(1/2) + 1 = 1 + 1 = 2" in text
    assert "hangs 0 row(s) and 1 column(s) over the padded input" in text
    assert "Region 2 (right), rows 0 to 0, columns 2 to 2 -> z[0, 1]:\n  [ 5 ]\n" in text


def test_a_dilated_max_pooling_window_skips_rows_and_columns():
    x = np.arange(1.0, 26.0).reshape(5, 5)
    explanation = explain.pool2d(x, 2, stride=2, dilation=2)
    text = explanation.text()
    assert text.startswith("Max pooling of X (5x5), 2x2 window, stride 2, dilation 2\n")
    assert ("Region 1 (top-left), rows 0 to 2 by 2, columns 0 to 2 by 2 -> z[0, 0]:\n"
            "  [  1   3 ]\n  [ 11  13 ]\n  maximum = max(1, 3, 11, 13) = 13\n") in text
    np.testing.assert_array_equal(explanation.result, [[13, 15], [23, 25]])


@pytest.mark.parametrize("options, means", [
    (dict(), [[0.25, 0.5], [0.75, 1.0]]),                 # each sum / 4: the padding counts
    (dict(count_include_pad=False), [[1, 2], [3, 4]]),   # each sum / 1: one pixel of x each
    (dict(divisor_override=3), [[1 / 3, 2 / 3], [1, 4 / 3]]),
])
def test_what_the_mean_divides_by(options, means):
    explanation = explain.pool2d([[1, 2], [3, 4]], 2, padding=1, kind="avg", decimals=2,
                                 **options)
    np.testing.assert_allclose(explanation.result, means)
    divisor = {"count_include_pad": 1, "divisor_override": 3}.get(next(iter(options), ""), 4)
    first = f"  mean = (0.00 + 0.00 + 0.00 + 1.00)/{divisor} = {means[0][0]:.2f}\n"
    assert first in explanation.text()


@pytest.mark.parametrize("kind, options, name", [
    ("avg", dict(dilation=2), "dilation"),
    ("max", dict(count_include_pad=False), "count_include_pad"),
    ("max", dict(divisor_override=2), "divisor_override"),
])
def test_an_option_of_the_other_kind_of_pooling_is_refused_by_name(kind, options, name):
    with pytest.raises(ValueError, match=f"^{name} must be "):
        explain.pool2d([[1.0, 2.0], [3.0, 4.0]], 2, kind=kind, **options)


# -- backpropagation (Eq. 8.44-8.48) ---------------------------------------------------

def test_backward_ones_example():
    explanation = explain.conv2d_backward(np.ones((2, 2)), np.zeros((3, 3)), np.ones((2, 2)))
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
    window = conv_window(x.shape, w.shape, cfg["stride"], cfg["padding"])
    dz = quarters(cfg["seed"] + 2, window.out)
    explanation = explain.conv2d_backward(dz, x, w, cfg["stride"], cfg["padding"],
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


# -- an explanation keeps its own copies of the inputs --------------------------------

@pytest.mark.parametrize("make", [
    lambda x, k, dz: explain.correlate2d(x, k),
    lambda x, k, dz: explain.convolve2d(x, k),
    lambda x, k, dz: explain.pool2d(x, 2),
    lambda x, k, dz: explain.conv2d_backward(dz, x, k),
], ids=["correlate2d", "convolve2d", "pool2d", "conv2d_backward"])
def test_explanation_unchanged_when_caller_arrays_change(make):
    x = np.arange(16.0).reshape(4, 4)
    k = np.array([[1.0, -1.0], [2.0, 0.5]])
    dz = np.ones((3, 3))
    explanation = make(x, k, dz)
    before = explanation.text()
    x[...] = -7.0
    k[...] = 3.0
    dz[...] = 5.0
    assert explanation.text() == before
