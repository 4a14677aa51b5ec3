"""Neural forecasters built from a layer spec, behind the common forecaster interface."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

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
from seqcast.models.train import (
    EpochLog,
    MemberData,
    TrainConfig,
    fit_members,
    predict_model,
    prepare_process,
)
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
        """Jobs that differ only in seed and history (seeds, refits, series, folds) train as
        one grouped network, one member per job, as many members at once as the machine's
        memory allows. Each member gets exactly the data, initial weights, dropout masks and
        batch order it would get alone, so results do not depend on the grouping; only the
        time does."""
        groups: dict[tuple, list[FitJob]] = {}
        for job in jobs:
            assert isinstance(job.forecaster, NeuralForecaster)  # fit_many is per class
            job.forecaster.check()
            groups.setdefault(job.forecaster.group_key(), []).append(job)
        prepare_process()
        for members in groups.values():
            for chunk in _chunks(members):
                _fit_group(chunk)
                progress.tell("fitted", count=len(chunk))

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

    def fit_info(self) -> dict[str, Any]:
        return dict(getattr(self, "fit_info_", {}))

    def set_fit_info(self, info: dict[str, Any]) -> None:
        self.fit_info_ = info

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, _ = super().state()
        meta |= {
            "fit": self.fit_info(),
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
        self.fit_info_ = dict(meta.get("fit", {}))
        self.is_fitted_ = True


# glibc serves allocations above 32 MiB with fresh pages from the system, and faults them in
# again on every training step: a 13-member LSTM(64) group took 7.4-8.9 ms per member-step
# against 5.0-5.5 ms for groups of 2-8 (measured). Groups keep each buffer below it.
FRESH_PAGES_ABOVE = 32 * 2**20
MAX_MEMBERS = 64


def _chunks(jobs: list[FitJob]) -> list[list[FitJob]]:
    """Consecutive groups of jobs to train at once: as many as keep each activation buffer
    under glibc's fresh-page threshold and the whole group within half the free memory."""
    head = cast(NeuralForecaster, jobs[0].forecaster)
    layers = resolve_layers(head.model, head.layers, head.outputs())
    one = footprint(layers, head.window, 1, head.batch_size, 1)
    check_fits_in_memory(layers, one, available_memory(), f"'{format_layers(layers)}'")
    windows = 4 * head.window * max(len(job.y) for job in jobs)  # float32 windows per member
    by_memory = available_memory() // 2 // (one.total_bytes + windows)
    by_buffer = FRESH_PAGES_ABOVE // max(one.largest_buffer, 1)
    size = max(1, min(MAX_MEMBERS, by_memory, by_buffer))
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def _fit_group(jobs: list[FitJob]) -> None:
    forecasters = [cast(NeuralForecaster, job.forecaster) for job in jobs]  # fit_many's class
    head = forecasters[0]
    layers = resolve_layers(head.model, head.layers, head.outputs())
    config = head.train_config()
    prepared: dict[int, tuple[TargetTransform, MemberData]] = {}
    for job in jobs:  # seeds of one history share its scaler and windows
        if id(job.y) not in prepared:
            prepared[id(job.y)] = _training_data(head, job.y)
    network = SpecNet(layers, head.window, [f.seed for f in forecasters])
    histories, finals = fit_members(
        network,
        [prepared[id(job.y)][1] for job in jobs],
        config,
        lambda logs: _tell_epoch(logs, config.epochs, len(jobs)),
    )
    group = {"group_members": len(jobs), "threads": torch.get_num_threads()}
    for job, forecaster, history, final in zip(jobs, forecasters, histories, finals, strict=True):
        forecaster.layers_, forecaster.transform_ = layers, prepared[id(job.y)][0]
        forecaster.network_, forecaster.history_ = final, history
        forecaster.set_fit_info(group)
        forecaster.is_fitted_ = True


def _training_data(model: NeuralForecaster, y: pd.Series) -> tuple[TargetTransform, MemberData]:
    """The scaler (fitted on the history before its validation tail) and the windows of one
    history: every target of a training window lies before the tail, and of a validation
    window inside the history."""
    settings, first, outputs = model.resolved(), model.min_history(), model.outputs()
    if len(y) < model.min_train():
        raise SeqcastError(
            f"training needs more than {first + outputs - 1} days (window {model.window}) plus"
            f" {settings['val_days']} validation days, but has {len(y)};"
            " use a longer series, a smaller window or fewer --val-days"
        )
    values = np.asarray(y, dtype=float)
    fit_end = len(values) - settings["val_days"]
    transform = TargetTransform(settings["transform"]).fit(values[:fit_end])
    z = transform.transform(values)
    X, target = make_windows(z, model.window, np.arange(first, fit_end - outputs + 1), outputs)
    validation = None
    if settings["val_days"] >= outputs:
        last = len(z) - outputs + 1
        validation = make_windows(z, model.window, np.arange(max(fit_end, first), last), outputs)
    return transform, MemberData(X, target, validation)


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
