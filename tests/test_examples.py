"""Every example script runs and prints what it promises."""

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, capsys, argv=None, monkeypatch=None):
    if monkeypatch is not None:
        monkeypatch.setattr("sys.argv", [name] + list(argv or []))
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    return capsys.readouterr().out


def test_worked_convolution(capsys):
    out = run_example("worked_convolution.py", capsys)
    assert "[[   23     8    -8   -23]" in out          # A_valid
    assert "[[   23     8     0]\n [   23     8     0]]" in out  # P_same
