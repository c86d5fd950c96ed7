"""The fast engine's depthwise taps, grouped products and padding modes: its own ways, its own memory.

A depthwise convolution runs without any gather (taps of shifted maps); its
record holds the padded maps and gives them back; calls with other groups,
padding modes or transposed convolutions that borrow the same buffers give
the plain tier's numbers.
"""

import numpy as np
from hypothesis import given, strategies as st

import convnet
from convnet import functional as F
from convnet.functional import plain
from convnet.functional._fast import conv as fast_conv, conv_transpose as fast_transpose
from convnet.functional._fast import memory
from convnet.functional._fast.depthwise import BLOCK, PaddedMaps, _blocks

from ..strategies import normal

TIGHT = dict(rtol=1e-12, atol=1e-12)


def test_a_depthwise_convolution_gathers_nothing(monkeypatch):
    def no_gather(*args, **kwargs):
        raise AssertionError("the depthwise path gathered")

    monkeypatch.setattr(fast_conv, "gather_input", no_gather)
    monkeypatch.setattr(fast_conv, "conv2d_forward", no_gather)
    monkeypatch.setattr(fast_transpose, "gather_input", no_gather)
    x, w = normal(0, (2, 4, 7, 6)), normal(1, (8, 1, 3, 3))          # multiplier 2
    z, saved = F.conv2d(x, w, stride=2, padding=1, groups=4, return_saved=True)
    dz = normal(2, z.shape)
    got = (z, *F.conv2d_backward(dz, x, w, stride=2, padding=1, groups=4, saved=saved),
           *F.conv2d_backward(dz, x, w, stride=2, padding=1, groups=4))
    grads = plain.conv2d_backward(dz, x, w, stride=2, padding=1, groups=4)
    for a, e in zip(got, (plain.conv2d(x, w, stride=2, padding=1, groups=4), *grads, *grads)):
        np.testing.assert_allclose(a, e, **TIGHT)
    # the transposed depthwise convolution too, forward and backward
    t = normal(3, (2, 8, 4, 3))
    z = F.conv_transpose2d(t, w, stride=2, groups=4)
    dz = normal(4, z.shape)
    got = (z, *F.conv_transpose2d_backward(dz, t, w, stride=2, groups=4, input_gradient=False))
    want = (plain.conv_transpose2d(t, w, stride=2, groups=4),
            *plain.conv_transpose2d_backward(dz, t, w, stride=2, groups=4,
                                             input_gradient=False))
    for a, e in zip(got, want):
        assert (a is None) == (e is None)
        if a is not None:
            np.testing.assert_allclose(a, e, **TIGHT)


def test_the_depthwise_record_holds_the_padded_maps_and_gives_them_back():
    x, w = normal(0, (2, 3, 8, 8)), normal(1, (3, 1, 3, 3))
    convnet.functional.release_work_memory()
    _, saved = F.conv2d(x, w, padding=1, groups=3, return_saved=True)
    contents = saved._contents
    assert isinstance(contents, PaddedMaps) and contents.cols.shape == (3, 2, 10, 10)
    assert contents.flat is not None                        # stride 1: wide taps, a flat copy
    held = memory.pool().nbytes
    del saved, contents
    assert memory.pool().nbytes > held                  # the padded maps went back
    _, saved = F.conv2d(x, w, stride=2, groups=3, return_saved=True)
    assert saved._contents.lease is None and saved._contents.flat is None   # a view of x


