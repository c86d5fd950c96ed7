"""Speed and memory of convnet, as ratios: against its own loop reference and against PyTorch.

Run:  python benchmarks/run.py [--repeat 25] [--json benchmarks/results/latest.json]

Every figure is the median of ``--repeat`` timed runs after a warm-up, with
the interquartile range as its spread.  Each library is timed in its own
blocks, with a pause before each: OpenBLAS threads keep spinning for about
0.1 s after a NumPy matrix product and would slow whatever runs next on a
2-core machine.  The blocks of the two libraries alternate (three each), so
that a slow spell of a shared machine does not fall on one of them only.
PyTorch (CPU, float32, the same number of threads) is used when it is
installed, in a process of its own (:class:`TorchWorker`); without it the
script still runs and reports the ratios against the loop reference.
Nothing here is part of the test suite.

Two settings decide much of what the ratios say, and the header prints both:
which OpenBLAS kernel NumPy's products run on (the environment may pin one,
e.g. ``OPENBLAS_CORETYPE=Haswell``) against the vector width PyTorch uses,
and the state of glibc's allocator (``--allocator``, see
:func:`steady_allocator`).
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import convnet  # noqa: E402
from convnet import reference  # noqa: E402
from convnet.functional import conv2d, conv2d_backward  # noqa: E402
from convnet.layers import AvgPool2D, Conv2D, MaxPool2D  # noqa: E402
from convnet.losses import SoftmaxCrossEntropy  # noqa: E402
from convnet.optim import SGD  # noqa: E402
from convnet.zoo import lenet5  # noqa: E402

HAS_TORCH = importlib.util.find_spec("torch") is not None  # else no ratios against PyTorch
torch = None  # imported in the PyTorch worker process only (see TorchWorker)

THREADS = 2
PAUSE = 0.25  # seconds between timing blocks (OpenBLAS spin-down)
ROUNDS = 3    # alternating blocks per library and workload

CONV_CASES = {  # name: (x shape, w shape, stride, padding)
    "a": ((64, 1, 28, 28), (6, 1, 5, 5), 1, 0),
    "b": ((64, 6, 14, 14), (16, 6, 5, 5), 1, 0),
    "c": ((64, 32, 32, 32), (32, 32, 3, 3), 1, 1),
    "d": ((32, 3, 64, 64), (16, 3, 3, 3), 2, 1),
}
TARGETS = {"conv2d": 2.0, "pool": 1.0, "lenet": 1.5, "memory": 2.0}


def measure(fn, repeat: int, warmup: int = 3, inner: int = 1, warmup_seconds: float = 0.3) -> dict:
    """Median and interquartile range (seconds) of ``repeat`` timings of ``inner`` calls.

    The warm-up runs at least ``warmup`` calls and ``warmup_seconds``: the
    first calls pay for page faults until the allocator has settled.
    """
    return summarize(timings(fn, repeat, warmup, inner, warmup_seconds))


def timings(fn, repeat: int, warmup: int = 3, inner: int = 1, warmup_seconds: float = 0.3):
    """``repeat`` timings (seconds per call) after a pause and a warm-up."""
    time.sleep(PAUSE)
    start = time.perf_counter()
    calls = 0
    while calls < warmup or time.perf_counter() - start < warmup_seconds:
        fn()
        calls += 1
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner)
    return samples


def summarize(samples) -> dict:
    quartiles = statistics.quantiles(samples, n=4)
    return {"median": statistics.median(samples), "q1": quartiles[0], "q3": quartiles[2]}


def compare(ours, theirs, repeat: int, rounds: int = ROUNDS):
    """Time ``ours`` here and ``theirs`` (or None) in alternating blocks; pool each one's samples.

    ``theirs(n)`` returns n timings (:meth:`TorchWorker.workload`).
    Alternating ``rounds`` blocks per library, each after a pause, keeps a slow
    spell of a shared machine from landing on one library only.
    """
    mine, other = [], []
    per_block = max(3, repeat // rounds)
    for _ in range(rounds):
        mine += timings(ours, per_block)
        if theirs is not None:
            other += theirs(per_block)
    return summarize(mine), (summarize(other) if theirs is not None else None)


def fmt(stats) -> str:
    if stats is None:
        return "-"
    return (f"{stats['median'] * 1e3:8.2f} ms (IQR {stats['q1'] * 1e3:.2f}-"
            f"{stats['q3'] * 1e3:.2f})")


# -- the workloads ---------------------------------------------------------

def conv_ours(x, w, stride, padding):
    layer = Conv2D(w.shape[1], w.shape[0], w.shape[2:], stride=stride, padding=padding,
                   rng=0, dtype=np.float32)
    layer.params["weight"][...] = w
    dz = np.random.default_rng(1).normal(size=(x.shape[0], *layer.output_shape(x.shape[1:])))
    dz = dz.astype(np.float32)

    def step():
        layer.forward(x)
        layer.backward(dz)
    return step


def conv_functional(x, w, stride, padding, dz):
    def step():
        conv2d(x, w, stride=stride, padding=padding)
        conv2d_backward(dz, x, w, stride=stride, padding=padding)
    return step


def conv_torch(x, w, stride, padding):
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.zeros(w.shape[0], requires_grad=True)
    with torch.no_grad():
        out_shape = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding).shape
    dz = torch.tensor(np.random.default_rng(1).normal(size=tuple(out_shape)).astype(np.float32))

    def step():
        tx.grad = tw.grad = tb.grad = None
        z = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
        z.backward(dz)
    return step


def pool_ours(layer, x):
    dz = np.ones((x.shape[0], *layer.output_shape(x.shape[1:])), np.float32)

    def step():
        layer.forward(x)
        layer.backward(dz)
    return step


def pool_torch(kind, x):
    tx = torch.tensor(x, requires_grad=True)
    pool = torch.nn.functional.max_pool2d if kind == "max" else torch.nn.functional.avg_pool2d
    dz = torch.ones(x.shape[0], x.shape[1], x.shape[2] // 2, x.shape[3] // 2)

    def step():
        tx.grad = None
        pool(tx, 2).backward(dz)
    return step


def lenet_ours(x, y):
    model = lenet5(seed=0, dtype=np.float32)
    loss, optimizer = SoftmaxCrossEntropy(), SGD(lr=0.01, momentum=0.9)
    return lambda: model.train_batch(x, y, loss, optimizer)


def lenet_torch(x, y):
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
        nn.ReLU(), nn.Linear(84, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    tx, ty = torch.tensor(x), torch.tensor(y)

    def step():
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(tx), ty).backward()
        optimizer.step()
    return step


def reference_ratio(repeat: int) -> dict:
    """The fast functions against the loop reference, on small shapes the loops can manage."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 12, 12))
    w = rng.normal(size=(4, 3, 3, 3))
    dz = rng.normal(size=(2, 4, 12, 12))
    rows = {}
    pairs = {
        "conv2d forward+backward (2x3x12x12, 4@3x3, pad 1)": (
            lambda: (conv2d(x, w, padding=1), conv2d_backward(dz, x, w, padding=1)),
            lambda: (reference.conv2d(x, w, padding=1),
                     reference.conv2d_backward(dz, x, w, padding=1))),
        "max_pool2d forward+backward (2x3x12x12, 2x2)": (
            lambda: (convnet.functional.max_pool2d(x, 2),
                     convnet.functional.max_pool2d_backward(dz[:, :3, :6, :6], x, 2)),
            lambda: (reference.max_pool2d(x, 2),
                     reference.max_pool2d_backward(dz[:, :3, :6, :6], x, 2))),
    }
    for name, (fast, slow) in pairs.items():
        fast_stats = measure(fast, repeat)
        slow_stats = measure(slow, max(3, repeat // 5), warmup=1, warmup_seconds=0)
        rows[name] = {"fast": fast_stats, "reference": slow_stats,
                      "speedup": slow_stats["median"] / fast_stats["median"]}
    return rows


def peak_memory_c() -> dict:
    """Peak extra memory (tracemalloc) of one Conv2D forward+backward on case c, cold."""
    x_shape, w_shape, stride, padding = CONV_CASES["c"]
    rng = np.random.default_rng(0)
    x = rng.normal(size=x_shape).astype(np.float32)
    dz = rng.normal(size=(64, 32, 32, 32)).astype(np.float32)
    layer = Conv2D(32, 32, 3, stride=stride, padding=padding, rng=0, dtype=np.float32)
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    layer.forward(x)
    layer.backward(dz)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    n, c, h, w = x_shape
    im2col_bytes = c * 3 * 3 * n * h * w * 4   # (C*kh*kw, N*Ho*Wo) float32
    return {"peak_bytes": peak, "im2col_bytes": im2col_bytes, "ratio": peak / im2col_bytes}


class TorchWorker:
    """PyTorch in a process of its own, timing its workloads on request.

    Each library runs as its users run it, alone in its process.  In one
    shared process, what one library frees changes the other's speed: glibc
    serves large blocks from fresh, page-faulting memory below a threshold
    that rises with the blocks freed before (see :func:`steady_allocator`),
    and right after NumPy had freed one 29 MiB array PyTorch's case c) ran
    twice as fast as before.  The worker is started with "spawn", so that
    it inherits no allocator state.
    """

    def __init__(self, allocator: str):
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_torch_worker, args=(child, allocator),
                                        daemon=True)
        self._process.start()
        child.close()
        self._built = 0
        try:
            self.info = self._ask("info")   # an ImportError in the worker is raised here
        except BaseException:
            self.close()
            raise

    def _ask(self, *message):
        self._connection.send(message)
        reply = self._connection.recv()
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def workload(self, builder: str, *args):
        """Build ``builder(*args)`` in the worker; return ``n -> n timings`` of its step.

        The worker keeps the last workload built only; the returned function
        refuses to time another one.
        """
        self._built += 1
        self._ask("build", self._built, builder, args)
        return lambda repeat, number=self._built: self._ask("time", number, repeat)

    def close(self):
        """Stop the worker; never raises (it may already be gone, after an error)."""
        try:
            self._connection.send(None)
        except OSError:
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()


def _torch_worker(connection, allocator: str):
    """The worker's loop: build one workload at a time, time it, report (see TorchWorker)."""
    global torch
    steady = allocator == "steady" and steady_allocator()
    try:
        import torch as torch_module
    except Exception as error:  # noqa: BLE001 - the first reply tells the parent
        torch_module, failure = None, error
    torch = torch_module
    if torch is not None:
        torch.set_num_threads(THREADS)
    step, built = None, None
    while (message := connection.recv()) is not None:
        kind, *args = message
        try:
            if torch is None:
                raise ImportError(f"PyTorch failed to import: {failure!r}")
            if kind == "info":
                capability = getattr(getattr(torch.backends, "cpu", None),
                                     "get_cpu_capability", None)
                reply = {"torch": torch.__version__, "torch_steady_allocator": steady,
                         "torch_cpu_capability": capability() if capability else None}
            elif kind == "build":
                step = built = None              # free the previous workload first
                step, built = globals()[args[1]](*args[2]), args[0]
                reply = True
            elif args[0] != built:               # "time" a workload no longer built
                raise RuntimeError(f"workload {args[0]} is gone; the worker holds {built}")
            else:
                reply = timings(step, args[1])
        except Exception as error:  # noqa: BLE001 - handed back and raised in the parent
            reply = error
        connection.send(reply)


def steady_allocator() -> bool:
    """Ask glibc's malloc to keep freed memory; True if it agreed (Linux with glibc only).

    By default glibc maps every block above a threshold fresh from the
    kernel and unmaps it when freed, so each new large array page-faults.
    The threshold starts at 128 KiB and rises to the size of any such block
    freed later (up to 32 MiB), so where it stands depends on what the
    process freed before.  Fixing the threshold (and the trim threshold) at
    1 GiB keeps every library in the fast state.  PyTorch, which allocates
    new tensors every call, gains most: its case c) went from 25-30 ms to
    13-17 ms.  Used in both processes with ``--allocator steady``.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3     # from glibc's <malloc.h>
    return bool(libc.mallopt(m_mmap_threshold, 1 << 30)) and bool(
        libc.mallopt(m_trim_threshold, 1 << 30))


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    parser.add_argument("--allocator", choices=("as-is", "steady"), default="as-is",
                        help="as-is: leave glibc's malloc alone (default); steady: ask it to "
                             "keep freed memory, in both processes")
    args = parser.parse_args(argv)
    steady = args.allocator == "steady" and steady_allocator()
    worker = None
    if HAS_TORCH:
        try:
            worker = TorchWorker(args.allocator)
        except ImportError as error:
            print(f"{error}; timing convnet only")
        else:
            steady = steady and worker.info["torch_steady_allocator"]
    try:
        return run(args, worker, steady)
    finally:
        if worker is not None:
            worker.close()


def run(args, worker, steady: bool) -> dict:
    """Every workload, printed and written to ``args.json``; PyTorch's side in ``worker``."""
    results = {"machine": machine(), "conv2d": {}, "pool": {}, "lenet": {}}
    results["machine"]["allocator"] = "steady" if steady else "as is"
    if worker is not None:
        results["machine"].update(worker.info)
    rows = []

    rng = np.random.default_rng(0)
    for name, (x_shape, w_shape, stride, padding) in CONV_CASES.items():
        x = rng.normal(size=x_shape).astype(np.float32)
        w = (rng.normal(size=w_shape) * 0.1).astype(np.float32)
        ours, theirs = compare(conv_ours(x, w, stride, padding),
                               worker.workload("conv_torch", x, w, stride, padding)
                               if worker else None, args.repeat)
        z = conv2d(x, w, stride=stride, padding=padding)
        functional = measure(conv_functional(x, w, stride, padding, z), args.repeat)
        entry = {"x": x_shape, "w": w_shape, "stride": stride, "padding": padding,
                 "convnet_layer": ours, "convnet_functional": functional, "torch": theirs,
                 "ratio": ours["median"] / theirs["median"] if theirs else None}
        results["conv2d"][name] = entry
        rows.append((f"conv2d {name}) fwd+bwd {x_shape} * {w_shape[:2]}@{w_shape[2]}x"
                     f"{w_shape[3]} s{stride} p{padding}", ours, theirs, TARGETS["conv2d"]))

    x = rng.normal(size=(64, 32, 32, 32)).astype(np.float32)
    for kind, layer in (("max", MaxPool2D(2)), ("avg", AvgPool2D(2))):
        ours, theirs = compare(pool_ours(layer, x),
                               worker.workload("pool_torch", kind, x) if worker else None,
                               args.repeat)
        results["pool"][kind] = {"convnet": ours, "torch": theirs,
                                 "ratio": ours["median"] / theirs["median"] if theirs else None}
        rows.append((f"{kind}_pool2d 2x2/2 fwd+bwd (64, 32, 32, 32)", ours, theirs,
                     TARGETS["pool"]))

    x = rng.random((64, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=64)
    ours, theirs = compare(lenet_ours(x, y),
                           worker.workload("lenet_torch", x, y) if worker else None,
                           args.repeat * 2)
    results["lenet"] = {"convnet": ours, "torch": theirs,
                        "ratio": ours["median"] / theirs["median"] if theirs else None,
                        "images_per_second": 64 / ours["median"],
                        "seconds_per_60000_epoch": 60000 / 64 * ours["median"]}
    rows.append(("LeNet-5 training step, batch 64 x 1x28x28", ours, theirs, TARGETS["lenet"]))

    results["reference"] = reference_ratio(max(5, args.repeat // 2))
    results["memory"] = peak_memory_c()

    print(f"convnet {convnet.__version__} on {results['machine'].get('cpu', '?')}, "
          f"{results['machine']['cpus']} CPUs, NumPy {np.__version__}"
          + (f", PyTorch {results['machine']['torch']} ({THREADS} threads, own process)"
             if worker else ", PyTorch not installed"))
    for line in setting_lines(results["machine"]):
        print(line)
    print(f"\n{'workload':<58} {'convnet':>30} {'PyTorch':>30} {'ratio':>6} {'target':>7}")
    for name, ours, theirs, target in rows:
        ratio = ours["median"] / theirs["median"] if theirs else None
        verdict = "" if ratio is None else ("ok" if ratio <= target else "MISS")
        print(f"{name:<58} {fmt(ours):>30} {fmt(theirs):>30} "
              f"{('-' if ratio is None else f'{ratio:.2f}'):>6} {f'<= {target}':>7} {verdict}")
    lenet = results["lenet"]
    print(f"\nLeNet-5: {lenet['images_per_second']:,.0f} images/s, "
          f"{lenet['seconds_per_60000_epoch']:.1f} s per 60,000-image epoch")
    memory = results["memory"]
    print(f"peak extra memory of conv2d c) forward+backward: {memory['peak_bytes'] / 2**20:.1f} MiB"
          f" = {memory['ratio']:.2f} x its im2col matrix ({memory['im2col_bytes'] / 2**20:.1f} "
          f"MiB); target <= {TARGETS['memory']}")
    print("\nagainst the loop reference (float64, small shapes):")
    for name, row in results["reference"].items():
        print(f"  {name:<52} fast {row['fast']['median'] * 1e3:8.3f} ms, loops "
              f"{row['reference']['median'] * 1e3:9.1f} ms: {row['speedup']:,.0f}x faster")
    print("\nconv2d through the functional API (conv2d + conv2d_backward, fresh buffers):")
    for name, entry in results["conv2d"].items():
        print(f"  {name}) {fmt(entry['convnet_functional'])}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=list))
    print(f"\nwrote {args.json}")
    return results


if __name__ == "__main__":
    main()
