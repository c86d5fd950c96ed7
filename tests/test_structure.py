"""The shape of the house: the fence around the fast engine, the direction of imports, sizes.

* Layers, the model and the training loop use the public functional API
  only: nothing private from ``convnet.functional``.
* The fast engine (``convnet/functional/_fast/``) is reached only through the
  public face of ``convnet.functional``.
* Module-level imports between convnet's modules form no cycle.
* No module over 400 lines, no function over 60 lines of code (docstrings,
  comments and blank lines aside).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "convnet"
MODULES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, top_level_only=False):
    """The absolute names of the convnet modules (and names) that ``path`` imports."""
    tree = ast.parse(path.read_text())
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                yield source, f"{source}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, alias.name


def private_functional(name: str) -> bool:
    parts = name.split(".")
    return (parts[:2] == ["convnet", "functional"] and len(parts) > 2
            and any(part.startswith("_") for part in parts[2:]))


@pytest.mark.parametrize("path", [p for p in MODULES if p.parent.name == "layers"
                                  or p.name in ("model.py", "training.py")],
                         ids=lambda p: p.name)
def test_layers_and_the_model_import_nothing_private_from_functional(path):
    bad = [full for source, full in imports(path) if private_functional(full)]
    assert not bad, f"{path.name} imports {bad}"


def test_only_the_functional_face_reaches_into_the_fast_engine():
    for path in MODULES:
        name = module_name(path)
        if name.startswith("convnet.functional"):
            continue
        bad = [full for source, full in imports(path) if private_functional(full)]
        assert not bad, f"{name} imports {bad}"


def is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_module_level_imports_form_no_cycle():
    # ``from .pkg import name`` depends on pkg.name when that is a module, else on pkg.
    graph = {module_name(path): {full if is_module(full) else source
                                 for source, full in imports(path, top_level_only=True)
                                 if source.startswith("convnet")}
             for path in MODULES}
    assert "convnet.training" in graph["convnet.model"]        # the graph is not empty
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "import cycle: " + " -> ".join(trail + [node])
        state[node] = "open"
        for nxt in graph.get(node, ()):
            visit(nxt, trail + [node])
        state[node] = "done"

    for node in graph:
        visit(node, [])


def code_lines(source_lines, node) -> int:
    lines = source_lines[node.lineno - 1:node.end_lineno]
    count = sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                              ast.Constant):
        if isinstance(body[0].value.value, str):                       # the docstring
            count -= sum(1 for line in source_lines[body[0].lineno - 1:body[0].end_lineno]
                         if line.strip())
    return count


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_small_modules_and_small_functions(path):
    text = path.read_text()
    assert text.count("\n") <= 400, f"{path.name}: {text.count(chr(10))} lines"
    source_lines = text.splitlines()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assert code_lines(source_lines, node) <= 60, (path.name, node.name)
