"""Progress display for training: a tqdm bar when tqdm is installed, plain lines otherwise."""

from __future__ import annotations

try:  # optional dependency: pip install "convnet[progress]"
    from tqdm.auto import tqdm
except ImportError:  # pragma: no cover - depends on the environment
    tqdm = None

__all__ = ["EpochProgress"]


class EpochProgress:
    """One epoch's progress: a bar with the running loss, then a summary line."""

    def __init__(self, epoch: int, epochs: int, batches: int, enabled: bool):
        self.enabled = bool(enabled)
        self.bar = None
        if self.enabled and tqdm is not None:
            self.bar = tqdm(total=batches, desc=f"epoch {epoch}/{epochs}", unit="batch",
                            leave=False)

    def update(self, running_loss: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{running_loss:.4f}", refresh=False)
            self.bar.update(1)

    def close(self, line) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.enabled and line:
            print(line, flush=True)
