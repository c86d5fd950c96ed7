"""The ``convnet`` command, called in-process through ``main(argv)``."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from convnet import cli, explain
from convnet.layers import Conv2D, Dense, MaxPool2D

GOODFELLOW_X = "1 6 6 6 6 1; 1 6 10 10 6 1; 1 6 10 10 6 1; 1 6 6 6 6 1"
GOODFELLOW_K = "-1 0 1; -1 0 1; -1 0 1"
ALEXNET = ("conv 96 11 s4, pool 3 s2, conv 256 5 p2, pool 3 s2, conv 384 3 p1, conv 384 3 p1, "
           "conv 256 3 p1, pool 3 s2, flatten, fc 4096, fc 4096, fc 1000")
SHEET_SUMS = {  # Goodfellow sheet, exercise 3, Eq. (1.1)
    23: "-1·(1+1+1) + 0·(6+6+6) + 1·(6+10+10)",
    8: "-1·(6+6+6) + 0·(6+10+10) + 1·(6+10+10)",
    -8: "-1·(6+10+10) + 0·(6+10+10) + 1·(6+6+6)",
    -23: "-1·(6+10+10) + 0·(6+6+6) + 1·(1+1+1)",
}


def run(capsys, *argv):
    """main(argv) in-process; returns (stdout, stderr)."""
    assert cli.main(list(argv)) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def fails(capsys, *argv):
    """main(argv) must exit with status 2 and a one-line message; returns stderr."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(argv))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


# -- explain ------------------------------------------------------------------------------

def test_correlate_goodfellow_text(capsys):
    out, _ = run(capsys, "explain", "correlate", "--x", GOODFELLOW_X, "--k", GOODFELLOW_K)
    for value, grouped in SHEET_SUMS.items():
        assert f" = {grouped} = {value}\n" in out
    assert "Z (2x4) =\n  [  23    8   -8  -23 ]\n  [  23    8   -8  -23 ]" in out
    assert out == explain.correlate2d(cli.parse_matrix(GOODFELLOW_X),
                                      cli.parse_matrix(GOODFELLOW_K)).text()


def test_correlate_goodfellow_markdown_and_latex(capsys):
    markdown, _ = run(capsys, "explain", "correlate", "--x", GOODFELLOW_X, "--k", GOODFELLOW_K,
                      "--format", "markdown")
    latex, _ = run(capsys, "explain", "correlate", "--x", GOODFELLOW_X, "--k", GOODFELLOW_K,
                   "--format", "latex")
    for value, grouped in SHEET_SUMS.items():
        tex = grouped.replace("·", " \\cdot ")
        assert f"= {tex} = {value}$" in markdown
        assert f"&= {tex} \\\\\n  &= {value}" in latex
    assert markdown.startswith("## Cross-correlation") and "$$\nX = \\begin{bmatrix}" in markdown
    assert latex.startswith("\\subsection*{") and latex.count("\\begin{bmatrix}") == 3


def test_correlate_padding_and_max_terms(capsys):
    out, _ = run(capsys, "explain", "correlate", "--x", GOODFELLOW_X, "--k", GOODFELLOW_K,
                 "--padding", "full", "--max-terms", "4")
    assert "X padded (8x10) =" in out
    assert "... and 44 more outputs, computed the same way." in out
    out, _ = run(capsys, "explain", "correlate", "--x", GOODFELLOW_X, "--k", GOODFELLOW_K,
                 "--padding", "1", "--stride", "2")
    assert "Z (2x3) =" in out


def test_convolve_shows_the_flipped_kernel(capsys):
    out, _ = run(capsys, "explain", "convolve", "--x", "0 0 0 0; 0 1 0 1; 1 0.5 1 0.5; 0 1 0 1",
                 "--k", "0 2 0; 2 1 1; 0 2 0", "--padding", "same")
    assert "K' = rot180(K) (3x3) =\n  [ 0  2  0 ]\n  [ 1  1  2 ]\n  [ 0  2  0 ]" in out
    assert "  [   2  7.5  2.5  5.5 ]" in out                   # problem set 1.3's Z


def test_pool_problem_set_1_3(capsys):
    sigmoid_map = ("0.5000 0.8808 0.5000 0.8808; 0.9820 0.8808 0.9933 0.8808; "
                   "0.8808 0.9994 0.9241 0.9959; 0.9820 0.8808 0.9933 0.8808")
    out, _ = run(capsys, "explain", "pool", "--x", sigmoid_map, "--size", "2", "--decimals", "4")
    for maximum in ("0.9820", "0.9933", "0.9994", "0.9959"):
        assert f") = {maximum}\n" in out
    assert "Region 4 (bottom-right)" in out
    out, _ = run(capsys, "explain", "pool", "--x", "1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16",
                 "--size", "2", "--kind", "avg")
    assert "mean = (1 + 2 + 5 + 6)/4 = 3.5" in out


