"""The course notebooks in notebooks/: stored clean, executed here, shown the way Jupyter shows them.

Each notebook runs in a fresh IPython kernel of *this* interpreter
(``sys.executable``, with this checkout first on ``PYTHONPATH``), whatever a
kernel called "python3" would be on the machine; matplotlib gets the inline
backend a real notebook server gives it.  Its last cell asserts the
notebook's key numbers, so a wrong number fails the execution.

What the executed copy stores is checked in every cell:

* nothing on stderr (no warning, no text progress bar) and no error;
* a figure that is a cell's result is stored once: no other output of that
  cell holds a PNG too (pyplot's own display at the end of a cell would);
* no object is stored as its bare repr only (``<Figure size ...>``,
  ``<Explanation ...>``, ``History(epoch=...``).

Cells may carry a tag saying what they show, checked exactly:

* ``picture``: one output, holding one ``image/png``;
* ``latex``: the result holds ``text/latex`` (and ``text/markdown``);
* ``table``: the result holds ``text/html``;

and in a notebook that uses the ``picture`` tag, pictures are stored in the
tagged cells and nowhere else.

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
    env = {"PYTHONPATH": str(ROOT),                      # this checkout's convnet
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}   # as Jupyter sets it
    spec = Path(write_kernel_spec(folder / KERNEL, overrides={"display_name": "convnet tests",
                                                               "env": env}))
    argv = json.loads((spec / "kernel.json").read_text())["argv"]
    assert argv[0] == sys.executable
    return KernelSpecManager(kernel_dirs=[str(folder)])


def execute(name, kernel_specs):
    """The notebook ``name`` (or a notebook object) executed in a fresh kernel, in notebooks/."""
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    notebook = read(name) if isinstance(name, str) else name
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=kernel_specs)
    NotebookClient(notebook, km=manager, timeout=120,
                   resources={"metadata": {"path": str(FOLDER)}}).execute()
    return notebook


def mime_types(output):
    return set(output.get("data", {}))


BARE_REPRS = ("<Figure size", "<Explanation", "History(epoch=", "Summary(rows=",
              "GradientReport(checks=")


def check_cell(cell, where):
    """The rules every code cell keeps, and those of its tags."""
    tags = set(cell.metadata.get("tags", [])) & TAGS
    stderr = [o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"{where} wrote to stderr: {''.join(stderr)[:500]!r}"
    assert not [o for o in cell.outputs if o.output_type == "error"], where
    pictures = sum("image/png" in mime_types(o) for o in cell.outputs)
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    if results and "image/png" in mime_types(results[0]):
        assert pictures == 1, f"{where}: its figure is stored {pictures} times"
    for output in cell.outputs:
        plain = output.get("data", {}).get("text/plain", "")
        if mime_types(output) == {"text/plain"}:
            assert not plain.startswith(BARE_REPRS), f"{where} stored only {plain[:40]!r}"
    if "picture" in tags:
        assert len(cell.outputs) == 1 and pictures == 1, (
            f"{where}: expected one picture, stored {[sorted(mime_types(o)) for o in cell.outputs]}")
    if "latex" in tags:
        assert results and {"text/latex", "text/markdown"} <= mime_types(results[0]), where
    if "table" in tags:
        assert results and "text/html" in mime_types(results[0]), where
    return pictures


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_stores_what_jupyter_shows(name, kernel_specs):
    notebook = execute(name, kernel_specs)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    pictures = [check_cell(cell, f"{name}, code cell {index}: {cell.source.splitlines()[0]!r}")
                for index, cell in enumerate(code)]
    tags = [tag for cell in code for tag in cell.metadata.get("tags", [])]
    assert set(tags) <= TAGS
    if "picture" in tags:      # a tagged notebook: pictures exactly where the tags say
        assert pictures == [int("picture" in cell.metadata.get("tags", [])) for cell in code]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name):
    for cell in read(name).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
    assert "assert" in read(name).cells[-1].source      # the key numbers are checked


def test_every_notebook_in_the_folder_is_tested():
    assert sorted(path.stem for path in FOLDER.glob("*.ipynb")) == sorted(NOTEBOOKS)


def test_a_picture_is_shown_once_where_pyplot_is_in_use_too(kernel_specs, tmp_path):
    """With pyplot imported, the inline backend shows every pyplot figure at the end of a
    cell: a viz picture, unknown to pyplot, is still shown once and nothing stays open."""
    from nbformat.v4 import new_code_cell, new_notebook
    notebook = new_notebook(cells=[
        new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                      "from convnet import viz\nfrom convnet.model import History\n"
                      "history = History(epoch=[1, 2], loss=[1.0, 0.5], accuracy=[0.5, 0.8], "
                      "time=[0.1, 0.1])"),
        new_code_cell("viz.plot_history(history)", metadata={"tags": ["picture"]}),
        new_code_cell(f"for i in range(3):\n"
                      f"    viz.plot_conv_matrix([[1.0]], (2, 2), path={str(tmp_path)!r} + f'/m{{i}}.png')\n"
                      f"plt.get_fignums()"),
    ])
    execute(notebook, kernel_specs)
    for index, cell in enumerate(notebook.cells):
        check_cell(cell, f"cell {index}")
    assert notebook.cells[2].outputs[0]["data"]["text/plain"] == "[]"
    assert len(list(tmp_path.glob("*.png"))) == 3                    # saved, none left open


# -- the rules themselves catch what issue 18 found -----------------------------------

def stored_cell(*outputs, tags=()):
    from nbformat.v4 import new_code_cell
    cell = new_code_cell("fig")
    cell.metadata["tags"] = list(tags)
    cell.outputs = list(outputs)
    return cell


def test_the_rules_refuse_a_figure_shown_twice_a_warning_and_a_bare_repr():
    from nbformat.v4 import new_output
    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 400x300 with 1 Axes>"}
    twice = stored_cell(new_output("display_data", data=png),
                        new_output("execute_result", data=png, execution_count=1))
    warned = stored_cell(new_output("stream", name="stderr", text="TqdmWarning: IProgress"))
    bare = stored_cell(new_output("execute_result", execution_count=1,
                                  data={"text/plain": "<Explanation: Output size>"}))
    markdown_only = stored_cell(new_output("execute_result", execution_count=1,
                                           data={"text/plain": "x", "text/markdown": "x"}),
                                tags=["latex"])
    for cell in (twice, warned, bare, markdown_only):
        with pytest.raises(AssertionError):
            check_cell(cell, "cell")
    assert check_cell(stored_cell(new_output("execute_result", data=png, execution_count=1),
                                  tags=["picture"]), "cell") == 1
