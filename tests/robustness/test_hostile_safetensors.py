"""Hostile safetensors files: lying lengths and offsets, bombs of nesting, foreign and tampered files.

A safetensors file declares its header's length and every array's place in
the data; each test writes a file that lies about one of them (by hand, as
the format's writer never would) and asserts a ModelFileError naming the
file and the cause, refused under a small bound on the memory traced while
refusing (nothing is allocated for what a header merely claims).
"""

import json

import numpy as np
import pytest

import convnet
from convnet import interop, layers as L
from convnet._safetensors import MAX_HEADER_BYTES
from .hostile_files import refused



def raw_file(path, header, data=b"", length=None):
    """A safetensors file of ``header`` (a dict or bytes) and ``data``, its length as given."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    length = len(text) if length is None else length
    path.write_bytes(length.to_bytes(8, "little") + text + data)
    return path


def entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


read_arrays = interop.read_safetensors


def test_too_short_and_lengths_past_the_end(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(b"\x01\x02")
    refused(path, "2 bytes long, too short", read=read_arrays)
    refused(raw_file(path, b"{}", length=2 ** 63), "header would be 9,223,372,036,854,775,808 "
            "bytes long; this reader accepts at most", read=read_arrays)
    refused(raw_file(path, b"{}", length=MAX_HEADER_BYTES), "but the file holds only 2 bytes",
            read=read_arrays)


@pytest.mark.parametrize("header, fragment", [
    (b"\xff\xfe", "not valid JSON"),
    (b'{"a": NaN}', "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b"[" * 100_000 + b"]" * 100_000, "nests lists and objects 100000 deep"),
    (json.dumps({"__metadata__": {"k": 1}}).encode(), "__metadata__ must be an object of strings"),
    (json.dumps({"w": [1]}).encode(), "exactly \"dtype\", \"shape\" and \"data_offsets\""),
    (json.dumps({"w": entry("BF16")}).encode(), "dtype 'BF16' is not one NumPy can hold"),
    (json.dumps({"w": entry(shape=(-2,))}).encode(), "shape must be a list of at most 32"),
    (json.dumps({"w": entry(shape=(2.0,))}).encode(), "shape must be a list"),
    (json.dumps({"w": entry(offsets=(8, 0))}).encode(), "0 <= begin <= end"),
    (json.dumps({"w": entry(offsets=(0, 4))}).encode(), "takes 8 bytes, but its offsets span 4"),
])
def test_malformed_headers(tmp_path, header, fragment):
    refused(raw_file(tmp_path / "m.safetensors", header, bytes(8)), fragment, read=read_arrays)


def test_offsets_must_tile_the_data_exactly(tmp_path):
    path = tmp_path / "m.safetensors"
    two = {"a": entry(), "b": entry(offsets=(4, 12))}                 # overlap
    refused(raw_file(path, two, bytes(12)), "'b' starts at byte 4", read=read_arrays)
    gap = {"a": entry(), "b": entry(offsets=(12, 20))}
    refused(raw_file(path, gap, bytes(20)), "'b' starts at byte 12", read=read_arrays)
    refused(raw_file(path, {"a": entry()}, bytes(4)), "end at byte 8 of the data, but the "
            "file holds 4 bytes", read=read_arrays)
    refused(raw_file(path, {"a": entry()}, bytes(9)), "bytes to spare", read=read_arrays)


def test_a_header_that_claims_a_huge_array_allocates_nothing(tmp_path):
    huge = {"a": entry("F64", (2 ** 31,), (0, 2 ** 34))}
    refused(raw_file(tmp_path / "m.safetensors", huge, bytes(8)), "more than the memory budget",
            read=read_arrays)


def test_model_files_without_or_against_their_description(tmp_path):
    net = convnet.Sequential(L.Dense(2, 1, rng=0, dtype=np.float64))
    path = tmp_path / "m.safetensors"
    net.save(path)
    arrays, metadata = interop.read_safetensors(path)
    description = json.loads(metadata["convnet"])
    interop.write_safetensors(path, {"0.weight": arrays["0.weight"]}, metadata)
    refused(path, "not those its description lists (missing: ['0.bias']")
    interop.write_safetensors(path, {**arrays, "0.weight": arrays["0.weight"].astype(np.float32)},
                              metadata)
    refused(path, "array '0.weight' is (1, 2) of float32 in the header, (1, 2) of float64")
    interop.write_safetensors(path, {**arrays, "0.bias": np.ones(1)}, metadata)
    refused(path, "array '0.bias' does not match its SHA-256")
    description["layers"][0]["type"] = "Bogus"
    interop.write_safetensors(path, arrays, {"convnet": json.dumps(description)})
    refused(path, "unknown layer type 'Bogus'")
    interop.write_safetensors(path, arrays, {"convnet": "not json"})
    refused(path, "its description is not valid JSON")
