"""The training loop: one readable function, in the order nanoGPT's train.py uses."""

from __future__ import annotations

import ctypes
import functools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from seqcast.errors import SeqcastError
from seqcast.models import kernels
from seqcast.models.networks import SpecNet
from seqcast.models.optim import GroupedOptimizer
from seqcast.settings import LOSSES, OPTIMIZERS


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 50  # the tutorial's
    batch_size: int = 64  # the tutorial's
    optimizer: str = "rmsprop"  # the tutorial's; adam, adamw and sgd too
    learning_rate: float | None = None  # None: the optimizer's Keras default
    momentum: float = 0.9  # SGD only
    loss: str = "mse"  # the tutorial's; mae and huber are robust to BTC's jumps
    shuffle: bool = True  # Keras shuffles each epoch by default
    patience: int | None = None  # early stopping on the validation tail; None = off

    def check(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise SeqcastError(f"unknown optimizer '{self.optimizer}'; choose one of {OPTIMIZERS}")
        if self.loss not in LOSSES:
            raise SeqcastError(f"unknown loss '{self.loss}'; choose one of {LOSSES}")
        if self.epochs < 1 or self.batch_size < 1:
            raise SeqcastError("epochs and batch size must be at least 1")
        if self.patience is not None and self.patience < 1:
            raise SeqcastError("patience must be at least 1 epoch")


@dataclass(frozen=True)
class EpochLog:
    epoch: int
    loss: float  # mean training loss over the epoch's batches
    val_loss: float | None  # loss on the validation tail, if any
    seconds: float


def make_loss(name: str) -> nn.Module:
    """Per-element loss; the loop averages it per member, so members stay independent."""
    losses = {"mse": nn.MSELoss, "mae": nn.L1Loss, "huber": nn.HuberLoss}
    return losses[name](reduction="none")


def fit_model(
    model: SpecNet,
    X: np.ndarray,
    y: np.ndarray,
    config: TrainConfig,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: Callable[[list[EpochLog]], None] | None = None,
) -> list[list[EpochLog]]:
    """Train every member of `model` on windows X (N, L, C) -> y (N, H); return each member's
    per-epoch log.

    Each member shuffles with its own seed and is scored on its own mean loss, so training
    G members at once gives each the updates it would get alone. With `patience` and a
    validation set, a member stops improving after `patience` epochs without a better
    validation loss and gets its best weights back; the loop ends when all have stopped.
    """
    config.check()
    # All windows stay one tensor; batches are index gathers (no per-sample DataLoader cost).
    X_t = torch.from_numpy(X)
    y_t = torch.from_numpy(np.asarray(y, dtype=np.float32).reshape(len(X), -1))  # (N, H)
    n, members = len(X_t), len(model.seeds)
    shufflers = [torch.Generator().manual_seed(seed) for seed in model.seeds]
    optimizer = GroupedOptimizer(
        config.optimizer, model.parameters(), members, config.learning_rate, config.momentum
    )
    loss_fn = make_loss(config.loss)
    histories: list[list[EpochLog]] = [[] for _ in range(members)]
    early = config.patience is not None and validation is not None
    best_loss, stale = [float("inf")] * members, [0] * members
    active = [True] * members
    best = [p.detach().clone() for p in model.parameters()] if early else []

    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        model.train()
        if config.shuffle:
            order = torch.stack([torch.randperm(n, generator=g) for g in shufflers])  # (G, N)
        else:
            order = torch.arange(n).expand(members, n)
        total = torch.zeros(members)
        for begin in range(0, n, config.batch_size):
            idx = order[:, begin : begin + config.batch_size]  # (G, b)
            per_member = loss_fn(model(X_t[idx]), y_t[idx]).mean(dim=(1, 2))  # (G,)
            optimizer.zero_grad()
            per_member.sum().backward()
            optimizer.step()
            total += per_member.detach() * idx.shape[1]
        val = _evaluate(model, validation, loss_fn) if validation is not None else None
        seconds = time.perf_counter() - start
        logs = []
        for m in range(members):
            if not active[m]:
                continue
            log = EpochLog(epoch, float(total[m]) / n, None if val is None else val[m], seconds)
            histories[m].append(log)
            logs.append(log)
            if early and val is not None:
                if val[m] < best_loss[m]:
                    best_loss[m], stale[m] = val[m], 0
                    for saved, param in zip(best, model.parameters(), strict=True):
                        saved[m] = param.detach()[m]
                else:
                    stale[m] += 1
                    active[m] = stale[m] < (config.patience or 0)
        if on_epoch is not None and logs:
            on_epoch(logs)
        if not any(active):
            break
    if early:
        with torch.no_grad():
            for saved, param in zip(best, model.parameters(), strict=True):
                param.copy_(saved)
    model.eval()
    return histories


@functools.cache
def prepare_process() -> None:
    """Once per process, before the first epoch is timed: load (or build) the compiled loops,
    and let glibc keep freed memory for reuse instead of returning it to the system. Every
    training step frees and re-allocates the same multi-MB buffers, and fresh pages from the
    system cost a page fault each (measured: a 3-seed GRU batch 27 -> 17 ms); PyTorch's CPU
    tuning guide recommends a caching allocator for the same reason. Process-wide: the
    neural forecaster calls it when it starts training."""
    kernels.compiled()
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: keep up to 1 GiB of free heap
    mallopt(-3, 1 << 25)  # M_MMAP_THRESHOLD: buffers up to 32 MiB (its maximum) from the heap


@torch.no_grad()
def predict_model(model: SpecNet, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """Every member's outputs for windows X (N, L, C) -> (G, N, H), in eval mode (no
    dropout)."""
    model.eval()
    X_t = torch.from_numpy(X).unsqueeze(0).expand(len(model.seeds), -1, -1, -1)  # (G, N, L, C)
    outputs = [model(X_t[:, i : i + batch_size]) for i in range(0, X_t.shape[1], batch_size)]
    if not outputs:
        return np.empty((len(model.seeds), 0, model.outputs))
    return torch.cat(outputs, dim=1).numpy().astype(np.float64)


@torch.no_grad()
def _evaluate(
    model: SpecNet, data: tuple[np.ndarray, np.ndarray], loss_fn: nn.Module
) -> list[float]:
    X, y = data
    predicted = torch.from_numpy(predict_model(model, X))  # (G, N, H)
    target = torch.from_numpy(np.asarray(y, dtype=np.float64).reshape(len(X), -1))
    return loss_fn(predicted, target.expand_as(predicted)).mean(dim=(1, 2)).tolist()
