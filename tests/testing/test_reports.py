"""What a report says, reproducibility, signature=, stubs, and check_layer."""

import numpy as np
import pytest

import convnet
from convnet import layers as L, testing
from convnet.functional import conv2d_backward

from .planted import correlate_flipping


def failure(check, *arguments, **options):
    with pytest.raises(AssertionError) as raised:
        check(*arguments, **options)
    return str(raised.value)


def test_the_report_names_the_sheet_shows_the_smallest_case_and_the_positions():
    report = failure(testing.check_correlate2d, correlate_flipping, examples=20)
    assert "FAIL  Goodfellow sheet, exercise 3(a), valid" in report
    assert "ok    LMU exercise 4-1(a), Laplace" in report          # symmetric: flip is harmless
    assert "the smallest failing case found by shrinking" in report
    # the smallest case: a one-pixel image, a 1x2 kernel (the smallest a flip changes)
    assert "x = [[" in report and "(shape (1, 2))" in report
    assert "z differs at 1 of 1 positions: (0, 0) expected" in report
    assert "diagnosis: kernel flipped (reproduces your z exactly)" in report


def test_a_run_is_reproducible_and_the_seed_changes_the_cases():
    first = failure(testing.check_correlate2d, correlate_flipping, examples=10)
    assert failure(testing.check_correlate2d, correlate_flipping, examples=10) == first
    def cases(seed):
        seen = []

        def mine(x, k, padding="valid", stride=1, dilation=1):
            seen.append((x.shape, k.shape, padding, stride, dilation, x.tobytes()))
            return convnet.correlate2d(x, k, padding, stride, dilation)
        assert testing.check_correlate2d(mine, examples=8, seed=seed).drawn == 8
        return seen
    assert cases(0) == cases(0) != cases(1)


def test_signature_reorders_and_renames_and_leaves_out_arguments():
    def mine(kernel, image):                     # no padding, stride or dilation at all
        return convnet.correlate2d(image, kernel)
    result = testing.check_correlate2d(mine, signature=("k", "x"), examples=10)
    # the examples needing padding or a stride are skipped, by name
    assert "Goodfellow sheet, exercise 3(a), same padding" in result.skipped
    assert "Goodfellow sheet, exercise 3(a), valid" in result.worked

    def keywords(x, k, *, pad="valid"):
        return convnet.correlate2d(x, k, padding=pad)
    assert testing.check_correlate2d(keywords, signature="x, k, padding=pad",
                                     examples=10).drawn == 10
    backward = testing.check_conv2d_backward(
        lambda x, w, dz, stride: conv2d_backward(dz, x, w, stride),
        signature=("x", "w", "dz", "stride"), examples=10)
    assert backward.drawn == 10


@pytest.mark.parametrize("signature, message", [
    (("x", "kernel"), "made of the names x, k, padding, stride, dilation"),
    (("x",), "naming every required argument (k missing)"),
    (("x", "k", "x"), "without repeated names"),
    (3, "a sequence of argument names")])
def test_a_bad_signature_is_refused(signature, message):
    with pytest.raises((ValueError, TypeError), match="signature") as raised:
        testing.check_correlate2d(convnet.correlate2d, signature=signature)
    assert message in str(raised.value)


def test_a_stub_says_it_is_not_implemented():
    def stub(x, k, padding="valid", stride=1, dilation=1):
        raise NotImplementedError("Eq. 8.13: z[m, n] = sum_i sum_j k[i, j] x[m + i, n + j]")
    report = failure(testing.check_correlate2d, stub)
    assert report == ("check_correlate2d: your function is not implemented yet "
                      "(NotImplementedError: Eq. 8.13: z[m, n] = sum_i sum_j k[i, j] x[m + i, n + j])")


