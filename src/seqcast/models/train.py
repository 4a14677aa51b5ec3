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
from seqcast.models.neural_settings import LOSSES, OPTIMIZERS
from seqcast.models.optim import GroupedOptimizer


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


@dataclass
class MemberData:
    """What one member of a grouped network learns from: its own windows and targets (a
    refit, a series or a fold has its own), and its own validation tail."""

    X: np.ndarray  # (N, L, C) float32 windows
    y: np.ndarray  # (N, H) targets
    validation: tuple[np.ndarray, np.ndarray] | None = None  # (M, L, C), (M, H)


def fit_model(
    model: SpecNet,
    X: np.ndarray,
    y: np.ndarray,
    config: TrainConfig,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    on_epoch: Callable[[list[EpochLog]], None] | None = None,
) -> list[list[EpochLog]]:
    """Train every member of `model` on the same windows X (N, L, C) -> y (N, H), in place;
    return each member's per-epoch log (see fit_members)."""
    data = MemberData(X, np.asarray(y).reshape(len(X), -1), validation)
    histories, finals = fit_members(model, [data] * len(model.seeds), config, on_epoch)
    with torch.no_grad():  # every member's final weights back into the grouped network
        for member, final in enumerate(finals):
            for param, value in zip(model.parameters(), final.parameters(), strict=True):
                param[member] = value[0]
    model.eval()
    return histories


def fit_members(
    model: SpecNet,
    data: list[MemberData],
    config: TrainConfig,
    on_epoch: Callable[[list[EpochLog]], None] | None = None,
) -> tuple[list[list[EpochLog]], list[SpecNet]]:
    """Train the members of `model`, member m on data[m]; return each member's per-epoch
    log and its trained one-member network.

    Each member shuffles with its own seed, takes ceil(N_m / batch) steps an epoch and is
    scored on its own mean loss, so training G members at once gives each the updates it
    would get alone (a member whose epoch has run out of batches rests: its weights and
    optimizer state stay as they are). With `patience` and a validation set, a member stops
    after `patience` epochs without a better validation loss and gets its best weights
    back; a stopped member leaves the group, so it costs nothing further.
    """
    config.check()
    # every distinct window set once, in one tensor; batches are index gathers
    X_all, y_all, offsets = _stack(data)
    sizes = [len(d.X) for d in data]
    shufflers = [torch.Generator().manual_seed(seed) for seed in model.seeds]
    optimizer = GroupedOptimizer(
        config.optimizer, model.parameters(), len(data), config.learning_rate, config.momentum
    )
    loss_fn = make_loss(config.loss)
    histories: list[list[EpochLog]] = [[] for _ in data]
    finals: list[SpecNet | None] = [None] * len(data)
    early = config.patience is not None and all(d.validation is not None for d in data)
    best_loss, stale = [float("inf")] * len(data), [0] * len(data)
    best = [[p.detach()[m].clone() for p in model.parameters()] for m in range(len(data))]
    seeds = list(model.seeds)
    alive = list(range(len(data)))  # the original member in each slot of the group

    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        model.train()
        orders = [
            torch.randperm(sizes[m], generator=shufflers[m])
            if config.shuffle
            else torch.arange(sizes[m])
            for m in alive
        ]
        totals = torch.zeros(len(alive))
        for begin in range(0, max(sizes[m] for m in alive), config.batch_size):
            rows = [order[begin : begin + config.batch_size] for order in orders]
            counts = torch.tensor([len(r) for r in rows])
            idx = _gather_index(rows, [offsets[m] for m in alive])  # (G, b)
            full = bool((counts == idx.shape[1]).all())
            output = model(X_all[idx], None if full else counts.tolist())
            per_element = loss_fn(output, y_all[idx]).mean(dim=2)  # (G, b)
            if full:  # as alone: a mean over the batch
                per_member = per_element.mean(dim=1)
                active = None
            else:  # members with fewer rows (or none) this step: a mean over theirs
                weights = torch.arange(idx.shape[1]) < counts[:, None]
                per_member = (per_element * weights).sum(dim=1) / counts.clamp(min=1)
                active = counts > 0
            optimizer.zero_grad()
            per_member.sum().backward()
            optimizer.step(active)
            totals += per_member.detach() * counts
        val = _validation_losses(model, [data[m].validation for m in alive], loss_fn)
        seconds = time.perf_counter() - start
        logs, done = [], []
        for slot, m in enumerate(alive):
            loss = None if val is None else val[slot]
            log = EpochLog(epoch, float(totals[slot]) / sizes[m], loss, seconds)
            histories[m].append(log)
            logs.append(log)
            if not early or loss is None:
                continue
            if loss < best_loss[m]:
                best_loss[m], stale[m] = loss, 0
                best[m] = [p.detach()[slot].clone() for p in model.parameters()]
            else:
                stale[m] += 1
                if stale[m] >= (config.patience or 0):
                    done.append(slot)
        if on_epoch is not None:
            on_epoch(logs)
        for slot in done:
            finals[alive[slot]] = _single(model, seeds[alive[slot]], best[alive[slot]])
        if done:  # the group goes on without the members that stopped
            keep = [slot for slot in range(len(alive)) if slot not in done]
            if not keep:
                alive = []
                break
            model = model.subset(keep)
            optimizer.keep(keep, model.parameters())
            alive = [alive[slot] for slot in keep]
    for slot, m in enumerate(alive):
        current = [p.detach()[slot].clone() for p in model.parameters()]
        finals[m] = _single(model, seeds[m], best[m] if early else current)
    return histories, [final for final in finals if final is not None]


