"""Entry points of the bridge to PyTorch (convnet.interop) that need no PyTorch to refuse.

Every argument below is checked before PyTorch is imported, so these rows
run in the torch-free suite; the arguments that are torch modules
(``from_torch``'s ``module``) have their rows in tests/torch/test_interop_misuse.py.
"""

from __future__ import annotations

import numpy as np

import convnet
from convnet import interop, layers as L

from .registry import Entry
from .rows import SCRATCH

SMALL = convnet.Sequential(L.Conv2D(1, 2, 3, rng=0), L.BatchNorm2D(2))
NOT_A_MODEL = [("None", None), ("a layer", L.ReLU()), ("a string", "model"),
               ("a list of layers", [L.ReLU()])]
SHAPES = [("None", None), ("a string", "1x4x4"), ("zeros", (1, 0, 0)),
          ("floats", (1.0, 4.5, 4)), ("an empty tuple", ())]
STATE = interop.state_dict(SMALL)

ROWS = (
    Entry("interop.state_dict", interop.state_dict, dict(model=SMALL), {},
          extra=[("model", label, value) for label, value in NOT_A_MODEL]),
    Entry("interop.load_state_dict", interop.load_state_dict, dict(model=SMALL, state=STATE), {},
          extra=[*[("model", label, value) for label, value in NOT_A_MODEL],
                 ("state", "None", None), ("state", "a list", list(STATE.values())),
                 ("state", "a key missing", {k: v for k, v in STATE.items() if k != "0.bias"}),
                 ("state", "a key too many", {**STATE, "2.weight": np.ones(2)}),
                 ("state", "a wrong shape", {**STATE, "0.bias": np.ones(3)}),
                 ("state", "strings", {**STATE, "0.bias": np.array(["a", "b"])}),
                 ("state", "a list for an array", {**STATE, "0.bias": [1.0, 2.0]})]),
    Entry("interop.to_torch", interop.to_torch, dict(model=SMALL), {},
          extra=[("model", label, value) for label, value in NOT_A_MODEL]),
    Entry("interop.torch_source", interop.torch_source,
          dict(model=SMALL, input_shape=(1, 4, 4), class_name="Net"), {},
          extra=[*[("model", label, value) for label, value in NOT_A_MODEL],
                 *[("input_shape", label, value) for label, value in SHAPES[1:]],
                 ("input_shape", "too small for the kernel", (1, 2, 2)),
                 ("input_shape", "two channels", (2, 4, 4)),
                 ("class_name", "not an identifier", "my net"), ("class_name", "a number", 3),
                 ("class_name", "None", None)]),
    Entry("interop.from_torch", interop.from_torch, dict(module=None, input_shape=(1, 4, 4)), {},
          extra=[("input_shape", label, value) for label, value in SHAPES]),
    Entry("interop.read_safetensors", interop.read_safetensors, dict(path=SCRATCH),
          dict(path="path")),
    Entry("interop.write_safetensors", interop.write_safetensors,
          dict(path=SCRATCH, arrays={"a": np.ones(2)}, metadata=None), dict(path="path"),
          extra=[("arrays", "None", None), ("arrays", "a list", [np.ones(2)]),
                 ("arrays", "a list value", {"a": [1.0]}), ("arrays", "an empty name", {"": np.ones(2)}),
                 ("arrays", "a number key", {3: np.ones(2)}),
                 ("arrays", "objects", {"a": np.array([object()])}),
                 ("arrays", "complex", {"a": np.ones(2, complex)}),
                 ("arrays", "the metadata's name", {"__metadata__": np.ones(2)}),
                 ("metadata", "a number value", {"a": 1}), ("metadata", "a list", ["a"]),
                 ("metadata", "a number key", {1: "a"})]),
)
