"""convnet.interop without PyTorch: names of the state dict, loading it, safetensors by hand.

The PyTorch side (to_torch, from_torch, the safetensors package) is in
tests/torch/test_interop*.py; here the NumPy half, with expected bytes worked
out by hand from the format.
"""

import sys

import numpy as np
import pytest

import convnet
from convnet import ModelFileError, interop, layers as L

F64 = np.float64


def model(seed=0):
    return convnet.Sequential(
        L.Conv2D(1, 2, 3, padding=1, rng=seed, dtype=F64), L.BatchNorm2D(2, dtype=F64),
        L.Residual(L.Conv2D(2, 2, 3, padding=1, rng=seed + 1, dtype=F64), L.ReLU()),
        L.Concat(L.MaxPool2D(2), [L.AvgPool2D(2), L.Conv2D(2, 1, 1, rng=seed + 2, dtype=F64)]),
        L.Flatten("F"), L.Dense(12, 3, rng=seed + 3, dtype=F64))


X = np.random.default_rng(5).normal(size=(4, 1, 4, 4))


def test_state_dict_names_are_pytorchs_and_its_arrays_are_copies():
    net = model()
    state = interop.state_dict(net)
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                           "1.running_var", "1.num_batches_tracked", "2.body.0.weight",
                           "2.body.0.bias", "3.1.1.weight", "3.1.1.bias", "5.weight", "5.bias"]
    assert state["1.num_batches_tracked"].dtype == np.int64
    state["0.weight"][...] = 7.0
    assert not np.any(net.parameters()["0.weight"] == 7.0)


def test_load_state_dict_makes_one_model_compute_as_another():
    source, target = model(0), model(10)
    source.train().forward(X)                           # moves the running statistics
    interop.load_state_dict(target, interop.state_dict(source))
    assert np.array_equal(source.eval().forward(X), target.eval().forward(X))


def test_load_state_dict_converts_to_the_layers_dtype_and_changes_nothing_on_error():
    net = convnet.Sequential(L.Dense(2, 1, rng=0, dtype=np.float32))
    interop.load_state_dict(net, {"0.weight": np.array([[1, 2]]), "0.bias": np.array([3])})
    assert net.parameters()["0.weight"].dtype == np.float32
    assert net.forward(np.array([[1.0, 1.0]], np.float32))[0, 0] == 6.0     # 1 + 2 + 3
    with pytest.raises(ValueError, match=r"state\['0.bias'\] must be of shape \(1,\)"):
        interop.load_state_dict(net, {"0.weight": np.zeros((1, 2)), "0.bias": np.zeros(2)})
    assert net.parameters()["0.weight"].tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize("count, match", [
    (np.array(np.nan), "a count: whole numbers from 0"),
    (np.array(2.7), "a count: whole numbers from 0"),
    (np.array(-1), "a count: whole numbers from 0"),
    (np.array(1e30), "a count: whole numbers from 0"),
])
def test_a_count_that_is_not_one_is_refused_not_wrapped(count, match):
    # NaN and 1e30 used to become -9223372036854775808 when cast to int64, 2.7 became 2.
    net = model()
    state = interop.state_dict(net)
    before = state["1.num_batches_tracked"].copy()
    state["1.num_batches_tracked"] = count
    with pytest.raises(ValueError, match=r"state\['1.num_batches_tracked'\] must be " + match):
        interop.load_state_dict(net, state)
    assert net.state()["1.num_batches_tracked"] == before               # nothing changed
    state["1.num_batches_tracked"] = np.array(7.0)                      # a whole float is fine
    interop.load_state_dict(net, state)
    assert net.state()["1.num_batches_tracked"] == 7


def test_a_negative_running_variance_is_refused_as_a_model_file_refuses_it():
    # It used to load, and batch norm in evaluation then took the square root of eps - 0.5.
    net = model()
    state = interop.state_dict(net)
    state["1.running_var"] = np.array([1.0, -0.5])
    state["0.weight"] = state["0.weight"] + 1.0
    with pytest.raises(ValueError, match=r"state must be running statistics the layers can "
                                         r"hold; got layer 1: BatchNorm2D\(num_features=2, .*\) has a "
                                         r"negative running_var \(-0.5\)"):
        interop.load_state_dict(net, state)
    assert net.state()["1.running_var"].tolist() == [1.0, 1.0]         # nothing changed
    assert not np.array_equal(net.parameters()["0.weight"], state["0.weight"])
    state["1.running_var"] = np.array([1.0, 0.0])                      # zero is a variance
    interop.load_state_dict(net, state)
    assert net.state()["1.running_var"].tolist() == [1.0, 0.0]


