"""How an explanation is built and written: numbers, expressions, blocks, steps.

An :class:`Explanation` is a title, a list of :class:`Step` s and a ``result``;
each step holds blocks (prose, matrices, chains of equations, tables) made of
small expression objects.  The three renderings, ``.text()``, ``.markdown()``
and ``.latex()``, walk the same structure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np



# ==========================================================================
# Numbers
# ==========================================================================

class Numbers:
    """How numbers are written.

    ``Numbers(d)`` writes every number with exactly ``d`` decimals
    (``0.9820``); ``Numbers(d, trim=True)`` rounds to ``d`` decimals and drops
    trailing zeros (``0.5``, ``7.5``, ``2``), the way exact values are
    written by hand.  Sizes and counts (:class:`Int`) never get decimals.
    """

    def __init__(self, decimals: int, trim: bool = False):
        self.decimals = decimals
        self.trim = trim

    @classmethod
    def fitting(cls, *arrays, limit: int = 4) -> "Numbers":
        """Exact values trimmed if ``limit`` decimals show them all, else ``limit`` fixed."""
        values = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in arrays])
        values = values[np.isfinite(values)]
        error = np.abs(np.round(values, limit) - values)
        exact = bool(np.all(error <= 1e-6 * np.maximum(1.0, np.abs(values))))
        return cls(limit, trim=exact)

    def text(self, value, grouped: bool = False, decimals: int | None = None) -> str:
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "-inf" if value < 0 else "inf"
        decimals = self.decimals if decimals is None else decimals
        shown = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
        if self.trim and "." in shown:
            shown = shown.rstrip("0").rstrip(".")
        if shown.startswith("-") and float(shown[1:].replace(",", "")) == 0:
            shown = shown[1:]                                    # no "-0"
        return shown

    def tex(self, value, grouped: bool = False, decimals: int | None = None) -> str:
        shown = self.text(value, grouped, decimals)
        return {"nan": r"\mathrm{NaN}", "inf": r"\infty", "-inf": r"-\infty"}.get(
            shown, shown.replace(",", "{,}"))


# ==========================================================================
# Expressions: sums of products, fractions, floors; rendered as text or LaTeX
# ==========================================================================
#
# ``lead`` is True where an expression starts (after "=" or "("): there a
# negative number is written bare, "-1·(1+1+1)", as the sheet does;
# elsewhere it is put in parentheses, "+ (-1)·10".

class Expr:
    def render(self, numbers: Numbers, tex: bool, lead: bool = True, wrap: bool = False) -> str:
        raise NotImplementedError  # pragma: no cover


@dataclass(frozen=True)
class Num(Expr):
    value: float
    grouped: bool = False            # thousands separators (parameter counts)

    def render(self, numbers, tex, lead=True, wrap=False):
        shown = numbers.tex(self.value, self.grouped) if tex else numbers.text(self.value,
                                                                               self.grouped)
        return shown if lead or not shown.startswith("-") else f"({shown})"


@dataclass(frozen=True)
class Int(Num):
    """A size, stride or count: always written without decimals."""

    def render(self, numbers, tex, lead=True, wrap=False):
        form = numbers.tex if tex else numbers.text
        shown = form(self.value, self.grouped, decimals=0)
        return shown if lead or not shown.startswith("-") else f"({shown})"


@dataclass(frozen=True)
class Sym(Expr):
    text: str
    tex: str

    def render(self, numbers, tex, lead=True, wrap=False):
        return self.tex if tex else self.text


@dataclass(frozen=True)
class Neg(Expr):
    """``-expr``; inside a :class:`Sum` it becomes a subtraction."""
    inner: Expr

    def render(self, numbers, tex, lead=True, wrap=False):
        shown = "-" + self.inner.render(numbers, tex, lead=False)
        return shown if lead else f"({shown})"


@dataclass(frozen=True)
class Sum(Expr):
    terms: tuple
    compact: bool = False            # "6+10+10", the sheet's grouped columns
    row_length: int | None = None    # where a long LaTeX line may break (kernel rows)

    def render(self, numbers, tex, lead=True, wrap=False):
        plus, minus = ("+", "-") if self.compact else (" + ", " - ")
        parts = [self.terms[0].render(numbers, tex, lead)]
        for index, term in enumerate(self.terms[1:], start=1):
            if isinstance(term, Neg):
                sign, shown = minus, term.inner.render(numbers, tex, lead=False)
            elif isinstance(term, Num) and term.render(numbers, tex).startswith("-"):
                sign, shown = minus, term.render(numbers, tex)[1:]
            else:
                sign, shown = plus, term.render(numbers, tex, lead=False)
            if (wrap and tex and self.row_length and len(self.terms) > 9
                    and index % self.row_length == 0):
                sign = " \\\\\n  &\\quad " + sign.strip() + " "
            parts.append(sign + shown)
        return "".join(parts)


@dataclass(frozen=True)
class Prod(Expr):
    factors: tuple

    def render(self, numbers, tex, lead=True, wrap=False):
        shown = [self.factors[0].render(numbers, tex, lead)]
        shown += [f.render(numbers, tex, lead=False) for f in self.factors[1:]]
        return (" \\cdot " if tex else "·").join(shown)


@dataclass(frozen=True)
class Paren(Expr):
    inner: Expr

    def render(self, numbers, tex, lead=True, wrap=False):
        return "(" + self.inner.render(numbers, tex) + ")"


@dataclass(frozen=True)
class Frac(Expr):
    numerator: Expr
    denominator: Expr

    def render(self, numbers, tex, lead=True, wrap=False):
        top = self.numerator.render(numbers, tex)
        bottom = self.denominator.render(numbers, tex)
        if tex:
            return f"\\frac{{{top}}}{{{bottom}}}"
        if isinstance(self.numerator, (Sum, Prod, Neg)):
            top = f"({top})"
        return f"{top}/{bottom}"


@dataclass(frozen=True)
class Floor(Expr):
    inner: Expr

    def render(self, numbers, tex, lead=True, wrap=False):
        inner = self.inner.render(numbers, tex)
        return f"\\left\\lfloor {inner} \\right\\rfloor" if tex else f"floor({inner})"


@dataclass(frozen=True)
class Call(Expr):
    name: str                        # "max"; LaTeX "\max"
    args: tuple

    def render(self, numbers, tex, lead=True, wrap=False):
        inner = ", ".join(a.render(numbers, tex) for a in self.args)
        return (f"\\{self.name}({inner})" if tex else f"{self.name}({inner})")


@dataclass(frozen=True)
class Dims(Expr):
    shape: tuple

    def render(self, numbers, tex, lead=True, wrap=False):
        return (" \\times " if tex else " x ").join(str(v) for v in self.shape)


@dataclass(frozen=True)
class Chain(Expr):
    """``a = b = c``: each link starts afresh."""
    links: tuple

    def render(self, numbers, tex, lead=True, wrap=False):
        return " = ".join(link.render(numbers, tex) for link in self.links)


def _nums(values) -> tuple:
    return tuple(Num(v) for v in np.ravel(values))


def _plus_one(expr: Expr) -> Sum:
    return Sum((expr, Int(1)))


def _index(name: str, *indices) -> Sym:
    """``z[0, 1]`` in text, ``z_{0,1}`` in LaTeX."""
    tex_name = name if len(name) == 1 else f"\\mathit{{{name}}}"
    return Sym(f"{name}[{', '.join(map(str, indices))}]",
               f"{tex_name}_{{{','.join(map(str, indices))}}}")


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

    def latex(self, numbers):
        lines = []
        for lhs, chain in self.rows:
            links = [link.render(numbers, True, wrap=True) for link in chain]
            lines.append(f"{lhs.render(numbers, True)} &= " + " \\\\\n  &= ".join(links))
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


@dataclass(frozen=True)
class Table:
    """A table whose cells are prose (:class:`Note`) or expressions (:class:`Expr`)."""
    header: tuple
    rows: tuple
    right: tuple = ()                # indices of right-aligned (number) columns

    @staticmethod
    def _cell(cell, numbers, style):
        if isinstance(cell, Note):
            return cell.latex(numbers) if style == "latex" else cell.text(numbers)
        shown = cell.render(numbers, style != "text")
        return shown if style == "text" else f"${shown}$"

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

    def _repr_markdown_(self) -> str:   # Jupyter shows the Markdown rendering
        return self.markdown()

    def __repr__(self) -> str:
        return f"<Explanation: {self.title}>"
