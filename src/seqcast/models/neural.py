"""Neural forecasters built from a layer spec, behind the common forecaster interface."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from seqcast import progress
from seqcast.errors import SeqcastError
from seqcast.models.base import FitJob, Forecaster
from seqcast.models.networks import SpecNet
from seqcast.models.spec import (
    PRESETS,
    TUTORIAL_SETTINGS,
    check_fits_in_memory,
    footprint,
    format_layers,
    parse_layers,
    resolve_layers,
)
from seqcast.models.train import EpochLog, TrainConfig, fit_model, predict_model, prepare_process
from seqcast.models.transforms import TargetTransform
from seqcast.models.windows import make_windows
from seqcast.settings import NeuralSettings, check_choices


@dataclass(eq=False, repr=False)
class NeuralForecaster(NeuralSettings, Forecaster):
    """A sequence model (MLP, SimpleRNN, LSTM, GRU or any layer list) on sliding windows.

    The parameters are `settings.NeuralSettings`: the tutorial's LSTM stack on MinMax-scaled
    prices by default; `transform`, `loss`, `val_days` and `patience` left as None take the
    preset's choice, and `patience=0` turns early stopping off. Scaling and training see only
    the history given to `fit`; `val_days` holds its tail out for early stopping.
    """

    @property
    def name(self) -> str:
        return self.model if not self.layers else "custom"

    def min_history(self) -> int:
        return self.window + (0 if self.resolved()["transform"] == "price" else 1)

    def min_train(self) -> int:
        return self.min_history() + self.resolved()["val_days"] + self.outputs()

    def outputs(self) -> int:
        """Values the network gives per window: one day, or the whole horizon (direct)."""
        return self.horizon if self.strategy == "direct" else 1

    def resolved(self) -> dict[str, Any]:
        """transform, loss, val_days and patience in use: explicit, else the preset's (for a
        preset without custom layers), else the tutorial's."""
        preset = PRESETS.get(self.model) if not self.layers else None
        defaults = {**TUTORIAL_SETTINGS, **(preset.settings if preset else {})}
        given = {
            "transform": self.transform,
            "loss": self.loss,
            "val_days": self.val_days,
            "patience": self.patience,
        }
        settings = {k: defaults[k] if v is None else v for k, v in given.items()}
        settings["patience"] = settings["patience"] or None  # 0 = off
        return settings

    def train_config(self) -> TrainConfig:
        settings = self.resolved()
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            loss=settings["loss"],
            shuffle=self.shuffle,
            patience=settings["patience"],
        )

    def check(self) -> None:
        check_choices(self)
        resolve_layers(self.model, self.layers, self.outputs())
        self.train_config().check()
        if self.window < 1:
            raise SeqcastError(f"--window {self.window}: at least 1 day")
        val_days = self.resolved()["val_days"]
        if val_days < 0:
            raise SeqcastError("--val-days must be 0 or more")
        if 0 < val_days < self.outputs():
            raise SeqcastError(
                f"--val-days {val_days} is shorter than the {self.outputs()} days each"
                " validation window forecasts; use at least --horizon days, or 0"
            )

    @classmethod
    def fit_many(cls, jobs: Sequence[FitJob]) -> None:
        """Jobs that differ only in seed and share one history train as one grouped network
        (one member per seed). Each member gets exactly the data, initial weights, dropout
        masks and batch order it would get alone, so results do not depend on the grouping;
        only the time does."""
        groups: dict[tuple, list[FitJob]] = {}
        for job in jobs:
            assert isinstance(job.forecaster, NeuralForecaster)  # fit_many is per class
            job.forecaster.check()
            groups.setdefault((job.forecaster.group_key(), id(job.y)), []).append(job)
        prepare_process()
        for members in groups.values():
            _fit_group([job.forecaster for job in members], members[0].y)  # type: ignore[misc]
            progress.tell("fitted", count=len(members))

    def group_key(self) -> tuple:
        """Forecasters with equal keys differ only in seed and can train as one network."""
        return tuple((k, v) for k, v in sorted(self.get_params().items()) if k != "seed")

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: np.ndarray | None
    ) -> np.ndarray:
        """Direct: the network's outputs are the next days. Recursive: each day's forecast
        is fed back into the window for the next day."""
        z = self.transform_.transform(values)
        X, _ = make_windows(z, self.window, positions)  # (N, window, 1)
        if self.strategy == "direct":
            if horizon > self.network_.outputs:
                raise SeqcastError(
                    f"this model was trained for {self.network_.outputs} days ahead, not {horizon}"
                )
            z_paths = predict_model(self.network_, X)[0][:, :horizon]  # (N, horizon)
        else:
            z_paths = np.empty((len(positions), horizon))
            for step in range(horizon):
                z_paths[:, step] = predict_model(self.network_, X)[0][:, 0]
                next_z = z_paths[:, step].astype(np.float32)[:, None, None]
                X = np.concatenate([X[:, 1:], next_z], axis=1)
        paths = np.empty_like(z_paths)
        previous = values[positions - 1]
        for step in range(horizon):  # returns compound from the last known price
            paths[:, step] = self.transform_.inverse_transform(z_paths[:, step], previous)
            previous = paths[:, step]
        return paths

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, _ = super().state()
        meta |= {
            "layers": format_layers(self.layers_),
            "transform": self.transform_.state(),
            "history": [vars(log) for log in self.history_],
        }
        arrays = {k: v.numpy() for k, v in self.network_.state_dict().items()}
        return meta, arrays

    def restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.layers_ = parse_layers(meta["layers"])
        self.transform_ = TargetTransform.from_state(meta["transform"])
        self.network_ = SpecNet(self.layers_, self.window, [self.seed])
        expected = {k: tuple(v.shape) for k, v in self.network_.state_dict().items()}
        found = {k: tuple(v.shape) for k, v in arrays.items()}
        if expected != found:
            raise SeqcastError(
                f"the weights do not match the layers '{meta['layers']}' (window {self.window})"
            )
        self.network_.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in arrays.items()})
        self.network_.eval()
        self.history_ = [EpochLog(**log) for log in meta["history"]]
        self.is_fitted_ = True


