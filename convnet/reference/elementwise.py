"""Transfer functions, net inputs and the fully connected layer, one loop per entry.

Each function visits every entry (``numpy.ndindex``) and applies the
chapter's scalar formula to it with Python's ``math``: Eq. 8.49-8.53 for the
transfer functions, Eq. 8.32-8.36 and E8.9 for the net inputs, the weighted
sum of a standard layer for :func:`linear`.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import (axis_arg, elementwise_arg, elementwise_pair, jacobian_arg, linear_args,
                       linear_backward_args, net_input_args, net_input_backward_args,
                       slope_arg, softmax_arg)

__all__ = ["relu", "relu_derivative", "relu_backward", "leaky_relu", "leaky_relu_derivative",
           "leaky_relu_backward", "sigmoid", "sigmoid_derivative", "sigmoid_backward",
           "tanh", "tanh_derivative", "tanh_backward", "softmax", "softmax_derivative",
           "softmax_backward", "log_softmax", "sum_net_input", "sum_net_input_backward",
           "product_net_input", "product_net_input_backward", "linear", "linear_backward"]


def _each(f, *arrays):
    """``out[i] = f(a[i], b[i], ...)`` for every index i of the first array."""
    out = np.empty(arrays[0].shape, dtype=arrays[0].dtype)
    for index in np.ndindex(out.shape):
        out[index] = f(*(float(a[index]) for a in arrays))
    return out


def _sigma(n: float) -> float:
    """1 / (1 + e^-n), written so that no exponential overflows."""
    if n >= 0:
        return 1.0 / (1.0 + math.exp(-n))
    e = math.exp(n)
    return e / (1.0 + e)


def relu(x):
    """``max(n, 0)`` entry by entry (NaN stays NaN)."""
    return _each(lambda n: n if n > 0 or math.isnan(n) else 0.0, elementwise_arg(x))


def relu_derivative(x):
    """``relu'(n)``: 1 for n > 0, else 0 (0 at n = 0)."""
    return _each(lambda n: 1.0 if n > 0 else 0.0, elementwise_arg(x))


def relu_backward(dz, x):
    """Eq. 8.53: ``dn = relu'(n) * da`` entry by entry (0 where n <= 0, whatever da is)."""
    return _each(lambda d, n: d if n > 0 else 0.0, *elementwise_pair(dz, x))


def leaky_relu(x, negative_slope=0.01):
    """``n`` for n > 0, ``negative_slope * n`` otherwise."""
    slope = slope_arg(negative_slope)
    return _each(lambda n: n if n > 0 else slope * n, elementwise_arg(x))


def leaky_relu_derivative(x, negative_slope=0.01):
    """1 for n > 0, ``negative_slope`` otherwise."""
    slope = slope_arg(negative_slope)
    return _each(lambda n: 1.0 if n > 0 else slope, elementwise_arg(x))


def leaky_relu_backward(dz, x, negative_slope=0.01):
    """Eq. 8.53 across leaky ReLU."""
    slope = slope_arg(negative_slope)
    return _each(lambda d, n: d if n > 0 else slope * d, *elementwise_pair(dz, x))


def sigmoid(x):
    """``1 / (1 + e^-n)`` entry by entry."""
    return _each(_sigma, elementwise_arg(x))


def sigmoid_derivative(x):
    """``sigma(n) (1 - sigma(n))`` (Eq. 8.51)."""
    return _each(lambda n: _sigma(n) * (1.0 - _sigma(n)), elementwise_arg(x))


def sigmoid_backward(dz, x):
    """Eq. 8.53 across the sigmoid."""
    return _each(lambda d, n: _sigma(n) * (1.0 - _sigma(n)) * d, *elementwise_pair(dz, x))


def tanh(x):
    """``tanh(n)`` entry by entry."""
    return _each(math.tanh, elementwise_arg(x))


def tanh_derivative(x):
    """``1 - tanh(n)^2`` (Eq. 8.51)."""
    return _each(lambda n: 1.0 - math.tanh(n) ** 2, elementwise_arg(x))


def tanh_backward(dz, x):
    """Eq. 8.53 across tanh."""
    return _each(lambda d, n: (1.0 - math.tanh(n) ** 2) * d, *elementwise_pair(dz, x))


def _rows(x, axis):
    """Every 1-D slice of ``x`` along ``axis``, as an index tuple with a slice at ``axis``."""
    shape = list(x.shape)
    shape[axis] = 1
    for index in np.ndindex(*shape):
        index = list(index)
        index[axis] = slice(None)
        yield tuple(index)


def _largest(values) -> float:
    """The largest value; NaN if any is NaN (as NumPy's max)."""
    return math.nan if any(math.isnan(v) for v in values) else max(values)


def _softmax_row(row) -> list:
    values = [float(v) for v in row]
    top = _largest(values)                    # shift by the largest entry: exp never overflows
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def softmax(x, axis=-1):
    """``exp(x_k) / sum_j exp(x_j)`` along ``axis``, row by row."""
    x, axis = softmax_arg(x, axis)
    out = np.empty_like(x)
    for row in _rows(x, axis):
        out[row] = _softmax_row(x[row])
    return out


