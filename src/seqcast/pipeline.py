"""The whole job, in the data's order: load -> split -> fit -> predict -> evaluate -> report.

`run_experiment` trains; `predict_from_run` reloads a saved run and forecasts without training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from seqcast.artifacts import (
    checkpoint_files,
    load_checkpoint,
    read_json,
    to_csv,
    to_json,
    write_directory,
)
from seqcast.backtest import backtest, forecast_table
from seqcast.baselines import NaiveForecaster
from seqcast.config import RunConfig
from seqcast.data import check_length, load_prices
from seqcast.metrics import score_table
from seqcast.neural import NeuralForecaster
from seqcast.plot import forecast_figure
from seqcast.spec import format_layers


@dataclass
class RunResult:
    config: RunConfig
    forecaster: NeuralForecaster
    table: pd.DataFrame  # date-indexed: cutoff, y, <model>, naive
    scores: pd.DataFrame  # one row per model: every metric of seqcast.metrics.score
    next_day: pd.Series  # the forecast for the day after the data ends
    series_name: str  # the column forecast

    @property
    def model(self) -> str:
        return self.forecaster.name


def run_experiment(config: RunConfig, verbose: bool = False) -> RunResult:
    """Train on everything before the last `test_days`, forecast each test day one step
    ahead, score against the naive forecast, and forecast the next day."""
    series = load_prices(config.data, config.target, **config.load)
    forecaster = NeuralForecaster(**{**config.forecaster, "verbose": verbose})
    needed = forecaster.min_history() + forecaster.resolved()["val_days"] + config.test_days + 1
    check_length(series, needed, config.data, "the window, validation and test period")
    forecasters = {forecaster.name: forecaster, "naive": NaiveForecaster()}
    table, fitted = backtest(series, forecasters, config.test_days)
    trained = fitted[forecaster.name]
    assert isinstance(trained, NeuralForecaster)
    return _finish(config, trained, series, table)


def predict_from_run(run_dir: str | Path, data: str | Path | None = None) -> RunResult:
    """Reload a saved run and forecast the last `test_days` of `data` (default: the run's
    own file) and the next day, with no training."""
    run_dir = Path(run_dir)
    saved = read_json(run_dir / "config.json")
    config = RunConfig.from_dict(saved["config"], source=str(run_dir / "config.json"))
    if data is not None:
        config = RunConfig.from_dict({**config.to_dict(), "data": str(data)})
    forecaster = load_checkpoint(run_dir)
    series = load_prices(config.data, config.target, **config.load)
    needed = forecaster.min_history() + config.test_days
    check_length(series, needed, config.data, "the saved model's window and test period")
    cutoff = pd.Timestamp(saved["cutoff"])
    forecasters = {forecaster.name: forecaster, "naive": NaiveForecaster().fit(series)}
    table = forecast_table(series, forecasters, config.test_days, cutoff)
    return _finish(config, forecaster, series, table)


def _finish(
    config: RunConfig, forecaster: NeuralForecaster, series: pd.Series, table: pd.DataFrame
) -> RunResult:
    train = series[series.index <= table["cutoff"].iloc[0]]
    scores = score_table(table, [forecaster.name, "naive"], train)
    next_day = forecaster.forecast(series)
    return RunResult(config, forecaster, table, scores, next_day, str(series.name))


def save_run(result: RunResult, directory: str | Path) -> Path:
    """Write the run directory: config, weights, scaler, metrics, predictions, plot."""
    directory = Path(directory)
    model, table = result.model, result.table
    predictions = pd.DataFrame(
        {"true": table["y"], "predicted": table[model], "naive": table["naive"]}
    )
    history = pd.DataFrame([vars(log) for log in result.forecaster.history_])
    title = f"{model}: one-step forecasts of {result.series_name}, last {len(table)} days"
    files = {
        "config.json": to_json(
            {
                "config": {**result.config.to_dict(), "forecaster": _params(result.forecaster)},
                "resolved": {
                    "layers": format_layers(result.forecaster.layers_),
                    **result.forecaster.resolved(),
                },
                "cutoff": str(table["cutoff"].iloc[0].date()),
            }
        ),
        **checkpoint_files(result.forecaster),
        "metrics.json": to_json(metrics_summary(result)),
        "predictions.csv": to_csv(predictions, index_label="date"),
        "history.csv": to_csv(history, index=False),
        "plot.png": forecast_figure(table, [model], title, result.config.show_naive),
    }
    write_directory(directory, files)
    return directory


def _params(forecaster: NeuralForecaster) -> dict:
    """Every forecaster parameter, so the saved config rebuilds the run on its own."""
    return {k: v for k, v in forecaster.get_params().items() if k != "verbose"}


def metrics_summary(result: RunResult) -> dict:
    date, value = result.next_day.index[0], float(result.next_day.iloc[0])
    history = result.forecaster.history_
    return {
        "model": result.model,
        "test_days": len(result.table),
        "test_start": str(result.table.index[0].date()),
        "test_end": str(result.table.index[-1].date()),
        "scores": result.scores.to_dict(orient="index"),
        "next_day": {"date": str(date.date()), "forecast": value},
        "epochs_run": len(history),
        "mean_epoch_seconds": sum(log.seconds for log in history) / max(len(history), 1),
    }
