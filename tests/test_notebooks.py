"""The course notebooks in notebooks/: stored clean, executed here, shown the way Jupyter shows them.

Each notebook runs in a fresh IPython kernel of *this* interpreter
(``sys.executable``, with this checkout first on ``PYTHONPATH``), whatever a
kernel called "python3" would be on the machine; matplotlib gets the inline
backend a real notebook server gives it.  Its last cell asserts the
notebook's key numbers, so a wrong number fails the execution.

What the executed copy stores is checked against the cells' tags:

* ``picture``: exactly one output, holding one ``image/png`` (a figure is
  shown once, not also by pyplot);
* ``latex``: the result holds ``text/latex`` (and ``text/markdown``);
* ``table``: the result holds ``text/html``;
* untagged cells store no picture; no cell writes to stderr (no warning) or
  raises.

A new notebook is one more name in :data:`NOTEBOOKS`.
"""

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "notebooks"
NOTEBOOKS = [
    "01_convolution_by_hand",
    "02_backprop_by_hand",
    "03_train_digits",
    "04_what_the_network_sees",
]
TAGS = {"picture", "latex", "table"}
KERNEL = "convnet-tests"


def read(name):
    return nbformat.read(FOLDER / f"{name}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory):
    """A kernel spec for this interpreter, in a folder of its own: not the machine's "python3"."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    folder = tmp_path_factory.mktemp("kernels")
    env = {"PYTHONPATH": str(ROOT), "MPLBACKEND": "module://matplotlib_inline.backend_inline",
           "PYTHONWARNINGS": "default"}          # every warning reaches stderr, once
    spec = Path(write_kernel_spec(folder / KERNEL, overrides={"display_name": "convnet tests",
                                                               "env": env}))
    argv = json.loads((spec / "kernel.json").read_text())["argv"]
    assert argv[0] == sys.executable
    return KernelSpecManager(kernel_dirs=[str(folder)])


def execute(name, kernel_specs):
    """The notebook ``name`` executed in a fresh kernel from the notebooks folder."""
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    notebook = read(name)
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=kernel_specs)
    NotebookClient(notebook, km=manager, timeout=120,
                   resources={"metadata": {"path": str(FOLDER)}}).execute()
    return notebook


def mime_types(output):
    return set(output.get("data", {}))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_stores_what_jupyter_shows(name, kernel_specs):
    notebook = execute(name, kernel_specs)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index, cell in enumerate(code):
        tags = set(cell.metadata.get("tags", [])) & TAGS
        where = f"{name}, code cell {index}: {cell.source.splitlines()[0]!r}"
        stderr = [o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not stderr, f"{where} wrote to stderr: {''.join(stderr)[:500]!r}"
        pictures = sum("image/png" in mime_types(o) for o in cell.outputs)
        if "picture" in tags:
            assert len(cell.outputs) == 1 and pictures == 1, (
                f"{where}: expected one picture, stored {[sorted(mime_types(o)) for o in cell.outputs]}")
        else:
            assert pictures == 0, f"{where} stored a picture but is not tagged 'picture'"
        results = [mime_types(o) for o in cell.outputs if o.output_type == "execute_result"]
        if "latex" in tags:
            assert results and {"text/latex", "text/markdown"} <= results[0], where
        if "table" in tags:
            assert results and "text/html" in results[0], where
    tagged = {tag for cell in code for tag in cell.metadata.get("tags", [])}
    assert tagged <= TAGS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name):
    for cell in read(name).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "assert" in read(name).cells[-1].source      # the key numbers are checked


def test_every_notebook_in_the_folder_is_tested():
    assert sorted(path.stem for path in FOLDER.glob("*.ipynb")) == sorted(NOTEBOOKS)
