"""A checkpoint's optimizer file is a file from outside: checked like a model file, never unpickled.

Each test writes a real checkpoint, then damages its optimizer file
(``run.optimizer.npz``) in one way: hostile bytes, or a well-formed file
whose JSON entry or arrays are wrong.  Every damage is a ModelFileError (a
ValueError) naming the file and the problem, never a KeyError or IndexError.
"""

import json
import zipfile

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet._archive import write_archive
from convnet._modelfile import META_KEY, ModelFileError
from convnet.callbacks import ModelCheckpoint, load_checkpoint
from convnet.optim import SGD, Adam

from .test_model import toy_data


def small_model(dtype=np.float64):
    return convnet.Sequential(L.Flatten(), L.Dense(64, 2, rng=0, dtype=dtype))


@pytest.fixture
def saved(tmp_path):
    """A checkpoint after one epoch of SGD with momentum: (model path, optimizer path)."""
    x, y = toy_data(16)
    small_model().fit(x, y, epochs=1, batch_size=8, loss="cross_entropy",
                      optimizer=SGD(0.1, momentum=0.9), verbose=0,
                      callbacks=[ModelCheckpoint(tmp_path / "run.npz")])
    return tmp_path / "run.npz", tmp_path / "run.optimizer.npz"


def parts(path):
    """The optimizer file's entry and arrays, read with NumPy (the test trusts its own file)."""
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    meta = json.loads(arrays.pop(META_KEY).tobytes())["layers"][0]
    return meta, arrays


def rewrite(path, change):
    """Write the file again, well formed (table and checksums right), after ``change(meta,
    arrays)``."""
    meta, arrays = parts(path)
    change(meta, arrays)
    write_archive(path, [meta], arrays)


def refused(model_path, optimizer=None, match=""):
    with pytest.raises(ModelFileError, match=r"^cannot load '.*run\.optimizer\.npz'.*" + match):
        load_checkpoint(model_path, optimizer)


def test_a_well_formed_file_loads(saved):
    optimizer = SGD(1.0, momentum=0.5)
    model, epoch, history = load_checkpoint(saved[0], optimizer)
    assert (epoch, optimizer.lr, optimizer.momentum, len(history)) == (1, 0.1, 0.9, 1)
    assert optimizer.state["1.weight"]["velocity"].shape == (2, 64)     # (out, in)


def drop(key):
    return lambda meta, arrays: meta.pop(key)


def put(key, value):
    return lambda meta, arrays: meta.__setitem__(key, value)


def history_put(key, value):
    return lambda meta, arrays: meta["history"].__setitem__(key, value)


def array_put(name, value):
    return lambda meta, arrays: arrays.__setitem__(name, value)


@pytest.mark.parametrize("change, match", [
    (drop("epoch"), r"its entry must be a 'convnet-optimizer-state' object with exactly the keys"),
    (drop("history"), "exactly the keys"),
    (put("epoch", "1"), r"its entry 'epoch' must be an integer from 1 to 1,000,000,000; "
                        r"got '1'"),
    (put("epoch", 0), r"its entry 'epoch' must be an integer from 1 to 1,000,000,000; got 0"),
    (put("epoch", 10**30), r"its entry 'epoch' must be an integer from 1 to 1,000,000,000"),
    (history_put("loss", [10**400]), r"its history's 'loss' must hold numbers; got"),
    (put("config", [0.1]), r"its entry 'config' must be an object"),
    (put("initial_lr", -1.0), r"its entry 'initial_lr' must be null or a number > 0"),
    (put("scalars", {"1.weight": {"step": "3"}}), r"its entry 'scalars' must be an object"),
    (put("model", "abc"), r"its entry 'model' must be the 64 hex digits"),
    (put("history", {"epoch": [1]}), r"its entry 'history' must be null or an object of the "
                                     r"lists \['epoch', 'loss'"),
    (history_put("loss", []), r"its history's 'loss' has 0 entries for 1 epochs"),
    (history_put("val_loss", [0.5, 0.4]), r"its history's 'val_loss' has 2 entries for 1 epochs"),
    (history_put("loss", [None]), r"its history's 'loss' must hold numbers; got"),
    (history_put("epoch", [3]), r"its history's epochs \[3\] .*must be integers from 1 up, "
                                r"rising, ending at the checkpoint's epoch 1"),
    (history_put("epoch", [-7, 1]), r"its history's epochs \[-7, 1\] .*must be integers from 1"),
    (history_put("epoch", [1, 1]), r"its history's epochs \[1, 1\] .*must be .*rising"),
])
def test_a_wrong_json_entry_is_named(saved, change, match):
    rewrite(saved[1], change)
    refused(saved[0], SGD(0.1, momentum=0.9), match)


