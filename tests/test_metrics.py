"""Tests of convnet.metrics and of Sequential.predict_proba / evaluate(top_k=...).

Expected values are counted by hand (comments) or computed by an
independent oracle (a full sort with np.lexsort for top-k; the softmax
formula in float64 for probabilities).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convnet
from convnet import layers as L
from convnet.metrics import ConfusionMatrix, confusion_matrix, top_k_accuracy


def test_confusion_matrix_by_hand():
    # pairs (true, predicted): (0,0) (0,2) (1,1) (1,1) (2,0) (2,2) (2,2)
    cm = confusion_matrix([0, 0, 1, 1, 2, 2, 2], [0, 2, 1, 1, 0, 2, 2])
    np.testing.assert_array_equal(cm.counts, [[1, 0, 1], [0, 2, 0], [1, 0, 2]])
    assert cm.counts.dtype == np.int64 and cm.total == 7
    assert cm.accuracy == 5 / 7
    np.testing.assert_allclose(cm.per_class_accuracy(), [1 / 2, 2 / 2, 2 / 3])
    assert cm.classes == ("0", "1", "2")


def test_confusion_matrix_from_scores_names_and_absent_classes():
    scores = [[0.9, 0.1, 0.0, 0.0], [0.2, 0.7, 0.1, 0.0], [0.6, 0.3, 0.1, 0.0]]   # argmax 0,1,0
    cm = confusion_matrix([0, 1, 1], scores, classes=["cat", "dog", "bird", "fish"])
    np.testing.assert_array_equal(cm.counts, [[1, 0, 0, 0], [1, 1, 0, 0], [0] * 4, [0] * 4])
    per_class = cm.per_class_accuracy()
    np.testing.assert_array_equal(per_class[:2], [1.0, 0.5])
    assert np.isnan(per_class[2]) and np.isnan(per_class[3])         # no bird, no fish
    assert confusion_matrix([0], [0], num_classes=3).counts.shape == (3, 3)


def test_confusion_matrix_shows_itself():
    cm = confusion_matrix([0, 0, 1], [0, 1, 1], classes=["cat", "dog<b>"])
    text = str(cm)
    assert text.splitlines()[0].split() == ["true", "\\", "predicted", "cat", "dog<b>",
                                            "accuracy"]
    assert text.splitlines()[1].split() == ["cat", "1", "1", "0.500"]
    assert repr(cm).startswith("ConfusionMatrix(2 classes, 3 samples, accuracy 0.6667)\n")
    page = cm._repr_html_()
    assert page.startswith("<table>") and "dog&lt;b&gt;" in page and "<b>1</b>" in page


@pytest.mark.parametrize("call, error, match", [
    (lambda: confusion_matrix([0, 1], [0]), ValueError, "y_pred must be of shape \\(2,\\)"),
    (lambda: confusion_matrix([0, 3], [0, 1], num_classes=3), ValueError,
     "y_true \\(num_classes=3\\) must be class labels in \\[0, 2\\]"),
    (lambda: confusion_matrix([0, 1], [0, -1]), ValueError, "y_pred must be class labels"),
    (lambda: confusion_matrix([], []), ValueError, "y_true must be a non-empty"),
    (lambda: confusion_matrix([0, 1], [0, 1], classes=["a"]), ValueError, "classes must be 2"),
    (lambda: confusion_matrix([0, 1], [0, 1], classes="ab"), TypeError, "classes must be"),
    (lambda: ConfusionMatrix([[1, 2]]), ValueError, "counts must be a square"),
    (lambda: ConfusionMatrix([[1, -2], [0, 0]]), ValueError, "counts must be"),
])
def test_confusion_matrix_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_top_k_by_hand_with_ties():
    scores = [[0.5, 0.5, 0.2],       # label 1: class 0 ties and is lower, so rank 2
              [0.1, 0.9, 0.9],       # label 2: class 1 ties and is lower, so rank 2
              [0.3, 0.3, 0.3]]       # label 0: first of three ties, rank 1
    y = [1, 2, 0]
    assert top_k_accuracy(scores, y, 1) == 1 / 3
    assert top_k_accuracy(scores, y, 2) == 1.0
    assert top_k_accuracy(scores, y, 7) == 1.0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2 ** 16), n=st.integers(1, 12), classes=st.integers(1, 6),
       k=st.integers(1, 7))
def test_top_k_matches_a_full_sort(seed, n, classes, k):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 3, (n, classes)).astype(float)       # small integers: many ties
    y = rng.integers(0, classes, n)
    # rank by (score descending, class ascending): lexsort's last key sorts first
    order = [np.lexsort((np.arange(classes), -row)) for row in scores]
    expected = np.mean([label in ranking[:k] for label, ranking in zip(y, order)])
    assert top_k_accuracy(scores, y, k) == expected
    if k == 1:
        assert top_k_accuracy(scores, y, 1) == np.mean(scores.argmax(axis=1) == y)


def small_model(dtype=np.float64, softmax=False):
    layers = [L.Flatten(), L.Dense(4, 3, rng=0, dtype=dtype)] + ([L.Softmax()] if softmax else [])
    return convnet.Sequential(*layers)


def test_predict_proba_is_the_softmax_of_the_scores():
    model = small_model()
    x = np.random.default_rng(1).normal(size=(6, 1, 2, 2))
    scores = model.predict(x)
    expected = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    probabilities = model.predict_proba(x)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-12)
    model.layers[1].params["bias"][...] = [1e4, 0.0, -1e4]         # scores near 1e4: no overflow
    huge = model.predict_proba(x)
    assert np.all(np.isfinite(huge)) and np.allclose(huge.sum(axis=1), 1.0)
    np.testing.assert_allclose(huge[:, 0], 1.0)
    assert small_model(np.float32).predict_proba(x.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="already returns probabilities"):
        small_model(softmax=True).predict_proba(x)


def test_evaluate_top_k():
    model = small_model()
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(30, 1, 2, 2)), rng.integers(0, 3, 30)
    loss, accuracy = model.evaluate(x, y)
    scores = model.predict(x)
    assert accuracy == np.mean(scores.argmax(axis=1) == y)
    assert model.evaluate(x, y, top_k=1) == (loss, accuracy, accuracy)
    assert model.evaluate(x, y, top_k=2) == (loss, accuracy, top_k_accuracy(scores, y, 2))
    assert model.evaluate(x, y, top_k=3)[2] == 1.0
    targets = np.eye(3)[y]                                        # (N, K): not class labels
    assert model.evaluate(x, targets, loss="mse", top_k=2)[2] is None
    with pytest.raises(ValueError, match="top_k must be an integer >= 1"):
        model.evaluate(x, y, top_k=0)
