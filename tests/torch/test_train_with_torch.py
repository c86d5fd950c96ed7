"""examples/train_with_torch.py under torchrun: two processes, DDP over gloo, the loss falls.

The example is run as a student runs it (``torchrun --nproc_per_node 2``),
on the first 192 training digits for 3 epochs, and must bring the trained
network back to convnet: evaluated, explained, saved as safetensors.
"""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import convnet

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_processes_train_and_the_network_comes_back(tmp_path):
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
               str(ROOT / "examples" / "train_with_torch.py"), "--epochs", "3",
               "--samples", "192", "--out", str(tmp_path)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 process(es) on" in run.stdout
    losses = [float(v) for v in re.findall(r"epoch \d+: loss ([0-9.]+)", run.stdout)]
    assert len(losses) == 3 and losses[-1] < losses[0], run.stdout
    assert "back in convnet: test loss" in run.stdout
    assert "Cross-correlation of X (8x8)" in run.stdout
    model = convnet.load(tmp_path / "digits_cnn.safetensors")
    assert model.summary((1, 8, 8)).rows[-1][1] == (10,)
