"""to_torch and from_torch: every layer type and the zoo give PyTorch the same numbers, and back.

Each model goes to PyTorch and back again; outputs, the input gradient,
every parameter's gradient and the weights after one SGD step agree to
1e-10 in float64 (the layers) and 1e-5 relative in float32 (the zoo's
models, as the zoo builds them).  Hypothesis draws convolution
configurations.  ``torch_source`` is executed and, loaded with the same
weights, computes the same outputs.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import convnet
from convnet import interop, layers as L, zoo
from convnet.layers.base import walk

from .interop_helpers import check_same_numbers, close, randomize, tensor

torch.set_num_threads(1)
F64 = dict(dtype=np.float64)


def conv(*args, **options):
    return L.Conv2D(*args, rng=0, **F64, **options)


# (name, layers, per-sample input shape): every layer type of convnet.layers and its options.
CASES = [
    ("conv", [conv(2, 3, 3)], (2, 6, 6)),
    ("conv stride dilation padding", [conv(2, 4, 3, stride=2, padding=2, dilation=2)], (2, 7, 7)),
    ("conv same, even kernel", [conv(2, 2, 4, padding="same")], (2, 5, 5)),
    ("conv asymmetric padding, no bias", [conv(2, 2, 3, padding=((2, 0), (1, 3)), bias=None)],
     (2, 4, 4)),
    ("conv grouped", [conv(4, 6, 3, groups=2, padding=1)], (4, 5, 5)),
    ("conv depthwise, reflect", [conv(4, 4, 3, groups=4, padding=1, padding_mode="reflect")],
     (4, 5, 5)),
    ("conv replicate", [conv(2, 2, 3, padding=2, padding_mode="replicate")], (2, 4, 4)),
    ("conv circular, asymmetric", [conv(2, 2, 2, padding=((1, 0), (0, 1)),
                                        padding_mode="circular")], (2, 4, 4)),
    ("conv untied bias", [conv(2, 3, 3, bias="untied", input_size=(5, 6))], (2, 5, 6)),
    ("conv product bias", [L.ProductBiasConv2D(2, 3, 3, padding=1, rng=0, **F64)], (2, 4, 4)),
    ("conv transpose", [L.ConvTranspose2D(2, 3, 3, stride=2, padding=1, output_padding=1,
                                          rng=0, **F64)], (2, 3, 3)),
    ("conv transpose asymmetric, grouped", [L.ConvTranspose2D(
        2, 4, 3, stride=2, padding=((1, 0), (0, 2)), groups=2, dilation=2, rng=0, **F64)],
     (2, 3, 4)),
    ("max pool", [L.MaxPool2D(2)], (2, 4, 6)),
    ("max pool padded", [L.MaxPool2D(3, stride=2, padding=1)], (2, 5, 5)),
    ("max pool asymmetric", [L.MaxPool2D(2, padding=((1, 0), (0, 1)))], (2, 5, 5)),
    ("avg pool padded", [L.AvgPool2D(3, stride=2, padding=1)], (2, 5, 5)),
    ("max pool ceil", [L.MaxPool2D(2, ceil_mode=True)], (2, 5, 7)),
    ("max pool dilated", [L.MaxPool2D(3, 2, 1, dilation=2, ceil_mode=True)], (2, 8, 7)),
    ("avg pool ceil", [L.AvgPool2D(3, stride=2, padding=1, ceil_mode=True,
                                   count_include_pad=False)], (2, 6, 6)),
    ("avg pool divisor", [L.AvgPool2D(2, padding=((1, 0), (0, 1)), divisor_override=3)],
     (2, 5, 5)),
    ("avg pool asymmetric", [L.AvgPool2D((2, 3), stride=1, padding=((0, 1), (1, 0)))],
     (2, 4, 4)),
    ("global pools", [L.Concat(L.GlobalAvgPool2D(), L.GlobalMaxPool2D())], (3, 4, 5)),
    ("adaptive pools", [L.AdaptiveAvgPool2D((2, 3)), L.AdaptiveMaxPool2D((2, None))], (2, 5, 7)),
    ("upsample", [L.Upsample2D(2), L.Upsample2D(1.5), L.Upsample2D(size=(7, 5))], (2, 3, 2)),
    ("batch norm 2d", [L.BatchNorm2D(3, momentum=0.3, **F64)], (3, 4, 4)),
    ("batch norm 1d", [L.Flatten(), L.BatchNorm1D(12, eps=1e-3, **F64)], (3, 2, 2)),
    ("group norm", [L.GroupNorm(2, 4, **F64)], (4, 3, 3)),
    ("activations", [L.LeakyReLU(0.2), L.Sigmoid(), L.Tanh(), L.ReLU(), L.Softmax(1)],
     (3, 2, 2)),
    ("flatten by rows", [L.Flatten(), L.Dense(12, 3, rng=0, **F64)], (3, 2, 2)),
    ("flatten by columns (Eq. 8.26)", [L.Flatten("F"), L.Dense(12, 3, bias=False, rng=0, **F64)],
     (3, 2, 2)),
    ("dropout (training mode, p = 0)", [L.Dropout(0.0), L.Dense(4, 2, rng=0, **F64)], (4,)),
    ("zero-pad shortcut", [L.Residual(conv(2, 4, 3, stride=2, padding=1),
                                      shortcut=L.ZeroPadShortcut(2, 4, stride=2))], (2, 5, 5)),
    ("residual with a conv shortcut", [L.Residual(
        conv(2, 3, 3, padding=1), L.BatchNorm2D(3, **F64), L.ReLU(),
        shortcut=[conv(2, 3, 1), L.BatchNorm2D(3, **F64)])], (2, 4, 4)),
    ("concat in residual", [L.Residual(L.Concat(conv(2, 1, 1), [L.MaxPool2D(3, 1, 1),
                                                                conv(2, 1, 3, padding=1)]))],
     (2, 4, 4)),
]


@pytest.mark.parametrize("layers, shape", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_every_layer_goes_over_and_back_with_the_same_numbers(layers, shape):
    model = randomize(convnet.Sequential(layers))
    x = np.random.default_rng(2).normal(size=(3, *shape))
    module = interop.to_torch(model)
    assert module.state_dict().keys() == interop.state_dict(model).keys()
    same_model(interop.from_torch(module, shape), model, x)
    check_same_numbers(model, module, x, 1e-10)


def same_model(back, model, x, tolerance=1e-12):
    """``from_torch(to_torch(model))`` holds the model's arrays exactly and computes as it does."""
    ours, theirs = interop.state_dict(model), interop.state_dict(back)
    assert ours.keys() == theirs.keys() or len(ours) == len(theirs)   # global pools: 2 layers
    for (name, value), other in zip(ours.items(), theirs.values()):
        assert np.array_equal(value, other) and value.dtype == other.dtype, name
    with convnet.inference():                     # nothing moves: no running statistic
        close(back.forward(x), model.forward(x), tolerance, "from_torch(to_torch(model))")


