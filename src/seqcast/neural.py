"""Neural forecasters built from a layer spec, behind the common forecaster interface."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import torch
from rich.console import Console

from seqcast.base import Forecaster
from seqcast.errors import SeqcastError
from seqcast.models import SpecNet
from seqcast.spec import PRESETS, TUTORIAL_SETTINGS, format_layers, parse_layers, resolve_layers
from seqcast.split import split_tail
from seqcast.train import EpochLog, TrainConfig, fit_model, predict_model
from seqcast.transforms import TargetTransform
from seqcast.windows import make_windows


class NeuralForecaster(Forecaster):
    """A sequence model (MLP, SimpleRNN, LSTM, GRU or any layer list) on sliding windows.

    The defaults are the tutorial's: its LSTM stack on MinMax-scaled prices, 60-day windows,
    RMSprop, MSE, 50 epochs of batch 64. `transform`, `loss`, `val_days` and `patience` left
    as None take the preset's choice (`spec.PRESETS`); `patience=0` turns early stopping off.
    Scaling and training see only the series given to `fit`; `val_days` holds its tail out
    for early stopping.
    """

    def __init__(
        self,
        model: str = "tutorial",
        layers: str | None = None,
        window: int = 60,
        transform: str | None = None,
        epochs: int = 50,
        batch_size: int = 64,
        optimizer: str = "rmsprop",
        learning_rate: float | None = None,
        loss: str | None = None,
        shuffle: bool = True,
        val_days: int | None = None,
        patience: int | None = None,
        seed: int = 0,
        verbose: bool = False,
    ):
        self.model = model
        self.layers = layers
        self.window = window
        self.transform = transform
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.shuffle = shuffle
        self.val_days = val_days
        self.patience = patience
        self.seed = seed
        self.verbose = verbose

    @property
    def name(self) -> str:
        return self.model if not self.layers else "custom"

    def min_history(self) -> int:
        return self.window + (0 if self.resolved()["transform"] == "price" else 1)

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

    def fit(self, y: pd.Series) -> NeuralForecaster:
        fit_together([self], y)
        return self

    def group_key(self) -> tuple:
        """Forecasters with equal keys differ only in seed and can train as one network."""
        return tuple(sorted((k, v) for k, v in self.get_params().items() if k != "seed"))

    def _predict_at(self, values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        z = self.transform_.transform(values)
        X, _ = make_windows(z, self.window, positions)  # (N, window, 1)
        z_hat = predict_model(self.network_, X)[0]
        return self.transform_.inverse_transform(z_hat, previous=values[positions - 1])

    # A checkpoint is a plain dict of weights plus the settings needed to rebuild the model.
    def checkpoint(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        self._check_fitted()
        meta = {
            "params": self.get_params(),
            "layers": format_layers(self.layers_),
            "transform": self.transform_.state(),
            "history": [vars(log) for log in self.history_],
        }
        return self.network_.state_dict(), meta

    @classmethod
    def from_checkpoint(
        cls, weights: dict[str, torch.Tensor], meta: dict[str, Any]
    ) -> NeuralForecaster:
        self = cls(**meta["params"])
        self.layers_ = parse_layers(meta["layers"])
        self.transform_ = TargetTransform.from_state(meta["transform"])
        self.network_ = SpecNet(self.layers_, self.window, [self.seed])
        self.network_.load_state_dict(weights)
        self.network_.eval()
        self.history_ = [EpochLog(**log) for log in meta["history"]]
        self.is_fitted_ = True
        return self


def fit_together(forecasters: list[NeuralForecaster], y: pd.Series) -> None:
    """Fit forecasters that differ only in `seed` as one grouped network (one member per
    seed). Each member gets exactly the data, initial weights, dropout masks and batch order
    it would get alone, so results do not depend on the grouping; only the time does."""
    head = forecasters[0]
    if any(other.group_key() != head.group_key() for other in forecasters[1:]):
        raise ValueError("fit_together needs forecasters that differ only in seed")
    layers = resolve_layers(head.model, head.layers)
    config = head.train_config()
    config.check()
    if head.window < 1:
        raise SeqcastError(f"window must be at least 1 day, not {head.window}")
    settings, first = head.resolved(), head.min_history()
    if len(y) - settings["val_days"] <= first:
        raise SeqcastError(
            f"training needs more than {first} days (window {head.window}) plus"
            f" {settings['val_days']} validation days, but has {len(y)};"
            " use a longer series, a smaller window or fewer --val-days"
        )
    fit_part, _ = split_tail(y, settings["val_days"])
    values = np.asarray(y, dtype=float)
    transform = TargetTransform(settings["transform"]).fit(values[: len(fit_part)])
    z = transform.transform(values)
    X, target = make_windows(z, head.window, np.arange(first, len(fit_part)))
    validation = None
    if settings["val_days"]:
        validation = make_windows(z, head.window, np.arange(max(len(fit_part), first), len(z)))

    network = SpecNet(layers, head.window, [f.seed for f in forecasters])
    printer = _epoch_printer(config.epochs) if head.verbose else None
    histories = fit_model(network, X, target, config, validation, printer)
    for member, forecaster in enumerate(forecasters):
        forecaster.layers_, forecaster.transform_ = layers, transform
        forecaster.network_ = network if len(forecasters) == 1 else network.member(member)
        forecaster.history_ = histories[member]
        forecaster.is_fitted_ = True


_console = Console(stderr=True, highlight=False)


def _epoch_printer(epochs: int) -> Callable[[list[EpochLog]], None]:
    def show(logs: list[EpochLog]) -> None:
        log = logs[0]
        val = f"  val_loss {log.val_loss:.6f}" if log.val_loss is not None else ""
        _console.print(
            f"epoch {log.epoch:>3}/{epochs}  loss {log.loss:.6f}{val}  {log.seconds:.2f}s"
        )

    return show
