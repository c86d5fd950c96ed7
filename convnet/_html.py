"""HTML tables for notebooks: how a summary, a history or a report shows itself in Jupyter.

Objects that print as a text table also define ``_repr_html_`` returning
:func:`html_table` of the same rows, which Jupyter shows instead of the text.
Every cell is escaped; numbers are formatted by the caller.
"""

from __future__ import annotations

from html import escape

__all__ = ["html_table"]


def html_table(header, rows, right=(), caption=None, footer=None) -> str:
    """A ``<table>`` with a header row, body rows and an optional caption and footer.

    ``right`` are the indices of right-aligned (number) columns; ``footer``
    is one line of text under the table, spanning every column.
    """
    def row(cells, tag):
        return "<tr>" + "".join(
            f'<{tag} style="text-align: {"right" if i in right else "left"}">'
            f"{escape(str(cell))}</{tag}>" for i, cell in enumerate(cells)) + "</tr>"

    parts = ["<table>"]
    if caption is not None:
        parts.append(f"<caption>{escape(caption)}</caption>")
    parts.append("<thead>" + row(header, "th") + "</thead>")
    parts.append("<tbody>" + "".join(row(cells, "td") for cells in rows) + "</tbody>")
    if footer is not None:
        parts.append(f'<tfoot><tr><td colspan="{len(header)}" style="text-align: left">'
                     f"{escape(footer)}</td></tr></tfoot>")
    parts.append("</table>")
    return "\n".join(parts)