def test_pool_options(capsys):
    out, _ = run(capsys, "explain", "pool", "--x", "1 3 5", "--size", "2", "--padding", "1",
                 "--kind", "avg", "--ceil-mode", "--exclude-padding")
    # By hand: x padded to 3x5; ceil((1 + 2 - 2)/2) + 1 = 2 rows of windows and 3 columns,
    # but the last of each would start in the padding and is dropped (PyTorch's rule), so
    # 1x2 windows: [0 0; 0 1] and [0 0; 3 5], divided by the pixels of x they hold.
    assert "ceil_mode" in out and "(they do not count in the mean)" in out
    assert "  mean = (0 + 0 + 0 + 1)/1 = 1\n" in out
    assert "  mean = (0 + 0 + 3 + 5)/2 = 4\n" in out
    assert "P (1x2) =\n  [ 1  4 ]" in out
    out, _ = run(capsys, "explain", "pool", "--x", "1 2 3 4 5; 6 7 8 9 10; 11 12 13 14 15",
                 "--size", "2", "--dilation", "2")
    assert "maximum = max(1, 3, 11, 13) = 13" in out and "max(3, 5, 13, 15) = 15" in out
    err = fails(capsys, "explain", "pool", "--x", "1 2; 3 4", "--size", "2", "--exclude-padding")
    assert "--exclude-padding is an option of --kind avg" in err


def test_size_alexnet_first_layer(capsys):
    out, _ = run(capsys, "explain", "size", "--n", "227", "--kernel", "11", "--stride", "4")
    assert "  o = (227 + 2·0 - 11)/4 + 1 = 216/4 + 1 = 54 + 1 = 55\n" in out
    latex, _ = run(capsys, "explain", "size", "--n", "224", "--kernel", "11", "--stride", "4",
                   "--format", "latex")
    assert "\\left\\lfloor \\frac{213}{4} \\right\\rfloor" in latex


def test_backward(capsys):
    out, _ = run(capsys, "explain", "backward", "--x", "1 2 3; 4 5 6; 7 8 9", "--w", "1 0; 0 -1",
                 "--dz", "1 1; 1 1")
    assert "rot180(w) (2x2) =\n  [ -1   0 ]\n  [  0   1 ]" in out
    assert "  dw[0, 0] = 1·1 + 1·2 + 1·4 + 1·5 = 12\n" in out
    assert "  db = 1 + 1 + 1 + 1 = 4\n" in out


# -- shapes ----------------------------------------------------------------------------------

def test_shapes_alexnet_table(capsys):
    out, _ = run(capsys, "shapes", "--input", "3x227x227", "--layers", ALEXNET)
    expected = [("Input", "3 x 227 x 227"), ("Conv1", "96 x 55 x 55"), ("Pool1", "96 x 27 x 27"),
                ("Conv2", "256 x 27 x 27"), ("Pool2", "256 x 13 x 13"),
                ("Conv3", "384 x 13 x 13"), ("Conv4", "384 x 13 x 13"),
                ("Conv5", "256 x 13 x 13"), ("Pool3", "256 x 6 x 6"), ("Flatten", "9216"),
                ("FC1", "4096"), ("FC2", "4096"), ("FC3", "1000")]
    rows = [line for line in out.splitlines() if line.split(" ")[0] in dict(expected)]
    assert [line.split()[0] for line in rows] == [name for name, _ in expected]
    for line, (name, shape) in zip(rows, expected):
        assert f"  {shape}  " in line, line
    assert "(227 + 2·0 - 11)/4 + 1 = 55" in rows[1]
    assert "256·6·6 = 9216" in rows[9]
    assert out.rstrip().endswith("= 62,378,344")


def test_shapes_formats(capsys):
    markdown, _ = run(capsys, "shapes", "--input", "1x28x28", "--layers",
                      "conv 6 5 p2, relu, pool 2, conv 16 5, avgpool 2, flatten, fc 120, fc 10",
                      "--format", "markdown")
    assert "| Conv2 | 5x5, 16, S=1, P=0 |" in markdown and "| AvgPool1 |" in markdown
    latex, _ = run(capsys, "shapes", "--input", "1x28x28", "--layers", "conv 6 5 same, flatten",
                   "--format", "latex")
    assert "\\begin{tabular}" in latex and "P=2 ('same')" in latex


