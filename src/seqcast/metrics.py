"""Forecast accuracy, always read against the naive forecast.

Every function takes the truth `y`, the forecast `y_hat` and, where the metric needs it,
`y_prev` (the last value known when the forecast was made: the naive forecast).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def mae(y: np.ndarray, y_hat: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(y) - np.asarray(y_hat))))


def rmse(y: np.ndarray, y_hat: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(y_hat)) ** 2)))


def mape(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Mean absolute percentage error, in percent."""
    y = np.asarray(y)
    return float(100.0 * np.mean(np.abs((y - np.asarray(y_hat)) / y)))


def smape(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Symmetric MAPE in percent: 100 * mean(2|y - y_hat| / (|y| + |y_hat|))."""
    y, y_hat = np.asarray(y), np.asarray(y_hat)
    return float(100.0 * np.mean(2.0 * np.abs(y - y_hat) / (np.abs(y) + np.abs(y_hat))))


def mase(y: np.ndarray, y_hat: np.ndarray, train: np.ndarray) -> float:
    """MAE scaled by the in-sample MAE of the one-step naive forecast on the training part."""
    return mae(y, y_hat) / float(np.mean(np.abs(np.diff(np.asarray(train)))))


def directional_accuracy(y: np.ndarray, y_hat: np.ndarray, y_prev: np.ndarray) -> tuple[float, int]:
    """Share of days where the forecast move from `y_prev` has the sign of the actual move.

    Days where either move is exactly zero are ties: left out of the share and counted.
    Returns (accuracy in percent, or NaN when every day is a tie; number of ties).
    """
    predicted = np.sign(np.asarray(y_hat) - y_prev)
    actual = np.sign(np.asarray(y) - y_prev)
    ties = (predicted == 0) | (actual == 0)
    decided = ~ties
    share = (
        100.0 * float(np.mean(predicted[decided] == actual[decided])) if decided.any() else np.nan
    )
    return share, int(ties.sum())


def diebold_mariano(y: np.ndarray, y_hat: np.ndarray, y_ref: np.ndarray) -> float:
    """Two-sided p-value of the Diebold-Mariano test of equal accuracy (absolute-error loss,
    one-step horizon) with the Harvey-Leybourne-Newbold small-sample correction.

    Small p: the two forecasts differ in accuracy; which is better is read from their MAEs.
    """
    y = np.asarray(y)
    d = np.abs(y - np.asarray(y_hat)) - np.abs(y - np.asarray(y_ref))
    n = len(d)
    variance = float(np.mean((d - d.mean()) ** 2))  # lag-0 autocovariance: enough for h = 1
    if n < 3 or variance == 0.0:
        return 1.0 if np.allclose(d, 0.0) else 0.0
    dm = d.mean() / np.sqrt(variance / n)
    h = 1
    correction = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    return float(2.0 * stats.t.sf(abs(dm * correction), df=n - 1))


def score(
    y: np.ndarray, y_hat: np.ndarray, y_prev: np.ndarray, train: np.ndarray
) -> dict[str, float]:
    """Every metric of one forecast; `y_prev` doubles as the naive reference."""
    accuracy, ties = directional_accuracy(y, y_hat, y_prev)
    error, naive_mae = mae(y, y_hat), mae(y, y_prev)
    return {
        "MAE": error,
        "RMSE": rmse(y, y_hat),
        "MAPE%": mape(y, y_hat),
        "sMAPE%": smape(y, y_hat),
        "MASE": mase(y, y_hat, train),
        "MAE/naive": error / naive_mae if naive_mae > 0 else np.nan,
        "DA%": accuracy,
        "DA ties": float(ties),
        "DM p": diebold_mariano(y, y_hat, y_prev),
    }


def score_table(table: pd.DataFrame, models: list[str], train: pd.Series) -> pd.DataFrame:
    """One row per model over a backtest table (`y`, `naive` and one column per model);
    `train` is the history before the first forecast (it scales MASE)."""
    y, y_prev = table["y"].to_numpy(), table["naive"].to_numpy()
    rows = {m: score(y, table[m].to_numpy(), y_prev, train.to_numpy()) for m in models}
    scores = pd.DataFrame.from_dict(rows, orient="index")
    scores.index.name = "model"
    return scores
