"""The memory budget: every operation that allocates in proportion to its arguments refuses,
before allocating, an array beyond ``convnet.get_memory_budget()`` bytes; the budget is a
setting (``set_memory_budget``, ``CONVNET_MEMORY_BUDGET``)."""

import os
import re
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import convnet
from convnet import functional as F, layers as L, reference, theory
from convnet._budget import DEFAULT_MEMORY_BUDGET, format_bytes, parse_budget
from convnet._checks import pool_arrays
from convnet._checks_conv import conv_arrays, conv_backward_args
from convnet.functional import plain
from convnet.window import conv_window

ENGINES = ("reference", "plain", "fast")
MODULES = {"reference": reference, "plain": plain, "fast": F}
GIB = 2 ** 30
HUGE = 10 ** 5                                    # a window or padding of 10^5: ~10^10 pixels


@pytest.fixture
def budget():
    """Set the budget inside a test; the one before is put back afterwards."""
    previous = convnet.get_memory_budget()
    try:
        yield convnet.set_memory_budget
    finally:
        convnet.set_memory_budget(previous)


def refused(call, name, got=None):
    """``call()`` raises the budget's ValueError naming ``name``, having allocated < 4 MiB."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as caught:
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert message.startswith(f"{name} must be small enough to keep "), message
    budget = format_bytes(convnet.get_memory_budget())
    assert f"within the memory budget of {budget} (convnet.set_memory_budget); got " in message
    if got is not None:
        assert message.endswith(f"; got {got}"), message
    assert peak < 4 * 2 ** 20, f"{peak:,} bytes allocated before refusing: {message}"
    return message


# -- every entry point refuses before allocating --------------------------------------

X4 = np.ones((2, 3, 8, 8))
W4 = np.ones((4, 3, 3, 3))
ONE = np.ones((1, 1, 1, 1))


@pytest.mark.parametrize("engine", ENGINES)
def test_convolutions_refuse_huge_padding(engine):
    module = MODULES[engine]
    dz = np.ones((2, 4, 6, 6))
    refused(lambda: module.conv2d(X4, W4, padding=10 ** 9), "padding", "166.5 EiB")
    refused(lambda: module.conv2d_backward(np.ones((2, 4, 1, 1)), X4, W4, padding=HUGE),
            "padding")
    refused(lambda: module.correlate2d(np.ones((3, 3)), np.ones((2, 2)), padding=HUGE),
            "padding")
    refused(lambda: module.convolve2d(np.ones((3, 3)), np.ones((2, 2)), padding=HUGE),
            "padding")
    assert module.conv2d_backward(dz, X4, W4)[1].shape == W4.shape      # a sound call still runs


@pytest.mark.parametrize("engine", ENGINES)
def test_convolutions_refuse_a_batch_beyond_the_budget(engine, budget):
    module = MODULES[engine]
    x, w = np.ones((4, 3, 12, 12), np.float32), np.ones((4, 3, 3, 3), np.float32)
    dz = np.ones((4, 4, 10, 10), np.float32)
    budget(2 ** 15)               # 32 KiB; the gathered input is 27 rows x 4*10*12 x 4 bytes
    refused(lambda: module.conv2d(x, w), "x", "50.6 KiB")
    refused(lambda: module.conv2d_backward(dz, x, w), "x", "50.6 KiB")
    budget(2 ** 16)
    assert module.conv2d(x, w).shape == (4, 4, 10, 10)                  # raised: it runs
    assert module.conv2d_backward(dz, x, w, input_gradient=False)[1].shape == w.shape
    if engine == "plain":       # dA as a full correlation: 36 rows x 4*12*14 columns x 4 bytes
        refused(lambda: module.conv2d_backward(dz, x, w), "x", "94.5 KiB")
    budget(2 ** 17)
    assert module.conv2d_backward(dz, x, w)[0].shape == x.shape


@pytest.mark.parametrize("engine", ENGINES)
def test_grouped_padded_and_transposed_convolutions_count_their_arrays(engine, budget):
    # The arrays of Eq. G.1 and of the convolution a transposed one runs backwards: for
    # (4, 3, 12, 12) the gathered input is 27 rows x 4*10*12 columns x 4 bytes = 50.6 KiB.
    module = MODULES[engine]
    x, w = np.ones((4, 3, 12, 12), np.float32), np.ones((3, 1, 3, 3), np.float32)
    t = np.ones((4, 3, 10, 10), np.float32)                     # transposed to 12x12
    budget(2 ** 15)
    refused(lambda: module.conv2d(x, w, groups=3), "x", "50.6 KiB")
    refused(lambda: module.conv2d_backward(np.ones((4, 3, 10, 10), np.float32), x, w,
                                           groups=3), "x", "50.6 KiB")
    refused(lambda: module.conv2d(x[..., :10], w, groups=3, padding=(0, 1),
                                  padding_mode="circular"), "x", "50.6 KiB")
    refused(lambda: module.conv_transpose2d(t, np.ones((3, 3, 3, 3), np.float32)), "x",
            "50.6 KiB")
    refused(lambda: module.conv_transpose2d_backward(x, t, np.ones((3, 1, 3, 3), np.float32),
                                                     groups=3), "x", "50.6 KiB")
    refused(lambda: module.conv_transpose2d(np.ones((1, 1, 2, 2)), ONE, stride=HUGE), "x")
    refused(lambda: module.pad2d_backward(np.ones((2, 2)), np.ones((2, 2)), HUGE,
                                          mode="replicate"), "padding")
    budget(2 ** 17)
    assert module.conv_transpose2d(t, np.ones((3, 3, 3, 3), np.float32)).shape == x.shape


def test_the_depthwise_taps_count_their_outputs(budget):
    # 16 maps out per map in: the wide taps write 32 maps over the padded 18x18 planes of a
    # batch of 64, 32 * 64 * 324 * 4 bytes = 2.5 MiB, more than the output's 32 * 64*16*18
    # columns (2.25 MiB) or the gathered input's 18 rows; without the padding it would fit.
    x, w = np.ones((64, 2, 16, 16), np.float32), np.ones((32, 1, 3, 3), np.float32)
    budget(int(2.4 * 2 ** 20))
    message = refused(lambda: F.conv2d(x, w, padding=1, groups=2), "padding", "2.5 MiB")
    assert "the depthwise taps' outputs" in message
    budget(3 * 2 ** 20)
    assert F.conv2d(x, w, padding=1, groups=2).shape == (64, 32, 16, 16)


def test_the_fast_transposed_convolution_counts_its_sub_pixel_convolution(budget):
    # 256 maps to 1 by 2x2 kernels at stride 2: the stride-1 convolution the fast engine
    # runs instead gathers 256 rows over (16 + 4)^2 columns, 400 KiB in float32.
    x, w = np.ones((1, 256, 16, 16), np.float32), np.ones((256, 1, 2, 2), np.float32)
    budget(2 ** 18)
    message = refused(lambda: F.conv_transpose2d(x, w, stride=2), "x", "400.0 KiB")
    assert "the sub-pixel convolution's gathered input" in message    # the first one over
    budget(2 ** 19)
    assert F.conv_transpose2d(x, w, stride=2).shape == (1, 1, 32, 32)


@pytest.mark.parametrize("engine", ENGINES)
def test_pooling_refuses_a_padded_input_beyond_the_budget(engine, budget):
    module = MODULES[engine]
    window = dict(kernel_size=2 * HUGE + 1, stride=1, padding=HUGE)      # a 1x1 output
    for pool in ("max_pool2d", "avg_pool2d", "sum_pool2d"):
        refused(lambda: getattr(module, pool)(ONE, **window), "padding")
    for backward in ("max_pool2d_backward", "avg_pool2d_backward", "pool_weight_gradient"):
        refused(lambda: getattr(module, backward)(ONE, ONE, **window), "padding")
    x = np.ones((4, 4, 32, 32))                          # 128 KiB of float64
    budget(2 ** 16)
    refused(lambda: module.max_pool2d(x, 2), "x", "128.0 KiB")
    refused(lambda: module.avg_pool2d_backward(np.ones((4, 4, 16, 16)), x, 2), "x")
    budget(2 ** 17)
    assert module.max_pool2d(x, 2).shape == (4, 4, 16, 16)


def test_max_pooling_counts_the_position_of_each_maximum(budget):
    x = np.ones((1, 1, 64, 64), np.float32)                       # 16 KiB; int64 winners 32 KiB
    budget(24 * 2 ** 10)
    assert F.max_pool2d(x, 1).shape == x.shape
    refused(lambda: plain.max_pool2d_backward(x, x, 1), "x", "32.0 KiB")
    refused(lambda: plain.max_pool2d(x, 1, return_saved=True), "x", "32.0 KiB")


@pytest.mark.parametrize("engine", ENGINES)
def test_pad2d_linear_and_the_softmax_jacobian(engine):
    module = MODULES[engine]
    refused(lambda: module.pad2d(np.ones((2, 2)), HUGE), "padding")
    refused(lambda: module.linear(np.ones((HUGE, 1)), np.ones((HUGE, 1))), "x", "74.5 GiB")
    refused(lambda: module.softmax_derivative(np.zeros((1, HUGE))), "x", "74.5 GiB")
    refused(lambda: convnet.pad2d(np.ones((2, 2)), HUGE), "padding")


def test_a_moderate_padding_is_named_when_only_it_makes_the_array_too_large(budget):
    budget(2 ** 20)
    x = np.ones((1, 1, 10, 10))
    message = refused(lambda: F.conv2d(x, np.ones((1, 1, 3, 3)), padding=100), "padding")
    assert "the gathered input" in message          # the padded input itself (344.5 KiB) fits
    refused(lambda: F.conv2d(np.ones((1, 1, 200, 200)), np.ones((1, 1, 3, 3))), "x")


def test_layers_check_weights_and_the_untied_bias_before_making_them(budget):
    refused(lambda: L.Conv2D(64, 64, HUGE), "kernel_size")
    refused(lambda: L.Dense(10 ** 9, 10), "in_features")
    refused(lambda: L.Conv2D(1, 8, 3, bias="untied", input_size=(HUGE, HUGE),
                             dtype=np.float64), "input_size", "596.0 GiB")
    layer = L.Conv2D(1, 8, 3, bias="untied", rng=0, dtype=np.float64)
    budget(2 ** 12)                                 # 4 KiB: the bias of 32x32 inputs is 56.2 KiB
    refused(lambda: layer.forward(np.ones((1, 1, 32, 32))), "x", "56.2 KiB")
    assert "bias" not in layer.params
    refused(lambda: L.Conv2D(1, 8, 3, bias="untied", input_size=(32, 32)), "input_size")


def test_the_summary_of_a_huge_model_allocates_nothing():
    model = convnet.Sequential(L.Conv2D(3, 8, 3, bias="untied", rng=0))
    assert model.summary((3, HUGE, HUGE)) is not None


def test_the_weight_sharing_matrix():
    refused(lambda: theory.conv_matrix(np.ones((3, 3)), (1000, 1000)), "input_shape")
    refused(lambda: theory.conv_matrix(np.ones((3, 3)), (5, 5), padding=HUGE), "padding")


# -- the setting -----------------------------------------------------------------------

def test_set_memory_budget_raises_the_limit_and_returns_the_previous_one(budget):
    x = np.ones((1, 1, 64, 64))
    budget(2 ** 10)
    refused(lambda: F.conv2d(x, np.ones((1, 1, 3, 3))), "x")
    assert budget(2 ** 20) == 2 ** 10
    assert convnet.get_memory_budget() == 2 ** 20
    assert F.conv2d(x, np.ones((1, 1, 3, 3))).shape == (1, 1, 62, 62)
    assert budget(np.int64(3 * GIB)) == 2 ** 20 and convnet.get_memory_budget() == 3 * GIB


@pytest.mark.parametrize("bad, error", [
    (-1, ValueError), (0, ValueError), (1.5, TypeError), (4e9, TypeError), (True, TypeError),
    ("8GiB", TypeError), (None, TypeError)])
def test_set_memory_budget_refuses_bad_values(bad, error, budget):
    before = convnet.get_memory_budget()
    with pytest.raises(error, match=r"^nbytes must be an integer"):
        budget(bad)
    assert convnet.get_memory_budget() == before


def test_the_default_is_four_gib_and_public():
    assert DEFAULT_MEMORY_BUDGET == 4 * GIB
    assert {"set_memory_budget", "get_memory_budget"} <= set(convnet.__all__)


def _budget_in_a_new_process(value):
    env = dict(os.environ, CONVNET_MEMORY_BUDGET=value)
    program = "import convnet; print(convnet.get_memory_budget())"
    return subprocess.run([sys.executable, "-c", program], env=env, capture_output=True,
                          text=True)


def test_the_environment_variable_sets_the_budget_at_import():
    done = _budget_in_a_new_process("1.5 tib")
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 3 * 2 ** 39


@pytest.mark.parametrize("text, expected", [
    ("8GiB", 8 * GIB), ("12345", 12345), (" 1.5 TiB ", 3 * 2 ** 39), ("512mib", 2 ** 29),
    ("100 B", 100)])
def test_parse_budget(text, expected):
    assert parse_budget(text) == expected


def test_a_bad_environment_variable_is_an_error_at_import():
    done = _budget_in_a_new_process("lots")
    assert done.returncode != 0
    assert "ValueError: CONVNET_MEMORY_BUDGET must be a number of bytes >= 1" in done.stderr


@pytest.mark.parametrize("text", ["", "-1", "0", "1e9", "8GB", "8 GiB x", "0.1B", "GiB"])
def test_parse_budget_refuses_other_spellings(text):
    with pytest.raises(ValueError, match=r"^CONVNET_MEMORY_BUDGET must be a number of bytes"):
        parse_budget(text)


def test_format_bytes():
    assert [format_bytes(n) for n in (0, 1023, 1024, 1536, 4 * GIB, 2 ** 63)] == [
        "0 bytes", "1,023 bytes", "1.0 KiB", "1.5 KiB", "4.0 GiB", "8.0 EiB"]
    assert format_bytes(10 ** 100) == "about 10^100 bytes"


def test_just_over_the_budget_shows_the_bytes(budget):
    budget(2 ** 20 - 8)                                   # 1 MiB less one float64
    with pytest.raises(ValueError, match="^" + re.escape(
            "padding must be small enough to keep the padded array within the memory budget "
            "of 1,048,568 bytes (convnet.set_memory_budget); got 1,048,576 bytes") + "$"):
        F.pad2d(np.ones((256, 511)), ((0, 0), (0, 1)))


# -- the realistic case: a batch of ImageNet images through a 7x7 stride-2 layer ----------

REALISTIC = dict(x=(256, 3, 224, 224), w=(64, 3, 7, 7), dz=(256, 64, 112, 112))


def _views(batch):
    """Zero-stride float32 views of the realistic shapes: the checks see them, no memory."""
    scale = dict(x=batch / 256, dz=batch / 256, w=1)
    return {k: np.broadcast_to(np.float32(0), (int(s[0] * scale[k]), *s[1:]))
            for k, s in REALISTIC.items()}


def test_the_realistic_case_passes_the_checks_under_the_default_budget(budget):
    budget(DEFAULT_MEMORY_BUDGET)
    from convnet.functional._fast.conv import _ways as fast_ways
    from convnet.functional.plain.conv import _ways as plain_ways
    arrays = _views(256)
    window = conv_window((224, 224), (7, 7), 2, 3)
    ways = fast_ways(REALISTIC["x"], REALISTIC["w"], window, True)     # what its rule may pick
    largest = max(conv_arrays(REALISTIC["x"], REALISTIC["w"], window, 4, ways),
                  key=lambda a: a[2])
    assert largest[1].startswith("the gathered input") and largest[2] == 147 * 256 * 112 * 112 * 4
    tracemalloc.start()
    try:
        conv_backward_args(arrays["dz"], arrays["x"], arrays["w"], 2, 3, 1, "tied", 1, "zeros",
                           True, fast_ways)                 # the fast engine: 1.8 GiB at most
        conv_backward_args(arrays["dz"], arrays["x"], arrays["w"], 2, 3, 1, "tied", 1, "zeros",
                           False, plain_ways)               # the plain engine without dx
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 ** 20
    # The plain engine's dA, a full correlation of the spread-out sensitivities, is 161 GiB.
    refused(lambda: conv_backward_args(arrays["dz"], arrays["x"], arrays["w"], 2, 3, 1, "tied", 1,
                                       "zeros", True, plain_ways), "x", "160.9 GiB")


def test_ten_times_the_realistic_batch_is_refused(budget):
    budget(DEFAULT_MEMORY_BUDGET)
    arrays = _views(2560)
    message = refused(lambda: F.conv2d(arrays["x"], arrays["w"], stride=2, padding=3), "x",
                      "17.6 GiB")
    assert message == ("x must be small enough to keep the gathered input (C*kh*kw x N*Ho*Wo) "
                       "within the memory budget of 4.0 GiB (convnet.set_memory_budget); "
                       "got 17.6 GiB")
    refused(lambda: F.conv2d_backward(arrays["dz"], arrays["x"], arrays["w"], 2, 3), "x")


def test_pool_arrays_count_bytes_in_the_dtype():
    window = conv_window((224, 224), (2, 2), 2, 0)
    sizes = [size for _, _, size in pool_arrays((256, 64, 224, 224), window, 4, True)]
    assert sizes == [256 * 64 * 224 * 224 * 4, 256 * 64 * 112 * 112 * 4,
                     256 * 64 * 112 * 112 * 8]
