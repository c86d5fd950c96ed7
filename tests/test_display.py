"""How results show themselves: readable text in a terminal, HTML tables in a notebook.

The HTML is parsed back into rows with the standard library's parser, so the
tests read what a browser would show.
"""

from html.parser import HTMLParser

import numpy as np

import convnet
from convnet._html import html_table
from convnet.gradcheck import check_gradients
from convnet.layers import Conv2D, Dense, Flatten, ReLU
from convnet.model import History


class Cells(HTMLParser):
    """The text of every row, by section: caption, head, body, foot."""

    def __init__(self, html):
        super().__init__()
        self.sections, self.caption, self.where, self.row = {}, None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("thead", "tbody", "tfoot", "caption"):
            self.where = tag
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.row.append("")

    def handle_endtag(self, tag):
        if tag == "tr":
            self.sections.setdefault(self.where, []).append(self.row)
            self.row = None
        elif tag == "caption":
            self.where = None

    def handle_data(self, data):
        if self.where == "caption":
            self.caption = (self.caption or "") + data
        elif self.row is not None and self.row:
            self.row[-1] += data


def test_html_table_escapes_every_cell():
    cells = Cells(html_table(("a<b", "n"), [("<script>", 1)], right=(1,), caption="x & y",
                             footer="1 < 2"))
    assert cells.caption == "x & y"
    assert cells.sections == {"thead": [["a<b", "n"]], "tbody": [["<script>", "1"]],
                              "tfoot": [["1 < 2"]]}


def model():
    return convnet.Sequential(Conv2D(1, 2, 3, rng=0, dtype=np.float64), ReLU(), Flatten(),
                              Dense(2 * 3 * 3, 2, rng=0, dtype=np.float64))


def test_summary_shows_as_an_html_table():
    summary = model().summary((1, 5, 5))
    cells = Cells(summary._repr_html_())
    # Conv2D: 2 maps x (1 x 3 x 3 weights + 1 bias) = 20; Dense: 18 x 2 + 2 = 38
    assert cells.sections["thead"] == [["layer", "output shape", "parameters"]]
    assert cells.sections["tbody"] == [["input", "1 x 5 x 5", "0"], ["0 Conv2D", "2 x 3 x 3", "20"],
                                       ["1 ReLU", "2 x 3 x 3", "0"], ["2 Flatten", "18", "0"],
                                       ["3 Dense", "2", "38"]]
    assert cells.sections["tfoot"] == [["total parameters: 58"]]
    assert repr(summary) == str(summary) and "total parameters: 58" in repr(summary)


def test_history_reads_as_a_table_in_a_terminal_and_in_a_notebook():
    history = History(epoch=[1, 2], loss=[1.0, 0.5], accuracy=[0.5, 0.75], val_loss=[1.25, 0.625],
                      val_accuracy=[0.25, 0.5], time=[0.1, 0.2])
    assert repr(history).splitlines() == [
        "History of 2 epoch(s)",
        "epoch      loss  accuracy  val_loss  val_acc   time",
        "    1    1.0000    0.5000    1.2500    0.2500   0.10",
        "    2    0.5000    0.7500    0.6250    0.5000   0.20"]
    cells = Cells(history._repr_html_())
    assert cells.caption == "History of 2 epoch(s)"
    assert cells.sections["thead"] == [["epoch", "loss", "accuracy", "val_loss", "val_accuracy",
                                        "time (s)"]]
    assert cells.sections["tbody"] == [["1", "1.0000", "0.5000", "1.2500", "0.2500", "0.10"],
                                       ["2", "0.5000", "0.7500", "0.6250", "0.5000", "0.20"]]


def test_history_without_accuracy_or_validation_shows_dashes():
    history = History(epoch=[1], loss=[2.0], accuracy=[None], time=[1.5])
    assert Cells(history._repr_html_()).sections["tbody"] == [["1", "2.0000", "-", "-", "-",
                                                               "1.50"]]
    assert repr(History()) == "History of 0 epoch(s)\nepoch      loss  accuracy  val_loss  " \
                              "val_acc   time"


def test_gradient_report_shows_as_an_html_table():
    report = check_gradients(model(), np.random.default_rng(0).normal(size=(1, 1, 5, 5)))
    cells = Cells(report._repr_html_())
    assert cells.caption.startswith("gradient check (pass: |analytic - numeric| <= 1e-08")
    assert [row[0] for row in cells.sections["tbody"]] == ["input", "0.weight", "0.bias",
                                                           "3.weight", "3.bias"]
    assert [row[-1] for row in cells.sections["tbody"]] == ["ok"] * 5
    assert cells.sections["tfoot"] == [["passed"]]
    assert repr(report) == str(report)
