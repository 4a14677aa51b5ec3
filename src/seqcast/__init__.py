"""seqcast: honest sequence-model forecasts of price series."""

from seqcast.backtest import backtest, forecast_table
from seqcast.baselines import NaiveForecaster
from seqcast.config import RunConfig
from seqcast.data import DataWarning, LoadOptions, load_prices, read_prices
from seqcast.errors import NotFittedError, SeqcastError
from seqcast.metrics import mae, mape, rmse, score_table
from seqcast.neural import NeuralForecaster
from seqcast.pipeline import RunResult, predict_from_run, run_experiment, save_run
from seqcast.spec import PRESETS, LayerSpec, parse_layers
from seqcast.split import chronological_split
from seqcast.transforms import TargetTransform

__all__ = [
    "PRESETS",
    "DataWarning",
    "LayerSpec",
    "LoadOptions",
    "NaiveForecaster",
    "NeuralForecaster",
    "NotFittedError",
    "RunConfig",
    "RunResult",
    "SeqcastError",
    "TargetTransform",
    "backtest",
    "chronological_split",
    "forecast_table",
    "load_prices",
    "mae",
    "mape",
    "parse_layers",
    "predict_from_run",
    "read_prices",
    "rmse",
    "run_experiment",
    "save_run",
    "score_table",
]
__version__ = "0.1.0"