def test_layer_language_builds_the_same_network():
    layers = cli.parse_layers("conv 8 3x5 s2 p1 d2, maxpool 2 s1, avgpool 2, flatten, "
                              "dense 7, sigmoid, fc 3, tanh")
    assert layers[0] == (Conv2D, {"out_channels": 8, "kernel_size": (3, 5), "stride": 2,
                                  "padding": 1, "dilation": 2})
    assert layers[1] == (MaxPool2D, {"kernel_size": 2, "stride": 1})
    assert layers[4] == (Dense, {"out_features": 7})
    model = cli.build_model(layers, (2, 20, 24))
    assert model[0].params["weight"].dtype == np.float32
    assert explain.summary(model, (2, 20, 24)).text() == explain.summary(layers, (2, 20, 24)).text()


# -- bad input: a message naming the option, status 2, no traceback --------------------------

def test_ragged_matrix(capsys):
    err = fails(capsys, "explain", "correlate", "--x", "1 6 6 6 6 1; 1 6 10", "--k", "1")
    assert "convnet explain correlate: error: argument --x: row 2 has 3 entries, row 1 has 6" \
        in err


def test_matrix_with_a_word(capsys):
    err = fails(capsys, "explain", "correlate", "--x", "1 2; 3 4", "--k", "1 two")
    assert "argument --k: row 1, entry 2 is not a number: 'two'" in err


@pytest.mark.parametrize("text", ["", " ; ; ", ",,"])
def test_empty_matrix(capsys, text):
    err = fails(capsys, "explain", "pool", "--x", text, "--size", "2")
    assert "argument --x: no numbers given" in err


def test_library_errors_become_usage_errors(capsys):
    err = fails(capsys, "explain", "correlate", "--x", "1 2; 3 4", "--k", "1 2 3; 4 5 6; 7 8 9")
    assert "error: kernel 3x3 does not fit input 2x2 with padding 0 (output would be 0x0)" in err
    err = fails(capsys, "explain", "correlate", "--x", "1 2; 3 4", "--k", "1", "--padding",
                "same", "--stride", "2")
    assert "error: padding must be an explicit amount when the stride is not 1" in err
    err = fails(capsys, "explain", "backward", "--x", "1 2; 3 4", "--w", "1", "--dz", "1 2")
    assert "error: dz must be of shape (2, 2)" in err


@pytest.mark.parametrize("argv, message", [
    (["--padding", "wide"], "argument --padding: must be valid, same, full or an integer >= 0; "
                            "got 'wide'"),
    (["--stride", "0"], "argument --stride: must be an integer >= 1; got '0'"),
    (["--format", "html"], "argument --format: invalid choice: 'html'"),
])
def test_bad_options(capsys, argv, message):
    err = fails(capsys, "explain", "correlate", "--x", "1 2; 3 4", "--k", "1", *argv)
    assert message in err


@pytest.mark.parametrize("layers, message", [
    ("conv 96", "argument --layers: layer 1 ('conv 96'): conv needs the number of filters and "
                "the kernel size"),
    ("conv 6 5, , fc 10", "argument --layers: layer 2 is empty"),
    ("conv 6 5 q3", "argument --layers: layer 1 ('conv 6 5 q3'): unknown option 'q3'"),
    ("pool 2 d2", "unknown option 'd2'; options are sN (stride), pN (padding)"),
    ("lstm 10", "argument --layers: layer 1 ('lstm 10'): unknown layer 'lstm'"),
    ("fc ten", "layer 1 ('fc ten'): fc needs the number of outputs"),
    ("conv 6 0", "the kernel size must be a positive integer like 3 or 3x5; got '0'"),
    ("fc 10", "error: input_shape must be a vector (n,) at layer 0 (Dense); put a Flatten "
              "before it"),
    ("conv 6 40", "error: kernel 40x40 does not fit input 32x32"),
])
def test_bad_layer_specs(capsys, layers, message):
    err = fails(capsys, "shapes", "--input", "3x32x32", "--layers", layers)
    assert message in err


def test_bad_input_shape(capsys):
    err = fails(capsys, "shapes", "--input", "3 by 32", "--layers", "flatten")
    assert "argument --input: expected sizes like 3x227x227 (C x H x W); got '3 by 32'" in err


def test_a_command_is_required(capsys):
    err = fails(capsys)
    assert "convnet: error: the following arguments are required: COMMAND" in err


# -- train, help, version ------------------------------------------------------------------

def test_train_digits_one_epoch(capsys):
    out, _ = run(capsys, "train", "digits", "--epochs", "1", "--seed", "0", "--quiet")
    assert "1347 training and 450 test images" in out
    assert "test accuracy" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("convnet ")


def test_python_dash_m_convnet_help():
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    completed = subprocess.run([sys.executable, "-m", "convnet", "--help"], capture_output=True,
                               text=True, env=env, cwd=root, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("usage: convnet ")
    for command in ("explain", "shapes", "train"):
        assert command in completed.stdout
