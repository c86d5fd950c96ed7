"""Hostile model files: zip bombs, huge or malformed descriptions, foreign and damaged files.

Each test asserts the error type, a message naming the cause and, where the
old reader spent memory first, a bound on the peak memory traced by
``tracemalloc`` while the file is refused.  No test measures time.
"""

import json

import numpy as np
import pytest

import convnet
from convnet import layers as L
from convnet._description import nesting_depth
from .hostile_files import (bomb_file, deflate_bomb, description, model_file, npy_bytes,
                           npy_header, peak_of, refused, stored, table_entry, zip_bytes)

GIB = 1024             # MiB of zeros in a bomb
ONE_BY_ONE = [{"type": "Dense", "config": {"in_features": 1, "out_features": 1, "bias": False},
               "dtype": "float32"}]
BIG_DENSE = [{"type": "Dense", "config": {"in_features": 16384, "out_features": 16384,
                                          "bias": False}, "dtype": "float32"}]


@pytest.fixture(scope="module")
def weight_bomb():
    """A deflated .npy member of 1 GiB of float32 zeros: 1 MiB on disk."""
    bomb = deflate_bomb(npy_header(np.float32, (16384, 16384)), GIB)
    assert len(bomb[0]) < 2 ** 21
    return bomb


# -- zip bombs --------------------------------------------------------------------

def test_a_bomb_beside_a_description_that_is_not_json(tmp_path, weight_bomb):
    path = bomb_file(tmp_path / "bomb.npz", b"this is not JSON", weight_bomb)
    refused(path, "its description is not valid JSON")


def test_a_bomb_beside_a_description_that_declares_a_small_array(tmp_path, weight_bomb):
    text = description(ONE_BY_ONE, {"0.weight": table_entry(np.zeros((1, 1), np.float32))})
    path = bomb_file(tmp_path / "bomb.npz", text, weight_bomb)
    refused(path, "member '0.weight.npy' holds 1,073,741,952 bytes; shape (1, 1) and dtype "
                  "float32 take 4 bytes")


def test_a_bomb_that_matches_its_description_exceeds_the_expansion_bound(tmp_path, weight_bomb):
    entry = {"shape": [16384, 16384], "dtype": "float32", "sha256": "0" * 64}
    path = bomb_file(tmp_path / "bomb.npz", description(BIG_DENSE, {"0.weight": entry}),
                     weight_bomb)
    refused(path, "would expand", "more than 200 times", "at most 200:1")


def test_a_bomb_as_the_description(tmp_path):
    bomb = deflate_bomb(npy_header(np.uint8, (GIB << 20,)), GIB)
    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_bytes([("__convnet__.npy", bomb, 8)]))
    refused(path, "description member '__convnet__.npy' is 1,073,741,952 bytes; a description "
                  "may have at most 4 MiB")


def test_a_description_over_the_bound_is_not_read(tmp_path):
    text = description([]) + b" " * (5 << 20)                 # valid JSON, 5 MiB
    refused(model_file(tmp_path / "long.npz", text), "at most 4 MiB")


# -- descriptions that would build huge layers -------------------------------------

def test_a_huge_dense_layer_without_its_array_allocates_nothing(tmp_path):
    path = model_file(tmp_path / "huge.npz", description(BIG_DENSE))    # 300 bytes
    assert path.stat().st_size < 1000
    refused(path, "layer 0: the file has no array '0.weight'", peak=2.0)


def test_an_untied_bias_over_the_element_budget(tmp_path):
    layer = {"type": "Conv2D", "config": {"in_channels": 1, "out_channels": 64, "kernel_size": 1,
                                          "bias": "untied", "input_size": [16384, 16384]}}
    path = model_file(tmp_path / "untied.npz", description([layer]))
    refused(path, "layer 0: bad Conv2D configuration (input_size must be small enough to keep "
                  "the untied bias", peak=2.0)
    # 64 x 16384 x 16384 float64 = 128 GiB, over the default budget of 4 GiB
    with pytest.raises(ValueError, match="input_size must be small enough to keep the untied "
                                         r"bias \(out_channels x Ho x Wo\) within the memory "
                                         r"budget of 4.0 GiB"):
        L.Conv2D(1, 64, 1, bias="untied", input_size=(16384, 16384))