def test_an_exception_is_a_failing_case_and_shrinks_too():
    def breaks_on_stride(x, k, padding="valid", stride=1, dilation=1):
        if stride != 1:
            raise IndexError("index 3 is out of bounds")
        return convnet.correlate2d(x, k, padding, stride, dilation)
    report = failure(testing.check_correlate2d, breaks_on_stride, examples=20)
    assert "FAIL  Hagan chapter 8, Fig. 8.3, stride 2" in report
    assert "your function raised IndexError: index 3 is out of bounds" in report
    assert "stride = 2" in report                   # shrunk to the smallest stride that fails


def test_a_wrong_shape_is_reported_as_such():
    report = failure(testing.check_max_pool2d, lambda x, k, s, p: x[:, :, ::2, ::2], examples=10)
    assert "has the wrong shape" in report


class Scale(L.Layer):
    """A layer of one's own with no library counterpart: y = a x."""

    def __init__(self, shape_error=False, grad_name="a"):
        super().__init__()
        self.params["a"] = np.array([1.5])
        self.shape_error, self.grad_name = shape_error, grad_name

    def forward(self, x):
        self.x = x
        return self.params["a"] * x

    def backward(self, dy):
        self.grads[self.grad_name] = np.array([np.sum(dy * self.x)])
        return dy * self.params["a"]

    def output_shape(self, input_shape):
        return (1,) if self.shape_error else tuple(input_shape)


def test_check_layer_passes_the_library_layers_and_ones_own():
    result = testing.check_layer(lambda: L.Conv2D(2, 3, 3, stride=2, rng=0, dtype=np.float64))
    assert "forward equals the library's Conv2D" in str(result)
    assert "forward not compared (no library layer named Scale)" in str(
        testing.check_layer(Scale, input_shape=(2, 3)))


def test_check_layer_lists_what_is_wrong():
    report = failure(testing.check_layer, Scale(shape_error=True, grad_name="alpha"),
                     input_shape=(2, 3))
    assert "output_shape(2, 3) returns (1,); the forward pass gives (2, 3) per sample" in report
    assert "grads after backward has keys ['alpha']; params has ['a']" in report


class Conv2D(L.Conv2D):
    """A student's Conv2D whose input gradient forgets rot180 (a planted mistake)."""

    def backward(self, dy):
        super().backward(dy)
        w = self.params["weight"][:, :, ::-1, ::-1]
        return conv2d_backward(dy, self._x, w, self.stride, self.padding)[0]

    def forward(self, x):
        self._x = x
        return super().forward(x)


def test_check_layer_runs_the_gradient_check():
    report = failure(testing.check_layer, lambda: Conv2D(1, 1, 2, rng=0, dtype=np.float64))
    assert "backward: the gradients differ from central differences" in report
    assert "input" in report and "FAIL" in report
    assert "diagnosis: missing rot180 in the input gradient (reproduces your dx exactly)" in report
    assert "forward" not in report.split("backward")[0].split("\n", 1)[1]   # forward was fine


def test_check_layer_asks_for_float64():
    report = failure(testing.check_layer, L.Dense(3, 2, rng=0, dtype=np.float32))
    assert "build the layer with dtype=np.float64" in report


def test_a_layer_stub_says_it_is_not_implemented():
    class Mine(Scale):
        def forward(self, x):
            raise NotImplementedError("Eq. 8.20")
    report = failure(testing.check_layer, Mine, input_shape=(3,))
    assert report == ("check_layer: your layer is not implemented yet "
                      "(NotImplementedError: Eq. 8.20)")


def test_check_activation_needs_one_function():
    with pytest.raises(TypeError, match="fn must be a callable"):
        testing.check_activation(None, None, "relu")
    assert testing.check_activation(None, convnet.functional.tanh_derivative, "tanh",
                                    examples=5).drawn == 5


def test_without_hypothesis_a_check_says_which_extra_to_install(monkeypatch):
    import sys

    from convnet.testing import check_correlate2d
    monkeypatch.setitem(sys.modules, "hypothesis", None)      # as if it were not installed
    with pytest.raises(ImportError, match=r'pip install -e "\.\[testing\]"'):
        check_correlate2d(convnet.correlate2d, examples=1)
