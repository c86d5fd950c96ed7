"""The fast engine's lanes: blocks of channels run side by side, with the numbers of one lane.

Lanes only start on large inputs (``lanes.MIN_NUMBERS``), and on small
arrays the calling thread, which never lets go of the GIL, would finish
every block before a worker starts.  So here the threshold and the block
size are lowered, and the calling lane waits, before its first block, until
a worker has finished one (:func:`_workers_first`): every call runs blocks
in at least two threads, and the tests check that it did.  Each result is
compared, bit for bit, with the same call in one lane, and with the plain
tier.
"""

import multiprocessing
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, strategies as st

from convnet import functional as F
from convnet.functional import plain
from convnet.functional._fast import depthwise, lanes

from ..strategies import normal


def _workers_first(run_blocks, lanes_seen: list):
    """``run_blocks`` whose calling lane starts only after a worker lane has done a block."""
    def run(work, count, number):
        if number < 2 or count < 2:
            return run_blocks(work, count, number)
        helped = threading.Event()

        def wrapped(index, lane):
            if lane == 0:
                helped.wait(timeout=30)
            try:
                work(index, lane)
                lanes_seen.append(lane)
            finally:
                if lane > 0:
                    helped.set()
        return run_blocks(wrapped, count, number)
    return run


@contextmanager
def lanes_everywhere(block=64):
    """Lanes on any input, small blocks, three lanes (more than the cores), workers first.

    Yields ``(patch, lanes_seen)``: the monkeypatch, and the lane of every block run.
    """
    lanes_seen = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lanes, "MIN_NUMBERS", 0)
        patch.setattr(depthwise, "BLOCK", block)
        patch.setattr(depthwise, "run_blocks", _workers_first(lanes.run_blocks, lanes_seen))
        patch.setenv("CONVNET_NUM_THREADS", "3")
        yield patch, lanes_seen


@pytest.fixture
def many_lanes():
    with lanes_everywhere() as (patch, lanes_seen):
        yield lanes_seen


def test_lane_count_follows_the_environment(monkeypatch):
    monkeypatch.setenv("CONVNET_NUM_THREADS", "3")
    assert lanes.lane_count() == 3
    monkeypatch.setenv("CONVNET_NUM_THREADS", "1")
    assert lanes.lane_count() == 1 and lanes.lanes_for(8, 10**9) == 1
    seen = []
    lanes.run_blocks(lambda index, lane: seen.append((index, lane)), 3, 1)
    assert seen == [(0, 0), (1, 0), (2, 0)]
    for bad in ("two", "0", "-1", "1.5"):
        monkeypatch.setenv("CONVNET_NUM_THREADS", bad)
        with pytest.raises(ValueError, match="CONVNET_NUM_THREADS.*positive whole number"):
            lanes.lane_count()
    monkeypatch.delenv("CONVNET_NUM_THREADS")
    assert 1 <= lanes.lane_count() <= lanes.MAX_LANES


def test_lanes_for_keeps_small_work_in_one_lane(monkeypatch):
    monkeypatch.setenv("CONVNET_NUM_THREADS", "2")
    assert lanes.lanes_for(32, lanes.MIN_NUMBERS - 1) == 1
    assert lanes.lanes_for(32, lanes.MIN_NUMBERS) == 2
    assert lanes.lanes_for(1, 10**9) == 1                  # one block: nothing to share


def test_run_blocks_runs_each_block_once_in_lanes_of_their_own_threads():
    seen = {}
    gate = threading.Barrier(2, timeout=30)

    def work(index, lane):
        if index == 0:
            gate.wait()                     # blocks 0 and 1 run at once, in two threads
        if index == 1:
            gate.wait()
        seen[index] = (lane, threading.current_thread())
    lanes.run_blocks(work, 6, 3)
    assert sorted(seen) == list(range(6))
    assert len({thread for _, thread in seen.values()}) >= 2
    for lane, thread in seen.values():
        assert (lane == 0) == (thread is threading.current_thread())


def test_an_error_in_a_lane_is_raised_after_every_lane_has_stopped():
    finished, started = [], threading.Barrier(2, timeout=30)

    def work(index, lane):
        if index in (0, 1):
            started.wait()                  # two lanes at work
        if index == 1:
            raise ArithmeticError("block 1")
        finished.append(index)
    with pytest.raises(ArithmeticError, match="block 1"):
        lanes.run_blocks(work, 2, 2)
    assert finished == [0]


def _all_results(x, w, b, args, bias):
    """z, then dx, dw, db through the saved record and again without it."""
    z, saved = F.conv2d(x, w, b, **args, return_saved=True)
    dz = normal(7, z.shape)
    return (z, *F.conv2d_backward(dz, x, w, **args, bias=bias, saved=saved),
            *F.conv2d_backward(dz, x, w, **args, bias=bias)), dz


