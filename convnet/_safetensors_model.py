"""A model as a safetensors file: the weights under PyTorch's names, the architecture in the metadata.

``model.save("m.safetensors")`` writes every parameter and state array
under its path name (``"0.weight"``, ``"3.body.0.running_mean"``: the
names of the equivalent PyTorch module's ``state_dict``, see
:mod:`convnet.interop`) and the model's description, the JSON of a
``.npz`` model file with each array's SHA-256, as the one metadata entry
``"convnet"``.  Loading checks the header (:mod:`convnet._safetensors`),
then the description as for ``.npz`` files (:mod:`convnet._description`),
then that the file's arrays are exactly those described, all before any
data is read; each array's SHA-256 is checked once read.
"""

from __future__ import annotations

import numpy as np

from ._archive import description_text
from ._description import parse_description
from ._modelfile import digest, listed, refuse
from ._safetensors import SafetensorsFile, write_safetensors

__all__ = ["write_model", "open_model", "METADATA_KEY", "SUFFIX"]

METADATA_KEY = "convnet"
SUFFIX = ".safetensors"
_DTYPES = {"<f4": "float32", "<f8": "float64", "<i8": "int64"}


def write_model(path, layers: list, arrays: dict, version: int) -> None:
    """Write a model's description and arrays (see :func:`convnet._archive.write_archive`)."""
    text = description_text(layers, arrays, version).decode("utf-8")
    write_safetensors(path, arrays, {METADATA_KEY: text})


class SafetensorsModel(SafetensorsFile):
    """A model's safetensors file, its description checked against its header (no data read)."""

    def __init__(self, path):
        super().__init__(path)
        try:
            self.description = self._description()
        except BaseException:
            self.close()
            raise

    def _description(self) -> dict:
        text = self.metadata.get(METADATA_KEY)
        if text is None:
            refuse(self.path, "it holds no convnet architecture (no \"convnet\" metadata entry; "
                              "a file written by PyTorch or the safetensors package): build "
                              "the model and load the weights with convnet.interop."
                              "load_state_dict(model, convnet.interop.read_safetensors(path)[0])")
        description = parse_description(text.encode("utf-8"), self.path)
        table = description["arrays"]
        if set(table) != set(self.entries):
            missing, extra = set(table) - set(self.entries), set(self.entries) - set(table)
            refuse(self.path, f"its arrays are not those its description lists (missing: "
                              f"{listed(missing)}; not described: {listed(extra)})")
        for name, (dtype, shape) in self.entries.items():
            wanted = table[name]
            if _DTYPES.get(dtype) != wanted["dtype"] or list(shape) != wanted["shape"]:
                refuse(self.path, f"array {name!r} is {shape} of {np.dtype(dtype).name} in the "
                                  "header, "
                                  f"{tuple(wanted['shape'])} of {wanted['dtype']} in the "
                                  "description")
        return description

    def read_arrays(self) -> dict:
        arrays = super().read_arrays()
        for name, array in arrays.items():
            if digest(array) != self.description["arrays"][name]["sha256"]:
                refuse(self.path, f"array {name!r} does not match its SHA-256 (the file was "
                                  "changed after it was written)")
        return arrays


def open_model(path) -> SafetensorsModel:
    """Open a model's safetensors file, everything but the array data checked."""
    return SafetensorsModel(path)
