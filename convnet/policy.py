"""The training policy: the shortcuts a training step takes to run faster, none changing a number.

:class:`TrainingPolicy` is what ``Sequential.fit`` and ``train_batch`` use
(``model.policy``); each shortcut leaves every number unchanged (a test trains
with the policy on and off and compares the results bit for bit), so switch
them off to step through the plainest path.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._validate import boolean, fail
from .layers import MaxPool2D, ReLU

__all__ = ["TrainingPolicy", "checked_policy"]


@dataclass(frozen=True)
class TrainingPolicy:
    """The shortcuts ``fit`` and ``train_batch`` take; none of them changes a number.

    Parameters
    ----------
    reuse_buffers : bool, default True
        Let the engines keep their work memory from step to step (see
        :func:`convnet.functional.reuse_work_memory`), the arrays passed
        between layers included (:func:`convnet.functional.step_memory`):
        a new large array costs a page fault per 4 KiB the first time it is
        written, and glibc hands freed memory back between steps.
    skip_first_input_gradient : bool, default True
        The first layer does not compute dL/dx: training never needs the
        gradient with respect to the data.
    relu_after_max_pool : bool, default True
        A ReLU directly followed by a max pooling runs *after* it.  The two
        commute exactly: ``max(relu(a), relu(b)) = relu(max(a, b))`` because
        ReLU never changes the order of two numbers, and the gradients agree
        too (the window's winner gets dz when its value is positive, nothing
        otherwise; on ties and NaN as well).  The ReLU then touches a quarter
        of the numbers after 2x2 pooling.  ``predict`` runs this order too;
        ``Sequential.forward`` and ``backward`` keep the list order.  Only
        the model's own list is reordered: a container (``Residual``,
        ``Concat``) runs its layers in the order given, and a ReLU before a
        container is never moved into it (what commutes with a whole block
        is not known).  A max pooling with a dilation keeps its ReLU before
        it: a dilated window may hold padding only, whose -inf a ReLU after
        it would turn into 0.

    Examples
    --------
    >>> TrainingPolicy()
    TrainingPolicy(reuse_buffers=True, skip_first_input_gradient=True, relu_after_max_pool=True)
    >>> TrainingPolicy.off()
    TrainingPolicy(reuse_buffers=False, skip_first_input_gradient=False, relu_after_max_pool=False)
    """

    reuse_buffers: bool = True
    skip_first_input_gradient: bool = True
    relu_after_max_pool: bool = True

    def __post_init__(self):
        for name in ("reuse_buffers", "skip_first_input_gradient", "relu_after_max_pool"):
            boolean(getattr(self, name), name)

    @classmethod
    def off(cls) -> "TrainingPolicy":
        """Every shortcut switched off: the plainest path, with the same numbers."""
        return cls(False, False, False)

    def running_order(self, layers) -> list:
        """The order in which a step runs the layers (backward reverses it)."""
        order = list(layers)
        if not self.relu_after_max_pool:
            return order
        index = 0
        while index < len(order) - 1:
            # the library's own types only: a subclass may change what commutes; a dilated
            # window may hold padding only (-inf, which a ReLU after it would make 0)
            if (type(order[index]) is ReLU and type(order[index + 1]) is MaxPool2D
                    and order[index + 1].dilation == (1, 1)):
                order[index], order[index + 1] = order[index + 1], order[index]
                index += 2
            else:
                index += 1
        return order


def checked_policy(policy) -> TrainingPolicy:
    if not isinstance(policy, TrainingPolicy):
        fail("policy", "a convnet.TrainingPolicy, e.g. TrainingPolicy() or "
             "TrainingPolicy.off()", policy, error=TypeError)
    return policy
