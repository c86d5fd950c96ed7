"""The machine, for the header and the JSON: CPU, versions, BLAS kernel, allocator setting.

:func:`setting_lines` names the two settings that move the ratios most (see
the docstring of :mod:`run`): the OpenBLAS kernel of NumPy's products next to
PyTorch's, and the state of glibc's allocator.
"""

from __future__ import annotations

import ctypes
import os
import platform
from pathlib import Path

import numpy as np

THREADS = 2  # PyTorch's threads (torch.set_num_threads in the worker), printed in the header


def openblas_kernel():
    """The kernel OpenBLAS chose for NumPy's products ("Haswell", "SkylakeX", ...), or None.

    Asked of the OpenBLAS library that NumPy's wheel carries; None when
    NumPy uses another BLAS or the library cannot be found.
    """
    folder = Path(np.__file__).resolve().parent
    for path in [*folder.parent.glob("numpy.libs/*openblas*"), *folder.glob(".dylibs/*openblas*")]:
        try:
            library = ctypes.CDLL(str(path))
        except OSError:
            continue
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename",
                     "openblas_get_corename64_", "openblas_get_corename"):
            function = getattr(library, name, None)
            if function is not None:
                function.restype = ctypes.c_char_p
                return function().decode()
    return None


def machine() -> dict:
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "machine": platform.machine(), "cpus": os.cpu_count(), "threads": THREADS}
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["openblas_kernel"] = openblas_kernel()
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
    return info


def setting_lines(info: dict) -> list:
    """The header lines that name the BLAS kernels and the allocator's state."""
    kernel = info["openblas_kernel"] or "unknown"
    blas = f"NumPy's products: OpenBLAS kernel {kernel}"
    if info["OPENBLAS_CORETYPE"]:
        blas += (f" (pinned by OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE']} in the environment;"
                 " unset it to let OpenBLAS choose)")
    if info.get("torch_cpu_capability"):
        blas += f"; PyTorch's kernels: {info['torch_cpu_capability']}"
    allocator = {"steady": "glibc told to keep freed memory in both processes (--allocator "
                           "steady: PyTorch's fastest state)",
                 "as is": "glibc as configured; PyTorch runs in a process of its own "
                          "(--allocator steady for PyTorch's fastest state)"}
    if "torch" not in info:
        allocator = {"steady": "glibc told to keep freed memory (--allocator steady)",
                     "as is": "glibc as configured"}
    return [blas, f"allocator: {allocator[info['allocator']]}"]
