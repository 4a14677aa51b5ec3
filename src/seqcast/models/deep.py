"""Direct deep forecasters: any architecture that maps a window to the whole horizon at
once (DLinear, N-BEATS, N-HiTS, TCN, PatchTST), trained by the
recurrent family's machinery: the same scales and target transforms (inputs.py), windows
(training_data.py), grouped training loop with early stopping and its divergence check
(train.fit_members), shrinkage toward naive (shrink.py) and saved state (safetensors +
JSON). Only the network differs: a `GroupedModule` around the architecture's `Network`.

The plug-in contract for an architecture (a module named in arch_settings.ARCHITECTURES):

    class Network(nn.Module):
        def __init__(self, window, horizon, outputs_per_step, n_inputs, **options): ...
        def forward(self, x):  # (B, window, n_inputs) -> (B, horizon, outputs_per_step)

    def check(window: int, horizon: int, options: dict) -> None:
        # raise SeqcastError, one line naming the option and its smallest valid value

`options` are the settings its ARCHITECTURES line names, resolved (explicit, else the
preset's). Channel 0 of x is the scaled target (daily scaled log returns by default), the
others the scaled covariates (`covariates=False` on the line refuses --features instead).
`outputs_per_step` is 1, or with quantile heads the number of quantiles (the median first).
Use `grouped_module.Dropout`, never `nn.Dropout`; keep no persistent buffers (GroupedModule
refuses both: members would share them). Initialise in `__init__` from the global stream
(GroupedModule seeds it per member, inside fork_rng). Adding one: the module (its Network,
check, a `DeepForecaster` subclass with its settings and `build`), its ARCHITECTURES line
(module, help, option names, preset, tuning space), its settings class in arch_settings
(a field for each option of its own), one `Family` line in the registry, and an example in
tests/test_checks.py's EXAMPLES.

What the network's outputs mean: with the `log_return` transform, day k's output is the
scaled log change from the last known price to day k (the cumulative sum of the daily
targets), so a quantile of it is a quantile of that day's price; with `price`, the scaled
level; with `pct_change`, each day's change, compounded.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from seqcast import progress
from seqcast.data.features import check_names
from seqcast.errors import SeqcastError
from seqcast.models import deep_fit, ensembles, grouping, shrink, warm
from seqcast.models.arch_settings import ARCHITECTURES
from seqcast.models.base import (
    CANDIDATE,
    COVARIATES,
    GROUPED,
    HORIZON_PARAM,
    QUANTILE_HEADS,
    SEEDED,
    STATEFUL,
    WARM,
    WINDOWED,
    FitJob,
    Forecaster,
)
from seqcast.models.deep_paths import member_outputs, to_prices
from seqcast.models.deep_settings import COMMON, Architecture, DeepSettings
from seqcast.models.grouped_module import GroupedModule
from seqcast.models.inputs import Inputs
from seqcast.models.optim import MemberMoments
from seqcast.models.quantiles import bound_channels, quantiles_for
from seqcast.models.train import EpochLog, TrainConfig
from seqcast.options import check_choices


@dataclass(eq=False, repr=False)
class DeepForecaster(DeepSettings, Forecaster):
    """A direct deep network (the parameters are `DeepSettings`): one window in, every day
    of the horizon out. Scaling and training see only the history given to `fit`;
    `val_days` holds its tail out for early stopping and for the shrinkage weight."""

    TAGS = frozenset(
        {SEEDED, HORIZON_PARAM, GROUPED, STATEFUL, CANDIDATE, QUANTILE_HEADS, WINDOWED, WARM}
    )
    REPORTED = ("w",)

    def tags(self) -> frozenset[str]:
        return self.TAGS | ({COVARIATES} if self.features else set())

    @property
    def name(self) -> str:
        return f"{self.model}*{self.ensemble}" if self.ensemble > 1 else self.model

    @property
    def architecture(self) -> Architecture:
        if self.model not in ARCHITECTURES:
            known = ", ".join(ARCHITECTURES)
            raise SeqcastError(f"unknown direct deep model '{self.model}'; choose one of {known}")
        return ARCHITECTURES[self.model]

    def resolved(self) -> dict[str, Any]:
        """Every setting left at None, as the preset chooses (patience 0 = off: None)."""
        defaults = self.architecture.defaults()
        names = [*COMMON, *self.architecture.options]
        settings = {k: defaults[k] if getattr(self, k) is None else getattr(self, k) for k in names}
        settings["patience"] = settings["patience"] or None
        return settings

    def options(self) -> dict[str, Any]:
        """The architecture's own settings, resolved: what its Network and check take."""
        settings = self.resolved()
        return {name: settings[name] for name in self.architecture.options}

    def outputs(self) -> int:
        return self.horizon  # targets per window; the network gives quantiles() per day

    def quantiles(self) -> tuple[float, ...]:
        return quantiles_for(self.quantile_levels) if self.quantile_levels else (0.5,)

    def min_history(self) -> int:
        return self.window + (0 if self.resolved()["transform"] == "price" else 1)

    def min_train(self) -> int:
        return self.min_history() + self.resolved()["val_days"] + self.outputs()

    def train_config(self, warm: bool = False) -> TrainConfig:
        """How to train; a warm-started refit as the layer-list family's does (neural.py):
        `warm_epochs` at most, ending at the first epoch that does not beat its start."""
        s = self.resolved()
        return TrainConfig(
            epochs=self.warm_epochs if warm else s["epochs"],
            batch_size=s["batch_size"],
            optimizer=s["optimizer"],
            learning_rate=s["learning_rate"],
            loss=s["loss"],
            shuffle=self.shuffle,
            patience=1 if warm and s["patience"] else s["patience"],
            quantiles=self.quantiles() if self.quantile_levels else (),
        )

    def network(self, seeds: list[int], channels: int) -> GroupedModule:
        """The architecture's network for `seeds`, grouped."""
        module = importlib.import_module(self.architecture.module)
        per_step = len(self.quantiles())
        build = functools.partial(
            module.Network, self.window, self.horizon, per_step, channels, **self.options()
        )
        return GroupedModule(build, seeds, self.window, channels, self.horizon * per_step)

    def check(self) -> None:
        """Refuse impossible settings, one line each, before any training: the family's,
        then the architecture's own (its `check`)."""
        check_choices(self)
        check_names(tuple(self.features))
        if self.features and not self.architecture.covariates:
            raise SeqcastError(f"{self.model} reads the price alone; leave out --features")
        for key, least in (("window", 1), ("ensemble", 1), ("horizon", 1)):
            if getattr(self, key) < least:
                raise SeqcastError(f"--{key} {getattr(self, key)}: at least {least}")
        self._check_training()
        self._check_heads()
        rate = self.options().get("dropout", 0.0)  # the one option several networks share
        if not 0.0 <= rate < 1.0:
            raise SeqcastError(f"--dropout {rate:g}: a rate from 0 up to (not including) 1")
        module = importlib.import_module(self.architecture.module)
        module.check(self.window, self.horizon, self.options())

    def _check_training(self) -> None:
        s = self.resolved()
        for key, least in (("epochs", 1), ("batch_size", 1), ("val_days", 0), ("patience", 0)):
            value = s[key] if key != "patience" else (self.patience or 0)
            if value < least:
                raise SeqcastError(f"--{key.replace('_', '-')} {value}: at least {least}")
        lr = s["learning_rate"]
        if lr is not None and not 0 < lr < float("inf"):
            raise SeqcastError(f"--lr {lr:g}: the learning rate must be above 0, e.g. 0.001")
        if 0 < s["val_days"] < self.horizon:
            raise SeqcastError(
                f"--val-days {s['val_days']} is shorter than the {self.horizon} days each"
                f" validation window forecasts; use --val-days {self.horizon} or more, or 0"
            )
        if s["shrink"] and s["val_days"] < 30:
            raise SeqcastError(
                f"--val-days {s['val_days']}: shrinkage toward naive chooses its weight on the"
                " validation tail; use --val-days 30 or more, or --no-shrink"
            )

    def _check_heads(self) -> None:
        for level in self.quantile_levels:
            if not 1 <= level < 100:
                raise SeqcastError(f"quantile level {level:g}: a percentage from 1 to 100, e.g. 80")
        if self.quantile_levels and self.resolved()["transform"] == "pct_change":
            raise SeqcastError(
                "quantile heads need --transform log_return or price (compounded daily"
                " quantiles of pct_change are not the price's quantiles)"
            )

    @classmethod
    def fit_many(cls, jobs: Sequence[FitJob]) -> None:
        """Every member of every job that differs only in seed and history trains in one
        grouped network; each gets exactly the data, initial weights, dropout masks and
        batch order it would get alone (NeuralForecaster.fit_many's rule)."""
        members: dict[int, list[FitJob]] = {}
        starts: dict[int, warm.Start | None] = {}  # per member job: where a warm one begins
        for job in jobs:
            forecaster = cast(DeepForecaster, job.forecaster)  # fit_many is per class
            forecaster.check()
            members[id(job)] = forecaster.member_jobs(job)
            begins = warm.starts(job, len(members[id(job)]))
            starts |= {id(m): s for m, s in zip(members[id(job)], begins, strict=True)}
        every = [m for ms in members.values() for m in ms]
        for chunk in grouping.plan(every, deep_fit.chunks):
            deep_fit.fit_chunk(chunk, starts)
            progress.tell("fitted", count=sum(len(pool) for pool in chunk))
        for job in jobs:
            cast(DeepForecaster, job.forecaster).gather(job, members[id(job)])

    def member_jobs(self, job: FitJob) -> list[FitJob]:
        return ensembles.ensemble_jobs(self, job)

    def gather(self, job: FitJob, members: list[FitJob]) -> None:
        """Take the members' networks, then choose the shrinkage weight on the validation
        tail (out of sample: no network learnt from it)."""
        trained = [cast(DeepForecaster, m.forecaster) for m in members]
        if trained[0] is not self:
            self.inputs_: Inputs = trained[0].inputs_
            self.networks_: list[GroupedModule] = [t.networks_[0] for t in trained]
            self.history_: list[EpochLog] = trained[0].history_
            self.fit_info_: dict[str, Any] = trained[0].fit_info_
            self.moments_: list[MemberMoments] = [t.moments_[0] for t in trained]
        self.weight_: float = 1.0
        if self.resolved()["shrink"]:
            values = np.asarray(job.y, dtype=float)
            X = pd.DataFrame(index=job.y.index) if job.X is None else job.X
            start = max(len(values) - self.resolved()["val_days"], self.min_history())
            tail = np.arange(start, len(values))
            self.weight_ = shrink.weight_on_tail(values, tail, self._raw(values, tail, X)[0])
            self.fit_info_ = {**self.fit_info_, "w": self.weight_}
        self.is_fitted_ = True

    def group_key(self) -> tuple:
        """Forecasters with equal keys differ only in seed and can train as one network."""
        return tuple((k, v) for k, v in sorted(self.get_params().items()) if k != "seed")

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        raw = self._raw(values, positions, features, horizon)[0]
        if self.weight_ == 1.0:
            return raw
        last = np.repeat(values[positions - 1, None], horizon, axis=1)
        return shrink.shrunk(raw, last, self.weight_)

    def predict_quantiles(
        self,
        y: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int = 1,
        X: pd.DataFrame | None = None,
    ) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        """Each quantile level's (lower, upper) price forecasts (origins, horizon) from the
        heads, as `predict` reads y[:t] only; unshrunk (the model's own distribution), and
        a crossed pair put in order."""
        if not self.quantile_levels:
            raise SeqcastError(f"{self.name} has no quantile heads (quantile_levels is empty)")
        self._check_fitted()
        positions = np.asarray(origins, dtype=np.int64)
        self._check_history(positions, len(y))
        features = pd.DataFrame(index=y.index) if X is None else X
        prices = self._raw(np.asarray(y, dtype=float), positions, features, horizon)
        return {
            level: (np.minimum(prices[lo], prices[hi]), np.maximum(prices[lo], prices[hi]))
            for level, (lo, hi) in bound_channels(self.quantile_levels).items()
        }

    def _raw(
        self,
        values: np.ndarray,
        positions: np.ndarray,
        features: pd.DataFrame,
        horizon: int | None = None,
    ) -> list[np.ndarray]:
        """Per output channel (the median first), the members' combined price paths."""
        horizon = self.horizon if horizon is None else horizon
        if horizon > self.horizon:
            raise SeqcastError(
                f"this model was trained for {self.horizon} days ahead, not {horizon}"
            )
        z = self.inputs_.target(values)
        extra = self.inputs_.covariates(pd.Series(values, index=features.index), features)
        X, _ = self.inputs_.windows(z, extra, positions, 1)
        per_member = [member_outputs(net, X, len(self.quantiles())) for net in self.networks_]
        combined = (np.median if self.combine == "median" else np.mean)(per_member, axis=0)
        last = values[positions - 1]
        return [
            to_prices(self.inputs_.transform, combined[:, :horizon, q], last)
            for q in range(combined.shape[2])
        ]

    def fit_info(self) -> dict[str, Any]:
        return dict(getattr(self, "fit_info_", {}))

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, _ = super().state()
        trained, arrays = ensembles.trained_state(self)
        return meta | {"resolved": self.resolved(), **trained}, arrays

    def restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        ensembles.restore_trained(
            self,
            meta,
            arrays,
            lambda channels: self.network([self.seed], channels),
            f"the saved weights do not match {self.model} with these settings"
            f" (window {self.window}, {self.ensemble} member(s))",
        )
