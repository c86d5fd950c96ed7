"""A bridge to PyTorch: the same network moved over and back, and safetensors files.

* :func:`to_torch` -- a ``torch.nn.Sequential`` with the same numbers;
* :func:`from_torch` -- a :class:`convnet.Sequential` from the ``torch.nn``
  layers that convnet has;
* :func:`torch_source` -- the Python source of the PyTorch model, as a
  student would write it, to read beside the convnet model;
* :func:`state_dict` / :func:`load_state_dict` -- the arrays under
  PyTorch's key names (NumPy only);
* :func:`read_safetensors` / :func:`write_safetensors` -- the safetensors
  format with NumPy alone (``model.save("m.safetensors")`` and
  :func:`convnet.load` use them).

PyTorch is imported only inside the functions that need it (an ImportError
names the extra, ``pip install -e ".[torch]"``); the modules convnet adds to
``torch.nn`` are in :mod:`convnet.interop.modules`.  docs/pytorch.md tells
when and how a student moves to PyTorch.
"""

from .._safetensors import read_safetensors, write_safetensors
from ._from_torch import from_torch
from ._names import load_state_dict, state_dict
from ._source import torch_source
from ._to_torch import to_torch

__all__ = ["to_torch", "from_torch", "torch_source", "state_dict", "load_state_dict",
           "read_safetensors", "write_safetensors"]
