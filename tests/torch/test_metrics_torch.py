"""predict_proba, top-k accuracy and Normalize against PyTorch's softmax, topk and arithmetic.

float64 on both sides; scores are continuous draws, so there are no ties
(where PyTorch's topk leaves the order of equal scores unspecified).
"""

import numpy as np
import torch
from hypothesis import given, settings, strategies as st

import convnet
from convnet import layers as L
from convnet.metrics import top_k_accuracy
from convnet.transforms import Normalize

torch.set_num_threads(1)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 16), n=st.integers(1, 8), classes=st.integers(2, 6),
       scale=st.sampled_from([1.0, 100.0, 1e4]))
def test_predict_proba_is_torch_softmax(seed, n, classes, scale):
    rng = np.random.default_rng(seed)
    model = convnet.Sequential(L.Flatten(), L.Dense(4, classes, rng=seed, dtype=np.float64))
    model.layers[1].params["weight"][...] *= scale           # scores up to ~1e4: no overflow
    x = rng.normal(size=(n, 1, 2, 2))
    expected = torch.softmax(torch.tensor(model.predict(x)), dim=1).numpy()
    np.testing.assert_allclose(model.predict_proba(x), expected, rtol=1e-12, atol=1e-300)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 16), n=st.integers(1, 10), classes=st.integers(1, 7),
       k=st.integers(1, 7))
def test_top_k_accuracy_is_torch_topk(seed, n, classes, k):
    rng = np.random.default_rng(seed)
    scores, y = rng.normal(size=(n, classes)), rng.integers(0, classes, n)
    top = torch.topk(torch.tensor(scores), min(k, classes), dim=1).indices.numpy()
    expected = np.mean([label in row for label, row in zip(y, top)])
    assert top_k_accuracy(scores, y, k) == expected


def test_normalize_is_torch_arithmetic():
    x = np.random.default_rng(0).random((4, 3, 5, 5))
    mean, std = [0.49, 0.48, 0.45], [0.25, 0.24, 0.26]
    t = torch.tensor(x)
    as_float64 = dict(dtype=torch.float64)
    expected = ((t - torch.tensor(mean, **as_float64).view(1, 3, 1, 1))
                / torch.tensor(std, **as_float64).view(1, 3, 1, 1))
    np.testing.assert_allclose(Normalize(mean, std)(x, None), expected.numpy(), rtol=1e-15)
