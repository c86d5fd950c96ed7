"""Hostile CIFAR-10 archives at the official batch size: headers that lie, bombs, truncation.

``load_cifar10`` checks each member's declared size against 10,000 x 3,073
bytes before allocating, reads one batch into a 30 MiB buffer, and allocates
the results only after a whole batch arrived; the tests bound the memory
traced by ``tracemalloc`` while an archive is refused.  No test measures time.
"""

import gzip
import io
import tarfile

import convnet
from convnet.datasets import DatasetError, load_cifar10
from .hostile_files import peak_of

BATCH_BYTES = 10_000 * 3_073


def member(name, size, data=b""):
    """A tar header declaring ``size`` bytes, followed by ``data`` (which may be shorter)."""
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(format=tarfile.PAX_FORMAT) + data


def refused(root, *fragments, peak):
    error, mebibytes = peak_of(lambda: load_cifar10(root))
    assert isinstance(error, DatasetError), repr(error)
    for fragment in fragments:
        assert fragment in str(error), str(error)
    assert mebibytes < peak, f"{mebibytes:.1f} MiB traced while refusing: {error}"


def test_a_member_declaring_a_terabyte_is_refused_before_allocating(tmp_path):
    data = member("cifar-10-batches-bin/data_batch_1.bin", 2 ** 40, b"\x00" * 1024)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(gzip.compress(data))
    refused(tmp_path, "'data_batch_1.bin' must be 10,000 records of 3,073 bytes "
                      "(30,730,000 bytes); it has 1,099,511,627,776", peak=2.0)


def test_a_truncated_first_batch_costs_one_batch_of_memory(tmp_path):
    data = member("cifar-10-batches-bin/data_batch_1.bin", BATCH_BYTES, b"\x01" * 100_000)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(gzip.compress(data))
    refused(tmp_path, "corrupt or truncated", peak=BATCH_BYTES / 2 ** 20 + 3)


def test_a_gzip_bomb_behind_a_small_member_is_refused(tmp_path):
    # a readme declaring 2 GiB of zeros: refused from its header, never decompressed
    data = member("cifar-10-batches-bin/readme.html", 2 ** 31)
    stream = io.BytesIO()
    with gzip.GzipFile(fileobj=stream, mode="wb") as out:
        out.write(data)
        for _ in range(64):
            out.write(bytes(2 ** 20))                       # 64 MiB of zeros, ~64 KiB packed
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(stream.getvalue())
    refused(tmp_path, "member 'cifar-10-batches-bin/readme.html' of 2,147,483,648 bytes",
            peak=2.0)


def test_the_images_must_fit_the_memory_budget(tmp_path):
    previous = convnet.set_memory_budget(2 ** 29)                   # 512 MiB
    try:
        # 60,000 x 3,072 float32 = 737,280,000 bytes, checked before any file is opened
        refused(tmp_path / "nothing-here", "the 60,000 images in float32 would take 703.1 MiB, "
                "more than the memory budget of 512.0 MiB", peak=1.0)
    finally:
        convnet.set_memory_budget(previous)
