"""How an explanation is built and written: blocks, steps and the :class:`Explanation`.

An :class:`Explanation` is a title, a list of :class:`Step` s and a ``result``;
each step holds blocks (prose, matrices, chains of equations, tables) made of
the small expression objects of :mod:`convnet.explain._expressions`.  The
three renderings, ``.text()``, ``.markdown()`` and ``.latex()``, walk the
same structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._expressions import Chain, Numbers, Sym


# ==========================================================================
# Blocks and steps, each rendered three ways
# ==========================================================================

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}",
                "·": r"$\cdot$", "⊗": r"$\otimes$", "×": r"$\times$"}


def _tex_escape(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(c, c) for c in text)


@dataclass(frozen=True)
class Note:
    """A sentence of prose; ``tex`` is its LaTeX spelling (default: the text, escaped),
    ``md`` its Markdown spelling (default: the text)."""
    text_: str
    tex: str | None = None
    md: str | None = None

    def text(self, numbers):
        return self.text_

    def markdown(self, numbers):
        return self.md if self.md is not None else self.text_

    def latex(self, numbers):
        return self.tex if self.tex is not None else _tex_escape(self.text_)

    def math(self, numbers):
        return _text(self.latex(numbers))


def _text(tex: str) -> str:
    """Prose inside math (``\\text``; ``~`` becomes a plain space, which MathJax shows)."""
    return f"\\text{{{tex.replace('~', ' ')}}}"


@dataclass(frozen=True)
class Matrix:
    """A named matrix, e.g. ``X``, with an optional caption (a pooling region's place)."""
    name: Sym
    values: np.ndarray
    caption: Note | None = None

    def _cells(self, numbers, tex):
        form = numbers.tex if tex else numbers.text
        return [[form(v) for v in row] for row in np.atleast_2d(self.values)]

    def text(self, numbers):
        cells = self._cells(numbers, False)
        width = max(len(c) for row in cells for c in row)
        rows, cols = len(cells), len(cells[0])
        head = (f"{self.caption.text(numbers)}:" if self.caption
                else f"{self.name.text} ({rows}x{cols}) =")
        return "\n".join([head] + ["  [ " + "  ".join(c.rjust(width) for c in row) + " ]"
                                   for row in cells])

    def _bmatrix(self, numbers):
        rows = [" & ".join(row) for row in self._cells(numbers, True)]
        body = " \\\\\n  ".join(rows)
        return f"{self.name.tex} = \\begin{{bmatrix}}\n  {body}\n\\end{{bmatrix}}"

    def markdown(self, numbers):
        head = f"{self.caption.markdown(numbers)}:\n\n" if self.caption else ""
        return f"{head}$$\n{self._bmatrix(numbers)}\n$$"

    def latex(self, numbers):
        head = f"{self.caption.latex(numbers)}:\n" if self.caption else ""
        return f"{head}\\[\n{self._bmatrix(numbers)}\n\\]"

    def math(self, numbers):
        head = f"{_text(self.caption.latex(numbers) + ':')} \\\\\n" if self.caption else ""
        return head + self._bmatrix(numbers)


@dataclass(frozen=True)
class Equations:
    """Lines ``lhs = rhs_1 = rhs_2 = ... = value``; LaTeX puts each link on its own line."""
    rows: tuple                      # of (lhs, (rhs, ...))

    def text(self, numbers):
        return "\n".join("  " + Chain((lhs, *chain)).render(numbers, False)
                         for lhs, chain in self.rows)

    def markdown(self, numbers):
        return "\n".join(f"- ${Chain((lhs, *chain)).render(numbers, True)}$"
                         for lhs, chain in self.rows)

    def latex(self, numbers, environment="align*"):
        lines = []
        for lhs, chain in self.rows:
            links = [link.render(numbers, True, wrap=True) for link in chain]
            lines.append(f"{lhs.render(numbers, True)} &= " + " \\\\\n  &= ".join(links))
        return (f"\\begin{{{environment}}}\n" + " \\\\\n".join(lines)
                + f"\n\\end{{{environment}}}")

    def math(self, numbers):
        return self.latex(numbers, "aligned")


@dataclass(frozen=True)
class Table:
    """A table whose cells are prose (:class:`Note`) or expressions (:class:`Expr`)."""
    header: tuple
    rows: tuple
    right: tuple = ()                # indices of right-aligned (number) columns

    @staticmethod
    def _cell(cell, numbers, style):
        if isinstance(cell, Note):
            return {"latex": cell.latex, "math": cell.math}.get(style, cell.text)(numbers)
        shown = cell.render(numbers, style != "text")
        return shown if style in ("text", "math") else f"${shown}$"

    def text(self, numbers):
        grid = [list(self.header)] + [[self._cell(c, numbers, "text") for c in row]
                                      for row in self.rows]
        widths = [max(len(row[i]) for row in grid) for i in range(len(self.header))]
        lines = ["  ".join(c.rjust(w) if i in self.right else c.ljust(w)
                           for i, (c, w) in enumerate(zip(row, widths))).rstrip()
                 for row in grid]
        rule = "-" * max(len(line) for line in lines)
        return "\n".join([lines[0], rule, *lines[1:], rule])

    def markdown(self, numbers):
        lines = ["| " + " | ".join(self.header) + " |",
                 "|" + "|".join("---:" if i in self.right else "---"
                                for i in range(len(self.header))) + "|"]
        lines += ["| " + " | ".join(self._cell(c, numbers, "markdown") for c in row) + " |"
                  for row in self.rows]
        return "\n".join(lines)

    def latex(self, numbers):
        spec = "".join("r" if i in self.right else "l" for i in range(len(self.header)))
        lines = [f"\\begin{{tabular}}{{{spec}}}", "\\hline",
                 " & ".join(_tex_escape(h) for h in self.header) + " \\\\", "\\hline"]
        lines += [" & ".join(self._cell(c, numbers, "latex") for c in row) + " \\\\"
                  for row in self.rows]
        return "\n".join(lines + ["\\hline", "\\end{tabular}"])

    def math(self, numbers):
        spec = "".join("r" if i in self.right else "l" for i in range(len(self.header)))
        lines = [f"\\begin{{array}}{{{spec}}}", "\\hline",
                 " & ".join(_text(_tex_escape(h)) for h in self.header) + " \\\\", "\\hline"]
        lines += [" & ".join(self._cell(c, numbers, "math") for c in row) + " \\\\"
                  for row in self.rows]
        return "\n".join(lines + ["\\hline", "\\end{array}"])


@dataclass(frozen=True)
class Step:
    """One step of a worked solution: a title and its blocks (notes, matrices, equations,
    tables)."""
    title: str
    blocks: tuple


class Explanation:
    """A worked solution: a title, :class:`Step` s and the computed ``result``.

    Attributes
    ----------
    title : str
    steps : tuple of Step
    result
        The library's own return value for the explained call.
    numbers : Numbers
        How numbers are written (``numbers.decimals``).
    """

    def __init__(self, title: str, steps, result, numbers: Numbers):
        self.title = title
        self.steps = tuple(steps)
        self.result = result
        self.numbers = numbers

    def text(self) -> str:
        """Plain text with Unicode multiplication dots; ``str(explanation)`` is the same."""
        parts = [self.title, "=" * len(self.title)]
        for number, step in enumerate(self.steps, start=1):
            parts.append(f"\n{number}. {step.title}")
            parts += [block.text(self.numbers) for block in step.blocks]
        return "\n".join(parts) + "\n"

    def markdown(self) -> str:
        """Markdown with ``$$ bmatrix $$`` matrices and ``$...$`` sums."""
        parts = [f"## {self.title}"]
        for number, step in enumerate(self.steps, start=1):
            parts.append(f"### {number}. {step.title}")
            parts += [block.markdown(self.numbers) for block in step.blocks]
        return "\n\n".join(parts) + "\n"

    def latex(self) -> str:
        """A LaTeX fragment for an answer sheet (``bmatrix``, ``align*``: needs amsmath)."""
        parts = [f"\\subsection*{{{_tex_escape(self.title)}}}"]
        for number, step in enumerate(self.steps, start=1):
            parts.append(f"\\paragraph{{{number}. {_tex_escape(step.title)}}}")
            parts += [block.latex(self.numbers) for block in step.blocks]
        return "\n\n".join(parts) + "\n"

    __str__ = text
    __repr__ = text                      # a terminal shows the text form

    def _repr_markdown_(self) -> str:   # Jupyter shows one of these two renderings
        return self.markdown()

    def _repr_latex_(self) -> str:
        """The LaTeX for a notebook's math renderer (MathJax, KaTeX): one display-math array.

        MathJax typesets only math, so the prose is ``\\text`` and the steps are
        rows of one ``array`` inside ``$$ ... $$`` (``aligned`` for the chains of
        equations); the same source is valid LaTeX with amsmath.
        """
        rows = [f"\\textbf{{{_tex_escape(self.title)}}}"]
        for number, step in enumerate(self.steps, start=1):
            rows.append(f"\\textbf{{{number}. {_tex_escape(step.title)}}}")
            rows += [block.math(self.numbers) for block in step.blocks]
        return "$$\n\\begin{array}{l}\n" + " \\\\[1ex]\n".join(rows) + "\n\\end{array}\n$$"
