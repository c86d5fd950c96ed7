"""The fast engine's work memory: buffers lent from a per-thread pool never carry numbers across.

Every call in a thread may be the next to borrow a buffer, not only the same
layer: a buffer whose zeros are relied on (a padded border, zero rows for
BLAS) must only ever go to code that writes exactly the same places.  These
tests run sequences of calls whose buffers have the same shape but another
arrangement (padding split differently between the sides, another number of
real rows) and compare every result with the plain tier.
"""

import threading

import numpy as np
from hypothesis import given, strategies as st

import convnet
from convnet import functional as F
from convnet.functional import plain
from convnet.functional._fast import memory

from ..strategies import normal

TIGHT = dict(rtol=1e-12, atol=1e-12)


@st.composite
def colliding_calls(draw):
    """3-6 convolutions of one padded size: padding split differently, map counts alike for BLAS."""
    n, c, h, w = draw(st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(3, 6),
                                st.integers(3, 6)))
    kernel = draw(st.integers(1, 3))
    total = (draw(st.integers(0, 4)), draw(st.integers(0, 4)))    # padding rows, columns
    calls = []
    for _ in range(draw(st.integers(3, 6))):
        top, left = draw(st.integers(0, total[0])), draw(st.integers(0, total[1]))
        pads = ((top, total[0] - top), (left, total[1] - left))
        f = draw(st.integers(5, 8))                                # one BLAS row count: 8
        stride = draw(st.sampled_from([1, 1, 2]))
        calls.append(dict(x_shape=(n, c, h, w), w_shape=(f, c, kernel, kernel), padding=pads,
                          stride=stride, seed=draw(st.integers(0, 2**32 - 1))))
    return calls


@given(colliding_calls())
def test_calls_that_share_buffers_give_the_plain_results(calls):
    for call in calls:
        x = normal(call["seed"], call["x_shape"])
        w = normal(call["seed"] + 1, call["w_shape"])
        b = normal(call["seed"] + 2, call["w_shape"][:1])
        args = dict(stride=call["stride"], padding=call["padding"])
        z, saved = F.conv2d(x, w, b, **args, return_saved=True)
        dz = normal(call["seed"] + 3, z.shape)
        got = (z, *F.conv2d_backward(dz, x, w, **args, saved=saved),
               *F.conv2d_backward(dz, x, w, **args))
        want = plain.conv2d(x, w, b, **args)
        grads = plain.conv2d_backward(dz, x, w, **args)
        for a, e in zip(got, (want, *grads, *grads)):
            np.testing.assert_allclose(a, e, **TIGHT)


def test_reuse_on_and_off_give_the_same_numbers_bit_for_bit():
    x, w = normal(0, (4, 3, 9, 9)), normal(1, (6, 3, 3, 3))
    dz = normal(2, (4, 6, 9, 9))
    runs = []
    for flag in (True, False, True):
        with F.reuse_work_memory(flag):
            z, saved = F.conv2d(x, w, padding=1, return_saved=True)
            runs.append((z.copy(), *F.conv2d_backward(dz, x, w, padding=1, saved=saved)))
    for run in runs[1:]:
        for a, b in zip(run, runs[0]):
            np.testing.assert_array_equal(a, b)


def test_returned_arrays_are_never_work_buffers():
    # A later call borrows the same buffers: what an earlier call returned must not change.
    x, w = normal(0, (2, 3, 8, 8)), normal(1, (4, 3, 3, 3))
    z, saved = F.conv2d(x, w, padding=1, return_saved=True)
    dx, dw, db = F.conv2d_backward(np.ones_like(z), x, w, padding=1, saved=saved)
    kept = [a.copy() for a in (z, dx, dw, db)]
    for seed in range(3):
        other = normal(seed + 5, x.shape)
        z2, saved2 = F.conv2d(other, w, padding=1, return_saved=True)
        F.conv2d_backward(np.ones_like(z2), other, w, padding=1, saved=saved2)
        F.max_pool2d(other, 2)
    for a, b in zip((z, dx, dw, db), kept):
        np.testing.assert_array_equal(a, b)


def test_each_thread_has_its_own_pool_and_releasing_empties_it():
    F.conv2d(normal(0, (2, 3, 8, 8)), normal(1, (4, 3, 3, 3)), padding=1)
    assert memory.pool().nbytes > 0
    pools = []
    thread = threading.Thread(target=lambda: pools.append(memory.pool()))
    thread.start()
    thread.join()
    assert pools[0] is not memory.pool()
    convnet.functional.release_work_memory()
    assert memory.pool().nbytes == 0


def test_the_pool_keeps_at_most_its_limit():
    pool = memory.Pool(limit=1000)
    for i in range(5):
        pool.give(("buffer", i), np.empty(100))          # 800 bytes each
    assert pool.nbytes == 800                            # the oldest went first
    pool.give(("huge",), np.empty(1000))                 # larger than the limit: not kept
    assert pool.nbytes == 800
    assert pool.take(("buffer", 4), (100,), np.float64).shape == (100,)
    assert pool.nbytes == 0


