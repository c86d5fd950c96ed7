"""convnet -> PyTorch: the equivalent ``torch.nn`` module, the weights copied."""

from __future__ import annotations

import numpy as np

from .._validate import fail
from ._names import model_of, state_dict
from ._specs import OURS, spec_of

__all__ = ["to_torch", "require_torch", "build", "model_dtype"]

INSTALL = 'pip install -e ".[torch]"'


def require_torch():
    """The ``torch`` module, or an ImportError saying how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(f"convnet.interop needs PyTorch, an optional extra: {INSTALL}") from exc
    return torch


def model_dtype(model):
    """The one floating dtype of a model's arrays (float32 when it has none; counts are int64)."""
    dtypes = {np.dtype(value.dtype) for value in model.parameters().values()}
    dtypes |= {np.dtype(value.dtype) for value in model.state().values()
               if value.dtype.kind == "f"}
    if len(dtypes) > 1:
        fail("model", "of one dtype (model.astype(np.float32) makes it so)", model,
             given=f"arrays of {sorted(d.name for d in dtypes)}")
    return dtypes.pop() if dtypes else np.dtype(np.float32)


def to_torch(model):
    """The equivalent PyTorch module of a convnet model, with its weights copied.

    Parameters
    ----------
    model : convnet.Sequential

    Returns
    -------
    torch.nn.Sequential
        One module per layer, in the model's dtype (float32 or float64), on
        the CPU, in the model's mode (training or evaluation).  Its
        ``state_dict`` keys are the model's array names (``"0.weight"``,
        ``"3.body.0.bias"``).  Layers ``torch.nn`` lacks become the small
        modules of :mod:`convnet.interop.modules` (Residual, Concat, untied
        and product biases, column-stacking flatten, ...); a global pooling
        becomes ``nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())``.

    Raises
    ------
    ImportError
        Without PyTorch (``pip install -e ".[torch]"``).
    TypeError, ValueError
        If ``model`` is not a Sequential, mixes dtypes, or has an untied
        bias not yet made (no ``input_size`` and no forward pass).

    Notes
    -----
    The numbers are the same up to rounding: outputs agree to 1e-10 in
    float64 and 1e-5 (relative) in float32, as do gradients (the tests
    check every layer type and the zoo).  Moving the module to a GPU is
    ``module.to("cuda")``.
    """
    model = model_of(model)
    dtype = model_dtype(model)
    specs = [spec_of(layer, str(index)) for index, layer in enumerate(model.layers)]
    torch = require_torch()
    from . import modules
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    with torch.no_grad():
        module = torch.nn.Sequential(*[build(spec, torch_dtype, modules) for spec in specs])
        module.load_state_dict({name: torch.from_numpy(array)
                                for name, array in state_dict(model).items()})
    module.train(any(layer.training for layer in model.layers))
    return module


def build(spec, dtype, modules):
    """The module of a :class:`~convnet.interop._specs.Spec` (PyTorch imported by the caller)."""
    import torch
    constructor = (getattr(modules, spec.constructor) if spec.constructor in OURS
                   else getattr(torch.nn, spec.constructor.removeprefix("nn.")))
    kwargs = dict(spec.kwargs, **({"dtype": dtype} if spec.typed else {}))
    if spec.constructor == "Residual":
        return constructor(*[[build(s, dtype, modules) for s in spec.groups[name]]
                             for name in ("body", "shortcut")])
    if spec.groups:                                  # nn.Sequential and Concat
        groups = [[build(s, dtype, modules) for s in group] for group in spec.groups.values()]
        return constructor(*groups) if spec.constructor == "Concat" else constructor(*groups[0])
    return constructor(*spec.args, **kwargs)
