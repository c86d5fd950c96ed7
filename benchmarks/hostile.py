"""How long refusing a hostile file takes, and how much memory: the time bound of issue 13.

Run:  python benchmarks/hostile.py [--repeat 5]

Each file is built in a temporary folder with the builders the tests use
(``tests/robustness/hostile_files.py``) and then refused by ``convnet.load``
or ``convnet.datasets.read_idx``.  Printed per file: its size on disk, what
it would expand to, the median wall time of the refusal and the peak memory
traced by ``tracemalloc`` in a separate run (tracing slows Python down, so it
is not timed).  The tests assert the error and the memory bound; the time is
only measured here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _folder in (str(HERE), str(ROOT)):   # convnet from this checkout; the files beside this one
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

import convnet  # noqa: E402
from convnet._budget import format_bytes  # noqa: E402
from convnet.datasets import read_idx  # noqa: E402
from machine import machine  # noqa: E402
from tests.robustness.hostile_files import (bomb_file, deflate_bomb, description,  # noqa: E402
                                            gzip_bytes, idx_header, model_file, npy_header,
                                            peak_of)

GIB = 1024    # in MiB, as deflate_bomb counts


def cases(folder: Path):
    """(name, path, what it would expand to, reader) for each hostile file."""
    weight = deflate_bomb(npy_header(np.float32, (16384, 16384)), GIB)
    dense = [{"type": "Dense", "config": {"in_features": 16384, "out_features": 16384}}]
    entry = {"shape": [16384, 16384], "dtype": "float32", "sha256": "0" * 64}
    deep = b'{"format": "convnet-model", "layers": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    labels = idx_header(0x08, (10,)) + bytes(range(10))
    idx = folder / "labels-idx1-ubyte.gz"
    idx.write_bytes(gzip_bytes(*deflate_bomb(labels, GIB)))
    return [
        ("1 GiB bomb beside a description that is not JSON",
         bomb_file(folder / "a.npz", b"not JSON", weight), "1 GiB", convnet.load),
        ("1 GiB bomb that matches its description",
         bomb_file(folder / "b.npz", description(dense, {"0.weight": entry}), weight), "1 GiB",
         convnet.load),
        ("Dense(16384, 16384) described, no array",
         model_file(folder / "c.npz", description(dense)), "1 GiB of weights", convnet.load),
        ("100,000-deep nesting", model_file(folder / "d.npz", deep), "a RecursionError",
         convnet.load),
        ("IDX gzip: 10 labels, then a 1 GiB bomb", idx, "1 GiB", read_idx),
    ]


def refusal_time(reader, path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            reader(path)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{path} was accepted")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed refusals per file")
    args = parser.parse_args(argv)
    info = machine()
    print(f"{info.get('cpu', info['machine'])}, {info['cpus']} CPUs, Python {info['python']}, "
          f"NumPy {info['numpy']}")
    print(f"{'file':48} {'on disk':>11} {'expands to':>17} {'refused in':>11} {'peak':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for name, path, expands, reader in cases(Path(folder)):
            outcome, peak = peak_of(lambda: reader(path))
            if not isinstance(outcome, ValueError):
                raise AssertionError(f"{name}: {outcome!r}")
            seconds = refusal_time(reader, path, args.repeat)
            size = format_bytes(path.stat().st_size)
            print(f"{name:48} {size:>11} {expands:>17} "
                  f"{seconds * 1e3:>8.2f} ms {peak:>5.2f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
