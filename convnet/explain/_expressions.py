"""How numbers and expressions are written: sums of products, fractions, floors.

:class:`Numbers` fixes how numbers are written; the small expression objects
(:class:`Num`, :class:`Sum`, :class:`Prod`, :class:`Frac`, ...) render
themselves as text or LaTeX.  The blocks of :mod:`convnet.explain._blocks`
are made of them.
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
    ceil: bool = False               # ceil(...) instead: pooling's ceil_mode

    def render(self, numbers, tex, lead=True, wrap=False):
        inner = self.inner.render(numbers, tex)
        if self.ceil:
            return f"\\left\\lceil {inner} \\right\\rceil" if tex else f"ceil({inner})"
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
