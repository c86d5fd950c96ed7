"""Every public entry point refuses every bad input with a ValueError or TypeError naming it.

Two passes per entry point: every listed bad value of every argument
(registry.py), then random garbage drawn by hypothesis (numbers out of range,
text, nested lists, arrays of wrong dtype, shape or size).  A test fails on
any other exception type (IndexError, AttributeError, ZeroDivisionError, a
NumPy broadcasting error, ...), on a message that does not name the argument,
if the call returns instead of raising, or (for the listed values, which
include the huge sizes) if it allocated more than PEAK_MIB on the way to its
refusal, traced by tracemalloc: a huge size must be refused before it is
allocated, not after.  The number of distinct bad inputs
tried per entry point is printed at the end of the run.
"""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from .entries import ENTRIES
from .registry import Opaque

TRIED: dict[str, set] = {}

ACCEPTED = (ValueError, TypeError)
# The valid arguments are small (a few KiB of arrays); what a refusal may cost, first-use
# imports and caches included, is far below what a huge size would have allocated.
PEAK_MIB = 8



@pytest.fixture
def traced():
    """tracemalloc running, with the optional plotting library already imported (its import
    is not what a refusal costs)."""
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        pass
    tracemalloc.start()
    yield
    tracemalloc.stop()


def check_refused(entry, argument, label, value):
    arguments = dict(entry.valid)
    arguments[argument] = value
    TRIED.setdefault(entry.name, set()).add((argument, label, _key(value)))
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
    try:
        result = entry.call(**arguments)
    except ACCEPTED as exc:
        if tracemalloc.is_tracing():
            peak = (tracemalloc.get_traced_memory()[1] - start) / 2 ** 20
            assert peak < PEAK_MIB, (f"{entry.name}: {argument} = {label}: {peak:.1f} MiB "
                                     "allocated before the refusal")
        message = str(exc)
        named = any(re.search(rf"(?<![A-Za-z_]){re.escape(n)}(?![A-Za-z_])", message)
                    for n in entry.names(argument))
        assert named, (f"{entry.name}: {argument} = {label}: the message does not name "
                       f"{entry.names(argument)}: {message!r}")
        return
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{entry.name}: {argument} = {label} raised {type(exc).__name__}: {exc}")
    pytest.fail(f"{entry.name}: {argument} = {label} was accepted and returned "
                f"{type(result).__name__}")


def _key(value):
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes()[:64])
    return repr(value)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_listed_bad_value_is_refused(entry, traced):
    cases = list(entry.bad_values())
    assert cases, f"{entry.name} lists no bad values"
    for argument, label, value in cases:
        check_refused(entry, argument, label, value)


TEXT = st.text(max_size=6)
WORDS = TEXT.filter(lambda t: t.strip() not in (
    "valid", "same", "full", "C", "F", "tied", "untied", "he", "glorot", "max", "avg",
    "cross_entropy", "mse", "float32", "float64", "f4", "f8", "d", "f", "float", "double",
    "single", "e", "half", "g", "longdouble"))
OBJECTS = st.sampled_from([Opaque(), object(), [], {}, (), 1j, b"x"])

def _is_float_dtype(text):
    try:
        return np.dtype(text).type in (np.float32, np.float64)
    except Exception:  # noqa: BLE001 - anything NumPy cannot parse is wrong anyway
        return False


