"""convnet.explain: worked output sizes and layer-by-layer summaries (problem set 1.5).

The course documents' own solutions are the expected text (problem set 1.5,
Goodfellow sheet exercise 4); for random sizes every written-out link is
evaluated back and compared with :mod:`convnet.geometry`.
"""

import re

import pytest
from hypothesis import given, strategies as st

from convnet import explain, geometry
from convnet.layers import (AvgPool2D, Conv2D, Dense, Dropout, Flatten, GlobalAvgPool2D,
                            MaxPool2D, ReLU)
from convnet.model import Sequential, Summary

from .explain_helpers import evaluate

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


def test_a_summary_with_a_ceil_mode_pooling_says_so_in_its_formula():
    # 7x7 -> conv 3x3 -> 5x5 -> max pool 2x2 in ceil mode: ceil((5 - 2)/2) + 1 = 3
    layers = [(Conv2D, dict(out_channels=2, kernel_size=3)), (Flatten, {})]
    ceil = explain.summary([layers[0], (MaxPool2D, dict(kernel_size=2, ceil_mode=True)),
                            layers[1]], (1, 7, 7))
    floor = explain.summary([layers[0], (MaxPool2D, dict(kernel_size=2)), layers[1]], (1, 7, 7))
    assert ceil.result.rows[2][1] == (2, 3, 3) and floor.result.rows[2][1] == (2, 2, 2)
    assert "ceil instead for a pooling in ceil mode" in str(ceil)
    assert "ceil instead" not in str(floor)
    assert r"\lceil" in ceil._repr_latex_() and r"\lceil" not in floor._repr_latex_()
