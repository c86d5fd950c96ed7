"""Worked solutions for sizes: the output-size formula and layer-by-layer summaries."""

from __future__ import annotations

import inspect
import re

import numpy as np

from .. import geometry
from .._validate import fail, int_pair, integer
from ..geometry import normalize_padding, output_shape2d
from ..layers import (AvgPool2D, Conv2D, Dense, Flatten, GlobalAvgPool2D, Layer, MaxPool2D,
                      ProductBiasConv2D)
from .._summary import top_level
from ..model import Sequential, Summary
from ..window import pool_window
from ._blocks import Equations, Explanation, Note, Step, Table, _tex_escape
from ._expressions import Chain, Dims, Int, Numbers, Prod, Sum, Sym
from ._common import _size_rows


# ==========================================================================
# Output size and model summaries
# ==========================================================================

def output_size(n, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False) -> Explanation:
    """Explain the output-size formula (Eq. 8.18-8.19) with the numbers put in.

    ``floor((n + 2p - d·(k - 1) - 1)/s) + 1``, which for ``d = 1`` is the
    familiar ``floor((n + 2p - k)/s) + 1``; the floor is written only when
    the division is not exact.  Rows and columns get a line each when they
    differ.

    Parameters
    ----------
    n, kernel_size, stride, padding, dilation, ceil_mode
        As :func:`convnet.geometry.output_size` (``ceil_mode``: pooling's
        ``ceil`` instead of ``floor``, ``- 1`` when the last window would
        start in the padding).

    Returns
    -------
    Explanation
        ``.result`` is ``convnet.geometry.output_size(...)`` (an int, or
        (rows, cols)).

    Examples
    --------
    AlexNet's first layer (problem set 1.5):

    >>> print(output_size(227, 11, stride=4).text().splitlines()[-1])
      o = (227 + 2·0 - 11)/4 + 1 = 216/4 + 1 = 54 + 1 = 55
    >>> print(output_size(5, 2, stride=2, ceil_mode=True).text().splitlines()[-1])
      o = ceil((5 + 2·0 - 2)/2) + 1 = ceil(3/2) + 1 = 2 + 1 = 3
    """
    result = geometry.output_size(n, kernel_size, stride, padding, dilation, ceil_mode)
    hw = int_pair(n, "n", minimum=1)
    kernel = int_pair(kernel_size, "kernel_size", minimum=1)
    stride = int_pair(stride, "stride", minimum=1)
    dilation = int_pair(dilation, "dilation", minimum=1)
    pads = normalize_padding(padding, kernel, dilation, stride)
    out = result if isinstance(result, tuple) else (result, result)
    rows = _size_rows(hw, kernel, stride, pads, dilation, out, ceil=ceil_mode)
    if len(rows) == 1:
        rows = ((Sym("o", "o"), rows[0][1]),)
    formula = ("o = floor((n + 2p - k)/s) + 1" if dilation == (1, 1)
               else "o = floor((n + 2p - d·(k - 1) - 1)/s) + 1")
    formula_tex = (r"$o = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1$"
                   if dilation == (1, 1) else
                   r"$o = \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1$")
    if ceil_mode:                      # PyTorch's rule for pooling
        formula = formula.replace("floor", "ceil") + ", less 1 if the last window starts " \
            "in the padding"
        formula_tex = formula_tex.replace("lfloor", "lceil").replace("rfloor", "rceil")
    given = [f"n = {_pair_text(hw)}", f"k = {_pair_text(kernel)}", f"s = {_pair_text(stride)}",
             f"p = {_pads_text(pads, padding)}"]
    if dilation != (1, 1):
        given.append(f"d = {_pair_text(dilation)}")
    steps = [Step("Formula (Eq. 8.18-8.19)", (Note(formula, formula_tex, formula_tex),
                                              Note("with " + ", ".join(given)))),
             Step("Numbers put in", (Equations(rows),))]
    return Explanation(f"Output size: n = {_pair_text(hw)}, k = {_pair_text(kernel)}, "
                       f"s = {_pair_text(stride)}, p = {_pads_text(pads, padding)}",
                       steps, result, Numbers(0))


