"""Neural forecasters built from a layer spec, behind the common forecaster interface.

A fitted forecaster holds its inputs' scales (inputs.py), one network per ensemble member,
and its shrinkage weight w (shrink.py: the predicted change times w, so w = 0 is the naive
forecast to the bit). Fits train together in groups (grouping.py plans them) on windows
that training_data.py prepares, in train.py's loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
import torch

from seqcast import progress
from seqcast.data.features import check_names
from seqcast.errors import SeqcastError
from seqcast.models import ensembles, grouping, kernels, shrink, training_data, warm
from seqcast.models.base import (
    CANDIDATE,
    COVARIATES,
    GROUPED,
    HORIZON_PARAM,
    POOLED,
    SEEDED,
    STATEFUL,
    WARM,
    WINDOWED,
    FitJob,
    Forecaster,
)
from seqcast.models.inputs import Inputs
from seqcast.models.networks import SpecNet
from seqcast.models.neural_settings import NeuralSettings
from seqcast.models.optim import MemberMoments
from seqcast.models.spec import (
    PRESETS,
    TUTORIAL_SETTINGS,
    LayerSpec,
    format_layers,
    parse_layers,
    resolve_layers,
)
from seqcast.models.train import EpochLog, TrainConfig, fit_members, predict_model
from seqcast.options import check_choices


@dataclass(eq=False, repr=False)
class NeuralForecaster(NeuralSettings, Forecaster):
    """A sequence model (MLP, SimpleRNN, LSTM, GRU or any layer list) on sliding windows.

    The parameters are `settings.NeuralSettings`: the `gru` preset by default (`model=
    "tutorial"` is the tutorial's LSTM stack on MinMax-scaled prices); `transform`, `loss`,
    `val_days`, `patience` and `shrink` left as None take the preset's choice, and
    `patience=0` turns early stopping off. Scaling and training see only the history given
    to `fit`; `val_days` holds its tail out for early stopping and for choosing the
    shrinkage weight.
    """

    TAGS = frozenset({SEEDED, HORIZON_PARAM, GROUPED, STATEFUL, CANDIDATE, WINDOWED, WARM})
    REPORTED = ("w",)  # the shrinkage weight each fit chose

    def tags(self) -> frozenset[str]:
        return (
            self.TAGS
            | ({COVARIATES} if self.features else set())
            | ({POOLED} if self.pooled else set())
        )

    @property
    def name(self) -> str:
        return f"{self.model}*{self.ensemble}" if self.ensemble > 1 else self.model

    def min_history(self) -> int:
        return self.window + (0 if self.resolved()["transform"] == "price" else 1)

    def min_train(self) -> int:
        return self.min_history() + self.resolved()["val_days"] + self.outputs()

    def outputs(self) -> int:
        """Values the network gives per window: one day, or the whole horizon (direct)."""
        return self.horizon if self.strategy == "direct" else 1

    def resolved(self) -> dict[str, Any]:
        """transform, loss, val_days, patience and shrink in use: explicit, else the
        preset's (`layers` replaces only the preset's layers), else the tutorial's."""
        preset = PRESETS.get(self.model)
        defaults = {**TUTORIAL_SETTINGS, **(preset.settings if preset else {})}
        given = {
            "transform": self.transform,
            "loss": self.loss,
            "val_days": self.val_days,
            "patience": self.patience,
            "shrink": self.shrink,
        }
        settings = {k: defaults[k] if v is None else v for k, v in given.items()}
        settings["patience"] = settings["patience"] or None  # 0 = off
        return settings

    def train_config(self, warm: bool = False) -> TrainConfig:
        """How to train. A warm-started refit (models/warm.py) begins near its best: it
        trains `warm_epochs` at most, and with early stopping ends at the first epoch that
        does not beat the best validation loss yet (the start's, at first)."""
        settings = self.resolved()
        patience = settings["patience"]
        return TrainConfig(
            epochs=self.warm_epochs if warm else self.epochs,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            loss=settings["loss"],
            shuffle=self.shuffle,
            patience=1 if warm and patience else patience,
        )

    def check(self) -> None:
        check_choices(self)
        if self.layers is not None and not self.layers.strip():
            raise SeqcastError(
                "--layers is empty: give a layer list such as 'gru:32, dense:1', or leave it"
                " out for the preset's"
            )
        check_names(tuple(self.features))
        resolve_layers(self.model, self.layers, self.outputs())
        self._check_training()
        if self.window < 1:
            raise SeqcastError(f"--window {self.window}: at least 1 day")
        if self.ensemble < 1:
            raise SeqcastError(f"--ensemble {self.ensemble}: at least 1 member")
        val_days = self.resolved()["val_days"]
        if val_days < 0:
            raise SeqcastError("--val-days must be 0 or more")
        if 0 < val_days < self.outputs():
            raise SeqcastError(
                f"--val-days {val_days} is shorter than the {self.outputs()} days each"
                " validation window forecasts; use at least --horizon days, or 0"
            )
        if self.resolved()["shrink"] and val_days < 30:
            raise SeqcastError(
                f"--val-days {val_days}: shrinkage toward naive (the preset's, or --shrink)"
                " chooses its weight on the validation tail; use --val-days 30 or more,"
                " or --no-shrink"
            )
        if self.features and self.strategy == "recursive" and self.horizon > 1:
            raise SeqcastError(
                "--features cannot be forecast beyond one day by feeding forecasts back;"
                " use --strategy direct with --horizon above 1"
            )

    def _check_training(self) -> None:
        if self.epochs < 1:
            raise SeqcastError(f"--epochs {self.epochs}: at least 1 epoch")
        if self.warm_epochs < 1:
            raise SeqcastError(f"--warm-epochs {self.warm_epochs}: at least 1 epoch")
        if self.batch_size < 1:
            raise SeqcastError(f"--batch-size {self.batch_size}: at least 1 window")
        lr = self.learning_rate
        if lr is not None and not 0 < lr < float("inf"):
            raise SeqcastError(f"--lr {lr:g}: the learning rate must be above 0, e.g. 0.001")
        if self.patience is not None and self.patience < 0:
            raise SeqcastError(f"--patience {self.patience}: 0 (off) or more epochs")

    @classmethod
    def fit_many(cls, jobs: Sequence[FitJob]) -> None:
        """Every member of every job (an ensemble has several) that differs only in seed and
        history (seeds, refits, series, folds) trains in one grouped network, as many at once
        as the machine allows. Each member gets exactly the data, initial weights, dropout
        masks and batch order it would get alone, so results do not depend on the grouping;
        only the time does."""
        members: dict[int, list[FitJob]] = {}
        starts: dict[int, warm.Start | None] = {}  # per member job: where a warm one begins
        for job in jobs:
            forecaster = cast(NeuralForecaster, job.forecaster)  # fit_many is per class
            forecaster.check()
            members[id(job)] = forecaster.member_jobs(job)
            begins = warm.starts(job, len(members[id(job)]))
            starts |= {id(m): s for m, s in zip(members[id(job)], begins, strict=True)}
        kernels.compiled()  # load (or build) the compiled loops before the first epoch's timer
        for chunk in grouping.plan([m for ms in members.values() for m in ms]):
            _fit_chunk(chunk, starts)
            progress.tell("fitted", count=sum(len(pool) for pool in chunk))
        for job in jobs:
            cast(NeuralForecaster, job.forecaster).gather(job, members[id(job)])

    def member_jobs(self, job: FitJob) -> list[FitJob]:
        return ensembles.ensemble_jobs(self, job)

    def gather(self, job: FitJob, members: list[FitJob]) -> None:
        """Take the members' networks, then choose the shrinkage weight on the validation
        tail (out of sample: no network learnt from it)."""
        trained = [cast(NeuralForecaster, m.forecaster) for m in members]
        if trained[0] is not self:
            self.layers_: tuple[LayerSpec, ...] = trained[0].layers_
            self.inputs_: Inputs = trained[0].inputs_
            self.networks_: list[SpecNet] = [t.networks_[0] for t in trained]
            self.history_: list[EpochLog] = trained[0].history_
            self.fit_info_: dict[str, Any] = trained[0].fit_info_
            self.moments_: list[MemberMoments] = [t.moments_[0] for t in trained]
        self.weight_: float = 1.0
        if self.resolved()["shrink"]:
            self.weight_ = self._choose_weight(job.y, job.X)
            self.fit_info_ = {**self.fit_info_, "w": self.weight_}
        self.is_fitted_ = True

    def _choose_weight(self, y: pd.Series, X: pd.DataFrame | None) -> float:
        values = np.asarray(y, dtype=float)
        X = pd.DataFrame(index=y.index) if X is None else X
        tail = np.arange(max(len(y) - self.resolved()["val_days"], self.min_history()), len(y))
        raw = self._raw_paths(values, tail, max(self.horizon, 1), X)  # (N, steps), unshrunk
        return shrink.weight_on_tail(values, tail, raw)

    def group_key(self) -> tuple:
        """Forecasters with equal keys differ only in seed and can train as one network."""
        return tuple((k, v) for k, v in sorted(self.get_params().items()) if k != "seed")

    def paths(
        self,
        values: np.ndarray,
        positions: np.ndarray,
        horizon: int,
        features: pd.DataFrame,
    ) -> np.ndarray:
        raw = self._raw_paths(values, positions, horizon, features)
        if self.weight_ == 1.0:
            return raw
        last = np.repeat(values[positions - 1, None], horizon, axis=1)
        return shrink.shrunk(raw, last, self.weight_)

    def _raw_paths(
        self,
        values: np.ndarray,
        positions: np.ndarray,
        horizon: int,
        features: pd.DataFrame,
    ) -> np.ndarray:
        """The members' forecasts, combined. Direct: the network's outputs are the next
        days. Recursive: each day's forecast is fed back into the window for the next."""
        z = self.inputs_.target(values)
        extra = self.inputs_.covariates(pd.Series(values, index=features.index), features)
        X, _ = self.inputs_.windows(z, extra, positions, 1)
        member_paths = [self._member_paths(net, X, horizon) for net in self.networks_]
        z_paths = (np.median if self.combine == "median" else np.mean)(member_paths, axis=0)
        paths = np.empty_like(z_paths)
        previous = values[positions - 1]
        for step in range(horizon):  # returns compound from the last known price
            paths[:, step] = self.inputs_.transform.inverse_transform(z_paths[:, step], previous)
            previous = paths[:, step]
        return paths

    def _member_paths(self, network: SpecNet, X: np.ndarray, horizon: int) -> np.ndarray:
        if self.strategy == "direct":
            if horizon > network.outputs:
                raise SeqcastError(
                    f"this model was trained for {network.outputs} days ahead, not {horizon}"
                )
            return predict_model(network, X)[0][:, :horizon]  # (N, horizon)
        z_paths = np.empty((len(X), horizon))
        for step in range(horizon):
            z_paths[:, step] = predict_model(network, X)[0][:, 0]
            if step + 1 < horizon:  # only the price's channel: check() refuses covariates
                next_z = z_paths[:, step].astype(np.float32)[:, None, None]
                X = np.concatenate([X[:, 1:], next_z], axis=1)
        return z_paths

    def fit_info(self) -> dict[str, Any]:
        return dict(getattr(self, "fit_info_", {}))

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, _ = super().state()
        trained, arrays = ensembles.trained_state(self)
        meta |= {
            "resolved": self.resolved(),  # the choices in force (the preset's where None)
            "layers": format_layers(self.layers_),
            **trained,
        }
        return meta, arrays

    def restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        if "resolved" not in meta and self.layers:
            # saved by seqcast < 0.3, where a layer list dropped the preset's choices for the
            # tutorial's: pin those, so the model forecasts as it was trained
            for key, value in TUTORIAL_SETTINGS.items():
                if getattr(self, key) is None:
                    setattr(self, key, 0 if key == "patience" else value)
        self.layers_ = parse_layers(meta["layers"])
        ensembles.restore_trained(
            self,
            meta,
            arrays,
            lambda channels: SpecNet(self.layers_, self.window, [self.seed], channels),
            f"the weights do not match the layers '{meta['layers']}'"
            f" (window {self.window}, {self.ensemble} member(s))",
        )


