"""The neural family's settings (the parameters of `NeuralForecaster`) and the names of
what implements them. Imports no PyTorch: `seqcast --help` reads it."""

from __future__ import annotations

from dataclasses import dataclass

from seqcast.models.names import LOSSES, OPTIMIZERS, TRANSFORMS
from seqcast.models.spec import DEFAULT, PRESETS
from seqcast.options import name_list, option

STRATEGIES = ("recursive", "direct")


@dataclass(eq=False)
class NeuralSettings:
    """The parameters of a neural forecaster: the default preset (`gru`, chosen by the
    README's protocol) with the tutorial's window, epochs, batch and optimizer; a setting left
    at None takes the preset's choice (see `models.spec.PRESETS`)."""

    model: str = option(
        DEFAULT,
        "The model (any name --models takes, or a .toml file); for the neural family its"
        " preset: " + "; ".join(f"{name}: {p.about}" for name, p in PRESETS.items()) + ".",
        shown="auto (with only neural settings such as --layers: gru)",
    )
    layers: str | None = option(
        None,
        "Layer list instead of the preset's, e.g. 'gru:32:seq, gru:16, dense:1'.",
        shown="the preset's",
    )
    window: int = option(60, "Past days in each input window.")
    transform: str | None = option(
        None, "What the network predicts.", choices=TRANSFORMS, shown="the preset's"
    )
    epochs: int = option(50, "Training epochs (at most, with early stopping).")
    warm_epochs: int = option(
        3,
        "Training epochs (at most) of a refit that starts from the one before it"
        " (--warm-start); early stopping may end it sooner.",
    )
    batch_size: int = option(64, "Windows per training batch.")
    optimizer: str = option("rmsprop", "Optimizer, with Keras' defaults.", choices=OPTIMIZERS)
    learning_rate: float | None = option(
        None, "Learning rate.", flag="--lr", shown="the optimizer's Keras default"
    )
    loss: str | None = option(None, "Training loss.", choices=LOSSES, shown="the preset's")
    shuffle: bool = option(True, "Shuffle the windows every epoch (as Keras does).")
    val_days: int | None = option(
        None, "Days at the end of training held out for early stopping.", shown="the preset's"
    )
    patience: int | None = option(
        None,
        "Epochs without a better validation loss before stopping; 0 = off.",
        shown="the preset's",
    )
    seed: int = option(0, "Random seed (the first of several with --seeds).")
    strategy: str = option(
        "recursive",
        "Beyond one day: feed each forecast back (recursive), or train one network with an"
        " output per day (direct).",
        choices=STRATEGIES,
    )
    horizon: int = option(
        1, "Days the direct strategy's network outputs (from --horizon).", cli=False
    )
    features: tuple[str, ...] = option(
        (),
        "Past covariates each window sees beside the price: log_range, oc_return,"
        " log_volume, weekday (comma-separated).",
        parse=name_list,
        shown="none",
    )
    shrink: bool | None = option(
        None,
        "Shrink toward naive: naive + w * (model - naive), w in [0, 1] chosen on the"
        " validation tail of every fit.",
        shown="the preset's",
    )
    ensemble: int = option(1, "Seeds averaged into one forecast (a seed ensemble).")
    combine: str = option("mean", "How an ensemble's members combine.", choices=("mean", "median"))
    pooled: bool = option(
        False,
        "With several series: one network learns from all of them (each scaled on its own"
        " training part), instead of one per series.",
    )
