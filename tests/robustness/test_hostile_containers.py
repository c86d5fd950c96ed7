"""Hostile model files with containers: nested too deep, malformed children, huge layers inside.

Version 2 of the format nests a container's layers in its entry
(``"children": {"body": [...], "shortcut": [...]}``).  Each nested entry is
checked as strictly as a top-level one, and the nesting scan refuses text
nested deeper than a model can be before the JSON parser sees it.
"""

import numpy as np
import pytest

import convnet
from convnet import layers as L
from .hostile_files import description, model_file, refused, table_entry
from .test_hostile_files import BIG_DENSE

RELU = {"type": "ReLU", "config": {}}


def residual(*body, shortcut=()):
    return {"type": "Residual", "config": {}, "children": {"body": list(body),
                                                           "shortcut": list(shortcut)}}


def nested_text(levels: int) -> bytes:
    """A ReLU inside ``levels`` Residuals, as text (nesting 4 + 3 * levels deep)."""
    head = '{"type": "Residual", "config": {}, "children": {"body": ['
    tail = '], "shortcut": []}}'
    layers = head * levels + '{"type": "ReLU", "config": {}}' + tail * levels
    return f'{{"format": "convnet-model", "version": 2, "layers": [{layers}], ' \
           '"arrays": {}}'.encode()


def test_containers_nest_eight_deep_and_no_deeper(tmp_path):
    model = convnet.load(model_file(tmp_path / "eight.npz", nested_text(8)))   # 28 deep
    assert len(model.summary((1, 2, 2)).rows) == 10          # input, the ReLU, eight sums
    refused(model_file(tmp_path / "nine.npz", nested_text(9)),
            "nests lists and objects 31 deep; a model's description nests at most 30 deep "
            "(containers within containers at most 8 deep)")
    path = model_file(tmp_path / "deep.npz", nested_text(10_000))            # 640 KB of text
    refused(path, "nests lists and objects 30004 deep")


def test_saving_refuses_what_loading_would_refuse(tmp_path):
    block = L.ReLU()
    for _ in range(9):
        block = L.Residual(block)
    with pytest.raises(ValueError, match=r"^the model must be describable with containers "
                                         r"nested at most 8 deep"):
        convnet.Sequential(block).save(tmp_path / "deep.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_huge_layer_deep_inside_containers_allocates_nothing(tmp_path):
    deep = {"type": "Concat", "config": {}, "children": {"0": [residual(BIG_DENSE[0])]}}
    path = model_file(tmp_path / "huge.npz", description([deep], version=2))
    refused(path, "layer 0.0.0.body.0: the file has no array '0.0.0.body.0.weight'", peak=2.0)


@pytest.mark.parametrize("layers, fragment", [
    ([residual(RELU)], "a Residual holds layers, which format version 1 cannot describe"),
], ids=["a container in a version 1 file"])
def test_containers_need_version_2(tmp_path, layers, fragment):
    refused(model_file(tmp_path / "v1.npz", description(layers)), "layer 0: " + fragment)


@pytest.mark.parametrize("layers, fragment", [
    ([{"type": "Residual", "config": {}}], "a Residual's entry must have \"children\""),
    ([{"type": "Residual", "config": {}, "children": [[RELU]]}],
     "a Residual's entry must have \"children\", a JSON object of lists of layer entries; got "
     "[[{'type': 'ReLU', 'config': {}}]] (list)"),
    ([{"type": "Residual", "config": {}, "children": {"body": RELU, "shortcut": []}}],
     "the Residual's group 'body' must be a list of layer entries; got"),
    ([{"type": "Residual", "config": {}, "children": {"body": "ReLU", "shortcut": []}}],
     "the Residual's group 'body' must be a list of layer entries; got 'ReLU'"),
    ([{"type": "Residual", "config": {}, "children": {"../x": [RELU]}}],
     "a Residual's group name must be 1 to 32 letters, digits or _; got '../x'"),
    ([{"type": "ReLU", "config": {}, "children": {}}],
     "layer 0: a ReLU holds no layers; its entry may not have \"children\""),
    ([residual({"type": "Swish", "config": {}})],
     "layer 0.body.0: unknown layer type 'Swish'; known types"),
    ([residual(RELU, shortcut=[{"type": "Flatten", "config": {"order": {"a": 1}}}])],
     "layer 0.shortcut.0: configuration entry 'order' must be a number"),
    ([residual(RELU, {"type": "Concat", "config": {}, "children": {"0": ["ReLU"]}})],
     "layer 0.body.1.0.0: its entry must be a JSON object"),
    ([{"type": "Residual", "config": {}, "children": {"trunk": [RELU], "shortcut": []}}],
     "layer 0: bad Residual configuration (groups must be the groups ['body', 'shortcut']"),
    ([{"type": "Residual", "config": {}, "children": {"body": [], "shortcut": []}}],
     "layer 0: bad Residual configuration (body must be at least one layer"),
    ([{"type": "Concat", "config": {}, "children": {}}],
     "layer 0: bad Concat configuration (branches must be at least one branch"),
    ([{"type": "Concat", "config": {}, "children": {"1": [RELU]}}],
     "layer 0: bad Concat configuration (groups must be the groups ['0']"),
    ([residual(RELU)] * 1 + [{"type": "Residual", "config": {"depth": 3},
                              "children": {"body": [RELU], "shortcut": []}}],
     "layer 1: bad Residual configuration"),
], ids=["no children", "children a list", "a group an object", "a group a string",
        "a group name with a path", "children of a leaf", "an unknown type inside",
        "a bad configuration inside", "a string inside a nested container",
        "unknown groups", "an empty body", "no branch", "a branch numbered 1",
        "an unknown option"])
def test_malformed_containers(tmp_path, layers, fragment):
    refused(model_file(tmp_path / "bad.npz", description(layers, version=2)), fragment)


@pytest.mark.parametrize("arrays, fragment", [
    ({"0.body.5.weight": table_entry(np.zeros(1))},
     "array name '0.body.5.weight' is not '<layer path>.<parameter>' with the path of one of "
     "the 2 layers"),
    ({"0.weight": table_entry(np.zeros(1))}, "arrays ['0.weight'] belong to no layer"),
    ({"0.body.0.weight.x": table_entry(np.zeros(1))}, "array name '0.body.0.weight.x' is not"),
], ids=["a layer the description lacks", "an array of the container itself", "a path too long"])
def test_array_names_must_be_paths_of_described_layers(tmp_path, arrays, fragment):
    text = description([residual(RELU)], arrays, version=2)
    refused(model_file(tmp_path / "names.npz", text, {n: np.zeros(1) for n in arrays}), fragment)