def test_evaluation_mode_uses_running_statistics_and_no_dropout():
    model = randomize(convnet.Sequential(conv(2, 3, 3), L.BatchNorm2D(3, **F64), L.Dropout(0.5),
                                         L.Flatten(), L.Dense(12, 2, rng=0, **F64))).eval()
    module = interop.to_torch(model)
    assert not module.training
    check_same_numbers(model, module, np.random.default_rng(0).normal(size=(2, 2, 4, 4)), 1e-10)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_drawn_convolutions(data):
    groups = data.draw(st.sampled_from([1, 2]))
    c, f = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
    k = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    pads = tuple(tuple(data.draw(st.integers(0, 2)) for _ in range(2)) for _ in range(2))
    options = dict(stride=data.draw(st.sampled_from([1, 2, (1, 2)])),
                   dilation=data.draw(st.sampled_from([1, 2])), groups=groups, padding=pads,
                   padding_mode=data.draw(st.sampled_from(["zeros", "reflect", "replicate",
                                                           "circular"])))
    size = (6, 7)
    bias = data.draw(st.sampled_from(["tied", None, "untied", "product"]))
    if bias == "product":
        layer = L.ProductBiasConv2D(c, f, k, rng=0, **F64, **options)
    else:
        layer = conv(c, f, k, bias=bias, input_size=size if bias == "untied" else None,
                     **options)
    model = randomize(convnet.Sequential(layer), seed=data.draw(st.integers(0, 9)))
    x = np.random.default_rng(1).normal(size=(2, c, *size))
    module = interop.to_torch(model)
    same_model(interop.from_torch(module, (c, *size)), model, x)
    check_same_numbers(model, module, x, 1e-10)


ZOO = [("lenet5", lambda: zoo.lenet5(), (1, 28, 28)),
       ("digits_cnn", lambda: zoo.digits_cnn(), (1, 8, 8)),
       ("squares_vs_diamonds", lambda: zoo.squares_vs_diamonds(seed=0), (1, 15, 15)),
       ("designed_squares_vs_diamonds", zoo.designed_squares_vs_diamonds, (1, 15, 15)),
       ("nin", lambda: zoo.nin(), (3, 32, 32)),
       ("resnet20 (option A)", lambda: zoo.resnet20(shortcut="A"), (3, 32, 32)),
       ("digits_resnet", lambda: zoo.digits_resnet(), (1, 8, 8)),
       ("mobilenet", lambda: zoo.mobilenet(num_classes=10), (3, 16, 16)),     # small inputs:
       ("resnet18", lambda: zoo.resnet18(num_classes=10), (3, 16, 16))]       # a 1x1 map at last


