"""convnet.insight on hand-checkable networks: saliency against central differences, Grad-CAM on
the designed E8.10 network, occlusion and class models in closed form, and the model left as found.

The trained digits network is in tests/test_insight_digits.py.
"""

import numpy as np
import pytest

from convnet import Sequential, insight
from convnet.datasets import make_shapes
from convnet.gradcheck import numerical_gradient
from convnet.layers import (BatchNorm2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU,
                            Residual, Tanh)
from convnet.optim import SGD
from convnet.zoo import LINE_KERNELS, designed_squares_vs_diamonds

F64 = dict(dtype=np.float64)


def smooth_model():
    """Float64, with a residual container; tanh so that central differences meet no kink."""
    return Sequential(Conv2D(2, 4, 3, padding=1, rng=1, **F64), Tanh(),
                      Residual(Conv2D(4, 4, 3, padding=1, rng=2, **F64), Tanh()),
                      MaxPool2D(2), Flatten(), Dense(4 * 3 * 3, 3, rng=3, **F64))


def linear_model(weights):
    """Score k = sum of weights[k] * x over the pixels of a (1, H, W) image (no bias)."""
    weights = np.asarray(weights, dtype=float)
    model = Sequential(Flatten(), Dense(weights[0].size, len(weights), rng=0, **F64))
    model[1].params["weight"][:] = weights.reshape(len(weights), -1)
    model[1].params["bias"][:] = 0.0
    return model


# -- saliency -----------------------------------------------------------------------

def test_saliency_is_the_central_difference_estimate_of_the_score_gradient():
    model = smooth_model()
    x = np.random.default_rng(0).normal(size=(2, 2, 6, 6))
    targets = np.array([0, 2])
    maps = insight.saliency(model, x, targets)                      # (2, 6, 6)
    for n, t in enumerate(targets):
        image = x[n:n + 1].copy()
        score = lambda v, t=t: float(model.forward(v)[0, t])       # S_t(x), noqa: E731
        numeric = numerical_gradient(score, image)                  # (1, 2, 6, 6)
        np.testing.assert_allclose(maps[n], np.abs(numeric[0]).max(axis=0), rtol=1e-6, atol=1e-9)


def test_saliency_of_a_linear_score_is_its_absolute_weights_maxed_over_channels():
    # score = 2 x[0,0,0] - 3 x[1,0,0] + 1 x[0,0,1] - 0.5 x[1,0,1]: channel maxima |.| = 3, 1
    model = linear_model([[[[2.0, 1.0]], [[-3.0, -0.5]]]])
    np.testing.assert_array_equal(insight.saliency(model, np.zeros((2, 1, 2)), 0), [[3.0, 1.0]])


def test_batched_results_equal_one_image_at_a_time():
    model = smooth_model()
    x = np.random.default_rng(1).normal(size=(3, 2, 6, 6))
    together = insight.saliency(model, x, [2, 0, 1], batch_size=2)
    alone = [insight.saliency(model, x[n], t) for n, t in enumerate([2, 0, 1])]
    np.testing.assert_allclose(together, alone, rtol=1e-12, atol=1e-15)
    cams = insight.grad_cam(model, x, 1, layer=0)
    np.testing.assert_allclose(cams[2], insight.grad_cam(model, x[2], 1, layer=0), atol=1e-15)
    np.testing.assert_allclose(cams, insight.grad_cam(model, x, 1, layer=0, batch_size=2),
                               atol=1e-15)


# -- Grad-CAM on the designed squares-vs-diamonds network (E8.10) ----------------------

def lines_found(image):
    """(4, 13, 13): 1 where three ink pixels in a row, centred at (i+1, j+1), match a template.

    Read straight off the image (no convolution): the four directions of LINE_KERNELS.
    """
    ink = image.astype(bool)                                        # (15, 15)
    c = ink[1:-1, 1:-1]                                             # the centre pixel
    horizontal = ink[1:-1, :-2] & c & ink[1:-1, 2:]
    vertical = ink[:-2, 1:-1] & c & ink[2:, 1:-1]
    diagonal = ink[:-2, :-2] & c & ink[2:, 2:]
    anti_diagonal = ink[:-2, 2:] & c & ink[2:, :-2]
    return np.stack([horizontal, vertical, diagonal, anti_diagonal]).astype(float)


