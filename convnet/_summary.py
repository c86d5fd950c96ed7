"""A model's layer table: output shapes and parameter counts from geometry, without a forward pass.

One row per layer that computes, in the order the data meets them; a
container's layers get rows of their own, named by their path (``1.body.0``),
followed by the container's row, where its paths meet (``1 Residual (sum)``,
``2 Concat (join)``).  Every parameter is counted once, on the row of the
layer that holds it, so the total is the sum of the column.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._html import html_table

__all__ = ["Summary", "summary_rows", "top_level"]

_JOINS = {"Residual": "sum", "Concat": "join"}


@dataclass(frozen=True)
class Summary:
    """A model's layer table; prints as text, shows as an HTML table in a notebook.

    ``rows`` are (layer, output shape, parameters).  The last row's shape is
    the model's output shape; ``total`` is the sum of the parameter column.
    """

    rows: tuple
    total: int

    def __str__(self) -> str:
        shapes = [" x ".join(str(v) for v in shape) for _, shape, _ in self.rows]
        width = max(len(name) for name, _, _ in self.rows)
        shape_width = max(len(s) for s in shapes + ["output shape"])
        lines = [f"{'layer':<{width}}  {'output shape':<{shape_width}}  {'parameters':>12}"]
        lines.append("-" * len(lines[0]))
        for (name, _, count), shape in zip(self.rows, shapes):
            lines.append(f"{name:<{width}}  {shape:<{shape_width}}  {count:>12,}")
        lines.append("-" * len(lines[0]))
        lines.append(f"total parameters: {self.total:,}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = [(name, " x ".join(str(v) for v in shape), f"{count:,}")
                for name, shape, count in self.rows]
        return html_table(("layer", "output shape", "parameters"), rows, right=(2,),
                          footer=f"total parameters: {self.total:,}")


def summary_rows(path: str, layer, shape: tuple) -> tuple[list, tuple]:
    """``(rows, output shape)`` of ``layer`` at ``path`` for the per-sample input ``shape``.

    Raises the layer's ValueError when the shape does not get through it.
    """
    groups = layer.layer_groups() if hasattr(layer, "layer_groups") else None
    if groups is None:                                        # a leaf: one row
        count = layer.parameter_count(shape)
        out = tuple(layer.output_shape(shape))
        return [(f"{path} {type(layer).__name__}", out, count)], out
    rows = []
    for group, layers in groups.items():                      # each path from the same input
        inner = shape
        for index, child in enumerate(layers):
            child_rows, inner = summary_rows(f"{path}.{group}.{index}", child, inner)
            rows += child_rows
    out = tuple(layer.output_shape(shape))                    # where the paths meet
    name = type(layer).__name__
    join = _JOINS.get(name)
    rows.append((f"{path} {name}" + (f" ({join})" if join else ""), out, 0))
    return rows, out


def top_level(summary: Summary) -> list:
    """One ``(name, shape, parameters)`` per top-level layer: a container's layers counted in it."""
    totals: dict = {}
    for name, _, count in summary.rows[1:]:
        top = _path(name).split(".", 1)[0]
        totals[top] = totals.get(top, 0) + count
    return [(name, shape, totals[_path(name)]) for name, shape, _ in summary.rows[1:]
            if "." not in _path(name)]


def _path(name: str) -> str:
    return name.split(" ", 1)[0]