def test_blocks_of_channels_cover_every_channel_once():
    assert _blocks(5, BLOCK) == [slice(i, i + 1) for i in range(5)]
    # 2.5 blocks' worth: rounded up to a multiple of four (lanes share them evenly)
    assert _blocks(5, BLOCK // 2) == [slice(0, 1), slice(1, 2), slice(2, 3), slice(3, 5)]
    assert _blocks(3, 4 * BLOCK) == [slice(0, 1), slice(1, 2), slice(2, 3)]
    assert _blocks(7, 1) == [slice(0, 7)]                      # too small for lanes: one block
    assert len(_blocks(32, 64 * 34 * 34)) == 8                 # the benchmark's 3x3 layer


@st.composite
def mixed_calls(draw):
    """Calls on one input shape with groups, padding modes and transposes mixed: shared buffers."""
    calls = []
    for _ in range(draw(st.integers(3, 6))):
        calls.append(dict(kind=draw(st.sampled_from(["conv", "transpose"])),
                          groups=draw(st.sampled_from([1, 2, 4])),
                          mode=draw(st.sampled_from(["zeros", "reflect", "replicate",
                                                     "circular"])),
                          padding=draw(st.sampled_from([0, 1, 2, (1, 2)])),
                          stride=draw(st.sampled_from([1, 1, 2])),
                          seed=draw(st.integers(0, 2**32 - 1))))
    return calls


@given(mixed_calls())
def test_calls_that_share_buffers_give_the_plain_results(calls):
    for call in calls:
        x = normal(call["seed"], (2, 4, 6, 5))
        g, args = call["groups"], dict(stride=call["stride"], padding=call["padding"])
        if call["kind"] == "conv":
            w = normal(call["seed"] + 1, (4, 4 // g, 3, 3))
            args.update(groups=g, padding_mode=call["mode"])
            forward, backward = "conv2d", "conv2d_backward"
        else:
            w = normal(call["seed"] + 1, (4, 8 // g, 3, 3))
            args.update(groups=g)
            forward, backward = "conv_transpose2d", "conv_transpose2d_backward"
        z, saved = getattr(F, forward)(x, w, **args, return_saved=True)
        dz = normal(call["seed"] + 2, z.shape)
        got = (z, *getattr(F, backward)(dz, x, w, **args, saved=saved),
               *getattr(F, backward)(dz, x, w, **args))
        grads = getattr(plain, backward)(dz, x, w, **args)
        for a, e in zip(got, (getattr(plain, forward)(x, w, **args), *grads, *grads)):
            np.testing.assert_allclose(a, e, **TIGHT)


def test_inf_weights_and_data_take_the_strided_taps_and_stay_exact():
    # Wide taps multiply garbage positions too (by zero in the backward): with an inf
    # weight or inf data that would be NaN where the loops give a number.
    from convnet import reference
    x, w = normal(0, (1, 2, 4, 5)), normal(1, (2, 1, 3, 3))
    w[1, 0, 1, 1] = np.inf
    x_inf = x.copy()
    x_inf[0, 0, 2, 2] = -np.inf
    dz = normal(2, (1, 2, 4, 5))
    with np.errstate(all="ignore"):
        for data in (x, x_inf):
            got = (F.conv2d(data, w, padding=1, groups=2),
                   *F.conv2d_backward(dz, data, w, padding=1, groups=2))
            want = (reference.conv2d(data, w, padding=1, groups=2),
                    *reference.conv2d_backward(dz, data, w, padding=1, groups=2))
            for a, e in zip(got, want):
                np.testing.assert_array_equal(np.isnan(a), np.isnan(e))
                np.testing.assert_allclose(a[~np.isnan(e)], e[~np.isnan(e)], **TIGHT)


def test_the_sub_pixel_forward_covers_padding_output_padding_groups_and_depthwise():
    # Kernels of whole strides: the fast engine convolves at stride 1 and shuffles pixels.
    from convnet.functional._fast.conv_transpose import subpixel_applies
    from convnet.window import transposed_window
    cases = [((2, 4, 5, 3), (4, 3, 4, 4), dict(stride=2, padding=1)),            # DCGAN
             ((1, 2, 3, 4), (2, 2, 2, 6), dict(stride=(2, 3), padding=((0, 1), (2, 0)),
                                               output_padding=(1, 2))),       # past the windows
             ((2, 4, 3, 3), (4, 1, 3, 3), dict(stride=3, groups=4, output_padding=2)),  # depthwise
             ((1, 6, 3, 2), (6, 2, 4, 2), dict(stride=(2, 1), padding=(3, 0), groups=3))]
    for seed, (x_shape, w_shape, args) in enumerate(cases):
        x, w, b = normal(seed, x_shape), normal(seed + 1, w_shape), normal(seed + 2, (99,))
        window = transposed_window(x_shape[2:], w_shape[2:], args.get("stride", 1),
                                   args.get("padding", 0), args.get("output_padding", 0), 1,
                                   args.get("groups", 1))[0]
        assert subpixel_applies(w_shape, window)
        bias = b[:w_shape[1] * args.get("groups", 1)]
        np.testing.assert_allclose(F.conv_transpose2d(x, w, bias, **args),
                                   plain.conv_transpose2d(x, w, bias, **args), **TIGHT)