def test_a_float_beyond_the_layers_dtype_is_refused_not_made_infinite():
    net = convnet.Sequential(L.Dense(2, 1, rng=0, dtype=np.float32))
    with pytest.raises(ValueError, match=r"state\['0.weight'\] must be numbers within "
                                         r"float32's range; got values up to 1e\+300"):
        interop.load_state_dict(net, {"0.weight": np.array([[1e300, 0.0]]),
                                      "0.bias": np.zeros(1)})
    interop.load_state_dict(net, {"0.weight": np.array([[np.inf, 0.0]]),   # inf stays inf
                                  "0.bias": np.zeros(1)})
    assert np.isinf(net.parameters()["0.weight"][0, 0])


def test_a_safetensors_file_worked_out_by_hand(tmp_path):
    path = tmp_path / "w.safetensors"
    interop.write_safetensors(path, {"w": np.array([1.0, 2.0], np.float32)})
    header = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'     # 54 bytes
    assert len(header) == 54
    expected = ((56).to_bytes(8, "little") + header + b"  "             # padded to 56 = 7 * 8
                + bytes.fromhex("0000803f") + bytes.fromhex("00000040"))  # 1.0f, 2.0f, LE
    assert path.read_bytes() == expected
    arrays, metadata = interop.read_safetensors(path)
    assert metadata == {} and arrays["w"].tolist() == [1.0, 2.0]


def test_arrays_are_ordered_widest_dtype_first_then_by_name(tmp_path):
    path = tmp_path / "o.safetensors"
    interop.write_safetensors(path, {"b": np.zeros(1, np.float32), "a": np.zeros(1, np.float32),
                                     "c": np.zeros(1, np.float64)}, {"k": "v"})
    text = path.read_bytes()[8:]
    assert text.startswith(b'{"__metadata__":{"k":"v"},"c":{"dtype":"F64","shape":[1],'
                           b'"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],'
                           b'"data_offsets":[8,12]},"b":')


def test_a_model_saved_as_safetensors_loads_back(tmp_path):
    net = model()
    net.train().forward(X)
    net.save(tmp_path / "m.safetensors")
    back = convnet.load(tmp_path / "m.safetensors")
    assert np.array_equal(net.eval().forward(X), back.eval().forward(X))
    assert repr(back.layers[3]) == repr(net.layers[3])
    arrays, metadata = interop.read_safetensors(tmp_path / "m.safetensors")
    assert set(arrays) == set(net.parameters()) | set(net.state())
    assert '"format": "convnet-model"' in metadata["convnet"]


def test_weights_without_an_architecture_load_into_a_model_built_for_them(tmp_path):
    net, other = model(0), model(3)
    weights = {k: v for k, v in interop.state_dict(net).items() if v.dtype.kind == "f"}
    interop.write_safetensors(tmp_path / "w.safetensors", weights)
    with pytest.raises(ModelFileError, match="no convnet architecture.*load_state_dict"):
        convnet.load(tmp_path / "w.safetensors")
    interop.load_state_dict(other, interop.read_safetensors(tmp_path / "w.safetensors")[0])
    assert np.array_equal(net.eval().forward(X), other.eval().forward(X))


def test_without_pytorch_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)          # import torch raises ImportError
    with pytest.raises(ImportError, match=r'pip install -e "\.\[torch\]"'):
        interop.to_torch(model())
    with pytest.raises(ImportError, match=r'pip install -e "\.\[torch\]"'):
        interop.from_torch(object(), (1, 4, 4))


def test_torch_source_needs_no_pytorch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    text = interop.torch_source(model(), input_shape=(1, 4, 4))
    assert "self.block2 = Residual(" in text and "x = self.flatten4(x)     # (N, 12)" in text
    assert "from convnet.interop.modules import Residual, Concat, ColumnFlatten" in text


def test_an_array_there_is_no_memory_for_is_refused_by_name(tmp_path, monkeypatch):
    # Within the memory budget but more than the machine has free: NumPy raises MemoryError,
    # which must come out as the loader's error naming the file and the array.
    from convnet import _safetensors

    path = tmp_path / "w.safetensors"
    interop.write_safetensors(path, {"w": np.zeros((4, 3), np.float32)})

    class NoMemory:
        def __getattr__(self, name):
            return getattr(np, name)

        @staticmethod
        def empty(*args, **kwargs):
            raise MemoryError("no room")
    monkeypatch.setattr(_safetensors, "np", NoMemory())
    with pytest.raises(ModelFileError, match=r"w\.safetensors.*array 'w' needs 48 bytes, more "
                                             r"memory than is free"):
        interop.read_safetensors(path)
