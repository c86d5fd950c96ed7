"""The fast engine's tiling path for pooling is taken exactly when the windows tile the input."""

from convnet.functional._fast.pool import _tiles
from convnet.window import pool_window


def test_tiling_path_is_kept_for_the_benchmark_shapes_and_left_when_a_window_hangs_over():
    assert _tiles(pool_window((32, 32), 2))                         # the benchmarks: 2x2, s 2
    assert _tiles(pool_window((32, 32), 2, ceil_mode=True))         # nothing hangs over
    assert _tiles(pool_window((33, 33), 2))                         # row 32 is never read
    assert not _tiles(pool_window((33, 32), 2, ceil_mode=True))     # a window reads row 33
    assert not _tiles(pool_window((32, 32), 2, padding=1))


def test_dilated_windows_never_take_the_tiling_path():
    assert not _tiles(pool_window((32, 32), 2, dilation=2))