# Random wrong values by kind.
GARBAGE = {
    "positive_int": st.one_of(st.integers(-10 ** 12, 0), st.floats(0.01, 0.99), WORDS, OBJECTS,
                              st.booleans()),
    "non_negative_int": st.one_of(st.integers(-10 ** 12, -1), st.floats(0.01, 0.99), WORDS,
                                  OBJECTS, st.booleans()),
    "padding": st.one_of(st.integers(-10 ** 6, -1), WORDS, st.floats(0.1, 0.9), OBJECTS,
                         st.tuples(st.integers(-5, -1), st.integers(0, 1)),
                         st.lists(st.integers(0, 1), min_size=3, max_size=4)),
    "choice": st.one_of(WORDS, st.integers(), OBJECTS, st.floats(allow_nan=False)),
    "unit_float": st.one_of(st.floats(1.0, 1e9, exclude_min=True), st.floats(-1e9, -1e-9),
                            WORDS, OBJECTS),
    "positive_float": st.one_of(st.floats(-1e9, -1e-12), WORDS, OBJECTS,
                                st.just(float("nan"))),
    "axis": st.one_of(st.integers(2, 10 ** 6), st.integers(-10 ** 6, -3), st.floats(0.1, 0.9),
                      WORDS, OBJECTS),
    "pixel": st.one_of(st.tuples(st.integers(-9, -1), st.integers(0, 9)), WORDS,
                       st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)),
                       st.sampled_from([Opaque(), {}, 1j, b"x"])),
    "real": st.one_of(WORDS, OBJECTS, st.complex_numbers(min_magnitude=1, allow_nan=False)),
    "non_negative_float": st.one_of(st.floats(-1e9, -1e-12), WORDS, OBJECTS,
                                    st.just(float("nan"))),
    "closed_unit_float": st.one_of(st.floats(1.0, 1e9, exclude_min=True),
                                   st.floats(-1e9, -1e-9), WORDS, OBJECTS),
    "optional_closed_unit_float": st.one_of(st.floats(1.0, 1e9, exclude_min=True),
                                            st.floats(-1e9, -1e-9), WORDS, OBJECTS),
    "dtype": st.one_of(WORDS.filter(lambda t: t != "" and not _is_float_dtype(t)), st.sampled_from(
        ["int8", "int64", "uint8", "complex128", "bool", "U3", "object"]), OBJECTS),
    "seed": st.one_of(st.integers(-10 ** 9, -1), st.floats(0.1, 0.9), WORDS, OBJECTS),
    "bool": st.one_of(WORDS, st.integers(), OBJECTS),
    "shape2": st.one_of(st.tuples(st.integers(-9, 0), st.integers(1, 9)), WORDS,
                        st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)),
                        OBJECTS.filter(lambda o: o not in ((), []))),
    "path": st.one_of(st.integers(), OBJECTS, st.lists(TEXT, max_size=2)),
}
def _objects(shape):
    array = np.empty(shape, dtype=object)
    array[...] = Opaque()
    return array


def array_garbage(valid, fixed_ndim):
    shape = np.shape(valid)
    wrong = [st.builds(lambda t: np.full(shape, t), TEXT.filter(bool)),
             st.builds(lambda b: np.full(shape, b, dtype=bool), st.booleans()),
             st.builds(lambda r: np.full(shape, complex(r, 1.0)), st.floats(-9, 9)),
             st.just(shape).map(_objects),
             st.lists(TEXT, min_size=1, max_size=3), WORDS,
             st.sampled_from([Opaque(), object(), {}, 1j, b"x"])]
    if fixed_ndim:
        wrong.append(st.integers(0, 6).filter(lambda d: d != len(shape)).map(
            lambda d: np.ones((2,) * d)))
    return st.one_of(wrong)


FUZZED = [(entry, argument) for entry in ENTRIES for argument, kind in entry.kinds.items()]
# Under derandomize=True (the CI profile), hypothesis 6.170 makes a parametrized @given
# function's settings one level deeper on each of its runs, so one function can run about
# 950 cases before a RecursionError inside hypothesis: the cases are spread over functions
# of at most CHUNK cases each.
CHUNK = 400


def garbage_test(cases):
    """The random-garbage test over ``cases`` (pairs of entry and argument)."""
    @pytest.mark.parametrize("entry, argument", cases, ids=[f"{e.name}-{a}" for e, a in cases])
    @settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_random_garbage_is_refused(entry, argument, data):
        kind = entry.kinds[argument]
        if isinstance(kind, tuple):
            value = data.draw(array_garbage(entry.valid[argument], kind[1]))
        else:
            value = data.draw(GARBAGE[kind])
        check_refused(entry, argument, f"random {value!r:.60}", value)
    return test_random_garbage_is_refused


for _first in range(0, len(FUZZED), CHUNK):
    globals()[f"test_random_garbage_is_refused_{_first // CHUNK}"] = garbage_test(
        FUZZED[_first:_first + CHUNK])


