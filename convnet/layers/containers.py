"""Layers that hold layers: a residual block and a concatenation of branches.

Both are ordinary layers (forward, backward, output_shape, train/eval), so
they sit in a :class:`~convnet.Sequential` and in each other.  Their input
reaches several paths; going back, the gradient that reaches it is the sum of
what each path sends (the multivariable chain rule, Eq. B.1-B.5 of
``docs/backprop.md``).  A container has no parameters of its own: those of
the layers it holds are named by their path, e.g. ``"body.0.weight"``.
"""

from __future__ import annotations

import numpy as np

from .._validate import fail
from .base import Layer, run_backward, run_forward, walk

__all__ = ["Container", "Residual", "Concat"]


class Container(Layer):
    """A layer that holds named groups of layers, each group run one layer after another.

    Subclasses decide how the groups are joined.  ``children()`` names a
    group's layers ``"<group>.<index>"``; :meth:`groups` gives the groups
    themselves, and :meth:`from_groups` rebuilds a container from them (what
    :func:`convnet.load` does).
    """

    skips_input_gradient = True      # backward(dy, input_gradient=False) passes it on

    def __init__(self, groups: dict):
        super().__init__()
        self._groups = {name: tuple(layers) for name, layers in groups.items()}
        seen: dict = {}
        for path, layer in walk(self.children()):         # held layers, theirs too: linear
            earlier = seen.setdefault(id(layer), path)
            if earlier != path:
                fail(self._place(path), "a layer object of its own (a layer keeps what its last "
                     "forward needs, so it cannot sit at two places)", layer,
                     given=f"the same object as {self._place(earlier)}")

    def _place(self, path: str) -> str:
        """Where a held layer was given, for a message: ``body[1]``, ``body[1].shortcut.0``."""
        group, index, *rest = path.split(".")
        return self._argument(group, index) + "".join(f".{part}" for part in rest)

    def _argument(self, group: str, index: str) -> str:
        return f"{group}[{index}]"

    def layer_groups(self) -> dict:
        """The groups of layers, by name (a dict of tuples)."""
        return dict(self._groups)

    @classmethod
    def from_groups(cls, groups: dict, **config):  # pragma: no cover - every container overrides
        raise NotImplementedError

    def children(self) -> list:
        return [(f"{group}.{index}", layer) for group, layers in self._groups.items()
                for index, layer in enumerate(layers)]

    def train(self, mode: bool = True):
        """Switch this layer and every layer it holds to training (or evaluation) mode."""
        super().train(mode)
        for _, layer in self.children():
            layer.train(mode)
        return self

    def forget(self) -> None:
        """Drop what the last forward kept, here and in every layer held."""
        super().forget()
        for _, layer in self.children():
            layer.forget()

    def parameter_count(self, input_shape: tuple) -> int:
        return sum(_group_count(layers, input_shape) for layers in self._groups.values())

    def _group_shapes(self, input_shape) -> dict:
        """The per-sample output shape of every non-empty group for this input shape."""
        shapes = {}
        for name, layers in self._groups.items():
            shape = tuple(input_shape)
            for layer in layers:
                shape = tuple(layer.output_shape(shape))
            if layers:
                shapes[name] = shape
        return shapes

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("] + [
            f"  {_indented(text)}," for text in self._arguments()] + [")"]
        return "\n".join(lines)

    def _arguments(self) -> list:  # pragma: no cover - every container overrides
        raise NotImplementedError


