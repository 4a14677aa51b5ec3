"""The training loop: one readable function, in the order nanoGPT's train.py uses."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

import numpy as np
import torch
from torch import Tensor, nn

from seqcast.errors import SeqcastError
from seqcast.models.grouped_module import GroupedModule
from seqcast.models.names import LOSS_MODULES
from seqcast.models.networks import Network, SpecNet
from seqcast.models.optim import GroupedOptimizer, MemberMoments
from seqcast.models.quantiles import PinballLoss

Net = TypeVar("Net", SpecNet, GroupedModule)  # a layer list's network, or an architecture's


@dataclass(frozen=True)
class TrainConfig:
    """How to train: the `settings.NeuralSettings` fields of these names (their help is
    there), with the preset's loss and patience filled in; built by
    `NeuralForecaster.train_config`."""

    epochs: int
    batch_size: int
    optimizer: str
    learning_rate: float | None  # None: the optimizer's Keras default
    loss: str
    shuffle: bool
    patience: int | None  # None: no early stopping
    quantiles: tuple[float, ...] = ()  # quantile heads: the pinball loss of these, not `loss`


@dataclass(frozen=True)
class EpochLog:
    epoch: int
    loss: float  # mean training loss over the epoch's batches
    val_loss: float | None  # loss on the validation tail, if any
    seconds: float


def make_loss(name: str, quantiles: tuple[float, ...] = ()) -> nn.Module:
    """Per-element loss; the loop averages it per member, so members stay independent."""
    if quantiles:
        return PinballLoss(quantiles)
    return getattr(nn, LOSS_MODULES[name])(reduction="none")


@dataclass
class MemberData:
    """What one member of a grouped network learns from: its own windows and targets (a
    refit, a series or a fold has its own), and its own validation tail."""

    X: np.ndarray  # (N, L, C) float32 windows
    y: np.ndarray  # (N, H) targets
    validation: tuple[np.ndarray, np.ndarray] | None = None  # (M, L, C), (M, H)


@dataclass
class Carry:
    """Warm starts (models/warm.py): members that go on from earlier fits (the network given
    to `fit_members` holds their weights), and what every member hands on when it stops."""

    moments: list[MemberMoments | None]  # per member: its optimizer state to go on from;
    # None: a fresh start. A member that goes on counts its starting weights as the best
    # until an epoch beats them on its validation tail.
    ended: list[MemberMoments] = field(default_factory=list)  # set: each member's at its stop


@dataclass
class Member:
    """One member's bookkeeping in `fit_members`: its data and batch order, its log, and
    for early stopping its best validation loss and the weights it had then."""

    seed: int
    data: MemberData
    offset: int  # where its windows begin in the stacked tensor
    best: list[Tensor]  # its weights at the best validation loss (at first, the initial ones)
    shuffler: torch.Generator = field(init=False)
    history: list[EpochLog] = field(default_factory=list)
    best_loss: float = float("inf")
    stale: int = 0  # epochs since the best validation loss
    final: Network | None = None  # its trained network, once it has stopped
    moments: MemberMoments | None = None  # its optimizer state when it stopped

    def __post_init__(self) -> None:
        self.shuffler = torch.Generator().manual_seed(self.seed)

    @property
    def size(self) -> int:
        return len(self.data.X)

    def order(self, shuffle: bool) -> Tensor:
        """This epoch's order of its windows."""
        if shuffle:
            return torch.randperm(self.size, generator=self.shuffler)
        return torch.arange(self.size)

    def end_epoch(
        self, log: EpochLog, weights: Callable[[], list[Tensor]], patience: int | None
    ) -> bool:
        """Record an epoch; with `patience` (early stopping), keep the weights when its
        validation loss is the best yet, and say True (stop) after `patience` epochs
        without a better one."""
        self.history.append(log)
        if patience is None or log.val_loss is None:
            return False
        if log.val_loss < self.best_loss:
            self.best_loss, self.stale, self.best = log.val_loss, 0, weights()
            return False
        self.stale += 1
        return self.stale >= patience