def test_the_kernels_are_the_four_directions_read_off_the_image():
    assert LINE_KERNELS[0][1].tolist() == [1, 1, 1] and LINE_KERNELS[1][:, 1].tolist() == [1, 1, 1]


def test_grad_cam_lights_exactly_the_lines_the_kernels_detect():
    # The layer is the ReLU after the convolution (the default, "rectified maps"): A^k = 1 where
    # line k is found, else 0.  The class score is 5 (sum of straight maxima) - ... through max
    # pooling over the 13 x 13 map, so dy^c/dA^k is the dense weight w[c, k] = +-5 at one pixel
    # and alpha_k = w[c, k] / 169 (Eq. 1).  For a square and c = square: alpha = 5/169 for the
    # straight lines (A = 1 on them) and -5/169 for the slanted ones (A = 0 on a square), so
    # L = (5/169) (A_h + A_v): the map is 5/169 on every horizontal or vertical run of three
    # ink pixels and 0 elsewhere.  Likewise a diamond lights its diagonal runs for c = diamond.
    # For the other class nothing argues: alpha > 0 only for maps that are 0 -> L = 0.
    model = designed_squares_vs_diamonds().astype(np.float64)  # float32 by default
    x, y = make_shapes(6, seed=3, dtype=np.float64)
    for image, label in zip(x, y):
        found = lines_found(image[0])                               # (4, 13, 13)
        straight, slanted = found[0] + found[1], found[2] + found[3]
        own = insight.grad_cam(model, image, label, upsample=False)  # (13, 13)
        expected = (5 / 169) * (straight if label == 0 else slanted)
        assert expected.max() > 0                                   # the shape has such lines
        np.testing.assert_allclose(own, expected, rtol=1e-12, atol=0)
        other = insight.grad_cam(model, image, 1 - label, upsample=False)
        assert np.all(other == 0)


def test_grad_cam_upsampled_lights_pixels_within_one_pixel_of_the_outline():
    # Bilinear resizing (PyTorch's align_corners=False) stretches the 13 x 13 map of the valid
    # convolution over 15 x 15, while map pixel (i, j) is the window centred on input (i+1, j+1):
    # output pixel p reads map position (p + 1/2) 13/15 - 1/2, within 14/15 of p - 1.  So every
    # pixel at least half as bright as the brightest lies within one pixel of an ink pixel.
    model = designed_squares_vs_diamonds()
    x, y = make_shapes(16, seed=5, dtype=np.float64)
    seen = [lines_found(image[0])[2 * label:2 * label + 2].any() for image, label in zip(x, y)]
    x, y = x[seen], y[seen]            # shapes whose own lines are found (the next test: why)
    assert len(x) >= 12
    cams = insight.grad_cam(model, x, y)                            # (n, 15, 15)
    assert cams.shape == (len(x), 15, 15) and np.all(cams >= 0)
    for cam, image in zip(cams, x):
        ink = np.pad(image[0], 1).astype(bool)                      # (17, 17)
        near_ink = np.zeros((15, 15), dtype=bool)
        for di in range(3):
            for dj in range(3):
                near_ink |= ink[di:di + 15, dj:dj + 15]
        bright = cam >= 0.5 * cam.max()
        assert cam.max() > 0 and not np.any(bright & ~near_ink)
    np.testing.assert_array_equal(cams, insight.grad_cam(model, x, y, layer=1))
    np.testing.assert_array_equal(cams, insight.grad_cam(model, x, y, layer="1"))
    np.testing.assert_array_equal(cams, insight.grad_cam(model, x, y, layer=-4))


