"""Baselines that any model must beat to be worth its training time."""

from __future__ import annotations

import numpy as np

from seqcast.base import Forecaster


class NaiveForecaster(Forecaster):
    """Tomorrow's price is today's price (a random walk's best one-step forecast)."""

    @property
    def name(self) -> str:
        return "naive"

    def _predict_at(self, values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        return values[positions - 1]


class DriftForecaster(Forecaster):
    """The last value plus the average daily change of the history so far."""

    @property
    def name(self) -> str:
        return "drift"

    def min_history(self) -> int:
        return 2

    def _predict_at(self, values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        last = values[positions - 1]
        return last + (last - values[0]) / (positions - 1)


class _LastK(Forecaster):
    """A baseline that reads the last `k` values; named `<prefix><k>`."""

    prefix = ""

    def __init__(self, k: int = 7):
        self.k = k

    @property
    def name(self) -> str:
        return f"{self.prefix}{self.k}"

    def min_history(self) -> int:
        return self.k


class MovingAverageForecaster(_LastK):
    """The mean of the last `k` values."""

    prefix = "ma"

    def _predict_at(self, values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        sums = np.concatenate([[0.0], np.cumsum(values)])  # sums[t] = values[:t].sum()
        return (sums[positions] - sums[positions - self.k]) / self.k


class SeasonalNaiveForecaster(_LastK):
    """The value `k` days ago (k=7: the same weekday last week)."""

    prefix = "snaive"

    def _predict_at(self, values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        return values[positions - self.k]
