"""Speed and memory of convnet, as ratios: against PyTorch, between its engines, API against layers.

Run:  python benchmarks/run.py [--repeat 25] [--json benchmarks/results/latest.json]

Every figure is the median of ``--repeat`` timed runs after a warm-up, with
the interquartile range as its spread.  Each library is timed in its own
blocks, with a pause before each: OpenBLAS threads keep spinning for about
0.1 s after a NumPy matrix product and would slow whatever runs next on a
2-core machine.  The blocks of the two libraries alternate (three each), so
that a slow spell of a shared machine does not fall on one of them only.
PyTorch (CPU, float32, the same number of threads) is used when it is
installed, in a process of its own (:class:`torch_worker.TorchWorker`);
without it the script still runs and reports convnet's own figures.
Nothing here is part of the test suite.

After every comparison with PyTorch (so that those run as in earlier
versions, which their ratios are compared with), convnet against itself:

* the three engines of ``convnet.engine`` (``"reference"``, the loops;
  ``"plain"``; ``"fast"``) side by side on a small float64 shape that the
  loops can manage, with the speed-up of plain and fast over the loops;
* on the four convolution cases, the functional API (``conv2d`` +
  ``conv2d_backward``, called as a student calls them, without a saved record)
  against the layer path (a ``Conv2D`` layer's forward and backward, the
  workload timed against PyTorch), each in the fast and in the plain
  engine.  These four are timed in alternating blocks of their own, so
  their ratios (functional/layer, plain/fast) compare figures taken side by
  side.

Two settings decide much of what the ratios say, and the header prints both:
which OpenBLAS kernel NumPy's products run on (the environment may pin one,
e.g. ``OPENBLAS_CORETYPE=Haswell``) against the vector width PyTorch uses,
and the state of glibc's allocator (``--allocator``, see
:func:`torch_worker.steady_allocator`).

The files: ``timing.py`` (the medians and the alternating blocks),
``workloads.py`` (what is timed, convnet's side and PyTorch's),
``torch_worker.py`` (PyTorch's process; the allocator) and ``machine.py``
(the machine and its settings, for the header).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _folder in (str(HERE), str(ROOT)):   # convnet from this checkout; the files beside this one
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

import convnet  # noqa: E402
from convnet.functional import ENGINES, conv2d  # noqa: E402
from convnet.layers import AvgPool2D, MaxPool2D  # noqa: E402
from machine import THREADS, machine, setting_lines  # noqa: E402
from timing import alternate, compare, fmt, measure, timings  # noqa: E402
from torch_worker import TorchWorker, steady_allocator  # noqa: E402
from workloads import (CIFAR_EPOCH, DEPTHWISE, RESNET_BLOCK, TRANSPOSED,  # noqa: E402
                       augment_ours, batchnorm_ours, cifar_epoch_ours, cifar_step_ours,
                       conv_functional, conv_inputs,
                       conv_ours, depthwise_ours, lenet_ours, new_inputs, peak_memory_c,
                       pool_ours, resnet20_ours, resnet_block_ours, small_workloads,
                       transposed_ours)

HAS_TORCH = importlib.util.find_spec("torch") is not None  # else no ratios against PyTorch

TARGETS = {"conv2d": 2.0, "pool": 1.0, "lenet": 1.5, "memory": 2.0, "batchnorm": 1.5,
           "depthwise": 2.0, "conv_transpose": 2.0, "resnet_block": 2.0, "resnet20": 2.0,
           "cifar_epoch": 1.5,
           "augmentation": 0.10,  # RandomCrop + flip of a batch / a training step on it
           "functional": 1.15,   # functional API / layer path, both in the fast engine
           "plain": 3}           # plain engine / fast engine, the layer path


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
    results = {"machine": machine(), "conv2d": {}, "pool": {}, "lenet": {}, "batchnorm": {}}
    results["machine"]["allocator"] = "steady" if steady else "as is"
    if worker is not None:
        results["machine"].update(worker.info)
    # In this order: what runs before a measurement can change it (the allocator's state,
    # the fast engine's work buffers), so the comparisons with PyTorch and the memory
    # peak come after the same work as in earlier versions, and the new figures last.
    rows = against_torch(results, worker, args.repeat)
    results["engines"] = engines_side_by_side(max(5, args.repeat // 2))
    results["memory"] = peak_memory_c()
    for name, paths in paths_and_engines(args.repeat).items():
        results["conv2d"][name]["paths"] = paths
        results["conv2d"][name]["convnet_functional"] = paths["functional"]  # as earlier versions
    results["augmentation"] = augmentation(args.repeat)

    print_against_torch(results, rows, worker)
    print_engines(results["engines"])
    print_paths({name: entry["paths"] for name, entry in results["conv2d"].items()})
    print_augmentation(results["augmentation"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=list))
    print(f"\nwrote {args.json}")
    return results


def ratio(ours, theirs):
    return ours["median"] / theirs["median"] if theirs else None


def against_torch(results: dict, worker, repeat: int) -> list:
    """convnet's workloads against PyTorch's (:func:`timing.compare`), into ``results``.

    Returns the rows of the table: (name, convnet's stats, PyTorch's, target).
    """
    def remote(builder, *args):
        return worker.workload(builder, *args) if worker else None

    rows = []
    rng = np.random.default_rng(0)
    for name, x, w, stride, padding in conv_inputs(rng):
        ours, theirs = compare(conv_ours(x, w, stride, padding),
                               remote("conv_torch", x, w, stride, padding), repeat)
        results["conv2d"][name] = {"x": x.shape, "w": w.shape, "stride": stride,
                                   "padding": padding, "convnet_layer": ours, "torch": theirs,
                                   "ratio": ratio(ours, theirs)}
        rows.append((f"conv2d {name}) fwd+bwd {x.shape} * {w.shape[:2]}@{w.shape[2]}x"
                     f"{w.shape[3]} s{stride} p{padding}", ours, theirs, TARGETS["conv2d"]))

    x = rng.normal(size=(64, 32, 32, 32)).astype(np.float32)
    for kind, layer in (("max", MaxPool2D(2)), ("avg", AvgPool2D(2))):
        ours, theirs = compare(pool_ours(layer, x), remote("pool_torch", kind, x), repeat)
        results["pool"][kind] = {"convnet": ours, "torch": theirs, "ratio": ratio(ours, theirs)}
        rows.append((f"{kind}_pool2d 2x2/2 fwd+bwd (64, 32, 32, 32)", ours, theirs,
                     TARGETS["pool"]))

    x = rng.random((64, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, size=64)
    ours, theirs = compare(lenet_ours(x, y), remote("lenet_torch", x, y), repeat * 2)
    results["lenet"] = {"convnet": ours, "torch": theirs, "ratio": ratio(ours, theirs),
                        "images_per_second": 64 / ours["median"],
                        "seconds_per_60000_epoch": 60000 / 64 * ours["median"]}
    rows.append(("LeNet-5 training step, batch 64 x 1x28x28", ours, theirs, TARGETS["lenet"]))

    # Later workloads, after the earlier ones (so that those run as before), each on its own data.
    x = np.random.default_rng(1).normal(size=(64, 32, 32, 32)).astype(np.float32)
    ours, theirs = compare(batchnorm_ours(x), remote("batchnorm_torch", x), repeat)
    results["batchnorm"] = {"convnet": ours, "torch": theirs, "ratio": ratio(ours, theirs)}
    rows.append(("BatchNorm2D fwd+bwd, training, (64, 32, 32, 32)", ours, theirs,
                 TARGETS["batchnorm"]))
    rows += more_convolutions(results, remote, repeat)
    rows += residual_networks(results, remote, repeat)
    rows += cifar_epoch(results, remote, repeat)
    return rows


def more_convolutions(results: dict, remote, repeat: int) -> list:
    """Depthwise 3x3 and a stride-2 transposed convolution against PyTorch, into ``results``."""
    rows = []
    rng = np.random.default_rng(1)
    for key, (x_shape, w_shape, stride, padding), ours, torch_side, label in (
            ("depthwise", DEPTHWISE, depthwise_ours, "depthwise_torch",
             "depthwise 3x3 p1 fwd+bwd"),
            ("conv_transpose", TRANSPOSED, transposed_ours, "transposed_torch",
             "conv_transpose 4x4 s2 p1 fwd+bwd")):
        x, w = new_inputs(rng, x_shape, w_shape)
        mine, theirs = compare(ours(x, w, stride, padding),
                               remote(torch_side, x, w, stride, padding), repeat)
        results[key] = {"x": x.shape, "w": w.shape, "stride": stride, "padding": padding,
                        "convnet_layer": mine, "torch": theirs, "ratio": ratio(mine, theirs)}
        rows.append((f"{label} {x.shape} * {w.shape}", mine, theirs, TARGETS[key]))
    return rows


def residual_networks(results: dict, remote, repeat: int) -> list:
    """A ResNet basic block's forward+backward and a ResNet-20 training step, into ``results``."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=RESNET_BLOCK).astype(np.float32)
    ours, theirs = compare(resnet_block_ours(x), remote("resnet_block_torch", x), repeat)
    results["resnet_block"] = {"convnet": ours, "torch": theirs, "ratio": ratio(ours, theirs)}
    rows = [(f"ResNet basic block fwd+bwd, training, {RESNET_BLOCK}", ours, theirs,
             TARGETS["resnet_block"])]
    x = rng.normal(size=(64, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    ours, theirs = compare(resnet20_ours(x, y), remote("resnet20_torch", x, y), repeat)
    results["resnet20"] = {"convnet": ours, "torch": theirs, "ratio": ratio(ours, theirs),
                           "images_per_second": 64 / ours["median"]}
    rows.append(("ResNet-20 training step, batch 64 x 3x32x32", ours, theirs,
                 TARGETS["resnet20"]))
    return rows


def cifar_epoch(results: dict, remote, repeat: int) -> list:
    """One ``fit`` epoch of issue 15's small CIFAR-style network (32 batches), into ``results``."""
    rng = np.random.default_rng(4)
    x = rng.uniform(size=CIFAR_EPOCH).astype(np.float32)
    y = rng.integers(0, 10, CIFAR_EPOCH[0])
    ours, theirs = compare(cifar_epoch_ours(x, y), remote("cifar_epoch_torch", x, y),
                           max(6, repeat // 4))
    results["cifar_epoch"] = {"convnet": ours, "torch": theirs, "ratio": ratio(ours, theirs),
                              "images_per_second": CIFAR_EPOCH[0] / ours["median"]}
    return [("small CIFAR net, one fit epoch, 2,048 x 3x32x32, batch 64", ours, theirs,
             TARGETS["cifar_epoch"])]


def engines_side_by_side(repeat: int) -> dict:
    """The small workloads in each engine, and the speed-up of plain and fast over the loops."""
    rows = {}
    for name, step in small_workloads().items():
        stats = {}
        for engine in ENGINES:
            with convnet.engine(engine):
                if engine == "reference":   # the loops: a few runs, no warm-up time
                    stats[engine] = measure(step, max(3, repeat // 5), warmup=1,
                                            warmup_seconds=0)
                else:
                    stats[engine] = measure(step, repeat)
        for engine in ("plain", "fast"):
            stats[f"{engine}_speedup"] = ratio(stats["reference"], stats[engine])
        rows[name] = stats
    return rows


def augmentation(repeat: int) -> dict:
    """What RandomCrop(32, padding=4) + RandomHorizontalFlip cost on a batch of 64 CIFAR-sized
    images, against one training step of the small CIFAR network on the same batch."""
    rng = np.random.default_rng(2)
    x = rng.random((64, 3, 32, 32), dtype=np.float32)
    y = rng.integers(0, 10, size=64)
    stats = alternate({"augment": lambda n: timings(augment_ours(x), n),
                       "step": lambda n: timings(cifar_step_ours(x, y), n)}, repeat)
    stats["ratio"] = ratio(stats["augment"], stats["step"])
    return stats


def in_engine(engine: str, step):
    """``n -> n timings`` of ``step``, run in ``engine`` for the whole block."""
    def sample(n):
        with convnet.engine(engine):
            return timings(step, n)
    return sample


def paths_and_engines(repeat: int) -> dict:
    """Per conv case: the layer path and the functional API, each in the fast and plain engine.

    On the inputs of the comparison with PyTorch, in alternating blocks of
    their own (:func:`timing.alternate`), so that the ratios compare
    figures taken side by side.
    """
    cases = {}
    for name, x, w, stride, padding in conv_inputs(np.random.default_rng(0)):
        dz = conv2d(x, w, stride=stride, padding=padding)
        samplers = {}
        for engine, prefix in (("fast", ""), ("plain", "plain_")):
            samplers[f"{prefix}layer"] = in_engine(engine, conv_ours(x, w, stride, padding))
            samplers[f"{prefix}functional"] = in_engine(
                engine, conv_functional(x, w, stride, padding, dz))
        stats = alternate(samplers, repeat)
        stats["functional_over_layer"] = ratio(stats["functional"], stats["layer"])
        stats["plain_over_fast"] = ratio(stats["plain_layer"], stats["layer"])
        stats["plain_over_fast_functional"] = ratio(stats["plain_functional"], stats["functional"])
        cases[name] = stats
    return cases


# -- printing ----------------------------------------------------------------

def judged(value, target, width: int = 6) -> str:
    """A ratio, its target and ok / MISS, as table cells."""
    verdict = "" if value is None else ("ok" if value <= target else "MISS")
    return (f"{('-' if value is None else f'{value:.2f}'):>{width}} {f'<= {target}':>7} "
            f"{verdict}")


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:.1f} ms"


def print_against_torch(results: dict, rows: list, worker) -> None:
    """The header, the table against PyTorch, LeNet's throughput and the peak memory."""
    print(f"convnet {convnet.__version__} on {results['machine'].get('cpu', '?')}, "
          f"{results['machine']['cpus']} CPUs, NumPy {np.__version__}"
          + (f", PyTorch {results['machine']['torch']} ({THREADS} threads, own process)"
             if worker else ", PyTorch not installed"))
    for line in setting_lines(results["machine"]):
        print(line)
    print(f"\n{'workload':<58} {'convnet':>30} {'PyTorch':>30} {'ratio':>6} {'target':>7}")
    for name, ours, theirs, target in rows:
        print(f"{name:<58} {fmt(ours):>30} {fmt(theirs):>30} {judged(ratio(ours, theirs), target)}")
    lenet = results["lenet"]
    print(f"\nLeNet-5: {lenet['images_per_second']:,.0f} images/s, "
          f"{lenet['seconds_per_60000_epoch']:.1f} s per 60,000-image epoch")
    memory = results["memory"]
    print(f"peak extra memory of conv2d c) forward+backward: {memory['peak_bytes'] / 2**20:.1f} MiB"
          f" = {memory['ratio']:.2f} x its im2col matrix ({memory['im2col_bytes'] / 2**20:.1f} "
          f"MiB); target <= {TARGETS['memory']}")


def print_engines(engines: dict) -> None:
    """Each engine's median on the small shapes, and plain's and fast's speed-up over the loops."""
    print("\nthe three engines side by side (float64, small shapes; speed-up over the loops):")
    print(f"  {'workload':<52} {'reference':>10} {'plain':>20} {'fast':>20}")
    for name, row in engines.items():
        cells = [f"{milliseconds(row[engine]['median'])} ({row[f'{engine}_speedup']:,.0f}x)"
                 for engine in ("plain", "fast")]
        print(f"  {name:<52} {milliseconds(row['reference']['median']):>10} "
              f"{cells[0]:>20} {cells[1]:>20}")


def print_augmentation(stats: dict) -> None:
    print("\naugmentation, RandomCrop(32, padding=4) + RandomHorizontalFlip, batch 64 x 3x32x32:")
    print(f"  {'augment the batch':<40} {fmt(stats['augment']):>30}")
    print(f"  {'training step, small CIFAR net':<40} {fmt(stats['step']):>30}")
    print(f"  {'augment / step':<40} {stats['ratio']:>29.2%} "
          f"{judged(stats['ratio'], TARGETS['augmentation'])}")


def print_paths(cases: dict) -> None:
    """The functional API against the layer path, then the plain engine against the fast one."""
    print("\nconv2d fwd+bwd, the functional API (conv2d + conv2d_backward, no saved record) "
          "against the layer path (Conv2D),\nin alternating blocks of their own:")
    print(f"{'case':<6} {'layer':>30} {'functional':>30} {'functional/layer':>16} {'target':>7}")
    for name, paths in cases.items():
        print(f"{name + ')':<6} {fmt(paths['layer']):>30} {fmt(paths['functional']):>30} "
              f"{judged(paths['functional_over_layer'], TARGETS['functional'], 16)}")
    print('\nthe same in engine "plain", against "fast" above:')
    print(f"{'':<6} {'':>30} {'':>30} {'plain/fast':^17}".rstrip())
    print(f"{'case':<6} {'plain layer':>30} {'plain functional':>30} {'functional':>10} "
          f"{'layer':>6} {'target':>7}")
    for name, paths in cases.items():
        print(f"{name + ')':<6} {fmt(paths['plain_layer']):>30} "
              f"{fmt(paths['plain_functional']):>30} "
              f"{paths['plain_over_fast_functional']:>10.2f} "
              f"{judged(paths['plain_over_fast'], TARGETS['plain'])}")


if __name__ == "__main__":
    main()
