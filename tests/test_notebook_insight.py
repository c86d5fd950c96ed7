"""notebooks/04_what_the_network_sees.ipynb: stored clean, and its code runs as plain Python.

A quick check without a kernel: the file is JSON in nbformat 4 with no outputs and no execution
counts, and its code cells, executed in order by ``exec`` in a fresh interpreter with matplotlib's
Agg backend, run to the end (the last cell asserts the notebook's key numbers).  The executed-in-
a-kernel check of what Jupyter stores is tests/test_notebooks.py.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_what_the_network_sees.ipynb"

RUNNER = """
import json, sys
cells = json.load(open(sys.argv[1], encoding="utf-8"))["cells"]
namespace = {"__name__": "__main__"}
for number, cell in enumerate(cells):
    if cell["cell_type"] == "code":
        exec(compile("".join(cell["source"]), f"cell {number}", "exec"), namespace)
"""


def test_the_notebook_is_json_without_outputs():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell["outputs"] == [] and cell["execution_count"] is None
                        for cell in code)
    assert "assert" in "".join(code[-1]["source"])


def test_its_code_cells_run_in_order(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", RUNNER, str(NOTEBOOK)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "all checks passed" in done.stdout
