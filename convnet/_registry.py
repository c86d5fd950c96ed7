"""Layer classes of one's own that :func:`convnet.load` may rebuild, registered by name.

A model file names each layer by its class name and stores its
``config()``; loading looks the name up among the library's layers and the
classes registered here, and calls ``cls(**config)`` (see
:mod:`convnet._serialize`).  Registering is all a layer of one's own needs
to be saved and loaded like the library's own.
"""

from __future__ import annotations

import inspect

from ._validate import fail

__all__ = ["register_layer", "registered_layers"]

_REGISTERED: dict = {}          # class name -> class, in the order of registration


def register_layer(cls):
    """Let :func:`convnet.load` rebuild layers of the class ``cls`` from a model file.

    The file stores a layer as its class name and ``layer.config()``; loading
    calls ``cls(**config)`` (placeholder parameters, then the file's arrays
    are put into ``params`` and ``state`` by key), so ``config()`` must
    return the constructor arguments that rebuild the layer, as numbers,
    strings, booleans, None or lists of them.  Register before loading, in
    the program that loads (registration lasts for the Python session).
    Usable as a decorator; returns ``cls``.

    Registering a class under a name already registered replaces the
    earlier class (a notebook cell defining the class may run twice).

    Parameters
    ----------
    cls : type
        A subclass of :class:`convnet.layers.Layer`, defined at module level
        or in a notebook, whose name is not that of a library layer.

    Returns
    -------
    type
        ``cls`` itself.

    Raises
    ------
    TypeError
        If ``cls`` is not a subclass of :class:`convnet.layers.Layer`.
    ValueError
        If its name is that of one of the library's layers (``Conv2D``...):
        the file could not tell the two apart.

    Examples
    --------
    >>> import convnet
    >>> from convnet.layers import Layer
    >>> @convnet.register_layer
    ... class Doubling(Layer):
    ...     def forward(self, x):
    ...         return 2 * x
    ...     def backward(self, dy):
    ...         return 2 * dy
    ...     def output_shape(self, input_shape):
    ...         return tuple(input_shape)
    >>> "Doubling" in registered_layers()
    True
    """
    from .layers import Layer, __all__ as library_names

    if not inspect.isclass(cls) or not issubclass(cls, Layer):
        fail("cls", "a subclass of convnet.layers.Layer", cls, error=TypeError)
    name = cls.__name__
    if name in library_names:
        from . import layers
        if getattr(layers, name) is not cls:
            fail("cls", "a class whose name is not that of a library layer (a model file "
                 "names layers by class name; rename the class)", cls,
                 given=f"a class named {name}, like convnet.layers.{name}")
        return cls
    _REGISTERED[name] = cls
    return cls


def registered_layers() -> dict:
    """The layer classes registered with :func:`register_layer`, by name (a copy).

    Examples
    --------
    >>> isinstance(registered_layers(), dict)
    True
    """
    return dict(_REGISTERED)
