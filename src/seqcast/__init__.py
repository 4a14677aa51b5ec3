"""seqcast: honest sequence-model forecasts of price series, always beside the naive one.

The public names load lazily (`import seqcast` imports no PyTorch, pandas or NumPy); each
comes from the module of its stage:

    data/       load_prices, read_prices, LoadOptions
    models/     NaiveForecaster, NeuralForecaster, make_model, clone
    evaluate/   backtest, score_table
    experiment  Experiment, Result
    runs        save_run, load_run, replay_run
    tune/       Tuning, Folds, read_space
    cluster     connect (Ray)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    "load_prices": "seqcast.data.load",
    "read_prices": "seqcast.data.load",
    "DataWarning": "seqcast.data.load",
    "LoadOptions": "seqcast.settings",
    "NeuralSettings": "seqcast.settings",
    "Evaluation": "seqcast.settings",
    "NaiveForecaster": "seqcast.models.baselines",
    "NeuralForecaster": "seqcast.models.neural",
    "Forecaster": "seqcast.models.base",
    "clone": "seqcast.models.base",
    "backtest": "seqcast.evaluate.backtest",
    "score_table": "seqcast.evaluate.metrics",
    "Experiment": "seqcast.experiment",
    "Result": "seqcast.result",
    "SeqcastError": "seqcast.errors",
    "NotFittedError": "seqcast.errors",
    "Tuning": "seqcast.tune.tuning",
    "Folds": "seqcast.tune.search",
    "read_space": "seqcast.tune.space",
    "connect": "seqcast.cluster",
}
_RENAMED = {
    "make_model": ("seqcast.models.registry", "make"),
    "save_run": ("seqcast.runs", "save"),
    "load_run": ("seqcast.runs", "load"),
    "replay_run": ("seqcast.runs", "replay"),
}
__all__ = sorted([*_EXPORTS, *_RENAMED])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _RENAMED:
        module, attribute = _RENAMED[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'seqcast' has no attribute '{name}'")