@pytest.mark.parametrize("change, match", [
    (array_put("1.weight/velocity", np.zeros(3)),
     r"its array '1\.weight/velocity' has shape \(3,\) and dtype float64; the parameter "
     r"'1\.weight' has shape \(2, 64\) and dtype float64"),
    (array_put("1.weight/velocity", np.zeros((2, 64), np.float32)),
     r"its array '1\.weight/velocity' has shape \(2, 64\) and dtype float32; the parameter"),
    (array_put("7.weight/velocity", np.zeros(2)),
     r"it holds optimizer state for '7\.weight', which is not a parameter of the model"),
    (array_put("1.weight/speed", np.zeros((2, 64))),
     r"its state does not fit a SGD \(state_dict\['state'\]\['1\.weight'\] must be a dict of "
     r"exactly the keys \['velocity'\]"),
    (array_put("no-slash", np.zeros(2)), r"array name 'no-slash' is not '<parameter>/<key>'"),
])
def test_arrays_that_do_not_fit_the_parameters_are_named(saved, change, match):
    rewrite(saved[1], change)
    refused(saved[0], SGD(0.1, momentum=0.9), match)


def test_state_of_another_layout_is_named(saved):
    # An Adam's entry without its second moment: load_state_dict's refusal, naming the file.
    def as_adam(meta, arrays):
        meta["optimizer"], meta["config"] = "Adam", Adam(0.1).config()
        meta["scalars"] = {name: {"t": 2} for name in ("1.weight", "1.bias")}
        arrays["1.weight/m"] = arrays.pop("1.weight/velocity")
        arrays["1.bias/m"] = arrays.pop("1.bias/velocity")
    rewrite(saved[1], as_adam)
    refused(saved[0], Adam(), r"its state does not fit a Adam \(state_dict\['state'\]"
                              r"\['1\.(weight|bias)'\] must be a dict of exactly the keys "
                              r"\['m', 't', 'v'\]")


def test_hostile_bytes_are_refused_before_anything_is_read(saved):
    _, other = saved
    good = other.read_bytes()
    other.write_bytes(b"")
    refused(saved[0], match="the file is empty")
    other.write_bytes(b"\x80\x04 a pickle, not an archive")
    refused(saved[0], match="not a convnet model file .* not with a zip signature")
    # An array declared far beyond the memory budget is refused from the description alone.
    other.write_bytes(good)
    with zipfile.ZipFile(other) as archive:
        raw = archive.read(META_KEY + ".npy")
    header_end = raw.index(b"\n") + 1
    description = json.loads(raw[header_end:])
    description["arrays"]["1.weight/velocity"]["shape"] = [1 << 20, 1 << 20]
    members = {META_KEY: np.frombuffer(json.dumps(description).encode(), np.uint8)}
    with np.load(other) as data:
        members.update({name: data[name] for name in data.files if name != META_KEY})
    np.savez(other, **members)
    refused(saved[0], match=r"array '1\.weight/velocity' of shape \(1048576, 1048576\) would "
                            r"take .* more than the memory budget")


unpickled = []


def _unpickle():
    unpickled.append(True)
    return 0.0


class Trap:
    def __reduce__(self):
        return (_unpickle, ())


def test_a_pickled_member_is_never_unpickled(saved):
    _, other = saved
    meta, arrays = parts(other)
    text = json.dumps({"format": "convnet-model", "version": 1, "layers": [meta], "arrays": {
        "1.weight/velocity": {"shape": [1], "dtype": "float64", "sha256": "0" * 64}}})
    np.savez(other, **{META_KEY: np.frombuffer(text.encode(), np.uint8),
                       "1.weight/velocity": np.array([Trap()], dtype=object)},
             allow_pickle=True)
    refused(saved[0])
    assert unpickled == []


def test_a_history_with_an_infinite_validation_loss_still_loads(saved):
    # A validation set may overflow while training goes on; json writes that as Infinity.
    rewrite(saved[1], history_put("val_loss", [float("inf")]))
    _, _, history = load_checkpoint(saved[0])
    assert history.val_loss == [float("inf")]


def config_put(key, value):
    return lambda meta, arrays: meta["config"].__setitem__(key, value)


@pytest.mark.parametrize("change, match", [
    (put("initial_lr", 10**400), r"its entry 'initial_lr' must be null or a number > 0"),
    (config_put("lr", 10**400), r"its state does not fit a SGD"),
])
def test_an_integer_too_large_for_a_float_is_refused_by_name(saved, change, match):
    # math.isfinite(10**400) raises OverflowError: it must not escape as that.
    rewrite(saved[1], change)
    refused(saved[0], SGD(0.1, momentum=0.9), match)


def test_a_model_file_that_is_a_pipe_or_a_folder_is_refused(tmp_path):
    import os

    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(ModelFileError, match="not a regular file"):
        convnet.load(tmp_path / "folder.npz")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.npz")                        # opening it would block
        with pytest.raises(ModelFileError, match="not a regular file"):
            convnet.load(tmp_path / "pipe.npz")


@pytest.mark.parametrize("change, match", [
    (array_put("7.weight/velocity", np.zeros(2)), r"'7\.weight', which is not a parameter"),
    (array_put("1.weight/velocity", np.zeros(3)), r"has shape \(3,\) and dtype float64"),
])
def test_state_for_another_model_is_refused_before_its_arrays_are_read(saved, monkeypatch,
                                                                      change, match):
    from convnet._archive import ModelArchive

    rewrite(saved[1], change)
    original = ModelArchive.read_arrays

    def read_arrays(archive):
        if archive.path.endswith("optimizer.npz"):
            raise AssertionError("the optimizer file's arrays were read before the check")
        return original(archive)
    monkeypatch.setattr(ModelArchive, "read_arrays", read_arrays)
    refused(saved[0], SGD(0.1, momentum=0.9), match)
