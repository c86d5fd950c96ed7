"""What the tables of entry points are built from: sample inputs, kind shorthands, call factories.

A row of a table is an :class:`~.registry.Entry`::

    Entry("geometry.same_padding", geometry.same_padding,
          valid=dict(kernel_size=3, dilation=1),
          kinds=dict(kernel_size="positive_int", dilation="positive_int"))

``call`` is the public function itself when it takes the arguments as they
are; for a method of an object that needs set-up, use a factory below:
``method(make, "forward")`` builds a fresh object with ``make()`` per call,
``backward_of(make, x)`` runs a forward pass on ``x`` first.  Rows that differ
only in the name and the function are made with :func:`each` (several
functions of one module sharing arguments) or :func:`across` (the same
functions in ``convnet`` / ``convnet.functional`` and ``convnet.reference``).
Defaults every row gets (aliases such as "input" for ``x``, labels allowed
everywhere) are added in entries.py.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from functools import partial

import numpy as np

import convnet
from convnet import layers as L

from .registry import Entry

ARRAY = ("array", True, False)              # fixed number of dimensions, not empty
ANY_ARRAY = ("array", False, True)          # any shape, empty allowed (elementwise functions)
FREE_ARRAY = ("array", False, False)        # any number of dimensions, not empty

rng = np.random.default_rng(0)
X2 = rng.normal(size=(6, 6))
K2 = rng.normal(size=(3, 3))
X4 = rng.normal(size=(2, 3, 6, 6))
W4 = rng.normal(size=(4, 3, 3, 3))
DZ4 = rng.normal(size=(2, 4, 4, 4))
P4 = rng.normal(size=(2, 3, 3, 3))           # pooled 6x6 by 2
LOGITS = rng.normal(size=(4, 3))
LABELS = np.array([0, 2, 1, 1])

# A file name for save/load/read_idx, never in the checkout.
SCRATCH = os.path.join(tempfile.gettempdir(), "convnet-robustness-model.npz")

# Kinds shared by whole families of functions.
SINGLE = dict(x=ARRAY, k=ARRAY, padding="padding", stride="positive_int",
              dilation="positive_int")
BATCH = dict(x=ARRAY, w=ARRAY, padding="padding", stride="positive_int",
             dilation="positive_int")
POOL = dict(x=ARRAY, kernel_size="positive_int", stride="positive_int", padding="padding")

SINGLE_VALID = dict(x=X2, k=K2, padding="valid", stride=1, dilation=1)
POOL_VALID = dict(x=X4, kernel_size=2, stride=2, padding=0)
KERNEL_TOO_LARGE = ("k", "kernel larger than the input", np.ones((7, 7)))


def method(make, name):
    """A call of method ``name`` on a fresh ``make()``."""
    def call(**arguments):
        return getattr(make(), name)(**arguments)
    return call


def backward_of(make, x):
    """A call of ``backward`` on a fresh ``make()`` that has seen ``x`` forward."""
    def call(**arguments):
        layer = make()
        layer.forward(x)
        return layer.backward(**arguments)
    return call


def layer_rows(layers, x, forward_kind=ARRAY):
    """A ``.forward`` row (unless ``forward_kind`` is None) and a ``.backward`` row per layer.

    ``layers`` pairs a name in ``convnet.layers`` with a factory of a ready
    layer; ``x`` is a valid input.  The backward row feeds the layer's own
    output shape as ``dy`` and adds a ``dy`` one larger on every axis.
    """
    rows = []
    for name, make in layers:
        if forward_kind is not None:
            rows.append(Entry(f"layers.{name}.forward", method(make, "forward"), dict(x=x),
                              dict(x=forward_kind)))
        y = make().forward(x)
        too_large = np.ones(tuple(s + 1 for s in y.shape))
        rows.append(Entry(f"layers.{name}.backward", backward_of(make, x), dict(dy=y),
                          dict(dy=ARRAY), extra=[("dy", "the wrong shape", too_large)]))
    return tuple(rows)


def each(names, name="{}", call=None, **row):
    """One row per ``n`` in ``names``, named ``name.format(n)`` and calling ``call(n)``.

    Without ``call`` the rows are templates for :func:`across`.
    """
    return tuple(Entry(name.format(n), call and call(n), **row) for n in names)


def in_module(module):
    """``call`` for :func:`each`: the function of that name in ``module``."""
    return partial(getattr, module)


def across(modules, templates):
    """The template rows (named by function) once per ``(prefix, module)``, module by module."""
    return tuple(replace(row, name=f"{prefix}.{row.name}", call=getattr(module, row.name))
                 for prefix, module in modules for row in templates)


def sequential(layers, policy=None):
    """``Sequential(*layers)``: the layers come as one argument, so each can be replaced."""
    return convnet.Sequential(*layers, policy=policy)


def small_model():
    """A model that takes ``X4``: conv, ReLU, flatten, dense to three classes."""
    return convnet.Sequential(L.Conv2D(3, 2, 3, rng=0), L.ReLU(), L.Flatten(),
                              L.Dense(32, 3, rng=1))


def silent(line):
    """An ``out`` that prints nothing."""
