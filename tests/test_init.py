"""Initialisers by name (init=) on every parametrised layer: laws checked statistically.

Each layer draws about 200,000 weights, so a sample standard deviation is
within 0.16 % of the law's (one standard error: sigma / sqrt(2 n)) and a
uniform law's sample variance within 0.2 % of a^2 / 3; the tolerances below
(1 %) are about five standard errors, far from chance and far below a
wrong formula (a factor sqrt(2) or sqrt(3) is 41 % or 73 %).
"""

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet.layers.init import INITS

# layer maker, and its (fan_in, fan_out) as torch.nn.init counts them
LAYERS = {
    "Dense": (lambda init, **kw: L.Dense(400, 500, init=init, **kw), 400, 500),
    "Conv2D": (lambda init, **kw: L.Conv2D(64, 128, 5, init=init, **kw), 64 * 25, 128 * 25),
    "ProductBiasConv2D": (lambda init, **kw: L.ProductBiasConv2D(64, 128, 5, init=init, **kw),
                          64 * 25, 128 * 25),
    # weights (C_in, C_out, kh, kw) = (128, 64, 5, 5): fan_in = 64*25, fan_out = 128*25
    "ConvTranspose2D": (lambda init, **kw: L.ConvTranspose2D(128, 64, 5, init=init, **kw),
                        64 * 25, 128 * 25),
}

# name: (law, its scale from the fans: a normal's sigma or the a of U(-a, a))
LAWS = {
    "he_normal": ("normal", lambda i, o: np.sqrt(2 / i)),
    "he": ("normal", lambda i, o: np.sqrt(2 / i)),
    "he_uniform": ("uniform", lambda i, o: np.sqrt(6 / i)),
    "glorot_uniform": ("uniform", lambda i, o: np.sqrt(6 / (i + o))),
    "glorot": ("uniform", lambda i, o: np.sqrt(6 / (i + o))),
    "glorot_normal": ("normal", lambda i, o: np.sqrt(2 / (i + o))),
    "lecun_normal": ("normal", lambda i, o: np.sqrt(1 / i)),
    "pytorch": ("uniform", lambda i, o: 1 / np.sqrt(i)),
    "zeros": ("zeros", lambda i, o: 0.0),
}


def test_every_name_is_tested():
    assert set(LAWS) == set(INITS)


def follows(values, law, scale):
    """Check values (float64) against the law: mean, spread and, for U(-a, a), the bounds."""
    n = values.size
    if law == "zeros":
        assert not values.any()
        return
    sigma = scale if law == "normal" else scale / np.sqrt(3)       # U(-a, a): variance a^2/3
    assert abs(values.mean()) < 5 * sigma / np.sqrt(n)
    assert values.std() == pytest.approx(sigma, rel=0.01)
    if law == "uniform":
        assert np.abs(values).max() <= scale                        # never beyond a
        assert np.abs(values).max() > 0.999 * scale                 # and reaching it


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("init", LAWS)
def test_each_init_draws_its_law_on_each_layer(init, layer):
    make, fan_in, fan_out = LAYERS[layer]
    built = make(init, rng=0, dtype=np.float64)
    law, scale = LAWS[init]
    follows(built.params["weight"], law, scale(fan_in, fan_out))
    bias = built.params["bias"]
    if layer == "ProductBiasConv2D":
        np.testing.assert_array_equal(bias, 1.0)                    # a product bias starts at 1
    elif init != "pytorch":
        np.testing.assert_array_equal(bias, 0.0)
    else:                                                           # U(-1/sqrt(fan_in), ...)
        assert np.abs(bias).max() <= 1 / np.sqrt(fan_in) and np.abs(bias).max() > 0


def test_pytorch_s_bias_law():
    # 100,000 biases of a layer with fan_in 4: U(-1/2, 1/2), variance 1/12
    follows(L.Dense(4, 100_000, init="pytorch", rng=1, dtype=np.float64).params["bias"],
            "uniform", 0.5)


@pytest.mark.parametrize("init", LAWS)
def test_every_name_works_on_every_parametrised_layer_and_survives_a_file(init, tmp_path):
    model = convnet.Sequential(
        L.Conv2D(1, 2, 3, padding=1, init=init, rng=0),
        L.ProductBiasConv2D(2, 2, 3, padding=1, init=init, rng=1),
        L.ConvTranspose2D(2, 2, 2, stride=2, init=init, rng=2),
        L.Flatten(), L.Dense(2 * 8 * 8, 3, init=init, rng=3))
    assert model.forward(np.ones((1, 1, 4, 4), np.float32)).shape == (1, 3)
    for value in model.parameters().values():
        assert value.dtype == np.float32
    model.save(tmp_path / "m.npz")
    loaded = convnet.load(tmp_path / "m.npz")
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(loaded.parameters()[name], value)


def test_the_seed_decides_and_a_wrong_name_is_refused():
    a = L.Dense(5, 4, init="pytorch", rng=7).params
    b = L.Dense(5, 4, init="pytorch", rng=7).params
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    with pytest.raises(ValueError, match=r"^init must be one of 'he_normal', .*; got 'kaiming'"):
        L.Conv2D(1, 1, 3, init="kaiming")
