"""The zoo's modern networks: published parameter counts, summaries without weights, training.

Expected counts come from the papers' architectures as published elsewhere
(torchvision's and imgclsmob's tables, the problem set), and the smaller ones
are worked out by hand in the comments.
"""

import tracemalloc

import numpy as np
import pytest

import convnet
from convnet import cli, zoo
from convnet import layers as L
from convnet.datasets import load_digits
from convnet.gradcheck import check_gradients
from convnet.optim import Adam

PUBLISHED = [  # (builder, options, input, parameters)
    (zoo.alexnet, {}, (3, 227, 227), 62_378_344),           # problem set 1.5's table
    (zoo.vgg11, {}, (3, 224, 224), 132_863_336),            # torchvision vgg11
    (zoo.vgg16, {}, (3, 224, 224), 138_357_544),            # torchvision vgg16
    (zoo.nin, {}, (3, 32, 32), 966_986),                    # imgclsmob nin_cifar10
    (zoo.resnet18, {}, (3, 224, 224), 11_689_512),          # torchvision resnet18
    (zoo.resnet20, {}, (3, 32, 32), 269_722),               # option A, the paper's 0.27M
    (zoo.resnet20, {"shortcut": "B"}, (3, 32, 32), 272_474),  # imgclsmob resnet20_cifar10
    (zoo.mobilenet, {}, (3, 224, 224), 4_231_976),          # MobileNet x1.0
    (zoo.mobilenet, {"width_multiplier": 0.5}, (3, 224, 224), 1_331_592),
    (zoo.mobilenet, {"width_multiplier": 0.25}, (3, 224, 224), 470_072),
]


@pytest.mark.parametrize("build, options, input_shape, expected", PUBLISHED,
                         ids=lambda v: getattr(v, "__name__", None))
def test_published_parameter_counts_without_allocating_the_weights(build, options, input_shape,
                                                                   expected):
    tracemalloc.start()
    try:
        model = build(shapes_only=True, **options)
        total = model.summary(input_shape).total
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == expected
    assert peak < 8 * 2 ** 20, f"{peak / 2 ** 20:.1f} MiB to describe {build.__name__}"


def test_resnet20_by_hand():
    # conv 3->16 (432) + BN (32); stage 1: six 16->16 convs with BN, 6 * (2304 + 32) = 14,016;
    # stage 2: 16->32 (4608 + 64) and five 32->32 (9216 + 64) = 51,072; stage 3: 32->64
    # (18,432 + 128) and five 64->64 (36,864 + 128) = 203,520; dense 64*10 + 10 = 650.
    assert 432 + 32 + 14_016 + 51_072 + 203_520 + 650 == 269_722
    rows = zoo.resnet20(shapes_only=True).summary((3, 32, 32)).rows
    assert rows[-1] == ("22 Dense", (10,), 650)     # conv, BN, ReLU, 9 x (block, ReLU), GAP
    assert [shape for name, shape, _ in rows if name.endswith("Residual (sum)")] == \
        [(16, 32, 32)] * 3 + [(32, 16, 16)] * 3 + [(64, 8, 8)] * 3


def test_a_shapes_only_model_cannot_be_trained_by_accident():
    model = zoo.resnet20(shapes_only=True)
    weight = model.parameters()["0.weight"]
    assert weight.shape == (16, 3, 3, 3) and not weight.flags.writeable


@pytest.mark.parametrize("build, input_shape, classes", [
    (zoo.resnet20, (3, 32, 32), 10), (zoo.nin, (3, 32, 32), 10),
    (lambda **kw: zoo.mobilenet(0.25, **kw), (3, 64, 64), 7),
    (zoo.resnet18, (3, 64, 64), 7)])
def test_the_networks_run_forward_and_backward(build, input_shape, classes):
    model = build(num_classes=classes, seed=1)
    x = np.random.default_rng(0).normal(size=(2, *input_shape)).astype(np.float32)
    y = model.forward(x)
    assert y.shape == (2, classes) and y.dtype == np.float32 and np.all(np.isfinite(y))
    dx = model.backward(np.ones_like(y))
    assert dx.shape == x.shape


def test_the_zero_pad_shortcut_by_hand_and_by_finite_differences():
    x = np.arange(2 * 1 * 3 * 3, dtype=float).reshape(2, 1, 3, 3)
    layer = L.ZeroPadShortcut(1, 3, stride=2)
    y = layer.forward(x)
    assert y.shape == (2, 3, 2, 2)                      # ceil(3 / 2) = 2, maps 1 -> 3
    np.testing.assert_array_equal(y[1, 0], [[9, 11], [15, 17]])   # x[1, 0, ::2, ::2]
    np.testing.assert_array_equal(y[:, 1:], 0.0)
    dx = layer.backward(np.ones_like(y))
    np.testing.assert_array_equal(dx[0, 0], [[1, 0, 1], [0, 0, 0], [1, 0, 1]])
    assert layer.output_shape((1, 3, 3)) == (3, 2, 2)
    report = check_gradients(L.Residual(L.Conv2D(2, 4, 3, stride=2, padding=1, rng=0),
                                        shortcut=L.ZeroPadShortcut(2, 4)),
                             np.random.default_rng(1).normal(size=(2, 2, 5, 5)))
    assert report.passed, str(report)