def log_softmax(x, axis=-1):
    """``x_k - max - log(sum_j exp(x_j - max))`` along ``axis``, row by row."""
    x, axis = softmax_arg(x, axis)
    out = np.empty_like(x)
    for row in _rows(x, axis):
        values = [float(v) for v in x[row]]
        top = _largest(values)
        total = sum(math.exp(v - top) for v in values)
        out[row] = [v - top - math.log(total) for v in values]
    return out


def softmax_derivative(x):
    """The Jacobian over the last axis: ``J[i, j] = s_i (delta_ij - s_j)``."""
    s = softmax(jacobian_arg(x), -1)
    k = s.shape[-1]
    jacobian = np.empty((*s.shape, k), dtype=s.dtype)
    for index in np.ndindex(s.shape[:-1]):
        for i in range(k):
            for j in range(k):
                jacobian[(*index, i, j)] = s[(*index, i)] * ((i == j) - s[(*index, j)])
    return jacobian


def softmax_backward(dz, x, axis=-1):
    """``dx_i = sum_j J[j, i] dz_j = s_i (dz_i - sum_j dz_j s_j)`` along ``axis``."""
    dz, x = elementwise_pair(dz, x)
    s = softmax(x, axis)
    axis = axis_arg(axis, s.ndim)
    out = np.empty_like(s)
    for row in _rows(s, axis):
        inner = sum(float(d) * float(v) for d, v in zip(dz[row], s[row]))
        out[row] = [float(v) * (float(d) - inner) for d, v in zip(dz[row], s[row])]
    return out


def _bias_at(b, h, i, j):
    return b[h] if b.ndim == 1 else b[h, i, j]


def sum_net_input(lz, b):
    """Eq. 8.32: ``n[n, h, i, j] = lz[n, h, i, j] + b`` (tied b[h] or untied b[h, i, j])."""
    lz, b = net_input_args(lz, b)
    out = np.empty_like(lz)
    for n, h, i, j in np.ndindex(lz.shape):
        out[n, h, i, j] = lz[n, h, i, j] + _bias_at(b, h, i, j)
    return out


def product_net_input(lz, b):
    """E8.9: ``n[n, h, i, j] = b * lz[n, h, i, j]``."""
    lz, b = net_input_args(lz, b)
    out = np.empty_like(lz)
    for n, h, i, j in np.ndindex(lz.shape):
        out[n, h, i, j] = _bias_at(b, h, i, j) * lz[n, h, i, j]
    return out


def _bias_sums(terms, b):
    """Sum ``terms[n, h, i, j]`` into the bias entry each one touches (Eq. 8.36)."""
    db = np.zeros(b.shape, dtype=terms.dtype)
    for n, h, i, j in np.ndindex(terms.shape):
        db[(h,) if b.ndim == 1 else (h, i, j)] += terms[n, h, i, j]
    return db


def sum_net_input_backward(dn, lz, b):
    """Eq. 8.35-8.36: ``dlz = dn`` and ``db = sum of dn`` over what each bias touches."""
    dn, lz, b = net_input_backward_args(dn, lz, b)
    return dn.copy(), _bias_sums(dn, b)


def product_net_input_backward(dn, lz, b):
    """E8.9: ``dlz = b * dn`` and ``db = sum of dn * lz``."""
    dn, lz, b = net_input_backward_args(dn, lz, b)
    dlz = np.empty_like(dn)
    for n, h, i, j in np.ndindex(dn.shape):
        dlz[n, h, i, j] = _bias_at(b, h, i, j) * dn[n, h, i, j]
    return dlz, _bias_sums(dn * lz, b)


def linear(x, w, b=None):
    """``y[n, o] = sum_i w[o, i] x[n, i] + b[o]``."""
    x, w, b = linear_args(x, w, b)
    y = np.empty((x.shape[0], w.shape[0]), dtype=x.dtype)
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            total = sum(float(w[o, i]) * float(x[n, i]) for i in range(x.shape[1]))
            y[n, o] = total + (0.0 if b is None else float(b[o]))
    return y


def linear_backward(dz, x, w, bias=True, *, input_gradient=True):
    """``dx[n, i] = sum_o dz[n, o] w[o, i]``, ``dw[o, i] = sum_n dz[n, o] x[n, i]``, db by sums.

    ``db[o] = sum_n dz[n, o]`` (None without a bias).
    """
    dz, x, w = linear_backward_args(dz, x, w, bias, input_gradient)
    (batch, outs), ins = dz.shape, x.shape[1]
    dw = np.array([[sum(float(dz[n, o]) * float(x[n, i]) for n in range(batch))
                    for i in range(ins)] for o in range(outs)], dtype=dz.dtype).reshape(outs, ins)
    db = np.array([sum(float(dz[n, o]) for n in range(batch)) for o in range(outs)],
                  dtype=dz.dtype) if bias else None
    dx = None
    if input_gradient:
        dx = np.array([[sum(float(dz[n, o]) * float(w[o, i]) for o in range(outs))
                        for i in range(ins)] for n in range(batch)], dtype=dz.dtype)
        dx = dx.reshape(batch, ins)
    return dx, dw, db
