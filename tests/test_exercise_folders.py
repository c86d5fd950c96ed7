"""Exercise folders: written by ``convnet exercises new``, failing until filled, graded by check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from convnet import _registry, cli, exercises

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    """The own-layer sheet registers ChannelScale: in a registry of the test's own."""
    monkeypatch.setattr(_registry, "_REGISTERED", dict(_registry._REGISTERED))


# In a process of its own, with this checkout's convnet: pytest on the folder as written, then
# the student module replaced by the solution key, then pytest again (one interpreter start).
BEFORE_AND_AFTER = """
import sys, pytest
from pathlib import Path
folder, module, solution = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
before = pytest.main(["-q", "-p", "no:cacheprovider", str(folder)])
(folder / f"{module}.py").write_text(Path(solution).read_text())
for name in (module, f"test_{module}"):
    sys.modules.pop(name, None)
after = pytest.main(["-q", "-p", "no:cacheprovider", str(folder)])
print(f"exit statuses: {int(before)} {int(after)}")
"""


def _before_and_after(folder, module, solution):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-c", BEFORE_AND_AFTER, str(folder), module,
                           str(solution)], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=240)


def test_the_sheets_the_issue_asks_for_are_listed(capsys):
    assert list(exercises.SHEETS) == ["correlation", "conv2d", "pooling", "conv-backward",
                                      "pool-backward", "own-layer"]
    assert cli.main(["exercises", "list"]) == 0
    out = capsys.readouterr().out
    assert "Eq. 8.36-8.48" in out and "P8.3, P8.4, E8.8" in out and "own-layer" in out


@pytest.mark.parametrize("name", list(exercises.SHEETS))
def test_every_stub_raises_not_implemented_naming_its_equation(tmp_path, name):
    sheet = exercises.SHEETS[name]
    exercises.new(name, tmp_path)
    source = (tmp_path / f"{sheet.module}.py").read_text()
    assert source.count("raise NotImplementedError(") >= len(sheet.exercises)
    for exercise in sheet.exercises:
        assert exercise.name in source or exercise.name == "inside Sequential"
    assert "Eq. 8." in source or "P8." in source or "E8." in source
    test_file = (tmp_path / f"test_{sheet.module}.py").read_text()
    compile(test_file, "test file", "exec")
    assert test_file.count("\ndef test_") == len(sheet.exercises)
    assert (tmp_path / "README.md").read_text().startswith("# ")


def test_a_folder_fails_under_pytest_until_filled_and_passes_when_filled(tmp_path):
    stubs, key = tmp_path / "student", tmp_path / "key"
    exercises.new("correlation", stubs)
    exercises.new("correlation", key, solution=True)
    run = _before_and_after(stubs, "correlation", key / "correlation.py")
    assert run.stdout.strip().endswith("exit statuses: 1 0"), run.stdout + run.stderr
    before, after = run.stdout.split("exit statuses")[0].split("short test summary")
    assert "NotImplementedError: correlate2d: implement Eq. 8.13" in before
    assert "2 failed" in after and "2 passed" in after


@pytest.mark.parametrize("name", list(exercises.SHEETS))
def test_check_grades_stubs_as_not_implemented_and_a_solution_as_passed(tmp_path, name):
    exercises.new(name, tmp_path / "stubs")
    exercises.new(name, tmp_path / "key", solution=True)
    graded = exercises.check(tmp_path / "stubs")
    assert graded.sheet == name and graded.passed == 0
    assert {row[3] for row in graded.rows} == {"not implemented"}, graded.text()
    key = exercises.check(tmp_path / "key")
    assert key.passed == key.total == len(exercises.SHEETS[name].exercises)


def test_check_names_a_wrong_function_and_its_mistake(tmp_path):
    folder = exercises.new("correlation", tmp_path, solution=True)
    (folder / "correlation.py").write_text(
        "import convnet\n\n"
        "def correlate2d(x, k, padding='valid', stride=1):\n"
        "    return convnet.convolve2d(x, k, padding, stride)      # flipped: a convolution\n\n"
        "def convolve2d(x, k, padding='valid', stride=1):\n"
        "    raise ValueError('oops')\n")
    grades = exercises.check(folder)
    assert [row[3] for row in grades.rows] == ["failed", "failed"]
    assert grades.rows[0][4].startswith("check_correlate2d: your function disagrees")
    assert "score: 0/2" in grades.text()
    assert grades.csv().splitlines()[0] == "sheet,#,exercise,equation,result,note"
    assert grades.markdown().startswith("| # | exercise | equation | result | note |")


def test_a_module_that_does_not_import_is_graded_error(tmp_path):
    folder = exercises.new("conv2d", tmp_path)
    (folder / "multichannel.py").write_text("def conv2d(x, w:\n")
    grades = exercises.check(folder)
    assert grades.rows[0][3] == "error"
    assert grades.rows[0][4].startswith("multichannel.py cannot be imported: SyntaxError")


def test_the_command_writes_and_grades(tmp_path, capsys):
    folder = tmp_path / "hw"
    assert cli.main(["exercises", "new", "conv-backward", str(folder), "--solution"]) == 0
    assert "next: fill in conv_backward.py" in capsys.readouterr().out
    assert cli.main(["exercises", "check", str(folder), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith(
        'conv-backward,1,conv2d_backward,"Eq. 8.36, 8.44-8.48",passed')
    with pytest.raises(SystemExit) as exit_:
        cli.main(["exercises", "new", "conv-backward", str(folder)])
    assert exit_.value.code == 2
    assert "never overwritten" in capsys.readouterr().err


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="sheet must be one of"):
        exercises.new("correlations", tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="folder must be a folder"):
        exercises.new("pooling", tmp_path / "file")
    with pytest.raises(TypeError, match="solution must be True or False"):
        exercises.new("pooling", tmp_path / "new", solution="yes")
    with pytest.raises(ValueError, match="folder must be an exercise folder"):
        exercises.check(tmp_path)
    with pytest.raises(TypeError, match="folder must be a file name"):
        exercises.check(3)
