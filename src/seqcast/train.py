"""The training loop: one readable function, in the order nanoGPT's train.py uses."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from seqcast.errors import SeqcastError

OPTIMIZERS = ("rmsprop", "adam", "adamw", "sgd")
LOSSES = ("mse", "mae", "huber")


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
    seed: int = 0  # same seed, same numbers (on the same machine)

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


def make_optimizer(config: TrainConfig, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    # Keras' defaults (the tutorial's stack): note eps=1e-7, not PyTorch's 1e-8.
    lr = config.learning_rate
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr or 1e-3, alpha=0.9, eps=1e-7)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr or 1e-3, eps=1e-7)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr or 1e-3, eps=1e-7, weight_decay=0.004)
    return torch.optim.SGD(params, lr=lr or 1e-2, momentum=config.momentum)


def make_loss(name: str) -> nn.Module:
    return {"mse": nn.MSELoss, "mae": nn.L1Loss, "huber": nn.HuberLoss}[name]()


def fit_model(
    model: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    config: TrainConfig,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: Callable[[EpochLog], None] | None = None,
) -> list[EpochLog]:
    """Train `model` on windows X (N, L, C) -> y (N,); return the per-epoch log.

    With `patience` and a validation set, training stops once the validation loss has not
    improved for `patience` epochs and the best weights are restored.
    """
    config.check()
    # All windows stay one tensor; batches are index slices (no per-sample DataLoader cost).
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y).float().view(-1, 1)  # (N, L, C), (N, 1)
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = make_optimizer(config, list(model.parameters()))
    loss_fn = make_loss(config.loss)
    history: list[EpochLog] = []
    best_loss, best_state, stale = float("inf"), None, 0

    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(X_t), generator=generator) if config.shuffle else None
        total = 0.0
        for begin in range(0, len(X_t), config.batch_size):
            idx = (
                slice(begin, begin + config.batch_size)
                if order is None
                else order[begin : begin + config.batch_size]
            )
            loss = loss_fn(model(X_t[idx]), y_t[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y_t[idx])
        val_loss = _evaluate(model, validation, loss_fn) if validation is not None else None
        log = EpochLog(epoch, total / len(X_t), val_loss, time.perf_counter() - start)
        history.append(log)
        if on_epoch is not None:
            on_epoch(log)

        if config.patience is None or val_loss is None:
            continue
        if val_loss < best_loss:
            best_loss, best_state, stale = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= config.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history


@torch.no_grad()
def predict_model(model: nn.Module, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """Model outputs for windows X (N, L, C) -> (N,), in eval mode (dropout off)."""
    model.eval()
    X_t = torch.from_numpy(X)
    outputs = [model(X_t[i : i + batch_size]) for i in range(0, len(X_t), batch_size)]
    return torch.cat(outputs).view(-1).numpy().astype(np.float64) if outputs else np.empty(0)


@torch.no_grad()
def _evaluate(model: nn.Module, data: tuple[np.ndarray, np.ndarray], loss_fn: nn.Module) -> float:
    X, y = data
    predicted = torch.from_numpy(predict_model(model, X))
    return float(loss_fn(predicted, torch.from_numpy(np.asarray(y, dtype=np.float64))))