class Residual(Container):
    """A residual block: ``y = body(x) + shortcut(x)`` (He et al. 2016).

    The body is run layer after layer; the shortcut is the identity (the
    default) or any layer or list of layers, e.g. a 1x1 convolution of
    stride 2 when the body changes the shape.  Going back, the input
    receives the sum of what the two paths send it (Eq. B.3):
    ``dx = dx_body + dx_shortcut``, with ``dx_shortcut = dy`` for the identity.
    Same as ``body(x) + shortcut(x)`` in a PyTorch ``forward``.

    Parameters
    ----------
    *body : Layer
        At least one layer (or a single list of them).
    shortcut : None, Layer or list of Layer, default None
        None for the identity.

    Shape
    -----
    (N, ...) -> the body's output shape, which must be the shortcut's too
    (for the identity: the input's).

    Examples
    --------
    A block whose body doubles its input: ``y = 2x + x = 3x``.

    >>> from convnet.layers import Conv2D
    >>> twice = Conv2D(1, 1, 1, rng=0)
    >>> twice.params["weight"][...] = 2.0
    >>> block = Residual(twice)
    >>> block.forward(np.array([[[[1.0, -2.0]]]]))
    array([[[[ 3., -6.]]]])
    >>> block.backward(np.ones((1, 1, 1, 2)))            # 2 through the body + 1 around it
    array([[[[3., 3.]]]])
    >>> list(block.parameters())
    ['body.0.weight', 'body.0.bias']
    """

    def __init__(self, *body, shortcut=None):
        if len(body) == 1 and isinstance(body[0], (list, tuple)):
            body = tuple(body[0])
        if not body:
            fail("body", "at least one layer", body, given="no layer")
        _check_layers(body, "body")
        shortcut = () if shortcut is None else _as_layers(shortcut, "shortcut")
        super().__init__({"body": body, "shortcut": shortcut})

    @property
    def body(self) -> tuple:
        return self._groups["body"]

    @property
    def shortcut(self) -> tuple:
        """The shortcut's layers; empty for the identity."""
        return self._groups["shortcut"]

    @classmethod
    def from_groups(cls, groups: dict, **config):
        body, shortcut = _in_order(groups, ("body", "shortcut"))
        return cls(*body, shortcut=list(shortcut) or None, **config)

    def _arguments(self) -> list:
        shortcut = "None" if not self.shortcut else _listed(self.shortcut)
        return [repr(layer) for layer in self.body] + [f"shortcut={shortcut}"]

    def output_shape(self, input_shape):
        shapes = self._group_shapes(input_shape)
        body = shapes["body"]
        around = shapes.get("shortcut", tuple(input_shape))
        if body != around:
            fail("input_shape", "a shape that the body and the shortcut map to one shape "
                 "(their outputs are added)", input_shape,
                 given=f"{tuple(input_shape)}: the body gives {body}, the shortcut {around}")
        return body

    def forward(self, x):
        body = run_forward(self.body, x)                                  # body(x)
        around = run_forward(self.shortcut, x) if self.shortcut else np.asarray(x)
        if body.shape != around.shape:
            fail("x", "an input that the body and the shortcut map to one shape (their "
                 "outputs are added; a shortcut such as Conv2D(C, F, 1, stride=s) matches "
                 "a body that changes the shape)", x,
                 given=f"shape {np.shape(x)}: the body gives {body.shape}, the shortcut "
                       f"{around.shape}")
        y = body + around                                                  # Eq. B.1
        self._keep((y.shape, y.dtype))
        return y

    def backward(self, dy, input_gradient=True):
        shape, dtype = self._saved()
        dy = self._grad_output(dy, shape, dtype)            # dA^m: the same to both paths, B.2
        dx_body = run_backward(self.body, dy, input_gradient)
        dx_around = run_backward(self.shortcut, dy, input_gradient) if self.shortcut else dy
        if not input_gradient:
            return None
        return dx_body + dx_around                          # Eq. B.3: the sum over the paths


