"""Entry points of training: fit's options, callbacks, schedules, checkpoints (see rows_math.py)."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from convnet import _checkpoint, callbacks, optim, schedules

from .registry import Entry
from .rows import X4, method, small_model

CHECKPOINT = os.path.join(tempfile.gettempdir(), "convnet-robustness-checkpoint.npz")


def load_checkpoint(path, optimizer):
    """``callbacks.load_checkpoint`` with a checkpoint written first (once)."""
    if not os.path.exists(_checkpoint.optimizer_path(CHECKPOINT)):
        small_model().fit(X4, np.array([0, 1]), epochs=1, batch_size=2, loss="cross_entropy",
                          optimizer=optim.SGD(0.1, momentum=0.5), seed=0, verbose=0,
                          callbacks=[callbacks.ModelCheckpoint(CHECKPOINT)])
    return callbacks.load_checkpoint(path, optimizer)


def schedule_call(epoch, base_lr):
    return schedules.StepLR(2)(epoch, base_lr)


FIT_OPTIONS_EXTRA = [
    ("verbose", "three", 3), ("verbose", "a string", "1"), ("verbose", "None", None),
    ("verbose", "a float", 1.0),
    ("callbacks", "one callback, not in a list", callbacks.EarlyStopping()),
    ("callbacks", "a function in the list", [print]), ("callbacks", "a string", "early"),
    ("history", "a dict", {"loss": []}), ("history", "a list", [1.0]),
    ("transform", "a string", "flip"), ("transform", "a number", 3),
    ("transform", "a function dropping samples", lambda x, rng: x[:1]),
    ("transform", "a function returning a list", lambda x, rng: list(x)),
    ("validation_split", "leaving no training sample", 0.9),
    ("initial_epoch", "the last epoch", 1),
]

ROWS = (
    Entry("Sequential.fit (callbacks, validation_split, initial_epoch, history, transform)",
          method(small_model, "fit"),
          dict(x=X4, y=np.array([0, 1]), epochs=1, batch_size=2, loss="cross_entropy",
               optimizer=optim.SGD(0.1), seed=0, verbose=0, callbacks=None,
               validation_split=0.0, initial_epoch=None, history=None, transform=None),
          dict(validation_split="unit_float", initial_epoch="non_negative_int"),
          allow={"initial_epoch": {"None"}}, extra=FIT_OPTIONS_EXTRA),
    # -- schedules ------------------------------------------------------------------
    Entry("schedules.StepLR", schedules.StepLR, dict(step_size=2, gamma=0.5),
          dict(step_size="positive_int", gamma="positive_float")),
    Entry("schedules.MultiStepLR", schedules.MultiStepLR, dict(milestones=[2, 5], gamma=0.5),
          dict(gamma="positive_float"),
          extra=[("milestones", "a number", 3), ("milestones", "a string", "2,5"),
                 ("milestones", "a negative epoch", [2, -1]), ("milestones", "floats", [2.5]),
                 ("milestones", "None", None)]),
    Entry("schedules.ExponentialLR", schedules.ExponentialLR, dict(gamma=0.9),
          dict(gamma="positive_float")),
    Entry("schedules.CosineAnnealingLR", schedules.CosineAnnealingLR, dict(T_max=10, eta_min=0.0),
          dict(T_max="positive_int", eta_min="non_negative_float")),
    Entry("schedules.LinearWarmup", schedules.LinearWarmup,
          dict(epochs=3, then=schedules.StepLR(2), start_factor=0.5),
          dict(epochs="positive_int"), allow={"then": {"None"}},
          extra=[("then", "a function", lambda epoch, lr: lr), ("then", "a number", 0.1),
                 ("start_factor", "zero", 0.0), ("start_factor", "above one", 1.5),
                 ("start_factor", "None", None), ("start_factor", "nan", float("nan"))]),
    Entry("schedules.OneCycleLR", schedules.OneCycleLR,
          dict(max_lr=0.1, total_steps=10, pct_start=0.3, anneal_strategy="cos",
               div_factor=25.0, final_div_factor=1e4, three_phase=False),
          dict(max_lr="positive_float", total_steps="positive_int", pct_start="unit_float",
               anneal_strategy="choice", div_factor="positive_float",
               final_div_factor="positive_float", three_phase="bool"),
          extra=[("total_steps", "one", 1), ("pct_start", "zero", 0.0),
                 ("pct_start", "a phase without steps", 0.1)]),
    Entry("schedules.Schedule.__call__", schedule_call, dict(epoch=0, base_lr=0.1),
          dict(epoch="non_negative_int", base_lr="non_negative_float")),
    # -- callbacks ------------------------------------------------------------------
    Entry("callbacks.EarlyStopping", callbacks.EarlyStopping,
          dict(monitor="val_loss", patience=2, min_delta=0.0, restore_best=True, mode="auto"),
          dict(patience="non_negative_int", min_delta="non_negative_float", restore_best="bool",
               mode="choice"),
          extra=[("monitor", "a number", 3), ("monitor", "None", None)]),
    Entry("callbacks.ModelCheckpoint", callbacks.ModelCheckpoint,
          dict(path=CHECKPOINT, monitor="val_loss", save_best_only=False, mode="auto"),
          dict(path="path", save_best_only="bool", mode="choice"),
          extra=[("monitor", "a number", 3)]),
    Entry("callbacks.LearningRateScheduler", callbacks.LearningRateScheduler,
          dict(schedule=schedules.StepLR(2)), {},
          extra=[("schedule", "a number", 0.1), ("schedule", "None", None),
                 ("schedule", "a string", "step")]),
    Entry("callbacks.ReduceLROnPlateau", callbacks.ReduceLROnPlateau,
          dict(monitor="val_loss", factor=0.5, patience=2, threshold=1e-4, threshold_mode="rel",
               cooldown=0, min_lr=0.0, eps=1e-8, mode="auto"),
          dict(factor="unit_float", patience="non_negative_int", threshold="non_negative_float",
               threshold_mode="choice", cooldown="non_negative_int", min_lr="non_negative_float",
               eps="non_negative_float", mode="choice"),
          extra=[("monitor", "a number", 3), ("factor", "zero", 0.0)]),
    Entry("callbacks.StopOnDivergence", callbacks.StopOnDivergence, dict(raise_error=True),
          dict(raise_error="bool")),
    Entry("callbacks.load_checkpoint", load_checkpoint, dict(path=CHECKPOINT, optimizer=None),
          dict(path="path"),
          extra=[("optimizer", "a string", "sgd"), ("optimizer", "another kind", optim.Adam())]),
)