@st.composite
def depthwise_calls(draw):
    c, m = draw(st.integers(2, 5)), draw(st.integers(1, 3))          # groups = c > 1
    k = draw(st.integers(1, 3))
    x_shape = (draw(st.integers(1, 3)), c, draw(st.integers(k, 7)), draw(st.integers(k, 7)))
    args = dict(stride=draw(st.sampled_from([1, 1, 2, 3])), padding=draw(st.integers(0, 2)),
                dilation=draw(st.sampled_from([1, 1, 2])), groups=c)
    bias = draw(st.sampled_from(["tied", "untied", None]))
    special = draw(st.sampled_from([None, None, "x", "w"]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return x_shape, (c * m, 1, k, k), args, bias, special, dtype, draw(st.integers(0, 2**32 - 1))


@given(depthwise_calls())
def test_depthwise_in_lanes_equals_one_lane_bit_for_bit_and_the_plain_tier(call):
    x_shape, w_shape, args, bias, special, dtype, seed = call
    x, w = normal(seed, x_shape).astype(dtype), normal(seed + 1, w_shape).astype(dtype)
    if (w_shape[2] - 1) * args["dilation"] + 1 > min(x_shape[2:]) + 2 * args["padding"]:
        args["dilation"] = 1                              # keep the window inside the input
    if special == "x":
        x[0, -1, 0, -1] = np.inf                          # strided taps, not wide ones
    elif special == "w":
        w[-1, 0, 0, 0] = -np.inf
    with np.errstate(all="ignore"), lanes_everywhere() as (patch, lanes_seen):
        out_shape = plain.conv2d(x, w, **args).shape[1:]
        b = {"tied": normal(seed + 2, (w_shape[0],)).astype(dtype),
             "untied": normal(seed + 2, out_shape).astype(dtype), None: None}[bias]
        got, dz = _all_results(x, w, b, args, bias)
        assert any(lane > 0 for lane in lanes_seen)       # a worker thread ran blocks
        patch.setenv("CONVNET_NUM_THREADS", "1")
        one, _ = _all_results(x, w, b, args, bias)
        z, grads = plain.conv2d(x, w, b, **args), plain.conv2d_backward(dz, x, w, **args,
                                                                          bias=bias)
    for a, e in zip(got, one):
        assert (a is None) == (e is None)
        if a is not None:
            np.testing.assert_array_equal(a, e)
    if special is None:
        tight = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5,
                                                                              atol=1e-5)
        for a, e in zip(got, (z, *grads, *grads)):
            if e is not None:
                np.testing.assert_allclose(a, e, **tight)


def test_lanes_at_work_together_on_larger_maps_give_the_one_lane_numbers():
    # Maps large enough for NumPy to let go of the GIL: the lanes overlap for real (a work
    # room shared by two lanes, say, would show here).
    x = normal(0, (8, 32, 24, 24)).astype(np.float32)
    w = normal(1, (32, 1, 3, 3)).astype(np.float32)
    with lanes_everywhere(block=1 << 13) as (patch, lanes_seen):
        patch.setenv("CONVNET_NUM_THREADS", "2")
        runs = [_all_results(x, w, None, dict(padding=1, groups=32), "tied")[0]
                for _ in range(30)]
        assert any(lane > 0 for lane in lanes_seen)
        patch.setenv("CONVNET_NUM_THREADS", "1")
        one = _all_results(x, w, None, dict(padding=1, groups=32), "tied")[0]
    for got in runs:
        for a, e in zip(got, one):
            np.testing.assert_array_equal(a, e)


def test_every_lane_keeps_the_callers_numpy_errstate(many_lanes):
    x, w = normal(0, (1, 8, 6, 6)), np.zeros((8, 1, 3, 3))
    x[0, :, 3, 3] = np.inf                                # inf * 0 in every block
    with np.errstate(invalid="raise"):
        with pytest.raises(FloatingPointError):
            F.conv2d(x, w, padding=1, groups=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # a warning in any lane fails
        with np.errstate(invalid="ignore"):
            F.conv2d(x, w, padding=1, groups=8)
    assert any(lane > 0 for lane in many_lanes)


def test_transposed_depthwise_runs_in_lanes_too(many_lanes):
    x, w = normal(0, (2, 4, 5, 6)), normal(1, (4, 1, 3, 3))     # groups 4, one map each
    args = dict(stride=1, padding=1, groups=4)
    z, saved = F.conv_transpose2d(x, w, **args, return_saved=True)
    dz = normal(2, z.shape)
    got = (z, *F.conv_transpose2d_backward(dz, x, w, **args, saved=saved))
    want = (plain.conv_transpose2d(x, w, **args), *plain.conv_transpose2d_backward(dz, x, w,
                                                                                   **args))
    for a, e in zip(got, want):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)
    assert any(lane > 0 for lane in many_lanes)


def test_user_threads_sharing_the_lanes_get_their_own_results(many_lanes):
    inputs = [normal(seed, (2, 6, 9, 9)) for seed in range(6)]
    w = normal(9, (6, 1, 3, 3))
    serial = [F.conv2d(x, w, padding=1, groups=6) for x in inputs]
    results = [None] * len(inputs)

    def infer(i):
        for _ in range(20):
            results[i] = F.conv2d(inputs[i], w, padding=1, groups=6)
    threads = [threading.Thread(target=infer, args=(i,)) for i in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for got, want in zip(results, serial):
        np.testing.assert_array_equal(got, want)


def _forked_child(queue):
    x, w = normal(0, (2, 6, 9, 9)), normal(1, (6, 1, 3, 3))
    queue.put(F.conv2d(x, w, padding=1, groups=6))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="fork is a POSIX start method")
def test_a_forked_child_makes_its_own_workers(many_lanes):
    x, w = normal(0, (2, 6, 9, 9)), normal(1, (6, 1, 3, 3))
    want = F.conv2d(x, w, padding=1, groups=6)            # the parent's workers now exist
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_forked_child, args=(queue,))
    with warnings.catch_warnings():        # Python 3.12+ warns of forking with threads:
        warnings.simplefilter("ignore", DeprecationWarning)   # that is this test's case
        child.start()
    got = queue.get(timeout=60)                           # the copied pool has no threads
    child.join(timeout=60)
    assert child.exitcode == 0
    np.testing.assert_array_equal(got, want)