@pytest.mark.parametrize("build, shape", [case[1:] for case in ZOO],
                         ids=[case[0] for case in ZOO])
@pytest.mark.parametrize("mode", ["float32 evaluation", "float64 training"])
def test_the_zoo_goes_over_and_back(build, shape, mode):
    """As the zoo builds them (float32) in evaluation mode, and in float64 in training mode.

    In training mode, float32 is not compared: batch normalisation over a 1x1
    map and a batch of 2 normalises two numbers, and rounding differences of
    1e-7 in them become 1e-3 in its output in any implementation (PyTorch's
    own float32 and float64 differ so).  Dropout is set to p = 0 in training.
    """
    model = build()
    if mode == "float64 training":
        model.astype(np.float64).train()
        for _, layer in walk(enumerate(model.layers)):
            if isinstance(layer, L.Dropout):
                layer.p = 0.0
    else:
        model.eval()
    dtype = next(iter(model.parameters().values())).dtype
    batch = 4 if mode == "float64 training" else 2     # batch norm over 4 numbers at least
    x = np.random.default_rng(0).normal(size=(batch, *shape)).astype(dtype)
    module = interop.to_torch(model)
    assert next(module.parameters()).dtype == torch.from_numpy(x).dtype
    tolerance = 1e-5 if dtype == np.float32 else 1e-10
    same_model(interop.from_torch(module, shape), model, x, tolerance)    # "same" vs (1, 1)
    check_same_numbers(model, module, x, tolerance, lr=1e-3)


@pytest.mark.parametrize("name", ["alexnet", "vgg11", "vgg16"])
def test_the_large_zoo_has_the_same_parameters_in_torch_source(name):
    model = getattr(zoo, name)(shapes_only=True)      # placeholders: no memory
    namespace = {}
    exec(interop.torch_source(model), namespace)      # noqa: S102 - our own generated source
    with torch.device("meta"):                        # shapes without memory
        net = namespace["Net"]()
    names = [child for child, _ in net.named_children()]
    shapes = {f"{names[int(k.split('.', 1)[0])]}.{k.split('.', 1)[1]}": v.shape
              for k, v in model.parameters().items()}
    assert {k: tuple(v.shape) for k, v in net.named_parameters()} == shapes


def test_torch_source_runs_and_computes_the_same_numbers():
    model = randomize(convnet.Sequential(
        conv(2, 3, 3, padding=((1, 0), (0, 1))), L.BatchNorm2D(3, **F64), L.ReLU(),
        L.Residual(conv(3, 3, 3, padding=1), shortcut=L.ZeroPadShortcut(3, 3, 1)),
        L.Concat(L.MaxPool2D(2, padding=((1, 0), (1, 0))), [
            L.ProductBiasConv2D(3, 2, 2, rng=0, **F64)]),
        L.ConvTranspose2D(5, 2, 2, padding=((0, 1), (1, 0)), rng=0, **F64),
        conv(2, 1, 1, bias="untied", input_size=(2, 2)),
        L.GlobalAvgPool2D(), L.Dense(1, 2, rng=0, **F64)))
    source = interop.torch_source(model, input_shape=(2, 4, 4))
    namespace = {}
    exec(source, namespace)                           # noqa: S102 - our own generated source
    net = namespace["Net"]()
    assert next(net.parameters()).dtype == torch.float64       # the model's dtype by default
    names = [name for name, _ in net.named_children()]
    net.load_state_dict({f"{names[int(k.split('.', 1)[0])]}.{k.split('.', 1)[1]}": tensor(v)
                         for k, v in interop.state_dict(model).items()})
    x = np.random.default_rng(0).normal(size=(2, 2, 4, 4))
    close(net(tensor(x)).detach().numpy(), model.forward(x), 1e-10, "the source's output")