def fit_members(
    model: Net,
    data: list[MemberData],
    config: TrainConfig,
    on_epoch: Callable[[list[EpochLog]], None] | None = None,
    carry: Carry | None = None,
) -> tuple[list[list[EpochLog]], list[Net]]:
    """Train the members of `model`, member m on data[m]; return each member's per-epoch
    log and its trained one-member network.

    Each member shuffles with its own seed, takes ceil(N_m / batch) steps an epoch and is
    scored on its own mean loss, so training G members at once gives each the updates it
    would get alone (a member whose epoch has run out of batches rests: its weights and
    optimizer state stay as they are). With `patience` and a validation set, a member stops
    after `patience` epochs without a better validation loss and gets its best weights
    back; a stopped member leaves the group, so it costs nothing further. A non-finite
    loss stops the whole fit with an error: a diverged member would give a wrong forecast.
    With `carry`, members may go on from earlier fits (warm starts), and each hands on its
    optimizer state.
    """
    X_all, y_all, offsets = _stack(data)  # every distinct window set once; batches gather
    members = [
        Member(seed, d, offset, _weights(model, slot))
        for slot, (seed, d, offset) in enumerate(zip(model.seeds, data, offsets, strict=True))
    ]
    optimizer = GroupedOptimizer(
        config.optimizer, model.parameters(), len(data), config.learning_rate
    )
    loss_fn = make_loss(config.loss, config.quantiles)
    early = config.patience is not None and all(d.validation is not None for d in data)
    patience = config.patience if early else None
    if carry is not None:
        _go_on(model, members, optimizer, loss_fn, carry, early)
    alive = list(members)  # the members still training, in the group's order

    for epoch in range(1, config.epochs + 1):
        start = time.perf_counter()
        totals = _train_epoch(model, optimizer, loss_fn, alive, X_all, y_all, config)
        val = _validation_losses(model, [m.data.validation for m in alive], loss_fn)
        t = time.perf_counter() - start
        logs = [
            EpochLog(epoch, float(totals[slot]) / m.size, None if val is None else val[slot], t)
            for slot, m in enumerate(alive)
        ]
        _stop_if_diverged(logs, optimizer)
        done = [
            slot
            for slot, (m, log) in enumerate(zip(alive, logs, strict=True))
            if m.end_epoch(log, functools.partial(_weights, model, slot), patience)
        ]
        if on_epoch is not None:
            on_epoch(logs)
        if done:
            model, alive = _leave(done, alive, model, optimizer)
            if not alive:
                break
    for slot, m in enumerate(alive):
        m.final = _single(model, m.seed, m.best if early else _weights(model, slot))
        m.moments = optimizer.member(slot)
    if carry is not None:
        carry.ended = [m.moments for m in members if m.moments is not None]
    finals = [m.final for m in members if m.final is not None]
    return [m.history for m in members], cast(list[Net], finals)  # each of model's kind


def _go_on(
    model: Network,
    members: list[Member],
    optimizer: GroupedOptimizer,
    loss_fn: nn.Module,
    carry: Carry,
    early: bool,
) -> None:
    """Members that go on from an earlier fit take its optimizer state, and with early
    stopping their starting weights' validation loss is the one to beat (a refit that
    learns nothing better keeps them)."""
    for slot, moments in enumerate(carry.moments):
        if moments is not None:
            optimizer.load_member(slot, moments)
    if not early or all(moments is None for moments in carry.moments):
        return
    start = _validation_losses(model, [m.data.validation for m in members], loss_fn)
    for m, loss, moments in zip(members, start or [], carry.moments, strict=True):
        if moments is not None:
            m.best_loss = loss


def _train_epoch(
    model: Network,
    optimizer: GroupedOptimizer,
    loss_fn: nn.Module,
    members: list[Member],
    X_all: Tensor,
    y_all: Tensor,
    config: TrainConfig,
) -> Tensor:
    """One pass over every member's windows, a batch of each per step; each member's
    training loss summed over its windows, (G,)."""
    model.train()
    orders = [m.order(config.shuffle) for m in members]
    offsets = [m.offset for m in members]
    totals = torch.zeros(len(members))
    for begin in range(0, max(m.size for m in members), config.batch_size):
        rows = [order[begin : begin + config.batch_size] for order in orders]
        counts = torch.tensor([len(r) for r in rows])
        idx = _gather_index(rows, offsets)  # (G, b)
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
    return totals


def _leave(
    done: list[int], alive: list[Member], model: Net, optimizer: GroupedOptimizer
) -> tuple[Net, list[Member]]:
    """The members in slots `done` take their best weights and leave the group; the network
    and the optimizer go on with the others (so the stopped cost nothing further)."""
    for slot in done:
        alive[slot].final = _single(model, alive[slot].seed, alive[slot].best)
        alive[slot].moments = optimizer.member(slot)
    keep = [slot for slot in range(len(alive)) if slot not in done]
    if keep:
        model = model.subset(keep)
        optimizer.keep(keep, model.parameters())
    return model, [alive[slot] for slot in keep]


def _stop_if_diverged(logs: list[EpochLog], optimizer: GroupedOptimizer) -> None:
    """Refuse to go on from a non-finite loss (training or validation): the weights are
    lost, and any forecast from them would be a wrong number."""
    for log in logs:
        for loss in (log.loss, log.val_loss):
            if loss is not None and not np.isfinite(loss):
                raise SeqcastError(
                    f"training diverged at epoch {log.epoch} (loss {loss});"
                    f" lower --lr (it is {optimizer.settings['lr']:g})"
                )


def _weights(model: Network, slot: int) -> list[Tensor]:
    """A copy of the weights of the member in `slot` of the group."""
    return [p.detach()[slot].clone() for p in model.parameters()]


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


def _single(model: Net, seed: int, weights: list[torch.Tensor]) -> Net:
    """One member's network alone (the member of `seed`), with `weights`."""
    single = model.fresh([seed])
    with torch.no_grad():
        for param, value in zip(single.parameters(), weights, strict=True):
            param[0] = value
    return single.eval()


@torch.no_grad()
def predict_model(model: Network, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
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
    model: Network, sets: list[tuple[np.ndarray, np.ndarray] | None], loss_fn: nn.Module
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
