"""Save and load: round trip, atomic writes, and every kind of bad file refused."""

import json
import os

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet._archive import ModelFileError, digest


def model_with_everything():
    return convnet.Sequential(
        L.Conv2D(1, 3, 3, padding=((1, 0), (0, 1)), rng=1, dtype=np.float32), L.ReLU(),
        L.Conv2D(3, 2, 2, bias="untied", input_size=(7, 7), rng=2, dtype=np.float32),
        L.LeakyReLU(0.2), L.MaxPool2D(2, stride=1), L.AvgPool2D(2), L.Dropout(0.3),
        L.ProductBiasConv2D(2, 2, 1, rng=3, dtype=np.float32), L.Sigmoid(), L.Flatten("F"),
        L.Dense(2 * 2 * 2, 4, rng=4, dtype=np.float32), L.Tanh(), L.Softmax())


@pytest.fixture
def saved(tmp_path):
    model = model_with_everything()
    path = tmp_path / "model.npz"
    model.save(path)
    return model, path


def test_round_trip_gives_identical_predictions(saved):
    model, path = saved
    loaded = convnet.load(path)
    assert repr(loaded) == repr(model)
    x = np.random.default_rng(0).normal(size=(5, 1, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    for name, value in model.parameters().items():
        assert loaded.parameters()[name].dtype == value.dtype


def test_the_file_holds_json_and_arrays_only(saved):
    _, path = saved
    with np.load(path, allow_pickle=False) as archive:
        meta = json.loads(bytes(archive["__convnet__"]).decode())
    assert meta["format"] == "convnet-model" and meta["version"] == 1
    assert meta["layers"][0] == {"type": "Conv2D", "dtype": "float32", "config": {
        "in_channels": 1, "out_channels": 3, "kernel_size": [3, 3], "stride": [1, 1],
        "padding": [[1, 0], [0, 1]], "dilation": [1, 1], "bias": "tied"}}


def test_an_interrupted_save_keeps_the_previous_file(saved, monkeypatch):
    model, path = saved
    before = path.read_bytes()

    def crash(stream, **arrays):  # write half a file, then fail like a full disk
        stream.write(b"PK\x03\x04 partial")
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez", crash)
    model.layers[0].params["weight"] += 1
    with pytest.raises(OSError, match="No space left"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["model.npz"]       # no temporary file left behind
    convnet.load(path)


def test_truncated_file(saved):
    _, path = saved
    data = path.read_bytes()
    for length in (0, 10, len(data) // 2, len(data) - 30):
        path.write_bytes(data[:length])
        with pytest.raises(ModelFileError, match="^cannot load"):
            convnet.load(path)


def test_bit_flip_in_the_weights(saved):
    model, path = saved
    data = bytearray(path.read_bytes())
    weight = model.layers[0].params["weight"].tobytes()
    offset = bytes(data).find(weight)
    assert offset > 0
    data[offset + 5] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="^cannot load"):
        convnet.load(path)


def rewrite(path, meta=None, arrays=None, drop=()):
    """Write a modified copy of a model file (a tampered file)."""
    with np.load(path, allow_pickle=False) as archive:
        stored = {name: archive[name] for name in archive.files}
    description = json.loads(bytes(stored.pop("__convnet__")).decode())
    if meta:
        meta(description)
    stored.update(arrays or {})
    for name in drop:
        stored.pop(name)
    payload = np.frombuffer(json.dumps(description).encode(), dtype=np.uint8)
    np.savez(path, __convnet__=payload, **stored)


def test_tampered_shape(saved):
    _, path = saved

    wider = np.zeros((4, 9), np.float32)

    def widen(meta):  # a consistent file whose array no longer fits its layer
        meta["arrays"]["10.weight"].update(shape=[4, 9], sha256=digest(wider))
    rewrite(path, meta=widen, arrays={"10.weight": wider})
    with pytest.raises(ModelFileError, match=r"array '10.weight' has shape \(4, 9\) and dtype "
                                             r"float32, Dense\(in_features=8, out_features=4, "
                                             r"bias=True\) needs \(4, 8\) and float32$"):
        convnet.load(path)


def test_array_changed_without_its_checksum(saved):
    _, path = saved
    rewrite(path, arrays={"10.bias": np.ones(4, np.float32)})
    with pytest.raises(ModelFileError, match="array '10.bias' does not match its SHA-256"):
        convnet.load(path)


def test_tampered_layer_configuration(saved):
    _, path = saved

    def more_inputs(meta):
        meta["layers"][10]["config"]["in_features"] = 9
    rewrite(path, meta=more_inputs)
    with pytest.raises(ModelFileError, match=r"array '10.weight' has shape \(4, 8\) and dtype "
                                             r"float32, Dense\(in_features=9"):
        convnet.load(path)


def test_unknown_layer_and_missing_array(saved):
    _, path = saved

    def rename(meta):
        meta["layers"][1]["type"] = "Swish"
    rewrite(path, meta=rename)
    with pytest.raises(ModelFileError, match="unknown layer type 'Swish'"):
        convnet.load(path)
    model_with_everything().save(path)
    rewrite(path, drop=["0.bias"])
    with pytest.raises(ModelFileError, match=r"arrays do not match the description \(missing "
                                             r"\['0.bias'\]"):
        convnet.load(path)


def test_newer_format_version(saved):
    _, path = saved

    def bump(meta):
        meta["version"] = 99
    rewrite(path, meta=bump)
    with pytest.raises(ModelFileError, match="format version 99; this convnet reads up to "
                                             "version 2"):
        convnet.load(path)


def test_foreign_files(tmp_path):
    other = tmp_path / "weights.npz"
    np.savez(other, w=np.ones(3))
    with pytest.raises(ModelFileError, match="not a convnet model file"):
        convnet.load(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="^cannot load"):
        convnet.load(text)
    single = tmp_path / "array.npy"
    np.save(single, np.ones(3))
    with pytest.raises(ModelFileError, match="single .npy array"):
        convnet.load(single)
    with pytest.raises(FileNotFoundError, match="no model file at"):
        convnet.load(tmp_path / "missing.npz")


def test_pickled_objects_are_refused(tmp_path):
    # The description is checked first, so it is a valid one listing the trap.
    path = tmp_path / "evil.npz"
    payload = np.frombuffer(json.dumps({
        "format": "convnet-model", "version": 1, "layers": [{"type": "ReLU", "config": {}}],
        "arrays": {"0.trap": {"shape": [1], "dtype": "float64", "sha256": "0" * 64}}}).encode(),
        dtype=np.uint8)
    np.savez(path, __convnet__=payload, **{"0.trap": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(ModelFileError, match="holds pickled objects, which are refused"):
        convnet.load(path)


def test_load_never_returns_a_half_built_model(saved):
    # A file whose last layer is broken raises; nothing is returned at all.
    _, path = saved

    def break_last(meta):
        meta["layers"][-1]["config"] = {"axis": "x"}
    rewrite(path, meta=break_last)
    with pytest.raises(ModelFileError, match=r"layer 12: bad Softmax configuration"):
        convnet.load(path)


def test_zip_damage_in_the_directory(saved):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF                                  # the central directory at the end
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="^cannot load"):
        convnet.load(path)


def test_load_refuses_malformed_layer_entries_with_the_library_error(saved):
    # Found in review: a non-string type or a non-object config escaped as TypeError.
    _, path = saved

    def list_type(meta):
        meta["layers"][1]["type"] = ["ReLU"]
    rewrite(path, meta=list_type)
    with pytest.raises(ModelFileError, match="unknown layer type"):
        convnet.load(path)
    model_with_everything().save(path)

    def string_config(meta):
        meta["layers"][1]["config"] = "ab"
    rewrite(path, meta=string_config)
    with pytest.raises(ModelFileError, match="configuration is not a JSON object"):
        convnet.load(path)


def test_saved_files_get_ordinary_permissions(tmp_path):
    # Found in review: mkstemp made every saved model 0600.
    path = tmp_path / "model.npz"
    old = os.umask(0o022)
    try:
        model_with_everything().save(path)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o640)
    model_with_everything().save(path)                    # an existing file keeps its mode
    assert path.stat().st_mode & 0o777 == 0o640


def model_with_containers():
    """Every layer of issue 14's second part, and containers nested three deep, in float32."""
    rng = np.random.default_rng(8)

    def conv(c, f, k, **options):
        return L.Conv2D(c, f, k, rng=rng, dtype=np.float32, **options)

    inner = L.Residual(conv(3, 3, 3, padding=1), L.ReLU(), conv(3, 3, 3, padding=1))
    return convnet.Sequential(
        conv(1, 3, 3, padding=1), L.ReLU(),
        L.Residual(L.Concat([inner, conv(3, 2, 1)], [L.AdaptiveMaxPool2D((None, 8)),
                                                     conv(3, 2, 1)]),
                   shortcut=[conv(3, 4, 1), L.Tanh()]),
        L.Upsample2D(1.5), L.AdaptiveAvgPool2D((5, 4)), L.Upsample2D(size=(6, 6)),
        L.Concat(L.GlobalMaxPool2D(), [L.AdaptiveAvgPool2D(1), L.Flatten()]),
        L.Dense(8, 3, rng=rng, dtype=np.float32))


def test_containers_and_every_new_layer_round_trip(tmp_path):
    model = model_with_containers()
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = convnet.load(path)
    assert repr(loaded) == repr(model)
    assert list(loaded.parameters()) == list(model.parameters())
    assert "2.body.0.0.0.body.2.weight" in model.parameters()
    x = np.random.default_rng(0).normal(size=(5, 1, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    with np.load(path, allow_pickle=False) as archive:
        meta = json.loads(bytes(archive["__convnet__"]).decode())
    assert meta["version"] == 2                         # containers need version 2
    block = meta["layers"][2]
    assert block["type"] == "Residual" and list(block["children"]) == ["body", "shortcut"]
    assert block["children"]["body"][0]["children"]["1"][0] == {
        "type": "AdaptiveMaxPool2D", "config": {"output_size": [None, 8]}}


def test_a_model_without_containers_is_still_written_as_version_1(tmp_path):
    path = tmp_path / "flat.npz"
    convnet.Sequential(L.Upsample2D(2), L.GlobalMaxPool2D()).save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert json.loads(bytes(archive["__convnet__"]).decode())["version"] == 1
    assert repr(convnet.load(path)[0]) == repr(L.Upsample2D(2))


def test_every_layer_the_loader_knows_round_trips(tmp_path):
    # One model holding every layer class that convnet.load can build (a new layer must be
    # added here), trained one step so that running statistics and weights have moved.
    from convnet._description import layer_classes
    from convnet._registry import registered_layers     # users' layers (docs register one)
    rng = np.random.default_rng(7)
    model = convnet.Sequential(
        L.Conv2D(1, 4, 3, padding=1, padding_mode="reflect", rng=rng), L.BatchNorm2D(4),
        L.GroupNorm(2, 4), L.LeakyReLU(0.1),
        L.Residual(L.Conv2D(4, 4, 3, stride=2, padding=1, groups=2, rng=rng), L.Tanh(),
                   shortcut=L.ZeroPadShortcut(4, 4, stride=2)),
        L.ConvTranspose2D(4, 3, 2, stride=2, rng=rng), L.ProductBiasConv2D(3, 3, 1, rng=rng),
        L.Concat([L.MaxPool2D(2), L.Upsample2D(2)], [L.AvgPool2D(2, stride=1, padding=1),
                                                      L.AdaptiveMaxPool2D(8)],
                 L.AdaptiveAvgPool2D(8)),
        L.Sigmoid(),                                                     # 9 maps of 8 x 8
        L.Concat(L.GlobalAvgPool2D(), L.GlobalMaxPool2D(), [L.AdaptiveMaxPool2D(1), L.Flatten()]),
        L.Dropout(0.2, rng=rng), L.Dense(27, 6, rng=rng), L.BatchNorm1D(6), L.ReLU(), L.Dense(6, 3, rng=rng), L.Softmax())
    names = {type(layer).__name__ for _, layer in _walk(model.layers)}
    assert names == set(layer_classes()) - set(registered_layers())
    x = rng.normal(size=(4, 1, 8, 8))
    model.train_batch(x, np.array([0, 1, 2, 0]), "mse", convnet.optim.SGD(0.1))
    path = tmp_path / "every.npz"
    model.save(path)
    loaded = convnet.load(path)
    for name, value in {**model.parameters(), **model.state()}.items():
        np.testing.assert_array_equal({**loaded.parameters(), **loaded.state()}[name], value)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def _walk(layers):
    for layer in layers:
        yield None, layer
        for _, child in layer.children():
            yield from _walk([child])


def test_a_zip_directory_declaring_too_many_members_is_refused_before_it_is_read(saved):
    # zipfile would build an object for each member of the directory, so the count is
    # checked first.  The end record holds at most 65,535; past that, 0xFFFF sends the
    # reader to a zip64 record that its locator, the 20 bytes before the end record,
    # points to (PKWARE APPNOTE 4.3.14-4.3.16).  Here such a record declares 200,000.
    import struct

    _, path = saved
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    _, _, _, _, size, offset = struct.unpack("<HHHHII", bytes(data[end + 4:end + 20]))
    record = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, 200_000, 200_000,
                                         size, offset)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, end, 1)     # the record's offset
    data[end + 8:end + 12] = struct.pack("<HH", 0xFFFF, 0xFFFF)
    data[end:end] = record + locator
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="its zip directory declares 200,000 members; a "
                                             "model file has at most 100,000"):
        convnet.load(path)
