"""Grad-CAM's bilinear upsampling against torch.nn.functional.interpolate (align_corners=False)."""

import numpy as np
import torch
from hypothesis import given, settings, strategies as st

from convnet.insight.cam import bilinear_resize


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), big_h=st.integers(1, 30),
       big_w=st.integers(1, 30), seed=st.integers(0, 2 ** 16))
def test_bilinear_resize_is_torch_interpolate_bilinear(h, w, big_h, big_w, seed):
    maps = np.random.default_rng(seed).normal(size=(2, h, w))
    expected = torch.nn.functional.interpolate(
        torch.tensor(maps)[:, None], size=(big_h, big_w), mode="bilinear",
        align_corners=False)[:, 0].numpy()
    np.testing.assert_allclose(bilinear_resize(maps, (big_h, big_w)), expected,
                               rtol=1e-12, atol=1e-12)
