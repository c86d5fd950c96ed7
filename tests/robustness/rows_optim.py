"""Entry points of the optimizers added for issue 15: RMSprop, AdaGrad, AdamW, and state copies.

See rows_math.py for what ``valid``, ``kinds``, ``extra``, ``aliases`` and
``allow`` mean.
"""

from __future__ import annotations

import numpy as np

from convnet import layers as L, optim

from .registry import Entry
from .rows import method


def adam_after_one_step():
    optimizer = optim.Adam(0.1)
    layer = L.Dense(2, 2, rng=0)
    layer.grads = {"weight": np.ones((2, 2)), "bias": np.ones(2)}
    optimizer.step(layer)
    return optimizer


def broken_state(**change):
    """A state_dict of ``adam_after_one_step()`` with one part replaced."""
    state = adam_after_one_step().state_dict()
    for key, value in change.items():
        if key == "entry":
            state["state"]["weight"]["m"] = value
        else:
            state[key] = value
    return state


ROWS = (
    Entry("optim.RMSprop", optim.RMSprop,
          dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False),
          dict(lr="positive_float", alpha="closed_unit_float", eps="non_negative_float",
               weight_decay="non_negative_float", momentum="unit_float", centered="bool")),
    Entry("optim.AdaGrad", optim.AdaGrad,
          dict(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
               eps=1e-10),
          dict(lr="positive_float", lr_decay="non_negative_float",
               weight_decay="non_negative_float", initial_accumulator_value="non_negative_float",
               eps="non_negative_float")),
    Entry("optim.AdamW", optim.AdamW,
          dict(lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False),
          dict(lr="positive_float", eps="non_negative_float", weight_decay="non_negative_float",
               amsgrad="bool"),
          extra=[("betas", "one number", 0.9), ("betas", "a beta of one", (0.9, 1.0)),
                 ("betas", "a triple", (0.9, 0.99, 0.999))]),
    Entry("optim.Adam.load_state_dict", method(adam_after_one_step, "load_state_dict"),
          dict(state_dict=adam_after_one_step().state_dict()), {},
          extra=[("state_dict", "None", None), ("state_dict", "a list", [1, 2]),
                 ("state_dict", "missing keys", {"state": {}}),
                 ("state_dict", "another optimizer's", optim.SGD(0.1).state_dict()),
                 ("state_dict", "a config that is not a dict", broken_state(config=3)),
                 ("state_dict", "a state that is not a dict", broken_state(state=[1])),
                 ("state_dict", "a string for an array", broken_state(entry="zeros")),
                 ("state_dict", "an integer array", broken_state(entry=np.ones(2, int)))]),
)