class Concat(Container):
    """Branches applied to the same input, their outputs joined along the channels (Inception).

    ``y = [branch_1(x), branch_2(x), ...]`` along axis 1 (Szegedy et al.
    2015), as ``torch.cat([b(x) for b in branches], dim=1)`` does.  Going
    back, each branch gets its own channels of ``dy`` (Eq. B.4) and the
    input the sum of what the branches send it (Eq. B.5).

    Parameters
    ----------
    *branches : Layer or list of Layer
        At least one branch; a branch is a layer or a list of layers run one
        after another.

    Shape
    -----
    (N, C, H, W) -> (N, F_1 + F_2 + ..., H', W'): every branch must give the
    same N, H' and W' (any number of axes, equal but for axis 1).

    Examples
    --------
    Two branches, the identity (a 1x1 pooling) and a doubling 1x1 convolution:

    >>> from convnet.layers import Conv2D, MaxPool2D
    >>> twice = Conv2D(1, 1, 1, rng=0)
    >>> twice.params["weight"][...] = 2.0
    >>> join = Concat(MaxPool2D(1), twice)
    >>> join.forward(np.array([[[[1.0, -2.0]]]]))
    array([[[[ 1., -2.]],
    <BLANKLINE>
            [[ 2., -4.]]]])
    >>> join.backward(np.ones((1, 2, 1, 2)))            # 1 from the first branch + 2
    array([[[[3., 3.]]]])
    >>> list(join.parameters())
    ['1.0.weight', '1.0.bias']
    """

    def __init__(self, *branches):
        if not branches:
            fail("branches", "at least one branch (a layer or a list of layers)", branches,
                 given="no branch")
        groups = {str(index): _as_layers(branch, f"branches[{index}]")
                  for index, branch in enumerate(branches)}
        super().__init__(groups)

    @property
    def branches(self) -> tuple:
        """The branches, each a tuple of layers."""
        return tuple(self._groups.values())

    @classmethod
    def from_groups(cls, groups: dict, **config):
        branches = _in_order(groups, tuple(str(index) for index in range(len(groups))))
        return cls(*[list(layers) for layers in branches], **config)

    def _arguments(self) -> list:
        return [_listed(branch) for branch in self.branches]

    def _argument(self, group: str, index: str) -> str:
        return f"branches[{group}][{index}]"

    def output_shape(self, input_shape):
        shapes = list(self._group_shapes(input_shape).values())
        if any(len(s) != len(shapes[0]) or s[1:] != shapes[0][1:] for s in shapes):
            fail("input_shape", "a shape that every branch maps to outputs of equal size "
                 "but for the channels (they are joined along the channels)", input_shape,
                 given=f"{tuple(input_shape)}: the branches give {', '.join(map(str, shapes))}")
        return (sum(s[0] for s in shapes), *shapes[0][1:])

    def forward(self, x):
        outputs = [run_forward(branch, x) for branch in self.branches]     # Z^k = branch_k(x)
        shapes = [z.shape for z in outputs]
        if any(z.ndim < 2 or z.ndim != outputs[0].ndim
               or z.shape[:1] + z.shape[2:] != shapes[0][:1] + shapes[0][2:] for z in outputs):
            fail("x", "an input that every branch maps to outputs of the same N, H and W "
                 "(they are joined along the channels, axis 1)", x,
                 given=f"shape {np.shape(x)}: the branches give {', '.join(map(str, shapes))}")
        # Stored in the first branch's memory order (channels first after the fast engine's
        # convolutions), so that the passes after it walk y as they walked the branches.
        joined = np.empty_like(outputs[0], np.result_type(*outputs),
                               shape=(shapes[0][0], sum(z.shape[1] for z in outputs),
                                      *shapes[0][2:]))
        y = np.concatenate(outputs, axis=1, out=joined)                     # Eq. B.4
        self._keep((y.shape, y.dtype, [z.shape[1] for z in outputs]))
        return y

    def backward(self, dy, input_gradient=True):
        shape, dtype, channels = self._saved()
        dy = self._grad_output(dy, shape, dtype)
        dx, start = None, 0
        for branch, count in zip(self.branches, channels):
            part = dy[:, start:start + count].copy(order="K")         # Eq. B.4: its channels
            start += count
            grad = run_backward(branch, part, input_gradient)
            if input_gradient:
                dx = grad if dx is None else dx + grad                 # Eq. B.5: sum over paths
        return dx


# -- helpers ----------------------------------------------------------------------

def _check_layers(layers, name: str) -> None:
    for index, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            fail(f"{name}[{index}]", "a convnet layer", layer, error=TypeError)


def _as_layers(value, name: str) -> tuple:
    """A layer or a non-empty list of layers, as a tuple."""
    if isinstance(value, Layer):
        return (value,)
    if not isinstance(value, (list, tuple)) or not value:
        fail(name, "a convnet layer or a non-empty list of layers", value, error=TypeError
             if not isinstance(value, (list, tuple)) else ValueError)
    _check_layers(value, name)
    return tuple(value)


def _in_order(groups: dict, names: tuple) -> list:
    """The groups ``names``, in that order; exactly those must be given."""
    if set(groups) != set(names):
        fail("groups", f"the groups {list(names)}", sorted(groups))
    return [groups[name] for name in names]


def _group_count(layers, input_shape) -> int:
    """The parameters of a group of layers run one after another on ``input_shape``."""
    total, shape = 0, tuple(input_shape)
    for layer in layers:
        total += layer.parameter_count(shape)
        shape = tuple(layer.output_shape(shape))
    return total


def _listed(layers) -> str:
    return "[" + ", ".join(repr(layer) for layer in layers) + "]"


def _indented(text: str) -> str:
    return text.replace("\n", "\n  ")