@pytest.mark.parametrize("module, fragment", [
    (torch.nn.Sequential(torch.nn.LSTM(2, 2)), "'0' is a LSTM: convnet has no such layer"),
    (torch.nn.Sequential(torch.nn.Sequential(torch.nn.MaxPool2d(2, return_indices=True))),
     "'0.0' is a MaxPool2d: return_indices"),
    (torch.nn.Sequential(torch.nn.ZeroPad2d(1), torch.nn.AvgPool2d(2, count_include_pad=False)),
     "'1' is a AvgPool2d: ceil_mode or count_include_pad=False after a padding module"),
    (torch.nn.Sequential(torch.nn.ConstantPad2d(1, -math.inf),
                         torch.nn.MaxPool2d(2, ceil_mode=True)),
     "'1' is a MaxPool2d: ceil_mode or count_include_pad=False after a padding"),
    (torch.nn.Sequential(torch.nn.ReflectionPad2d(1), torch.nn.MaxPool2d(2)),
     "'0' is a ReflectionPad2d: followed by '1' (MaxPool2d)"),
    (torch.nn.Sequential(torch.nn.Conv2d(2, 2, 3), torch.nn.Linear(3, 3)),
     "input_shape must be a shape that gets through the module"),
    (torch.nn.Sequential(torch.nn.Conv2d(2, 2, 3).half()), "float32 or float64"),
    (torch.nn.Upsample(scale_factor=2, mode="bilinear"), "mode 'bilinear'"),
])
def test_what_convnet_lacks_is_refused_naming_the_module(module, fragment):
    with pytest.raises(ValueError) as error:
        interop.from_torch(module, (2, 5, 5))
    assert fragment in str(error.value)


def test_pooling_options_reach_pytorch_and_come_back():
    model = convnet.Sequential(L.MaxPool2D(3, 2, (1, 1), ceil_mode=True),
                               L.AvgPool2D(2, ceil_mode=True, count_include_pad=False,
                                           divisor_override=2))
    source = interop.torch_source(model, input_shape=(1, 6, 6))
    assert "nn.MaxPool2d((3, 3), stride=(2, 2), ceil_mode=True, padding=(1, 1))" in source
    assert ("nn.AvgPool2d((2, 2), ceil_mode=True, count_include_pad=False, "
            "divisor_override=2)") in source
    module = interop.to_torch(model)
    assert module[0].ceil_mode and module[1].ceil_mode and not module[1].count_include_pad
    assert module[1].divisor_override == 2
    back = interop.from_torch(module, (1, 6, 6))
    assert [layer.config() for layer in back.layers] == [lay.config() for lay in model.layers]


def test_pooling_options_on_asymmetric_padding_have_no_pytorch_module():
    model = convnet.Sequential(L.MaxPool2D(2, padding=((1, 0), (0, 0)), ceil_mode=True))
    with pytest.raises(ValueError, match="^model must be pooling with ceil_mode or "
                                         "count_include_pad=False on symmetric padding only"):
        interop.to_torch(model)


def test_padding_modules_fold_into_the_layer_they_pad():
    module = torch.nn.Sequential(torch.nn.ReflectionPad2d((1, 0, 2, 1)),
                                 torch.nn.Conv2d(2, 2, 3), torch.nn.ZeroPad2d(1),
                                 torch.nn.AvgPool2d(2), torch.nn.Identity()).double()
    model = interop.from_torch(module, (2, 5, 5))
    assert [type(layer).__name__ for layer in model.layers] == ["Conv2D", "AvgPool2D"]
    assert model.layers[0].padding == ((2, 1), (1, 0)) and model.layers[0].padding_mode == "reflect"
    x = np.random.default_rng(0).normal(size=(2, 2, 5, 5))
    close(model.forward(x), module(tensor(x)).detach().numpy(), 1e-10, "folded padding")


def test_a_negative_running_variance_is_refused_as_model_files_and_state_dicts_refuse_it():
    # It used to come over as it was: evaluation then took the square root of eps - 0.5.
    module = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    with torch.no_grad():
        module[1].running_var[0] = -0.5
    with pytest.raises(ValueError, match=r"module must be a network whose batch norms hold "
                                         r"variances and counts >= 0; got '1': BatchNorm2D\("
                                         r".*\) has a negative running_var \(-0.5\)"):
        interop.from_torch(module, (1, 5, 5))
    with torch.no_grad():
        module[1].running_var[0] = 0.0                  # a variance of zero is one
    assert interop.from_torch(module, (1, 5, 5)).layers[1].state["running_var"].tolist() == [0, 1]


def test_bfloat16_tensors_load_exactly_and_meta_tensors_are_refused_by_name():
    # Checkpoints from the hub are often bfloat16, which NumPy lacks: widened to float32
    # (exact), then to the layer's dtype.  A meta tensor has a shape and no numbers.
    net = convnet.Sequential(L.Dense(2, 1, rng=0, dtype=np.float32))
    weight = torch.tensor([[1.5, -0.25]], dtype=torch.bfloat16)
    interop.load_state_dict(net, {"0.weight": weight, "0.bias": torch.zeros(1)})
    assert net.parameters()["0.weight"].tolist() == [[1.5, -0.25]]
    with pytest.raises(TypeError, match=r"state\['0.weight'\] must be a tensor holding "
                                        r"numbers; got a meta tensor"):
        interop.load_state_dict(net, {"0.weight": torch.empty(1, 2, device="meta"),
                                      "0.bias": torch.zeros(1)})