def test_a_record_dropped_unused_gives_its_buffer_back():
    x, w = normal(0, (2, 3, 8, 8)), normal(1, (4, 3, 3, 3))
    convnet.functional.release_work_memory()
    _, saved = F.conv2d(x, w, padding=1, return_saved=True)
    held = memory.pool().nbytes
    del saved
    assert memory.pool().nbytes > held


def test_a_backward_without_record_never_uses_a_stale_gather():
    # The thread remembers the last forward's gather for a backward on the same bits of x;
    # an x changed in place, another x, or another dtype must be gathered again.
    w = normal(1, (4, 3, 3, 3))
    x = normal(0, (2, 3, 8, 8))
    dz = normal(2, (2, 4, 8, 8))
    cases = []
    z = F.conv2d(x, w, padding=1)
    x[0, 0, 3, 3] += 1.0                                   # changed between forward and backward
    cases.append(x)
    F.conv2d(x, w, padding=1)
    cases.append(normal(3, x.shape))                       # another array, same geometry
    F.conv2d(x.astype(np.float32), w.astype(np.float32), padding=1)
    cases.append(x)                                        # the forward ran in float32
    for case in cases:
        got = F.conv2d_backward(dz, case, w, padding=1)
        for a, e in zip(got, plain.conv2d_backward(dz, case, w, padding=1)):
            np.testing.assert_allclose(a, e, **TIGHT)
    assert z.shape == (2, 4, 8, 8)


def test_a_backward_without_record_after_the_same_forward_is_exact():
    x, w, dz = normal(0, (2, 3, 8, 8)), normal(1, (4, 3, 3, 3)), normal(2, (2, 4, 8, 8))
    F.conv2d(x, w, padding=1)
    for a, e in zip(F.conv2d_backward(dz, x, w, padding=1),
                    plain.conv2d_backward(dz, x, w, padding=1)):
        np.testing.assert_allclose(a, e, **TIGHT)
    F.conv2d(x, w, padding=1)
    convnet.functional.release_work_memory()               # forgets the gather too
    assert memory.pool().nbytes == 0


def test_releasing_every_threads_memory_while_another_computes_is_safe():
    # Another thread's pool is only asked to clear; its own thread clears it on next use.
    x, w = normal(0, (2, 3, 8, 8)), normal(1, (4, 3, 3, 3))
    expected = plain.conv2d_backward(np.ones((2, 4, 8, 8)), x, w, padding=1)
    failures = []

    def compute():
        try:
            for _ in range(150):
                z, saved = F.conv2d(x, w, padding=1, return_saved=True)
                got = F.conv2d_backward(np.ones_like(z), x, w, padding=1, saved=saved)
                F.max_pool2d(x, 2)
                for a, e in zip(got, expected):
                    np.testing.assert_allclose(a, e, **TIGHT)
        except Exception as exc:   # noqa: BLE001 - reported below
            failures.append(exc)

    worker = threading.Thread(target=compute)
    worker.start()
    while worker.is_alive():
        convnet.functional.release_work_memory(every_thread=True)
    worker.join()
    assert not failures, failures


def test_without_reuse_every_buffer_is_new():
    x, w = normal(0, (2, 3, 8, 8)), normal(1, (4, 3, 3, 3))
    F.conv2d(x, w, padding=1)                              # fills the pool
    taken = []
    original = memory.Pool.take

    def spy(self, key, shape, dtype, fill=None):
        buffer = original(self, key, shape, dtype, fill)
        taken.append(buffer)
        return buffer

    memory.Pool.take = spy
    try:
        with F.reuse_work_memory(False):
            F.conv2d(x, w, padding=1)
    finally:
        memory.Pool.take = original
    kept = {id(b) for stack in memory.pool()._free.values() for b in stack}
    assert taken and not any(id(b) in kept for b in taken)


def test_a_changed_max_pool_output_does_not_change_its_backward():
    # The record keeps a copy: changing z in place (which no caller should) routes the same.
    x = -np.arange(16.0).reshape(1, 1, 4, 4) - 1
    z, saved = F.max_pool2d(x, 2, return_saved=True)
    np.maximum(z, 0, out=z)
    np.testing.assert_array_equal(F.max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2, saved=saved),
                                  plain.max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2))


def test_relu_backward_with_inf_sensitivities_is_exact_and_silent():
    x = np.array([-1.0, 0.0, 2.0, -3.0])
    dz = np.array([np.inf, -np.inf, np.inf, np.nan])
    with np.errstate(all="raise"):
        got = F.relu_backward(dz, x)
    np.testing.assert_array_equal(got, [0.0, 0.0, np.inf, 0.0])