def _pair_text(pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def _pads_text(pads, padding=None) -> str:
    (top, bottom), (left, right) = pads
    amount = (str(top) if top == bottom == left == right
              else f"(({top}, {bottom}), ({left}, {right}))")
    return f"{amount} ('{padding}')" if isinstance(padding, str) else amount


def summary(model, input_shape) -> Explanation:
    """Explain a network's shapes layer by layer, as in problem set 1.5, without a forward pass.

    Each convolution and pooling row shows its output-size formula with the
    numbers put in, each layer its output C x H x W (or vector length) and
    its parameter count as a product, e.g. ``96·3·11·11 + 96 = 34,944``.

    Parameters
    ----------
    model : Sequential, sequence of layers, or sequence of (layer class, dict) pairs
        A pair ``(Conv2D, {"out_channels": 96, "kernel_size": 11, "stride": 4})``
        describes a layer without building it, so no weights are allocated
        (``convnet shapes`` uses this for AlexNet's 62 million parameters);
        ``in_channels`` / ``in_features`` may be left out and are then taken
        from the incoming shape.
    input_shape : tuple of int
        Shape of one sample, e.g. ``(3, 227, 227)``.

    Returns
    -------
    Explanation
        ``.result`` is a :class:`convnet.model.Summary`: ``model.summary(input_shape)``
        for built layers, the same table computed with :mod:`convnet.geometry`
        for described ones.

    Examples
    --------
    >>> from convnet.layers import Conv2D, MaxPool2D, Flatten
    >>> e = summary([(Conv2D, dict(out_channels=12, kernel_size=9)),
    ...              (MaxPool2D, dict(kernel_size=2)), (Flatten, {})], (3, 512, 512))
    >>> e.result.rows[-1]
    ('Flatten', (762048,), 0)
    """
    if not isinstance(input_shape, (tuple, list)) or not input_shape:
        fail("input_shape", "the shape of one sample, e.g. (3, 227, 227)", input_shape,
             error=TypeError)
    shape = tuple(integer(v, "input_shape", minimum=1) for v in input_shape)
    entries, library = _entries(model, shape)
    counters: dict = {}
    rows = [(Note("Input"), Note("-"), Note("-"), Dims(shape), Int(0, True))]
    summary_rows, total = [("input", shape, 0)], 0
    per_layer = None if library is None else top_level(library)   # containers as one row
    for index, (cls, config, layer) in enumerate(entries):
        name, settings, formula, out, count, count_expr = _derive_layer(
            index, cls, config, layer, shape, counters)
        if per_layer is not None:                     # the library's own numbers
            _, out, count = per_layer[index]
        rows.append((Note(name), settings, formula, Dims(out),
                     Chain((count_expr, Int(count, True))) if count_expr else Int(count, True)))
        summary_rows.append((name, tuple(out), count))
        total += count
        shape = tuple(out)
    result = library if library is not None else Summary(tuple(summary_rows), total)
    counts = [Int(count, True) for _, _, count in summary_rows if count]
    total_line = (Chain((Sum(tuple(counts)), Int(result.total, True))) if len(counts) > 1
                  else Int(result.total, True))
    formula_tex = (r"Convolution and pooling: $o = \left\lfloor \frac{n + 2p - k}{s} "
                   r"\right\rfloor + 1$ (Eq.~8.18--8.19); flatten: $C \cdot H \cdot W$; "
                   r"parameters: $F \cdot C/G \cdot k_h \cdot k_w + F$ for a convolution in $G$ "
                   r"groups, "
                   r"$\mathit{out} \cdot \mathit{in} + \mathit{out}$ for a dense layer.")
    ceil = any(config.get("ceil_mode") for _, config, _ in entries)   # a pooling's ceil_mode
    if ceil:
        formula_tex = formula_tex.replace("(Eq.~8.18--8.19);", r"(Eq.~8.18--8.19; $\lceil\,\rceil$ "
                                          r"instead for a pooling in ceil mode);")
    formula = Note("Convolution and pooling: o = floor((n + 2p - k)/s) + 1 (Eq. 8.18-8.19"
                   + ("; ceil instead for a pooling in ceil mode" if ceil else "") + "); "
                   "flatten: C·H·W; parameters: F·C/G·kh·kw + F for a convolution in G "
                   "groups, out·in + out for a dense layer.", formula_tex,
                   formula_tex.replace("~", " ").replace("--", "-"))
    steps = [Step("Formula", (formula,)),
             Step("Layer by layer", (Table(("Layer", "Configuration", "Output formula",
                                            "Output size", "Parameters"), tuple(rows),
                                           right=(4,)),)),
             Step("Total", (Equations(((Sym("parameters", r"\text{parameters}"),
                                        (total_line,)),)),))]
    return Explanation(f"Layer shapes for input {' x '.join(map(str, result.rows[0][1]))}",
                       steps, result, Numbers(0))


def _entries(model, shape):
    """[(class, config, layer or None)] and the library's Summary for built layers."""
    if isinstance(model, Sequential):
        return [(type(l), l.config(), l) for l in model.layers], model.summary(shape)
    if isinstance(model, (str, bytes)) or not hasattr(model, "__iter__"):
        fail("model", "a Sequential, a list of layers or of (layer class, dict) pairs",
             model, error=TypeError)
    items = list(model)
    if all(isinstance(item, Layer) for item in items):
        built = Sequential(items)
        return [(type(l), l.config(), l) for l in items], built.summary(shape)
    entries = []
    for index, item in enumerate(items):
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], type)
                and issubclass(item[0], Layer) and isinstance(item[1], dict)):
            fail(f"model[{index}]", "a (layer class, dict of its arguments) pair, e.g. "
                 "(Dense, {'out_features': 10})", item, error=TypeError)
        cls, config = item
        accepted = inspect.signature(cls).parameters
        needed = [name for name, p in accepted.items() if p.default is p.empty
                  and name not in ("in_channels", "in_features")
                  and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        unknown = sorted(set(config) - set(accepted))
        missing = [name for name in needed if name not in config]
        if unknown or missing:
            problem = (f"unknown argument(s) {', '.join(map(repr, unknown))}" if unknown
                       else f"no {', '.join(map(repr, missing))}")
            fail(f"model[{index}]", f"keyword arguments of {cls.__name__} "
                 f"({', '.join(accepted) or 'none'})", item, given=problem)
        entries.append((cls, dict(config), None))
    return entries, None


def _chw(shape, where: str):
    if len(shape) != 3:
        fail("input_shape", f"(C, H, W) at {where}", shape, given=f"{shape}")
    return shape


def _derive_layer(index, cls, config, layer, shape, counters):
    """One table row: name, settings, formula, output shape, parameter count and its product."""
    where = f"layer {index} ({cls.__name__})"
    if issubclass(cls, Conv2D):
        return _conv_row(cls, config, shape, where, counters)
    if issubclass(cls, (MaxPool2D, AvgPool2D)):
        return _pool_row(cls, config, shape, where, counters)
    if issubclass(cls, GlobalAvgPool2D):
        c, h, w = _chw(shape, where)
        return (_numbered(counters, "GAP"), Note("mean of each map"), Note(f"mean over {h}x{w}"),
                (c,), 0, None)
    if issubclass(cls, Flatten):
        size = int(np.prod(shape))
        formula = Chain((Prod(tuple(Int(v) for v in shape)), Int(size))) if len(shape) > 1 \
            else Note("-")
        return "Flatten", Note("-"), formula, (size,), 0, None
    if issubclass(cls, Dense):
        return _dense_row(config, shape, where, counters)
    # Anything else (activations, dropout, layers of the user's): ask the layer.
    layer = layer if layer is not None else cls(**config)
    out = tuple(layer.output_shape(shape))
    return cls.__name__, Note("-"), Note("-"), out, layer.parameter_count(shape), None


def _numbered(counters, prefix):
    """``Conv1``, ``Conv2``, ...: the next number for ``prefix`` in this table."""
    counters[prefix] = counters.get(prefix, 0) + 1
    return f"{prefix}{counters[prefix]}"


def _conv_row(cls, config, shape, where, counters):
    """The row of a convolution layer: Eq. 8.18-8.19 for the size, F·C·kh·kw + bias weights."""
    c, h, w = _chw(shape, where)
    given = config.get("in_channels", c)
    if given != c:
        fail("input_shape", f"(C, H, W) with C = {given} input channels at {where}",
             shape, given=f"{shape}")
    f = integer(config["out_channels"], "out_channels", minimum=1)
    kernel = int_pair(config["kernel_size"], "kernel_size", minimum=1)
    stride = int_pair(config.get("stride", 1), "stride", minimum=1)
    dilation = int_pair(config.get("dilation", 1), "dilation", minimum=1)
    padding = config.get("padding", 0)
    pads = normalize_padding(padding, kernel, dilation, stride)
    out_hw = output_shape2d((h, w), kernel, stride, pads, dilation)
    formula = _formula_cell((h, w), kernel, stride, pads, dilation, out_hw)
    bias = "tied" if issubclass(cls, ProductBiasConv2D) else config.get("bias", "tied")
    groups = integer(config.get("groups", 1), "groups", minimum=1)
    if c % groups or f % groups:
        fail("groups", f"a divisor of the {c} input channels and the {f} output maps at {where}",
             groups)
    c //= groups                                         # the input maps each kernel reads
    weights = Prod((Int(f), Int(c), Int(kernel[0]), Int(kernel[1])))     # F·C/G·kh·kw
    if bias == "tied":                                   # one per map (or product bias)
        bias_term, bias_count = Int(f), f
    elif bias == "untied":                               # one per output neuron
        bias_term = Prod((Int(f), Int(out_hw[0]), Int(out_hw[1])))
        bias_count = f * out_hw[0] * out_hw[1]
    else:
        bias_term, bias_count = None, 0
    count = f * c * kernel[0] * kernel[1] + bias_count
    count_expr = Sum((weights, bias_term)) if bias_term is not None else weights
    extra = f", D={_pair_text(dilation)}" if dilation != (1, 1) else ""
    extra += f", G={groups}" if groups != 1 else ""
    settings = _settings(f"{_dims_text(kernel)}, {f}", stride, pads, padding, extra)
    return _numbered(counters, "Conv"), settings, formula, (f, *out_hw), count, count_expr


def _pool_row(cls, config, shape, where, counters):
    """The row of a max or average pooling layer: its size formula, no parameters."""
    c, h, w = _chw(shape, where)
    padding = config.get("padding", 0)
    ceil = config.get("ceil_mode", False)                # PyTorch's ceil_mode rounds up
    window = pool_window((h, w), config["kernel_size"], config.get("stride"), padding, ceil,
                         config.get("dilation", 1))
    kernel, stride, pads, dilation, out_hw = (window.kernel, window.stride, window.pads,
                                              window.dilation, window.out)
    formula = _formula_cell((h, w), kernel, stride, pads, dilation, out_hw, ceil)
    kind = "max" if issubclass(cls, MaxPool2D) else "avg"
    extra = f", D={_pair_text(dilation)}" if dilation != (1, 1) else ""
    settings = _settings(f"{_dims_text(kernel)} {kind}", stride, pads, padding,
                         extra + (", ceil" if ceil else ""))
    name = _numbered(counters, "Pool" if kind == "max" else "AvgPool")
    return name, settings, formula, (c, *out_hw), 0, None


def _dense_row(config, shape, where, counters):
    """The row of a dense layer: out·in weights and (unless bias=False) out biases."""
    if len(shape) != 1:
        fail("input_shape", f"a vector (n,) at {where}; put a Flatten before it", shape,
             given=f"{shape}")
    given = config.get("in_features", shape[0])
    if given != shape[0]:
        fail("input_shape", f"({given},) for in_features={given} at {where}", shape,
             given=f"{shape}")
    out = integer(config["out_features"], "out_features", minimum=1)
    weights = Prod((Int(shape[0]), Int(out)))
    bias = bool(config.get("bias", True))
    count = shape[0] * out + (out if bias else 0)
    return (_numbered(counters, "FC"), Note(str(out)), Note("-"), (out,), count,
            Sum((weights, Int(out))) if bias else weights)


def _dims_text(pair) -> str:
    return f"{pair[0]}x{pair[1]}"


def _settings(head, stride, pads, padding, extra) -> Note:
    """The configuration cell, e.g. ``11x11, 96, S=4, P=0`` (LaTeX: 11$\times$11)."""
    text = f"{head}, S={_pair_text(stride)}, P={_pads_text(pads, padding)}{extra}"
    return Note(text, re.sub(r"(\d)x(\d)", r"\1$\\times$\2", _tex_escape(text)))


def _formula_cell(hw, kernel, stride, pads, dilation, out_hw, ceil=False):
    rows = _size_rows(hw, kernel, stride, pads, dilation, out_hw, short=True, ceil=ceil)
    if len(rows) == 1:
        return Chain(rows[0][1])
    return Sym("; ".join(f"{lhs.text}: " + Chain(chain).render(Numbers(0), False)
                         for lhs, chain in rows),
               ",\\quad ".join(f"{lhs.tex}\\colon " + Chain(chain).render(Numbers(0), True)
                                for lhs, chain in rows))
