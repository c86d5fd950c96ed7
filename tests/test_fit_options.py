"""fit's validation split, transform, initial_epoch/history and progress output."""

import io
import sys

import numpy as np
import pytest

import convnet
import convnet._progress as progress
from convnet import layers as L
from convnet.optim import SGD

from .test_model import toy_data


def model(seed=0):
    rng = np.random.default_rng(seed)
    return convnet.Sequential(L.Conv2D(1, 2, 3, rng=rng, dtype=np.float64), L.ReLU(),
                              L.Flatten(), L.Dense(72, 2, rng=rng, dtype=np.float64))


def fit(net=None, **kwargs):
    x, y = toy_data(40)
    kwargs = dict(dict(epochs=2, batch_size=8, loss="cross_entropy", optimizer=SGD(0.05),
                       seed=1, verbose=0), **kwargs)
    return (net or model()).fit(x, y, **kwargs)


def test_validation_split_is_seeded_and_sized_as_keras(monkeypatch):
    a, b, c = (fit(validation_split=0.25, seed=s) for s in (1, 1, 2))
    assert a.val_loss == b.val_loss and a.val_loss != c.val_loss
    # int(40 * 0.75) = 30 training samples: batches of 8, 8, 8 and 6
    sizes = []
    step = convnet._loop.train_step
    monkeypatch.setattr(convnet._loop, "train_step",
                        lambda m, x, *args: sizes.append(x.shape[0]) or step(m, x, *args))
    fit(epochs=1, validation_split=0.25)
    assert sizes == [8, 8, 8, 6]
    with pytest.raises(ValueError, match="validation_split must be 0 when validation_data is "
                                         "given"):
        fit(validation_split=0.1, validation_data=toy_data(4))


def test_a_transform_gets_a_seeded_generator_and_the_run_repeats_bit_for_bit():
    def jitter(x, rng):                       # a transform of this test's own
        return x + rng.normal(0, 0.05, size=x.shape)
    draws = []

    def noting(x, rng):
        draws.append(rng.integers(1000))
        return x
    first, second = (fit(transform=jitter, epochs=3) for _ in range(2))
    assert first.loss == second.loss
    assert fit(transform=jitter, epochs=3).loss != fit(epochs=3).loss
    fit(transform=noting, epochs=2)
    again = list(draws)
    draws.clear()
    fit(transform=noting, epochs=2)
    assert draws == again and len(set(draws)) > 1
    with pytest.raises(ValueError, match=r"transform must be a callable returning a batch array "
                                         r"with the samples it was given \(8\)"):
        fit(transform=lambda x, rng: x[:3])


def test_initial_epoch_resumes_the_shuffling_of_the_uninterrupted_run():
    whole = model()
    full = fit(whole, epochs=4)
    part = model()
    history = fit(part, epochs=2)
    again = fit(part, epochs=4, initial_epoch=2)          # a new History from epoch 3
    assert again.epoch == [3, 4] and history.loss + again.loss == full.loss
    with pytest.raises(ValueError, match=r"epochs must be more than initial_epoch \(4\)"):
        fit(part, epochs=4, history=fit(part, epochs=4))
    with pytest.raises(ValueError, match=r"initial_epoch must be the last epoch of the History "
                                         r"continued \(2\); got 1"):
        fit(part, epochs=4, history=history, initial_epoch=1)


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_verbose_1_in_a_terminal_draws_one_bar_for_the_whole_fit(monkeypatch, capsys):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(epochs=3, verbose=1, validation_split=0.25)
    bar = terminal.getvalue()
    # 3 epochs x 4 batches = 12 steps in one bar, closed once at 12/12
    assert "\r" in bar and bar.count("12/12") >= 1 and "/36" not in bar
    assert "epoch 3/3" in bar and "loss=" in bar and "accuracy=" in bar
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]



def test_a_terminal_without_tqdm_gets_the_lines_only(monkeypatch, capsys):
    monkeypatch.setattr(progress, "_tqdm_package", None)      # as if tqdm were not installed
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert terminal.getvalue() == "" and "\r" not in out
    assert [line.split("  ")[0] for line in out.splitlines()] == ["epoch 1/2", "epoch 2/2"]

def test_not_a_terminal_gets_one_line_per_epoch_and_no_carriage_return(capsys):
    fit(epochs=2, verbose=1)
    out, err = capsys.readouterr()
    assert "\r" not in out + err and err == ""
    assert len(out.splitlines()) == 2 and out.startswith("epoch 1/2  loss ")


@pytest.mark.parametrize("verbose, lines", [(0, 0), (False, 0), (2, 2), (True, 2)])
def test_verbose_levels(capsys, verbose, lines):
    fit(epochs=2, verbose=verbose)
    assert len(capsys.readouterr().out.splitlines()) == lines


def test_a_notebook_without_ipywidgets_gets_lines_and_no_warning(monkeypatch, capsys, recwarn):
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(progress, "has_widgets", lambda: False)
    monkeypatch.setattr(sys, "stderr", FakeTerminal())            # even with a tty
    fit(epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 2 and "\r" not in out and sys.stderr.getvalue() == ""
    assert not recwarn.list


def test_train_digits_quiet_prints_nothing(capsys):
    convnet.zoo.train_digits(epochs=1, verbose=False)
    assert capsys.readouterr() == ("", "")


def test_a_notebook_with_ipywidgets_gets_one_widget_bar(monkeypatch, capsys):
    import tqdm.notebook
    made = []

    class Widget:                       # stands in for tqdm.notebook.tqdm: no kernel here
        def __init__(self, **options):
            made.append(options)
            self.steps = 0

        def set_description(self, text, refresh=True):
            self.description = text

        def set_postfix(self, postfix, refresh=True):
            self.postfix = postfix

        def update(self, n):
            self.steps += n

        def close(self):
            made.append(("closed", self.steps, self.description, sorted(self.postfix)))
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(progress, "has_widgets", lambda: True)
    monkeypatch.setattr(tqdm.notebook, "tqdm", Widget)
    fit(epochs=2, verbose=1)                        # 40 samples: 5 batches an epoch
    assert made[0]["total"] == 10 and made[1] == ("closed", 10, "epoch 2/2",
                                                  ["accuracy", "loss"])
    assert len(made) == 2 and len(capsys.readouterr().out.splitlines()) == 2


def test_a_continued_history_keeps_validation_aligned_with_its_epochs():
    # Epoch 1 without validation, 2-3 with, 4 without: one entry per epoch, None where an
    # epoch had none (as pandas would show NaN); a History never validated keeps empty lists.
    x, y = toy_data(40)
    net = model()
    history = fit(net, epochs=1)
    assert history.val_loss == [] and history.val_accuracy == []
    fit(net, epochs=3, history=history, validation_data=(x[:8], y[:8]))
    fit(net, epochs=4, history=history)
    assert history.epoch == [1, 2, 3, 4]
    assert [v is None for v in history.val_loss] == [True, False, False, True]
    assert [v is None for v in history.val_accuracy] == [True, False, False, True]
    table = history.as_dict()
    assert all(len(column) == 4 for column in table.values())
    lines = str(history).splitlines()[1:]
    assert [lines[i].split()[3] for i in (0, 3)] == ["-", "-"]
    for i in (1, 2):
        assert float(lines[i].split()[3]) == pytest.approx(history.val_loss[i], abs=1e-4)
    assert history._repr_html_().count("<td") == 4 * 6