def _fit_chunk(pools: grouping.Chunk, starts: dict[int, warm.Start | None]) -> None:
    """Train one network member per pool of jobs (a pool: one job, or a pooled model's
    series), each job keeping its own scales; a warm-started member (models/warm.py) from
    its previous fit's weights, optimizer state and scales."""
    head = cast(NeuralForecaster, pools[0][0].forecaster)  # fit_many's class
    layers = resolve_layers(head.model, head.layers, head.outputs())
    first = [starts.get(id(pool[0])) for pool in pools]
    config = head.train_config(warm=any(first))
    data, inputs = training_data.prepare_chunk(
        head, pools, lambda job: warm.kept_scales(starts.get(id(job)))
    )
    channels = next(iter(inputs.values())).channels
    seeds = [cast(NeuralForecaster, pool[0].forecaster).seed for pool in pools]
    network = SpecNet(layers, head.window, seeds, channels)
    carry = warm.begin(network, first)
    histories, finals = fit_members(
        network, data, config, lambda logs: _tell_epoch(logs, config.epochs, len(pools)), carry
    )
    group = {"group_members": len(pools), "threads": torch.get_num_threads()}
    group |= {"warm": True} if any(first) else {}
    for pool, history, final, moments in zip(pools, histories, finals, carry.ended, strict=True):
        for job in pool:
            forecaster = cast(NeuralForecaster, job.forecaster)
            forecaster.layers_, forecaster.inputs_ = layers, inputs[id(job)]
            forecaster.networks_, forecaster.history_ = [final], history
            forecaster.moments_ = [moments]
            forecaster.fit_info_ = group | ({"pooled_series": len(pool)} if len(pool) > 1 else {})


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


def build(name: str, settings: dict[str, Any]) -> NeuralForecaster:
    """A preset (`gru`), or a seed ensemble of K of it (`gru*5`), with `settings` over the
    preset's own (`layers` replaces its layers, keeping the rest of the preset)."""
    return NeuralForecaster(**ensembles.ensemble_settings(name, settings))
