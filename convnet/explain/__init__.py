"""Worked solutions, computed by the library and written out like an answer sheet.

Every function here runs the library's own computation and records how each
number arises: the padded input, the (flipped) kernel, every output element
as its sum of products, the output-size formula with the numbers put in.
The result is an :class:`Explanation`, a short list of :class:`Step` s, each
a title and a few blocks (prose, matrices, equations, a table), rendered
three ways from the same structure:

* ``.text()`` (also ``str(explanation)``) for the terminal,
* ``.markdown()`` for notebooks and READMEs (matrices and sums as
  ``$...$`` math, which GitHub and Jupyter render),
* ``.latex()`` for an answer sheet (``bmatrix`` and ``align*``; needs
  ``\\usepackage{amsmath}``).

In a terminal an explanation shows itself as its text (``repr``); in a
notebook as typeset math: ``_repr_markdown_`` gives the Markdown and
``_repr_latex_`` one ``$$ array $$`` block that a notebook's math renderer
(MathJax) typesets whole, the prose in ``\\text``.

No number is typed in: every one shown comes from the arrays, and the final
matrix (``.result``) is the return value of the library function itself.
Numbers are shown with the fewest decimals (at most 4) that write every
shown value exactly; ``decimals=`` fixes the count.

Examples
--------
>>> from convnet import explain
>>> e = explain.correlate2d([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, -1]])
>>> print(e.text())                                   # doctest: +ELLIPSIS
Cross-correlation of X (2x3) with K (2x2), padding 'valid'
...
4. Each output as a sum of products
z[m, n] = sum over i, j of K[i, j]·X[m + i, n + j] (Eq. 8.13), written out term by term:
  z[0, 0] = 1·1 + 0·2 + 0·4 + (-1)·5 = -4
  z[0, 1] = 1·2 + 0·3 + 0·5 + (-1)·6 = -4
<BLANKLINE>
5. Result
Z (1x2) =
  [ -4  -4 ]
<BLANKLINE>
>>> e.result
array([[-4., -4.]])
"""

from ._common import MAX_TERMS
from ._blocks import Explanation, Step
from .shapes import output_size, summary
from .pooling import pool2d
from .windows import conv2d_backward, convolve2d, correlate2d
from .answers import ANSWER_KINDS, AnswerCheck, WrongEntry, check_answer

__all__ = ["MAX_TERMS", "Explanation", "Step", "correlate2d", "convolve2d", "pool2d", "output_size",
           "summary", "conv2d_backward", "check_answer", "AnswerCheck", "WrongEntry",
           "ANSWER_KINDS"]