def _channels_first(a):
    """``a`` (N, C, H, W) with the same values, stored channels first (as convolutions hand on)."""
    return np.ascontiguousarray(a.swapaxes(0, 1)).swapaxes(0, 1)


@pytest.mark.parametrize("layer", [L.ZeroPadShortcut(2, 3, stride=2), L.GlobalAvgPool2D(),
                                   L.Concat(L.ReLU(), L.ZeroPadShortcut(2, 3, stride=1))],
                         ids=lambda layer: type(layer).__name__)
def test_layers_without_a_functional_pair_keep_the_maps_channels_first(layer):
    # Same numbers whatever the memory order; a channels-first x gives a channels-first y
    # (ZeroPadShortcut) and dx, so that a ResNet's passes never mix the two orders.
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 2, 5, 5))
    y = layer.forward(x)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    y_cf = layer.forward(_channels_first(x))
    dx_cf = layer.backward(_channels_first(dy) if dy.ndim == 4 else dy)
    np.testing.assert_array_equal(y_cf, y)
    np.testing.assert_array_equal(dx_cf, dx)
    assert dx_cf.swapaxes(0, 1).flags.c_contiguous
    assert dx.flags.c_contiguous
    if y.ndim == 4:
        assert y_cf.swapaxes(0, 1).flags.c_contiguous and y.flags.c_contiguous


def test_concat_joins_branches_of_both_orders_in_the_first_branchs():
    # A convolution hands on channels-first maps, ZeroPadShortcut here NCHW ones (its input's
    # order); NumPy alone would join them in NCHW order.  Same numbers either way.
    x = np.random.default_rng(4).normal(size=(3, 2, 4, 4))
    conv, around = L.Conv2D(2, 3, 1, rng=0), L.ZeroPadShortcut(2, 2, stride=1)
    layer = L.Concat(conv, around)
    y = layer.forward(x)
    np.testing.assert_array_equal(y, np.concatenate([conv.forward(x), around.forward(x)], 1))
    assert conv.forward(x).swapaxes(0, 1).flags.c_contiguous and around.forward(x).flags.c_contiguous
    assert y.swapaxes(0, 1).flags.c_contiguous


def test_a_small_resnet_with_batch_norm_learns_the_digits():
    (x_train, y_train), (x_test, y_test) = load_digits()
    model = zoo.digits_resnet(seed=0)
    # stem 1*16*9 + 32 = 176; block 16->16: 2 * (2304 + 32) = 4,672; block 16->32 with a
    # 1x1 projection: 4608 + 64 + 9216 + 64 + 512 + 64 = 14,528; dense 32*10 + 10 = 330
    assert model.summary((1, 8, 8)).total == 176 + 4_672 + 14_528 + 330
    model.fit(x_train, y_train, epochs=10, batch_size=32, loss="cross_entropy",
              optimizer=Adam(lr=3e-3), seed=0, verbose=False)
    _, accuracy = model.evaluate(x_test, y_test)
    assert accuracy >= 0.97


def test_convnet_shapes_prints_a_zoo_model_without_its_weights(capsys):
    assert cli.main(["shapes", "--model", "resnet18", "--input", "3x224x224"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("= 11,689,512")
    assert cli.main(["shapes", "--model", "nin"]) == 0           # its own input, 3x32x32
    assert capsys.readouterr().out.rstrip().endswith("= 966,986")


def test_convnet_shapes_needs_layers_or_a_model(capsys):
    with pytest.raises(SystemExit):
        cli.main(["shapes", "--input", "3x32x32"])
    assert "one of the arguments --layers --model is required" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["shapes", "--model", "resnet50"])
    assert "invalid choice: 'resnet50'" in capsys.readouterr().err
    assert sorted(zoo.MODELS) == sorted(cli._commands.MODEL_NAMES)
    assert all(callable(getattr(convnet.zoo, name)) for name in zoo.MODELS)


@pytest.mark.parametrize("build, input_shape", [(zoo.lenet5, (1, 28, 28)),
                                                (zoo.digits_cnn, (1, 8, 8)),
                                                (zoo.digits_resnet, (1, 8, 8))],
                         ids=lambda v: getattr(v, "__name__", None))
def test_the_course_networks_take_shapes_only_too(build, input_shape):
    assert build(shapes_only=True).summary(input_shape).rows == build().summary(input_shape).rows


def test_digits_cnn_by_hand():
    # conv 1->16 3x3 (144 + 16), conv 16->32 3x3 (4608 + 32), dense 128->64 (8192 + 64),
    # dense 64->10 (640 + 10)
    assert zoo.digits_cnn(shapes_only=True).summary((1, 8, 8)).total == \
        160 + 4640 + 8256 + 650
