"""The docs name the code that really runs.

docs/theory.md and docs/backprop.md point every equation at the plain
engine's line that implements it, and after each worked example a line
"Runs in the plain engine: `plain.x`, ..." names the functions that example
runs.  Here every example of both pages runs under ``convnet.engine("plain")``
with a profiler hook, and each function its line names must have been
called.  Every dotted name the pages mention must exist.
"""

import doctest
import importlib
import re
import sys
from pathlib import Path

import pytest

import convnet

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ["theory.md", "backprop.md"]
BLOCK = re.compile(r"```python\n(.*?)```\n+(Runs in the plain engine: [^\n]*)?", re.S)
NAMED = re.compile(r"`((?:plain|reference|geometry|theory|layers|training|functional)"
                   r"(?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def resolve(dotted: str):
    """The object a page means by ``plain.conv.im2col``, ``reference.conv2d``, ``layers.ReLU``..."""
    head, *rest = dotted.split(".")
    module = importlib.import_module({"plain": "convnet.functional.plain",
                                      "functional": "convnet.functional"}.get(head,
                                                                              f"convnet.{head}"))
    obj = module
    for part in rest:
        if not hasattr(obj, part) and inspect_module(obj, part):
            obj = importlib.import_module(f"{obj.__name__}.{part}")
        else:
            obj = getattr(obj, part)
    return obj


def inspect_module(obj, part) -> bool:
    """Whether package ``obj`` has a submodule ``part`` (a file or a package)."""
    if not hasattr(obj, "__path__"):
        return False
    folder = Path(obj.__path__[0])
    return (folder / f"{part}.py").exists() or (folder / part / "__init__.py").exists()


def examples(page: str):
    """``[(source of the block, [names it runs])]`` in page order."""
    text = (DOCS / page).read_text()
    return [(match.group(1), re.findall(r"`(plain\.[\w.]+)`", match.group(2) or ""))
            for match in BLOCK.finditer(text)]


def run_traced(source: str, globs: dict) -> set:
    """Run the block's examples (outputs are checked by the doctest run) and the code they call."""
    called = set()

    def hook(frame, event, arg):
        if event == "call":
            called.add(frame.f_code)

    for example in doctest.DocTestParser().get_examples(source):
        code = compile(example.source, "<docs>", "single")
        sys.setprofile(hook)
        try:
            exec(code, globs)
        finally:
            sys.setprofile(None)
    return called


@pytest.mark.parametrize("page", PAGES)
def test_every_example_runs_the_plain_functions_it_names(page, capsys):
    globs = {}
    checked = 0
    with convnet.engine("plain"):
        for source, names in examples(page):
            called = run_traced(source, globs)
            for name in names:
                assert resolve(name).__code__ in called, f"{page}: {name} did not run"
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize("page", PAGES + ["performance.md"])
def test_every_name_a_page_mentions_exists(page):
    text = (DOCS / page).read_text()
    names = set(NAMED.findall(text))
    assert names
    for name in names:
        resolve(name)
