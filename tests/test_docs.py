"""The documentation cannot rot: its code runs in the suite.

Every ```python block in docs/ is written as a doctest (``>>>`` prompts with
the output shown); pytest runs them through ``--doctest-glob=*.md`` and
compares the output.  This module checks that no block escapes that (a block
without prompts would never run), runs the README's examples, and keeps the
API page complete.
"""

import re
import runpy
from pathlib import Path

import pytest

import convnet

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_python_block_is_a_doctest(page):
    blocks = FENCE.findall(page.read_text())
    for block in blocks:
        assert block.lstrip().startswith(">>>"), f"{page.name}: a python block without >>> prompts"


def test_the_pages_the_issue_asks_for_exist():
    names = {page.name for page in DOCS}
    assert {"index.md", "theory.md", "tutorial.md", "api.md"} <= names


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                # the README saves a model file
    readme = (ROOT / "README.md").read_text()
    blocks = FENCE.findall(readme)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
    assert "[[23.  8.  0.]" in capsys.readouterr().out


def test_theory_page_covers_every_equation():
    text = (ROOT / "docs" / "theory.md").read_text()
    covered = set()
    for first, last in re.findall(r"\|\s*8\.(\d+)(?:[–-]8?\.?(\d+))?\s*\|", text):
        covered.update(range(int(first), int(last or first) + 1))
    assert covered >= set(range(1, 54)), sorted(set(range(1, 54)) - covered)
    for problem in ("P8.1", "P8.2", "P8.3", "P8.4"):
        assert f"| {problem} |" in text


def test_api_page_lists_every_public_name_and_is_current():
    text = (ROOT / "docs" / "api.md").read_text()
    for name in convnet.__all__:
        assert f"`{name}" in text, name
    generator = runpy.run_path(str(ROOT / "tools" / "make_api_doc.py"), run_name="check")
    assert text == generator["page"](), "docs/api.md is stale: run python tools/make_api_doc.py"
