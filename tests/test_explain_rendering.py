"""convnet.explain: how numbers are written, argument errors, rendering in Jupyter."""

import numpy as np
import pytest

from convnet import explain

from .explain_helpers import K, X


# -- numbers and arguments ---------------------------------------------------------------

def test_numbers_are_written_exactly_or_rounded_uniformly():
    text = explain.correlate2d([[0.5, 1], [2, 3]], [[1]]).text()
    assert "[ 0.5    1 ]" in text                                   # exact: trimmed
    thirds = explain.pool2d([[1, 2], [2, 2]], 2, kind="avg", decimals=None)
    assert "(1 + 2 + 2 + 2)/4 = 1.75" in thirds.text()
    rounded = explain.pool2d([[1, 0], [0, 0]], 2, kind="avg", decimals=2)
    assert "(1.00 + 0.00 + 0.00 + 0.00)/4 = 0.25" in rounded.text()
    sevenths = explain.correlate2d([[1.0]], [[1 / 7]])
    assert "= 0.1429\n" in sevenths.text()                          # rounded: 4 decimals


def test_bad_arguments_use_the_library_wording():
    with pytest.raises(TypeError, match=r"^max_terms must be an integer; got 1\.5 \(float\)$"):
        explain.correlate2d(X, K, max_terms=1.5)
    with pytest.raises(ValueError, match=r"^kind must be one of 'max', 'avg'; got 'min' \(str\)$"):
        explain.pool2d(X, 2, kind="min")
    with pytest.raises(ValueError, match=r"^kernel 5x5 does not fit input 4x6"):
        explain.convolve2d(X, np.ones((5, 5)))
    with pytest.raises(ValueError, match=r"^dz must be of shape \(2, 4\)"):
        explain.conv2d_backward(np.ones((3, 3)), X, K)
    with pytest.raises(ValueError, match=r"^x must be a 2-D array \(H, W\)"):
        explain.conv2d_backward(np.ones((1, 1)), np.ones((1, 1, 3, 3)), K)
    with pytest.raises(ValueError, match=r"^decimals must be an integer <= 12"):
        explain.pool2d(X, 2, decimals=13)


def every_kind_of_explanation():
    """One explanation from each function: matrices, chains, tables and notes with math."""
    from convnet.layers import Conv2D, Flatten, ReLU
    return [explain.output_size(32, 5), explain.correlate2d(X, K, padding="same"),
            explain.convolve2d(X, K), explain.pool2d(X, 2, kind="avg"),
            explain.conv2d_backward(np.ones((2, 4)), X, K),
            explain.summary([Conv2D(1, 2, 3, rng=0), ReLU(), Flatten()], (1, 6, 6))]


def test_explanations_render_in_jupyter():
    explanation = explain.output_size(32, 5)
    assert explanation._repr_markdown_() == explanation.markdown()
    assert repr(explanation) == explanation.text()                  # a terminal: the text


@pytest.mark.parametrize("explanation", every_kind_of_explanation(),
                         ids=lambda e: e.title.split(" ")[0])
def test_latex_for_the_notebook_is_one_display_math_block(explanation):
    """MathJax typesets math only: no sectioning, no tabular, no blank line (a paragraph
    break is an error inside math), environments balanced; the title and every step's
    title are there."""
    import re
    latex = explanation._repr_latex_()
    assert latex.startswith("$$\n\\begin{array}{l}\n") and latex.endswith("\\end{array}\n$$")
    assert latex.count("$$") == 2
    assert "\n\n" not in latex
    for text_mode in ("\\subsection", "\\paragraph", "tabular", "align*", "\\[\n", "~"):
        assert text_mode not in latex
    begins = re.findall(r"\\begin\{(\w+\*?)\}", latex)
    ends = re.findall(r"\\end\{(\w+\*?)\}", latex)
    assert sorted(begins) == sorted(ends) and begins
    assert latex.count("{") == latex.count("}")
    for number, step in enumerate(explanation.steps, start=1):
        assert f"\\textbf{{{number}. " in latex
    assert latex.count("\\textbf{") == len(explanation.steps) + 1
