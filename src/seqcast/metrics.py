"""Forecast accuracy in the series' own units (dollars for prices)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def mae(y: np.ndarray, y_hat: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(y) - np.asarray(y_hat))))


def rmse(y: np.ndarray, y_hat: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(y_hat)) ** 2)))


def mape(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Mean absolute percentage error, in percent."""
    y = np.asarray(y)
    return float(100.0 * np.mean(np.abs((y - np.asarray(y_hat)) / y)))


METRICS = {"MAE": mae, "RMSE": rmse, "MAPE%": mape}


def score_table(table: pd.DataFrame, models: list[str], reference: str = "naive") -> pd.DataFrame:
    """One row per model: every metric over the table's rows, and MAE relative to `reference`.

    `table` is a backtest table: a `y` column and one forecast column per model.
    """
    rows = {
        model: {name: fn(table["y"], table[model]) for name, fn in METRICS.items()}
        for model in models
    }
    scores = pd.DataFrame.from_dict(rows, orient="index")
    scores.index.name = "model"
    if reference in scores.index:
        scores[f"MAE/{reference}"] = scores["MAE"] / scores.loc[reference, "MAE"]
    return scores