def _stack(data: list[MemberData]) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    """All members' windows and targets as two tensors, each distinct set once (seeds of
    one history share theirs), and where each member's rows begin."""
    first: dict[int, int] = {}
    blocks, offsets, size = [], [], 0
    for d in data:
        if id(d.X) not in first:
            first[id(d.X)] = size
            blocks.append(d)
            size += len(d.X)
        offsets.append(first[id(d.X)])
    X_all = torch.from_numpy(np.concatenate([d.X for d in blocks]))
    y_all = torch.from_numpy(np.concatenate([np.asarray(d.y, dtype=np.float32) for d in blocks]))
    return X_all, y_all, offsets


def _gather_index(rows: list[torch.Tensor], offsets: list[int]) -> torch.Tensor:
    """(G, b) row numbers into the stacked windows; a member with fewer rows repeats its
    first (masked out of its loss, or resting if it has none)."""
    width = max(len(r) for r in rows)
    index = torch.empty(len(rows), width, dtype=torch.int64)
    for m, (r, offset) in enumerate(zip(rows, offsets, strict=True)):
        if len(r) == width:
            index[m] = r + offset
        else:
            index[m] = offset + (r[0] if len(r) else 0)
            index[m, : len(r)] = r + offset
    return index


def _single(model: SpecNet, seed: int, weights: list[torch.Tensor]) -> SpecNet:
    """One member's network alone (the member of `seed`), with `weights`."""
    single = SpecNet(model.layers, model.window, [seed], model.n_features)
    with torch.no_grad():
        for param, value in zip(single.parameters(), weights, strict=True):
            param[0] = value
    return single.eval()


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
def _validation_losses(
    model: SpecNet, sets: list[tuple[np.ndarray, np.ndarray] | None], loss_fn: nn.Module
) -> list[float] | None:
    """Each member's loss on its own validation windows (in double precision)."""
    given = [s for s in sets if s is not None]
    if len(given) < len(sets):
        return None
    model.eval()
    longest = max(len(X) for X, _ in given)
    padded = [np.concatenate([X, np.repeat(X[-1:], longest - len(X), axis=0)]) for X, _ in given]
    X_t = torch.from_numpy(np.stack(padded))  # (G, N, L, C)
    outputs = [model(X_t[:, i : i + 4096]) for i in range(0, longest, 4096)]
    predicted = torch.cat(outputs, dim=1).double()  # (G, N, H)
    targets = [
        torch.from_numpy(np.asarray(y, dtype=np.float64).reshape(len(X), -1)) for X, y in given
    ]
    if all(len(t) == longest for t in targets):
        return loss_fn(predicted, torch.stack(targets)).mean(dim=(1, 2)).tolist()
    return [float(loss_fn(predicted[m, : len(t)], t).mean()) for m, t in enumerate(targets)]