def test_an_array_over_the_memory_budget_or_all_over_the_total(tmp_path):
    entry = {"shape": [2 ** 30 + 1], "dtype": "float32", "sha256": "0" * 64}   # 4 GiB + 4 bytes
    path = model_file(tmp_path / "big.npz", description(ONE_BY_ONE, {"0.weight": entry}))
    refused(path, "of shape (1073741825,) would take 4.0 GiB (4,294,967,300 bytes), more than "
                  "the memory budget of 4.0 GiB (convnet.set_memory_budget)")
    layers = ONE_BY_ONE * 3
    entry = {"shape": [2 ** 28], "dtype": "float64", "sha256": "0" * 64}
    text = description(layers, {f"{i}.weight": entry for i in range(3)})
    refused(model_file(path, text), "6,442,450,944 bytes together, more than the 4,096 MiB")


def test_twenty_thousand_layers_load(tmp_path):
    # The duplicate-layer check of Sequential compared every pair: 2e8 comparisons here.
    layers = [{"type": "ReLU", "config": {}}] * 20_000
    model = convnet.load(model_file(tmp_path / "deep.npz", description(layers)))
    assert len(model) == 20_000 and len({id(layer) for layer in model}) == 20_000
    relu = L.ReLU()
    with pytest.raises(ValueError, match=r"layers\[19999\] must be a layer object of its own.*"
                                         r"the same object as layers\[0\]"):
        convnet.Sequential([relu] + [L.ReLU() for _ in range(19_998)] + [relu])


# -- malformed descriptions ------------------------------------------------------------

def deep(levels):
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("text, fragment", [
    (description(["ReLU"]), 'layer 0: its entry must be a JSON object with "type" and "config"'),
    (description([{"type": "ReLU"}]), 'layer 0: its entry must have the keys "type", "config"'),
    (description([{"type": ["ReLU"], "config": {}}]), "layer 0: unknown layer type ['ReLU']"),
    (description([{"type": "Swish", "config": {}}]), "unknown layer type 'Swish'; known types"),
    (description([{"type": "ReLU", "config": []}]), "configuration is not a JSON object"),
    (description([{"type": "Flatten", "config": {"order": {"a": 1}}}]),
     "configuration entry 'order' must be a number, string"),
    (description([{"type": "ReLU", "config": {}, "dtype": "float16"}]), "its dtype must be"),
    (description([{"type": "ReLU", "config": {}, "seed": 1}]), "must have the keys"),
    (description(ONE_BY_ONE, {"0.weight": {"shape": 5, "dtype": "float32", "sha256": "0" * 64}}),
     "array '0.weight': its shape must be a list of at most 32 integers >= 0; got 5 (int)"),
    (description(ONE_BY_ONE, {"0.weight": {"shape": [1, -1], "dtype": "float32",
                                           "sha256": "0" * 64}}), "its shape must be a list"),
    (description(ONE_BY_ONE, {"0.weight": {"shape": [True], "dtype": "float32",
                                           "sha256": "0" * 64}}), "its shape must be a list"),
    (description(ONE_BY_ONE, {"0.weight": {"shape": [1], "dtype": "int8", "sha256": "0" * 64}}),
     "array '0.weight': its dtype must be 'float32', 'float64' or 'int64'"),
    (description(ONE_BY_ONE, {"0.weight": {"shape": [1], "dtype": "float32", "sha256": "xyz"}}),
     "its sha256 must be 64 lower-case hex digits"),
    (description(ONE_BY_ONE, {"0.weight": {"shape": [1], "dtype": "float32"}}),
     "bad table entry for array '0.weight'"),
    (description(ONE_BY_ONE, {"0.weight": [1]}), "bad table entry for array '0.weight'"),
    (description(ONE_BY_ONE, {"weight": table_entry(np.zeros(1))}), "array name 'weight' is not"),
    (description(ONE_BY_ONE, {"1.weight": table_entry(np.zeros(1))}),
     "with the path of one of the 1 layers the description lists"),
    (description([], format="keras"), "its description is not of format 'convnet-model'"),
    (description([], version="1"), "unknown format version '1'"),
    (description([], version=True), "unknown format version True (bool)"),
    (description([], version=3), "format version 3; this convnet reads up to version 2"),
    (description({"0": "ReLU"}), "lacks the layer list or the array table"),
    (description([], arrays=[]), "lacks the layer list or the array table"),
    (description([], extra=1), "its description has unknown entries ['extra']"),
    (b"[1, 2]", "its description is not of format"),
    (b'{"format": NaN}', "its description is not valid JSON (NaN is not a JSON number"),
    (b'{"format": "\xff"}', "its description is not valid JSON"),
    (b'{"layers": ' + deep(100_000).encode() + b"}", "nests lists and objects 100001 deep; a "
                                                     "model's description nests at most 30 deep"),
    (description([{"type": "Conv2D", "config": {"in_channels": 1, "out_channels": 1,
                                                "kernel_size": 1,
                                                "padding": json.loads(deep(27))}}]),
     "nests lists and objects 31 deep"),
])
def test_malformed_descriptions(tmp_path, text, fragment):
    refused(model_file(tmp_path / "bad.npz", text), fragment)


