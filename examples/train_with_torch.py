"""A convnet model trained by PyTorch's distributed engine, then brought back to be explained.

The story of a student who outgrows NumPy: the network of ``zoo.digits_cnn``
is built in convnet, moved to PyTorch with ``convnet.interop.to_torch``,
trained with ``torch.nn.parallel.DistributedDataParallel`` (each process
takes its share of every epoch's digits and the gradients are averaged
between the processes after every backward pass), and moved back with
``convnet.interop.from_torch`` to be evaluated, explained and pictured by
convnet.  On CPUs the processes talk through the gloo backend; with one
GPU per process, through NCCL.

Run (two processes on this machine):

    torchrun --nproc_per_node 2 examples/train_with_torch.py [--epochs N] [--samples N]

or ``python examples/train_with_torch.py`` for a single process.  Needs
PyTorch: ``pip install -e ".[torch]"``.  With matplotlib installed, the
trained kernels and the feature maps of a test digit are written as PNGs.
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

try:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
except ImportError:
    sys.exit('This example needs PyTorch: pip install -e ".[torch]"')

import convnet
from convnet import explain, interop, viz
from convnet.datasets import load_digits
from convnet.zoo import digits_cnn


def start_processes():
    """Join the group torchrun started (or make a group of one); returns (rank, device)."""
    if "RANK" not in os.environ:                       # python examples/train_with_torch.py
        os.environ.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1",
                          MASTER_PORT=os.environ.get("MASTER_PORT", "29517"))
    local_rank = int(os.environ["LOCAL_RANK"])
    if torch.cuda.is_available() and torch.cuda.device_count() > local_rank:
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl")
    else:
        device = torch.device("cpu")
        torch.set_num_threads(1)                       # the processes share the cores
        dist.init_process_group("gloo")
    return dist.get_rank(), device


def train(module, x, y, epochs, batch_size, lr, device, log):
    """SGD with DistributedDataParallel; returns each epoch's mean loss over every process."""
    model = DistributedDataParallel(module.to(device))
    data = TensorDataset(torch.from_numpy(x), torch.from_numpy(y).long())
    sampler = DistributedSampler(data, shuffle=True, seed=0)      # each process its share
    loader = DataLoader(data, batch_size=batch_size, sampler=sampler)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for epoch in range(epochs):
        sampler.set_epoch(epoch)                                  # a new order every epoch
        total = torch.zeros(2, dtype=torch.float64, device=device)
        model.train()
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            loss.backward()                             # DDP averages the gradients here
            optimizer.step()
            total += torch.stack([loss.detach().double() * len(labels),
                                  torch.tensor(float(len(labels)), device=device)])
        dist.all_reduce(total)                          # the sum over every process
        losses.append(float(total[0] / total[1]))
        log(f"epoch {epoch + 1}: loss {losses[-1]:.4f}")
    return losses


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train convnet's digits network with PyTorch")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--samples", type=int, default=None,
                        help="train on the first N training digits (default: all 1,347)")
    parser.add_argument("--batch-size", type=int, default=32, help="per process")
    parser.add_argument("--out", type=Path, default=Path("output/train_with_torch"),
                        help="folder for the pictures (written if matplotlib is installed)")
    args = parser.parse_args(argv)
    rank, device = start_processes()
    log = print if rank == 0 else (lambda *_: None)
    try:
        (x_train, y_train), (x_test, y_test) = load_digits()
        x_train, y_train = x_train[:args.samples], y_train[:args.samples]
        model = digits_cnn(seed=0)                        # 1. a convnet model (float32)
        module = interop.to_torch(model)                  # 2. the same network in PyTorch
        log(f"{dist.get_world_size()} process(es) on {device.type}; "
            f"{len(x_train)} training digits")
        losses = train(module, x_train, y_train, args.epochs, args.batch_size, 0.05, device,
                       log)                               # 3. distributed training
        if rank == 0:                                     # 4. back to convnet, to be read
            trained = interop.from_torch(module.cpu().eval(), (1, 8, 8))
            show(trained, x_test, y_test, args.out)
        # Every process leaves the group together: one that tears gloo down while another
        # still works in it was seen to abort ("terminate called without an active exception").
        dist.barrier()
        return losses
    finally:
        dist.destroy_process_group()


def show(model, x_test, y_test, out):
    """Evaluate, explain and picture the trained network with convnet."""
    loss, accuracy = model.evaluate(x_test, y_test)
    print(f"back in convnet: test loss {loss:.4f}, accuracy {accuracy:.1%}")
    print(explain.summary(model, (1, 8, 8)).text())
    kernel = model.layers[0].params["weight"][0, 0]
    print(explain.correlate2d(np.round(x_test[0, 0], 2), np.round(kernel, 2), padding="same",
                              max_terms=4).text())
    viz.save_pictures(out, {
        "kernels": lambda path: viz.plot_kernels(model.layers[0], path),
        "feature_maps": lambda path: viz.plot_feature_maps(model, x_test[0], path),
    })
    model.save(out / "digits_cnn.safetensors")            # readable by safetensors.torch too
    print(f"saved {out / 'digits_cnn.safetensors'}; convnet.load reads it back:",
          type(convnet.load(out / "digits_cnn.safetensors")).__name__)


if __name__ == "__main__":
    main()
