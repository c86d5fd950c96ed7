"""safetensors files: convnet's writer and the ``safetensors`` package agree byte for byte.

convnet writes and reads the format with NumPy alone (convnet._safetensors);
here the package is the oracle: the same arrays give the same bytes, each
reads the other's files bit for bit, and weights go convnet -> file ->
PyTorch and PyTorch -> file -> convnet.
"""

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch
from hypothesis import given, settings, strategies as st

import convnet
from convnet import interop, layers as L

from .interop_helpers import randomize, tensor
from ..robustness.registry import Entry
from ..robustness.test_bad_inputs import check_refused

F64 = dict(dtype=np.float64)


def model():
    return randomize(convnet.Sequential(
        L.Conv2D(1, 2, 3, padding=1, rng=0, **F64), L.BatchNorm2D(2, **F64),
        L.Residual(L.Conv2D(2, 2, 3, padding=1, rng=1, **F64)), L.Flatten("F"),
        L.Dense(32, 3, rng=2, **F64)))


def test_a_model_file_is_what_the_package_writes_and_reads_bit_for_bit(tmp_path):
    net = model()
    path = tmp_path / "m.safetensors"
    net.save(path)
    arrays, metadata = interop.read_safetensors(path)
    assert path.read_bytes() == safetensors.numpy.save(arrays, metadata=metadata)
    ours = {**net.parameters(), **net.state()}
    for name, value in safetensors.numpy.load_file(path).items():
        assert value.dtype == ours[name].dtype and value.tobytes() == ours[name].tobytes()
    module = interop.to_torch(net)
    module.load_state_dict(safetensors.torch.load_file(path), strict=True)   # the count too
    assert module[1].num_batches_tracked.item() == net.state()["1.num_batches_tracked"]
    x = np.random.default_rng(0).normal(size=(2, 1, 4, 4))
    net.eval(), module.eval()
    assert np.allclose(module(tensor(x)).detach().numpy(), net.forward(x), rtol=0, atol=1e-12)


def test_weights_saved_by_pytorch_load_into_the_model_built_for_them(tmp_path):
    net = model()
    module = interop.to_torch(randomize(model(), seed=7))
    module.train()(torch.ones(2, 1, 4, 4, dtype=torch.float64))        # counts a batch
    safetensors.torch.save_file(module.state_dict(), tmp_path / "t.safetensors")
    arrays, _ = interop.read_safetensors(tmp_path / "t.safetensors")
    assert arrays["1.num_batches_tracked"].dtype == np.int64
    interop.load_state_dict(net, arrays)
    assert net.state()["1.num_batches_tracked"] == module[1].num_batches_tracked.item()
    x = np.random.default_rng(0).normal(size=(2, 1, 4, 4))
    net.eval(), module.eval()
    assert np.allclose(module(tensor(x)).detach().numpy(), net.forward(x), rtol=0, atol=1e-12)


DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
          np.uint16, np.uint32, np.uint64, np.bool_]
NAMES = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=1, max_size=8)


@st.composite
def arrays(draw):
    names = draw(st.lists(NAMES.filter(lambda n: n != "__metadata__"), min_size=1, max_size=5,
                          unique=True))
    result = {}
    for name in names:
        dtype = np.dtype(draw(st.sampled_from(DTYPES)))
        shape = tuple(draw(st.lists(st.integers(0, 3), max_size=3)))
        raw = draw(st.binary(min_size=int(np.prod(shape)) * dtype.itemsize,
                             max_size=int(np.prod(shape)) * dtype.itemsize))
        result[name] = np.frombuffer(raw, np.uint8).view(dtype).reshape(shape)
        if dtype == np.bool_:
            result[name] = np.asarray(result[name].view(np.uint8) % 2 == 1)
    return result


@settings(max_examples=30, deadline=None)
@given(data=arrays(), metadata=st.one_of(st.none(), st.dictionaries(NAMES, NAMES, max_size=1)))
def test_drawn_files_are_the_packages_bytes_and_read_back(tmp_path_factory, data, metadata):
    path = tmp_path_factory.mktemp("st") / "d.safetensors"
    interop.write_safetensors(path, data, metadata)
    assert path.read_bytes() == safetensors.numpy.save(data, metadata=metadata)
    back, meta = interop.read_safetensors(path)
    assert meta == (metadata or {})
    for name, value in data.items():
        assert back[name].dtype == value.dtype and back[name].tobytes() == value.tobytes()


# -- the misuse rows that need a torch module ----------------------------------------

ROWS = [Entry("interop.from_torch", interop.from_torch,
              dict(module=torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3)), input_shape=(1, 4, 4)),
              {}, extra=[("module", "None", None), ("module", "a string", "nn.Conv2d"),
                         ("module", "a convnet model", convnet.Sequential(L.ReLU())),
                         ("module", "an LSTM", torch.nn.LSTM(2, 2)),
                         ("module", "half precision", torch.nn.Conv2d(1, 2, 3).half()),
                         ("module", "a custom module", torch.nn.Module())]),
        Entry("interop.to_torch", interop.to_torch, dict(model=model()), {},
              extra=[("model", "mixed dtypes", convnet.Sequential(
                  L.Dense(2, 2, rng=0, dtype=np.float32), L.Dense(2, 2, rng=0, **F64))),
                     ("model", "an untied bias not made", convnet.Sequential(
                         L.Conv2D(1, 1, 3, bias="untied", rng=0)))])]


@pytest.mark.parametrize("entry", ROWS, ids=lambda entry: entry.name)
def test_torch_arguments_are_refused_naming_them(entry):
    for argument, label, value in entry.bad_values():
        check_refused(entry, argument, label, value)