def test_grad_cam_shows_the_designed_network_sees_nothing_in_a_square_that_fills_the_frame():
    # A 15 x 15 square (r = 7) has its lines on the border rows and columns, where no 3 x 3
    # valid window is centred: no detector fires, both scores are 0, and "square" wins only as
    # argmax's tie-break.  Grad-CAM says so: an empty map.
    model = designed_squares_vs_diamonds()
    frame = np.zeros((1, 15, 15))
    frame[0, [0, -1], :] = frame[0, :, [0, -1]] = 1.0
    np.testing.assert_array_equal(model.forward(frame[None]), [[0.0, 0.0]])
    assert np.all(insight.grad_cam(model, frame, 0) == 0)


def test_grad_cam_reaches_a_layer_inside_a_container():
    model = smooth_model()
    x = np.random.default_rng(2).normal(size=(2, 2, 6, 6))
    inner = insight.grad_cam(model, x, 1, layer="2.body.0", upsample=False)   # (2, 6, 6)
    assert inner.shape == (2, 6, 6) and np.all(inner >= 0) and inner.max() > 0
    # the default: the last convolution (the residual body's), followed by its Tanh -> not a
    # rectifier, so the convolution's own output
    np.testing.assert_array_equal(insight.grad_cam(model, x, 1, upsample=False), inner)


# -- occlusion and class models in closed form ----------------------------------------

def test_occlusion_of_a_linear_score_is_the_hidden_part_of_the_sum():
    # score = sum w x with w = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] and x = 1 everywhere; a 2x2
    # patch of 0.5 at (i, j) removes 0.5 * (sum of w under it):
    # (0,0): 0.5 (1+2+4+5) = 6   (0,1): 0.5 (2+3+5+6) = 8
    # (1,0): 0.5 (4+5+7+8) = 12  (1,1): 0.5 (5+6+8+9) = 14
    model = linear_model([[np.arange(1.0, 10.0).reshape(3, 3)]])
    drops = insight.occlusion(model, np.ones((1, 3, 3)), 0, patch=2, stride=1, value=0.5)
    np.testing.assert_allclose(drops, [[6.0, 8.0], [12.0, 14.0]], rtol=1e-12)
    assert insight.occlusion(model, np.ones((1, 3, 3)), 0, patch=2, stride=2).shape == (1, 1)


def test_class_model_climbs_to_the_closed_form_maximiser():
    # S(I) = w . I, so S(I) - l2 ||I||^2 is largest at I* = w / (2 l2); each step
    # I <- I + lr (w - 2 l2 I) shrinks the distance to I* by (1 - 2 lr l2) = 0.8 here.
    w = np.array([[[1.0, -2.0], [0.5, 0.0]]])
    model = linear_model([w, -w])
    result = insight.class_model(model, 0, steps=100, lr=1.0, l2=0.1, input_shape=(1, 2, 2))
    np.testing.assert_allclose(result.image, w / 0.2, rtol=1e-8)
    assert np.all(np.diff(result.objective) > -1e-12)              # the ascent never goes down
    np.testing.assert_allclose(result.objective[-1], np.sum(w * w) / 0.4, rtol=1e-8)


def test_class_model_can_start_from_an_image_and_clip():
    w = np.array([[[1.0, -2.0]]])
    model = linear_model([w])
    result = insight.class_model(model, 0, steps=5, lr=1.0, l2=0.0, input_shape=(1, 1, 2),
                                 start=[[[0.5, 0.5]]], clip=(0.0, 1.0))
    np.testing.assert_array_equal(result.image, [[[1.0, 0.0]]])
    assert result.scores[0] == -0.5 and result.scores[-1] == 1.0


# -- the model is left exactly as found ---------------------------------------------------