def test_the_nesting_scan_skips_strings():
    assert nesting_depth(b'{"a": "[[[{{{", "b": ["\\"]]]", "\\\\"]}') == 2
    assert nesting_depth(b"[" * 70_000 + b"]" * 70_000) == 70_000        # over one scan block
    assert nesting_depth(b"") == 0


def test_brackets_in_strings_are_no_nesting(tmp_path):
    text = description([{"type": "Flatten", "config": {"order": "[[[[[[[[[[[["}}])
    refused(model_file(tmp_path / "order.npz", text), "bad Flatten configuration (order must be")


# -- foreign, damaged and odd files --------------------------------------------------

def test_a_csv_file_is_named_for_what_it_is(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x,y,label\n1,2,0\n3,4,1\n")
    refused(path, "it is not a convnet model file (.npz archive): it starts with "
                  "b'x,y,label\\n1,2,0\\n', not with a zip signature")
    path.write_bytes(b"")
    refused(path, "the file is empty, not a convnet model file (.npz archive)")


def test_zip_members_that_no_npz_has(tmp_path):
    text = npy_bytes(np.frombuffer(description([]), np.uint8))
    path = tmp_path / "odd.npz"
    for members, fragment in [
            ([("__convnet__.npy", stored(text), 0)] * 2, "member '__convnet__.npy' appears twice"),
            ([("__convnet__.npy", stored(text), 0, 1)], "is encrypted"),
            ([("__convnet__.npy", stored(text), 12)], "uses compression method 12"),
            ([("__convnet__.npy", stored(text), 0), ("notes.txt", stored(b"hi"), 0)],
             "member 'notes.txt' is not a .npy array"),
            ([("weights.npy", stored(npy_bytes(np.ones(2))), 0)], "no description entry")]:
        path.write_bytes(zip_bytes(members))
        refused(path, fragment)


def test_a_member_shorter_than_its_header_declares(tmp_path):
    header = npy_header(np.float32, (1, 1))
    entry = {"shape": [1, 1], "dtype": "float32", "sha256": "0" * 64}
    text = npy_bytes(np.frombuffer(description(ONE_BY_ONE, {"0.weight": entry}), np.uint8))
    path = tmp_path / "short.npz"
    path.write_bytes(zip_bytes([("__convnet__.npy", stored(text), 0),
                                ("0.weight.npy", stored(header + b"\0\0"), 0)]))
    refused(path, f"member '0.weight.npy' holds {len(header) + 2} bytes, but its header and data "
                  f"take {len(header) + 4}")


def test_a_member_whose_compressed_data_is_cut(tmp_path):
    weight = np.random.default_rng(0).normal(size=(64, 64)).astype(np.float32)
    text = description([{"type": "Dense", "config": {"in_features": 64, "out_features": 64,
                                                     "bias": False}, "dtype": "float32"}],
                       {"0.weight": table_entry(weight)})
    path = model_file(tmp_path / "cut.npz", text, {"0.weight": weight}, method=8)
    assert convnet.load(path)[0].params["weight"].tolist() == weight.tolist()
    data, crc, size = deflate_bomb(npy_bytes(weight), 0)
    cut = data[:len(data) // 2]
    members = [("__convnet__.npy", stored(npy_bytes(np.frombuffer(text, np.uint8))), 0),
               ("0.weight.npy", (cut, crc, size), 8)]
    path.write_bytes(zip_bytes(members))
    refused(path, "damaged or truncated archive (BadZipFile: Bad CRC-32 for file '0.weight.npy')")


def test_a_header_that_disagrees_with_the_description(tmp_path):
    weight = np.zeros((1, 1), np.float64)
    text = description(ONE_BY_ONE, {"0.weight": dict(table_entry(weight), dtype="float32")})
    refused(model_file(tmp_path / "f64.npz", text, {"0.weight": weight}),
            "array '0.weight' has shape (1, 1) and dtype float64, the description says (1, 1) "
            "and float32")
    weight = np.zeros(1, np.float32)
    text = description(ONE_BY_ONE, {"0.weight": dict(table_entry(weight), shape=[1, 1])})
    refused(model_file(tmp_path / "flat.npz", text, {"0.weight": weight}),
            "array '0.weight' has shape (1,) and dtype float32, the description says (1, 1)")


def test_an_array_no_layer_has(tmp_path):
    spare = np.zeros(2)
    text = description([{"type": "ReLU", "config": {}}] * 2, {"1.weight": table_entry(spare)})
    refused(model_file(tmp_path / "spare.npz", text, {"1.weight": spare}),
            "arrays ['1.weight'] belong to no layer")


def test_fortran_order_big_endian_and_compressed_members_load(tmp_path):
    model = convnet.Sequential(L.Dense(3, 2, rng=0), L.Dense(2, 2, rng=1, dtype=np.float32))
    model.layers[0].params["weight"] = np.asfortranarray(model.layers[0].params["weight"])
    model.layers[1].params["weight"] = model.layers[1].params["weight"].astype(">f4")
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path) as archive:
        stored_arrays = {name: archive[name] for name in archive.files}
    np.savez_compressed(path, **stored_arrays)
    loaded = convnet.load(path)
    for name, value in model.parameters().items():
        got = loaded.parameters()[name]
        assert got.flags.c_contiguous and got.dtype == value.dtype.newbyteorder("=")
        np.testing.assert_array_equal(got, value)


def test_loading_streams_the_data(tmp_path):
    model = convnet.Sequential(L.Dense(1024, 1024, bias=False, rng=0, dtype=np.float32))
    path = tmp_path / "model.npz"
    model.save(path)
    loaded, mebibytes = peak_of(lambda: convnet.load(path))
    np.testing.assert_array_equal(loaded[0].params["weight"], model[0].params["weight"])
    assert mebibytes < 4 + 1.5            # the 4 MiB weight, 256 KiB pieces, the rest


# -- leftovers of killed saves ----------------------------------------------------------

def test_the_next_save_removes_what_a_killed_save_left(tmp_path):
    model = convnet.Sequential(L.Dense(3, 2, rng=0))
    path = tmp_path / "model.npz"
    model.save(path)
    leftover = tmp_path / ".model.npz.0123456789abcdef.part"       # as a killed save leaves it
    leftover.write_bytes(path.read_bytes())
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    kept = [".model.npz.0123456789abcdef.part.keep", ".model.npz.0123456789ABCDEF.part",
            ".model.npz.0123456789abcde.part", "model.npz.0123456789abcdef.part",
            ".other.npz.0123456789abcdef.part", ".model.npzX0123456789abcdef.part"]
    for name in kept:
        (tmp_path / name).write_text("not a leftover of model.npz")
    (tmp_path / ".model.npz.fedcba9876543210.part").mkdir()                  # a folder
    (tmp_path / ".model.npz.aaaaaaaaaaaaaaaa.part").symlink_to(outside)      # a link
    model.save(path)
    assert not leftover.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        kept + [".model.npz.aaaaaaaaaaaaaaaa.part", ".model.npz.fedcba9876543210.part",
                "model.npz", "outside.txt"])
    assert outside.read_text() == "keep"
    convnet.load(path)


def test_a_save_in_progress_is_no_leftover(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "model.npz"
    busy = tmp_path / ".model.npz.0123456789abcdef.part"
    with open(busy, "wb") as other_save:                  # another process's save, writing
        fcntl.flock(other_save.fileno(), fcntl.LOCK_EX)
        convnet.Sequential(L.ReLU()).save(path)
        assert busy.exists()
    convnet.Sequential(L.ReLU()).save(path)
    assert not busy.exists()


def test_save_refuses_what_load_would_refuse(tmp_path, monkeypatch):
    import convnet._archive as archive
    monkeypatch.setattr(archive, "MAX_DESCRIPTION_BYTES", 100)
    with pytest.raises(ValueError, match="the model must be describable in 100 bytes of JSON, "
                                         "the most a model file may hold; got a description of"):
        convnet.Sequential(L.ReLU(), L.ReLU()).save(tmp_path / "model.npz")
    monkeypatch.undo()
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 16)
    with pytest.raises(ValueError, match="at most 16 bytes of parameters"):
        convnet.Sequential(L.Dense(3, 2, rng=0)).save(tmp_path / "model.npz")
    assert list(tmp_path.iterdir()) == []