def _fit_group(forecasters: list[NeuralForecaster], y: pd.Series) -> None:
    head = forecasters[0]
    outputs = head.outputs()
    layers = resolve_layers(head.model, head.layers, outputs)
    config = head.train_config()
    settings, first = head.resolved(), head.min_history()
    if len(y) < head.min_train():
        raise SeqcastError(
            f"training needs more than {first + outputs - 1} days (window {head.window}) plus"
            f" {settings['val_days']} validation days, but has {len(y)};"
            " use a longer series, a smaller window or fewer --val-days"
        )
    cost = footprint(layers, head.window, 1, config.batch_size, len(forecasters))
    check_fits_in_memory(layers, cost, available_memory(), f"'{format_layers(layers)}'")
    values = np.asarray(y, dtype=float)
    fit_end = len(values) - settings["val_days"]
    transform = TargetTransform(settings["transform"]).fit(values[:fit_end])
    z = transform.transform(values)
    # every target of a training window lies before the validation tail, and of a validation
    # window inside the history
    X, target = make_windows(z, head.window, np.arange(first, fit_end - outputs + 1), outputs)
    validation = None
    if settings["val_days"] >= outputs:
        last = len(z) - outputs + 1
        validation = make_windows(z, head.window, np.arange(max(fit_end, first), last), outputs)

    network = SpecNet(layers, head.window, [f.seed for f in forecasters])
    histories = fit_model(
        network,
        X,
        target,
        config,
        validation,
        lambda logs: _tell_epoch(logs, config.epochs, len(forecasters)),
    )
    for member, forecaster in enumerate(forecasters):
        forecaster.layers_, forecaster.transform_ = layers, transform
        forecaster.network_ = network if len(forecasters) == 1 else network.member(member)
        forecaster.history_ = histories[member]
        forecaster.is_fitted_ = True


def _tell_epoch(logs: list[EpochLog], epochs: int, members: int) -> None:
    log = logs[0]
    progress.tell(
        "epoch",
        epoch=log.epoch,
        epochs=epochs,
        members=members,
        loss=log.loss,
        val_loss=log.val_loss,
        seconds=log.seconds,
    )


def available_memory() -> int:
    """Bytes the system can still hand out (MemAvailable on Linux; physical size elsewhere)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