def test_lists_and_integer_arrays_are_accepted_where_reasonable():
    import convnet
    from convnet import layers as L
    from convnet.functional import conv2d, max_pool2d, relu
    assert np.array_equal(convnet.correlate2d([[1, 2], [3, 4]], [[1]]), [[1.0, 2.0], [3.0, 4.0]])
    as_ints = np.arange(16).reshape(1, 1, 4, 4)
    assert np.array_equal(conv2d(as_ints, np.ones((1, 1, 2, 2), dtype=int)),
                          conv2d(as_ints.astype(float), np.ones((1, 1, 2, 2))))
    assert max_pool2d(as_ints.tolist(), 2).shape == (1, 1, 2, 2)
    assert np.array_equal(relu([-1, 2]), [0.0, 2.0])
    layer = L.Dense(2, 1, rng=0)
    assert layer.forward([[1, 2]]).shape == (1, 1)
    from convnet.losses import SoftmaxCrossEntropy
    assert SoftmaxCrossEntropy().forward([[0.0, 0.0]], [1]) > 0
    model = convnet.Sequential(L.Flatten(), L.Dense(4, 2, rng=0))
    model.fit([[[[1, 2], [3, 4]]]] * 4, [0, 1, 0, 1], epochs=1, batch_size=2,
              loss="cross_entropy", optimizer=convnet.optim.SGD(0.1), verbose=False)


DOCUMENTED = ["convnet", "convnet.geometry", "convnet.window", "convnet.receptive_field",
              "convnet.functional",
              "convnet.functional.plain", "convnet.reference", "convnet.theory",
              "convnet.layers", "convnet.losses", "convnet.optim", "convnet.model",
              "convnet.training", "convnet.gradcheck", "convnet.datasets", "convnet.zoo",
              "convnet.explain", "convnet.viz", "convnet.transforms", "convnet.metrics",
              "convnet.callbacks", "convnet.schedules", "convnet.testing", "convnet.exercises",
              "convnet.insight", "convnet.interop"]
# Public names that take no input worth refusing, with the reason.
EXEMPT = {
    "PADDING_MODES": "a constant", "PADDING_FILLS": "a constant", "DPI": "a constant",
    "MAX_TERMS": "a constant",
    "LINE_KERNELS": "a constant", "ReceptiveField": "a record returned by receptive_field",
    "Window": "a record built only by conv_window / pool_window", "Layer": "the base class",
    "Loss": "the base class", "Optimizer": "the base class", "History": "a record",
    "Summary": "a record", "GradientReport": "a record", "TensorCheck": "a record",
    "Explanation": "a record returned by explain", "Step": "a part of an Explanation",
    "DatasetError": "an exception", "ModelFileError": "an exception",
    "DivergenceError": "an exception", "GlobalAvgPool2D": "no arguments (forward/backward are)",
    "ReLU": "no arguments (forward/backward are)", "Sigmoid": "no arguments (forward/backward are)",
    "Tanh": "no arguments (forward/backward are)",
    "designed_squares_vs_diamonds": "no arguments",
    "SoftmaxCrossEntropy": "no arguments (forward is)", "MSELoss": "no arguments (forward is)",
    "Saved": "a record returned by the forward functions", "ENGINES": "a constant", "MODELS": "a constant",
    "get_engine": "no arguments", "step_memory": "no arguments",
    "temporary_work_memory": "no arguments", "inference": "no arguments",
    "inferring": "no arguments",
    "get_memory_budget": "no arguments",
    "CIFAR10_CLASSES": "a constant", "FASHION_MNIST_CLASSES": "a constant",
    "Callback": "the base class", "Checkpoint": "a record returned by load_checkpoint",
    "AnswerCheck": "a record returned by check_answer", "WrongEntry": "a part of an AnswerCheck",
    "ANSWER_KINDS": "a constant", "SHEETS": "a constant", "Sheet": "a record of SHEETS",
    "Exercise": "a part of a Sheet", "Grades": "a record returned by exercises.check",
    "sheet_table": "no arguments",
    "CheckResult": "a record", "Mistake": "a record", "MISTAKES": "a constant",
    "catalogue_table": "no arguments",
    "Adversarial": "a record returned by fgsm", "ClassModel": "a record returned by class_model",
}


def test_every_documented_public_name_is_covered():
    import importlib
    import inspect
    covered = {entry.name.split(" ")[0].split(".")[-1] for entry in ENTRIES}
    covered |= {entry.name.split(".")[-2] for entry in ENTRIES if entry.name.count(".") >= 2}
    missing = []
    for module_name in DOCUMENTED:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if inspect.ismodule(getattr(module, name)) or name in EXEMPT:
                continue
            if name not in covered:
                missing.append(f"{module_name}.{name}")
    assert not missing, f"public names without robustness entries: {missing}"
