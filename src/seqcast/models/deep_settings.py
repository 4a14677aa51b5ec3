"""The settings every direct deep architecture shares (the parameters of
`deep.DeepForecaster`), what describes an architecture (`Architecture`; the table of them
and each one's own settings: arch_settings.py), and the tuning space they share. Imports no
PyTorch: `seqcast --help` reads it. A setting left at None takes the architecture's preset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seqcast.models.names import LOSSES, OPTIMIZERS, TRANSFORMS
from seqcast.options import Dimension, name_list, option

# What every preset of the family does unless it says otherwise: the recurrent family's
# protocol (log returns, MAE, early stopping on a 180-day tail, shrinkage toward naive),
# with Adam at its default rate, as the architectures' papers train.
COMMON: dict[str, Any] = {
    "epochs": 50,
    "batch_size": 64,
    "optimizer": "adam",
    "learning_rate": None,  # the optimizer's Keras default
    "loss": "mae",
    "transform": "log_return",
    "val_days": 180,
    "patience": 5,
    "shrink": True,
    "dropout": 0.0,
}


@dataclass(frozen=True)
class Architecture:
    module: str  # where its `Network` and `check` live (imports PyTorch)
    about: str  # one line for --help
    options: tuple[str, ...]  # the architecture's own settings its network takes
    preset: dict[str, Any]  # its choices over COMMON's
    space: tuple[Dimension, ...] = ()  # what `tune` tries of its own settings
    covariates: bool = True  # reads covariate channels beside the price's

    def defaults(self) -> dict[str, Any]:
        return {**COMMON, **self.preset}


@dataclass(eq=False)
class DeepSettings:
    """The parameters of a direct deep forecaster: an architecture's preset, every setting
    at None taking the preset's choice."""

    model: str = option("dlinear", "The architecture (a line of arch_settings.ARCHITECTURES).")
    window: int = option(60, "Past days in each input window.")
    epochs: int | None = option(
        None, "Training epochs (at most, with early stopping).", shown="the preset's"
    )
    warm_epochs: int = option(
        3,
        "Training epochs (at most) of a refit that starts from the one before it"
        " (--warm-start); early stopping may end it sooner.",
    )
    batch_size: int | None = option(None, "Windows per training batch.", shown="the preset's")
    optimizer: str | None = option(
        None, "Optimizer, with Keras' defaults.", choices=OPTIMIZERS, shown="the preset's"
    )
    learning_rate: float | None = option(
        None, "Learning rate.", flag="--lr", shown="the optimizer's Keras default"
    )
    loss: str | None = option(None, "Training loss.", choices=LOSSES, shown="the preset's")
    transform: str | None = option(
        None, "What the network predicts.", choices=TRANSFORMS, shown="the preset's"
    )
    shuffle: bool = option(True, "Shuffle the windows every epoch (as Keras does).")
    val_days: int | None = option(
        None, "Days at the end of training held out for early stopping.", shown="the preset's"
    )
    patience: int | None = option(
        None,
        "Epochs without a better validation loss before stopping; 0 = off.",
        shown="the preset's",
    )
    shrink: bool | None = option(
        None,
        "Shrink toward naive: naive + w * (model - naive), w in [0, 1] chosen on the"
        " validation tail of every fit.",
        shown="the preset's",
    )
    seed: int = option(0, "Random seed (the first of several with --seeds).")
    horizon: int = option(1, "Days the network outputs (from --horizon).", cli=False)
    features: tuple[str, ...] = option(
        (),
        "Past covariates each window sees beside the price: log_range, oc_return,"
        " log_volume, weekday (comma-separated).",
        parse=name_list,
        shown="none",
    )
    ensemble: int = option(1, "Seeds averaged into one forecast (a seed ensemble).")
    combine: str = option("mean", "How an ensemble's members combine.", choices=("mean", "median"))
    pooled: bool = option(
        False,
        "With several series: one network learns from all of them (each scaled on its own"
        " training part), instead of one per series.",
    )
    quantile_levels: tuple[float, ...] = option(
        (),
        "Interval levels (percent) the network's quantile heads learn (pinball loss);"
        " set from --levels when --intervals is quantile or cqr.",
        cli=False,
    )
    # the one setting of the architectures' own that several read
    dropout: float | None = option(
        None, "Direct deep: dropout rate inside the network.", shown="the preset's"
    )


def common_space() -> dict[str, Dimension]:
    """What a study tries of the settings every direct deep architecture shares."""
    return {
        "window": Dimension("window", 20, 120),
        "learning_rate": Dimension("learning_rate", 1e-4, 1e-2, log=True),
        "batch_size": Dimension("batch_size", choices=(32, 64, 128)),
        "epochs": Dimension("epochs", 10, 50),
        "patience": Dimension("patience", 2, 8),
        "loss": Dimension("loss", choices=("mae", "huber", "mse")),
        "shrink": Dimension("shrink", choices=(True, False)),
    }