def test_every_function_leaves_parameters_gradients_state_and_modes_as_they_were():
    model = Sequential(Conv2D(1, 3, 3, padding=1, rng=0, **F64), BatchNorm2D(3, **F64), ReLU(),
                       Residual(Conv2D(3, 3, 3, padding=1, rng=1, **F64), ReLU()),
                       MaxPool2D(2), Flatten(), Dropout(0.5, rng=0),
                       Dense(3 * 4 * 4, 2, rng=2, **F64))
    x = np.random.default_rng(3).random((4, 1, 8, 8))
    y = np.array([0, 1, 1, 0])
    model.train_batch(x, y, "cross_entropy", SGD(0.1))             # grads and running stats exist
    model[1].eval()                                                 # modes that are not all alike
    model[3].body[0].eval()
    layers = [model[0], model[1], model[2], model[3], model[3].body[0], model[3].body[1],
              model[4], model[5], model[6], model[7]]
    modes = [layer.training for layer in layers]
    params = {k: v.copy() for k, v in model.parameters().items()}
    state = {k: v.copy() for k, v in model.state().items()}
    grads = model.gradients()
    grad_values = {k: v.copy() for k, v in grads.items()}
    dicts = [layer.grads for layer in layers]
    dropout_rng = model[6].rng.bit_generator.state

    insight.saliency(model, x, 1)
    insight.grad_cam(model, x, y, layer="3.body.0")
    insight.occlusion(model, x[:1], 0, patch=4, stride=4)
    insight.fgsm(model, x, y, 0.1)
    insight.class_model(model, 1, steps=3, input_shape=(1, 8, 8), start=x[0])

    assert [layer.training for layer in layers] == modes
    assert all(layer.grads is d for layer, d in zip(layers, dicts))
    after = model.gradients()
    assert after.keys() == grads.keys()
    for key in grads:
        assert after[key] is grads[key]
        np.testing.assert_array_equal(after[key], grad_values[key])
    for key, value in model.parameters().items():
        np.testing.assert_array_equal(value, params[key])
    for key, value in model.state().items():
        np.testing.assert_array_equal(value, state[key])
    assert model[6].rng.bit_generator.state == dropout_rng          # no dropout mask was drawn
    model.train_batch(x, y, "cross_entropy", SGD(0.1))             # and training goes on


# -- refusals (item 6): argument, rule and value in the message ---------------------------

@pytest.mark.parametrize("call, words", [
    (lambda m, x: insight.grad_cam(m, x, 0, layer="9"), ["layer", "path", "'9'"]),
    (lambda m, x: insight.grad_cam(m, x, 0, layer=5), ["layer", "<= 4", "5"]),
    (lambda m, x: insight.grad_cam(m, x, 0, layer=-6), ["layer", ">= -5", "-6"]),
    (lambda m, x: insight.grad_cam(m, x, 0, layer=3), ["layer", "(N, F, h, w)", "Flatten", "(2, 4)"]),
    (lambda m, x: insight.saliency(m, x, 2), ["target", "[0, 1]", "2"]),
    (lambda m, x: insight.occlusion(m, x, [0, -1], patch=3), ["target", "[0, 1]", "-1"]),
    (lambda m, x: insight.fgsm(m, x, [0, 1], -0.1), ["epsilon", "[0.0, inf]", "-0.1"]),
    (lambda m, x: insight.occlusion(m, x, 0, patch=16), ["patch", "<= 15", "16"]),
    (lambda m, x: insight.class_model(m, 0, input_shape=(15, 15)), ["input_shape", "(C, H, W)"]),
])
def test_bad_arguments_are_named_with_the_rule_and_the_value(call, words):
    model = designed_squares_vs_diamonds()
    x, _ = make_shapes(2, seed=0, dtype=np.float64)
    with pytest.raises((ValueError, TypeError)) as info:
        call(model, x)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_grad_cam_refuses_a_model_without_a_convolution():
    model = Sequential(Flatten(), Dense(4, 2, rng=0, **F64))
    with pytest.raises(TypeError, match=r"model must be a model with a convolution layer.*"
                                        r"got a model of Dense, Flatten"):
        insight.grad_cam(model, np.zeros((1, 1, 2, 2)), 0)
