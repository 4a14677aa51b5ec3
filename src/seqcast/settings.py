"""Every setting seqcast takes, declared once (name, default, one line of help), gathered
from the layer each belongs to: loading (`data.options.LoadOptions`), the neural family
(`models.neural_settings.NeuralSettings`; every family declares its own through the
registry) and evaluation (`evaluate.options.Evaluation`). The CLI makes its options from
these fields, a TOML config uses the same names, and a saved run records them. Nothing here
is heavy: `seqcast --help` reads it.
"""

from __future__ import annotations

from seqcast.data.options import LoadOptions
from seqcast.evaluate.options import INTERVALS, MAX_HORIZON, Evaluation
from seqcast.models.neural_settings import (
    LOSSES,
    OPTIMIZERS,
    STRATEGIES,
    TRANSFORMS,
    NeuralSettings,
)
from seqcast.options import check_choices, keys, level_list, name_list, option, pick, seed_list

__all__ = [
    "INTERVALS",
    "LOSSES",
    "MAX_HORIZON",
    "OPTIMIZERS",
    "STRATEGIES",
    "TRANSFORMS",
    "Evaluation",
    "LoadOptions",
    "NeuralSettings",
    "check_choices",
    "keys",
    "level_list",
    "name_list",
    "option",
    "pick",
    "seed_list",
]
