"""reference == plain == fast: every operation of the functional core, in all three engines.

The loops (``convnet.reference``) are the oracle.  Each operation runs in the
plain tier and in the fast engine (through ``convnet.functional``, whose
default it is) on hypothesis-drawn shapes, strides, paddings (wider than the
kernel included), dilations and dtypes, with ties, inf and NaN in the data;
backward passes run with and without the forward's saved record.

Tolerances: float64 results agree to 1e-12 relative; float32 results to
float32 rounding (2e-5 relative to the largest magnitude involved), far
below what a wrong index gives.
"""

import inspect

import numpy as np
import pytest
from hypothesis import given, strategies as st

import convnet
from convnet import functional as F, geometry, reference
from convnet.functional import engines, plain
from convnet.window import pool_window

from .strategies import conv_configs, pool_configs, pool_options

ENGINE_MODULES = {"reference": reference, "plain": plain, "fast": engines.implementation("fast")}
DTYPES = st.sampled_from([np.float64, np.float32])
SPECIALS = st.sampled_from(["none", "ties", "inf", "nan"])


def data(seed, shape, dtype, special="none"):
    """Normal numbers in ``dtype``; "ties" rounds them to halves, "inf"/"nan" plants a few."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=shape)
    if special == "ties":
        a = np.round(a * 2) / 2
    elif special in ("inf", "nan"):
        flat = a.reshape(-1)
        count = max(1, flat.size // 7)
        places = rng.choice(flat.size, size=count, replace=False)
        flat[places] = np.nan if special == "nan" else rng.choice([np.inf, -np.inf], size=count)
    return a.astype(dtype)


def assert_same(got, expected, dtype, scale=1.0):
    """Equal to float rounding (NaN where NaN, inf where inf), and of the same shape and dtype."""
    if expected is None:
        assert got is None
        return
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype == dtype
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got[~finite & ~np.isnan(expected)],
                                  expected[~finite & ~np.isnan(expected)])
    if dtype == np.float64:
        np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-12, atol=1e-12 * scale)
    else:
        np.testing.assert_allclose(got[finite], expected[finite], rtol=2e-5, atol=2e-5 * scale)


def in_every_engine(fn):
    """``{engine: fn()}`` with each engine selected in turn (inf and NaN data are expected)."""
    results = {}
    for name in engines.ENGINES:
        with convnet.engine(name), np.errstate(all="ignore"):
            results[name] = fn()
    return results


# -- one API ---------------------------------------------------------------------------

@pytest.mark.parametrize("operation", engines.OPERATIONS)
def test_every_engine_has_every_operation_with_the_same_signature(operation):
    face = inspect.signature(getattr(F, operation))
    assert operation in F.__all__
    for name, module in ENGINE_MODULES.items():
        assert inspect.signature(getattr(module, operation)) == face, (name, operation)


def test_the_engine_is_chosen_per_thread_and_restored():
    import threading
    seen = {}
    assert convnet.get_engine() == "fast"
    with convnet.engine("plain"):
        thread = threading.Thread(target=lambda: seen.setdefault("other", convnet.get_engine()))
        thread.start()
        thread.join()
        assert convnet.get_engine() == "plain"
        with pytest.raises(RuntimeError), convnet.engine("reference"):
            raise RuntimeError("the body fails")
        assert convnet.get_engine() == "plain"
    assert seen["other"] == "fast" and convnet.get_engine() == "fast"
    convnet.set_engine("reference")
    try:
        assert F.get_engine() == "reference"
    finally:
        convnet.set_engine("fast")


def test_an_unknown_engine_is_refused_with_the_three_names():
    with pytest.raises(ValueError, match=r"^name must be one of 'reference', 'plain', 'fast'"):
        convnet.engine("numpy")
    with pytest.raises(TypeError, match=r"^name must be one of"):
        convnet.set_engine(None)


# -- convolution -------------------------------------------------------------------------

@given(conv_configs(), st.sampled_from(["tied", "untied", None]), DTYPES, SPECIALS)
def test_conv2d_forward_and_backward_agree_in_every_engine(cfg, bias, dtype, special):
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    conv2d_agrees_in_every_engine(cfg, args, bias, dtype, special)


def conv2d_agrees_in_every_engine(cfg, args, bias, dtype, special, slack=1):
    """conv2d and its backward (with and without the record) equal the loops' in every engine.

    ``slack`` widens the float32 tolerance's scale (padding modes add up copies).
    """
    x = data(cfg["seed"], cfg["x_shape"], dtype, special)
    w = data(cfg["seed"] + 1, cfg["w_shape"], dtype)
    out_hw = geometry.output_shape2d(x.shape[2:], w.shape[2:], args["stride"], args["padding"],
                                     args["dilation"])
    b = {"tied": data(cfg["seed"] + 2, cfg["w_shape"][:1], dtype), None: None,
         "untied": data(cfg["seed"] + 2, (cfg["w_shape"][0], *out_hw), dtype)}[bias]
    dz = data(cfg["seed"] + 3, (x.shape[0], w.shape[0], *out_hw), dtype)

    def run():
        z, saved = F.conv2d(x, w, b, **args, return_saved=True)
        with_record = F.conv2d_backward(dz, x, w, **args, bias=bias, saved=saved)
        without = F.conv2d_backward(dz, x, w, **args, bias=bias)
        return z, with_record, without

    results = in_every_engine(run)
    scale = np.prod(cfg["w_shape"][1:]) * cfg["x_shape"][0] * np.prod(out_hw) * slack
    z0, grads0, _ = results["reference"]
    for name, (z, with_record, without) in results.items():
        assert_same(z, z0, dtype, scale)
        for got, again, expected in zip(with_record, without, grads0):
            assert_same(got, expected, dtype, scale)
            assert_same(again, expected, dtype, scale)


@given(conv_configs(max_batch=1, max_channels=1, max_filters=1), DTYPES)
def test_single_image_correlation_and_convolution_agree_in_every_engine(cfg, dtype):
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    x = data(cfg["seed"], cfg["x_shape"][2:], dtype)
    k = data(cfg["seed"] + 1, cfg["w_shape"][2:], dtype)
    results = in_every_engine(lambda: (F.correlate2d(x, k, **args), F.convolve2d(x, k, **args),
                                       F.rot180(k), F.pad2d(x, args["padding"], 0.5,
                                                            kernel_size=k.shape)))
    for got in results.values():
        for a, b in zip(got, results["reference"]):
            assert_same(a, b, dtype, k.size)


def test_padding_wider_than_the_kernel_as_pytorch_computes_it():
    # A 2x2 kernel with padding 2 on a 2x2 image: 5x5 outputs; the border rows and
    # columns see only zeros (and the bias), the centre every product (by hand).
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    w = np.array([[[[1.0, 10.0], [100.0, 1000.0]]]])
    expected = np.array([[0, 0, 0, 0, 0],
                         [0, 1000, 2100, 200, 0],           # 1000*1; 100*1 + 1000*2; 100*2
                         [0, 3010, 4321, 402, 0],           # 10*1 + 1000*3; 1+20+300+4000; 2+400
                         [0, 30, 43, 4, 0],
                         [0, 0, 0, 0, 0]], dtype=float) + 0.5
    for name in engines.ENGINES:
        with convnet.engine(name):
            z = F.conv2d(x, w, [0.5], padding=2)
            np.testing.assert_array_equal(z[0, 0], expected)
            dx, dw, db = F.conv2d_backward(np.ones_like(z), x, w, padding=2)
            np.testing.assert_array_equal(dx[0, 0], np.full((2, 2), 1111.0))   # every weight
            np.testing.assert_array_equal(dw[0, 0], np.full((2, 2), 10.0))     # every pixel
            assert db[0] == 25.0


# -- pooling -------------------------------------------------------------------------------

@given(pool_configs(), DTYPES, SPECIALS, st.sampled_from(["max", "avg"]))
def test_pooling_forward_and_backward_agree_in_every_engine(cfg, dtype, special, kind):
    args, sums = pool_options(cfg, kind), pool_options(cfg, "sum")
    x = data(cfg["seed"], cfg["x_shape"], dtype, special)
    forward, backward = {"max": ("max_pool2d", "max_pool2d_backward"),
                         "avg": ("avg_pool2d", "avg_pool2d_backward")}[kind]
    window = pool_window(x.shape[2:], **sums, ceil_mode=cfg["ceil_mode"],
                         dilation=cfg["dilation"] if kind == "max" else 1)
    dz = data(cfg["seed"] + 1, (*x.shape[:2], *window.out), dtype)
    dz_sums = data(cfg["seed"] + 2, (*x.shape[:2], *pool_window(x.shape[2:], **sums).out), dtype)

    def run():
        z, saved = getattr(F, forward)(x, **args, return_saved=True)
        return (z, getattr(F, backward)(dz, x, **args, saved=saved),
                getattr(F, backward)(dz, x, **args), F.sum_pool2d(x, **sums),
                F.pool_weight_gradient(dz_sums, x, **sums))

    results = in_every_engine(run)
    size = np.prod(cfg["kernel_size"]) * np.prod(dz.shape)
    for got in results.values():
        for a, b in zip(got, results["reference"]):
            assert_same(a, b, dtype, size)


# -- elementwise functions, net inputs, the fully connected layer ---------------------------

ELEMENTWISE = ["relu", "relu_derivative", "leaky_relu", "leaky_relu_derivative", "sigmoid",
               "sigmoid_derivative", "tanh", "tanh_derivative"]
BACKWARD = ["relu_backward", "leaky_relu_backward", "sigmoid_backward", "tanh_backward"]


@given(st.integers(0, 2**32 - 1), DTYPES, SPECIALS, st.sampled_from(ELEMENTWISE + BACKWARD))
def test_transfer_functions_agree_in_every_engine(seed, dtype, special, name):
    x = data(seed, (3, 5), dtype, special) * 30              # large enough to saturate
    x.reshape(-1)[0] = 0.0                                   # the kink of ReLU
    dz = data(seed + 1, (3, 5), dtype)
    args = (dz, x) if name in BACKWARD else (x,)
    results = in_every_engine(lambda: getattr(F, name)(*args))
    for got in results.values():
        assert_same(got, results["reference"], dtype)


@given(st.integers(0, 2**32 - 1), DTYPES, st.sampled_from(["none", "inf", "nan"]),
       st.sampled_from([0, 1, -1]))
def test_softmax_family_agrees_in_every_engine(seed, dtype, special, axis):
    x = data(seed, (3, 4), dtype, special) * 50
    dz = data(seed + 1, (3, 4), dtype)
    results = in_every_engine(lambda: (F.softmax(x, axis), F.log_softmax(x, axis),
                                       F.softmax_backward(dz, x, axis),
                                       F.softmax_derivative(x)))
    for got in results.values():
        for a, b in zip(got, results["reference"]):
            assert_same(a, b, dtype, 50)


@given(st.integers(0, 2**32 - 1), DTYPES, st.booleans())
def test_net_inputs_and_linear_agree_in_every_engine(seed, dtype, untied):
    lz = data(seed, (2, 3, 4, 5), dtype)
    b = data(seed + 1, (3, 4, 5) if untied else (3,), dtype)
    dn = data(seed + 2, lz.shape, dtype)
    x, w, dy = data(seed + 3, (4, 6), dtype), data(seed + 4, (3, 6), dtype), data(seed, (4, 3),
                                                                                 dtype)
    results = in_every_engine(lambda: (
        F.sum_net_input(lz, b), *F.sum_net_input_backward(dn, lz, b),
        F.product_net_input(lz, b), *F.product_net_input_backward(dn, lz, b),
        F.linear(x, w, b[:3] if not untied else None), *F.linear_backward(dy, x, w, not untied)))
    for got in results.values():
        for a, b_ in zip(got, results["reference"]):
            assert_same(a, b_, dtype, 40)


# -- saved records ----------------------------------------------------------------------------

def test_a_record_serves_one_backward_of_its_own_operation_and_arguments():
    x, w = np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3))
    for name in engines.ENGINES:
        with convnet.engine(name):
            z, saved = F.conv2d(x, w, return_saved=True)
            assert repr(saved) == f"<Saved by the {name} engine's conv2d, unused>"
            with pytest.raises(ValueError, match=r"^saved must be the record of a forward "
                                                 r"pass on these arguments"):
                F.conv2d_backward(np.ones((2, 2, 2, 2)), np.ones((2, 1, 4, 4)), w, saved=saved)
            F.conv2d_backward(np.ones_like(z), x, w, saved=saved)
            with pytest.raises(ValueError, match=r"^saved was already used by a backward pass"):
                F.conv2d_backward(np.ones_like(z), x, w, saved=saved)
            _, pooled = F.max_pool2d(x, 2, return_saved=True)
            with pytest.raises(ValueError, match=r"^saved must be a record of conv2d"):
                F.conv2d_backward(np.ones_like(z), x, w, saved=pooled)


def test_the_backward_runs_in_the_engine_that_made_the_record(monkeypatch):
    calls = []
    original = plain.conv2d_backward
    monkeypatch.setattr(plain, "conv2d_backward",
                        lambda *a, **k: calls.append("plain") or original(*a, **k))
    x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))
    with convnet.engine("plain"):
        z, saved = F.conv2d(x, w, return_saved=True)
    dx, _, _ = F.conv2d_backward(np.ones_like(z), x, w, saved=saved)   # the fast engine is on
    assert calls == ["plain"]
    np.testing.assert_array_equal(dx, reference.conv2d_backward(np.ones_like(z), x, w)[0])


def test_records_are_never_pickled_or_copied():
    import copy
    import pickle
    _, saved = F.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), return_saved=True)
    with pytest.raises(TypeError, match="cannot be pickled or copied"):
        pickle.dumps(saved)
    with pytest.raises(TypeError, match="cannot be pickled or copied"):
        copy.deepcopy(saved)


@given(conv_configs())
def test_the_loops_of_eq_8_41_and_eq_8_45_give_the_same_input_gradient(cfg):
    # Eq. 8.41 (each pixel sums over the windows that read it) and Eq. 8.44-8.45 as
    # printed (the full correlation of the spread-out dLZ with rot180(W)) are one sum
    # after the change of variables of Eq. 8.42-8.43.
    args = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    x = data(cfg["seed"], cfg["x_shape"], np.float64)
    w = data(cfg["seed"] + 1, cfg["w_shape"], np.float64)
    dz = data(cfg["seed"] + 2, reference.conv2d(x, w, **args).shape, np.float64)
    np.testing.assert_allclose(reference.input_gradient_gather(dz, x, w, **args),
                               reference.input_gradient_scatter(dz, x, w, **args),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(reference.weight_gradient(dz, x, w, **args),
                                  reference.conv2d_backward(dz, x, w, **args)[1])


def test_return_saved_must_be_true_or_false():
    for name in engines.ENGINES:
        with convnet.engine(name), pytest.raises(TypeError, match=r"^return_saved must be True"):
            F.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), return_saved=1)
        with convnet.engine(name), pytest.raises(TypeError, match=r"^return_saved must be True"):
            F.max_pool2d(np.ones((1, 1, 2, 2)), 2, return_saved="yes")


def test_foreign_byte_order_comes_back_native_in_every_engine():
    x = np.arange(9.0).reshape(1, 1, 3, 3).astype(">f8")
    w = np.ones((1, 1, 2, 2), ">f8")
    results = in_every_engine(lambda: (F.conv2d(x, w), *F.conv2d_backward(np.ones((1, 1, 2, 2)),
                                                                          x, w)))
    for got in results.values():
        for a, b in zip(got, results["reference"]):
            assert a.dtype == np.dtype(np.float64) and a.dtype.isnative
            np.testing.assert_array_equal(a, b)


def test_moved_geometry_names_still_answer_with_a_warning():
    from convnet import geometry, window
    with pytest.warns(DeprecationWarning, match="moved to convnet.window.conv_window"):
        assert geometry.conv_window is window.conv_window
    with pytest.warns(DeprecationWarning, match="moved to convnet.receptive_field"):
        assert geometry.receptive_field([(3, 1, 1)]).size == (3, 3)


def test_padding_in_an_error_message_is_shown_as_given():
    with pytest.raises(TypeError, match=r"got \[2, 'a'\] \(list\)$"):     # not a tuple
        F.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), padding=[1, [2, "a"]])


@given(st.integers(0, 2**32 - 1), DTYPES, st.sampled_from(["none", "inf", "nan"]),
       st.booleans())
def test_relu_backward_passes_inf_and_nan_where_active_and_exact_zeros_elsewhere(
        seed, dtype, special, strided):
    # dz as a strided view too: a convolution's input gradient hands on such views.
    x = data(seed, (2, 3, 4, 5), dtype, "ties")
    x.reshape(-1)[:2] = (-1.0, 1.0)                          # one unit off, one on
    wide = data(seed + 1, (2, 3, 6, 7), dtype)
    inner = wide[:, :, 1:5, 1:6]
    if special != "none":                                    # on both units, and elsewhere
        value = np.nan if special == "nan" else np.inf
        inner[0, 0, 0, :2] = inner[-1, -1, -1, -1] = value
    dz = inner if strided else np.ascontiguousarray(inner)
    want = np.where(x > 0, dz, 0).astype(dtype)             # Eq. 8.53, relu'(0) = 0
    for engine, got in in_every_engine(lambda: F.relu_backward(dz, x)).items():
        np.testing.assert_array_equal(got, want, err_msg=engine)
        assert got.dtype == dtype
