"""Forecast accuracy, always read against the naive forecast.

Every function takes the truth `y`, the forecast `y_hat` and, where the metric needs it,
`y_prev` (the last value known when the forecast was made: the naive forecast). A metric
that has no value (MASE of a history that never moved, a DM test over missing losses) is
NaN, shown as "-" in tables, with a note.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from seqcast.errors import Note
from seqcast.evaluate.significance import diebold_mariano


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
    """MAE scaled by the in-sample MAE of the one-step naive forecast on the training part
    (NaN when the training part never moves)."""
    return _scaled(mae(y, y_hat), naive_scale(train))


def _scaled(error: float, scale: float) -> float:
    return error / scale if scale > 0 else math.nan


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


def score(
    y: np.ndarray, y_hat: np.ndarray, y_prev: np.ndarray, scale: float, horizon: int = 1
) -> dict[str, float]:
    """Every metric of one forecast; `y_prev` (the last value known at each forecast's
    origin) is the naive forecast at the same horizon, and `scale` the MASE denominator."""
    accuracy, ties = directional_accuracy(y, y_hat, y_prev)
    error, naive_mae = mae(y, y_hat), mae(y, y_prev)
    return {
        "MAE": error,
        "RMSE": rmse(y, y_hat),
        "MAPE%": mape(y, y_hat),
        "sMAPE%": smape(y, y_hat),
        "MASE": _scaled(error, scale),
        "MAE/naive": error / naive_mae if naive_mae > 0 else np.nan,
        "DA%": accuracy,
        "DA ties": float(ties),
        "DM p": diebold_mariano(y, y_hat, y_prev, horizon),
    }


def score_table(table: pd.DataFrame, columns: list[str], scale: float) -> pd.DataFrame:
    """One row per (column, h) of a long forecast table (`h`, `y`, `naive` and a column per
    model run); `scale` is MASE's denominator (`naive_scale` of the history before the
    first forecast)."""
    rows = {}
    for h, rows_h in table.groupby("h", sort=True):
        y, y_prev = rows_h["y"].to_numpy(), rows_h["naive"].to_numpy()
        for column in columns:
            rows[(column, int(h))] = score(y, rows_h[column].to_numpy(), y_prev, scale, int(h))
    scores = pd.DataFrame.from_dict(rows, orient="index")
    scores.index = pd.MultiIndex.from_tuples(list(rows), names=["column", "h"])
    _note_undefined(table, scores, scale)
    return scores


def _note_undefined(table: pd.DataFrame, scores: pd.DataFrame, scale: float) -> None:
    """Say why a metric shows as "-" rather than leave a reader to guess."""
    if not scale > 0:
        warnings.warn(
            Note("MASE is undefined: the history before the test never moves"), stacklevel=3
        )
    for column, h in scores.index[scores["DM p"].isna()]:
        missing = int(table.loc[table["h"] == h, [column, "y", "naive"]].isna().any(axis=1).sum())
        warnings.warn(
            Note(
                f"DM p of {column} (h={h}) is undefined: {missing} forecasts or truths are missing"
            ),
            stacklevel=3,
        )


def naive_scale(train: np.ndarray) -> float:
    """MASE's denominator: the in-sample MAE of the one-step naive forecast."""
    return float(np.mean(np.abs(np.diff(np.asarray(train)))))
