"""The public entry points of convnet, each with a valid call (see registry.py).

``ENTRIES`` is the concatenation of three tables of rows, one
:class:`~.registry.Entry` per public entry point:

* rows_math.py -- convnet.*, functional, reference, geometry, theory;
* rows_nets.py -- layers, losses, optim, Sequential, gradcheck;
* rows_resample.py -- adaptive pooling, upsampling and the containers;
* rows_tools.py -- datasets, zoo, explain, viz;
* rows_testing.py -- convnet.testing, the checkers of students' work;
* rows_exercises.py -- explain.check_answer, exercises, register_layer;
* rows_optim.py, rows_fit.py -- the optimizers; fit's options, schedules, callbacks;
* rows_data.py -- the CIFAR-10 and Fashion-MNIST loaders, transforms, metrics;
* rows_insight.py -- insight and its pictures in viz.

To add an entry point, add its row to the table of its module (each module's
docstring shows a row); a new area of the library may get a table module of
its own, listed in ``TABLES``.  Every row then gets the defaults below:
``ALIASES`` (other words a message may use for an argument, e.g. "input" for
``x``) and ``ALLOWED`` (labels of a kind that are valid wherever the argument
appears, e.g. ``b=None``).  A row's own ``aliases`` and ``allow`` add to or
override them, argument by argument.
"""

from __future__ import annotations

from dataclasses import replace

from . import (rows_data, rows_exercises, rows_fit, rows_insight, rows_interop, rows_math,
               rows_nets, rows_optim, rows_resample, rows_testing, rows_tools)

TABLES = (rows_math.ROWS, rows_nets.ROWS, rows_resample.ROWS, rows_tools.ROWS, rows_optim.ROWS,
          rows_fit.ROWS, rows_data.ROWS, rows_testing.ROWS, rows_exercises.ROWS, rows_insight.ROWS,
          rows_interop.ROWS)

ALIASES = {"x": ("input",), "k": ("kernel",), "w": ("kernel", "x"), "dz": ("output",),
           "kernel_size": ("kernel",), "dilation": ("kernel",)}

ALLOWED = {"axis": {"minus one"}, "b": {"None"}, "bias": {"None"},
           "weight_decay": {"zero"}, "output_pixel": {"zeros"}}
POOLING_ALLOWED = {"stride": {"None"}}      # a pooling stride defaults to the window


def with_defaults(row):
    """The row with the default aliases and allowed labels under its own."""
    pooling = "pool" in row.name.lower()
    allowed = {"stride": set(), **ALLOWED, **(POOLING_ALLOWED if pooling else {}), **row.allow}
    return replace(row, aliases={**ALIASES, **row.aliases}, allow=allowed)


ENTRIES = [with_defaults(row) for table in TABLES for row in table]
