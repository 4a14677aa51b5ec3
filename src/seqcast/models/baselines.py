"""Baselines that any model must beat to be worth its training time. Each forecasts every
horizon natively from the values before its origin."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError
from seqcast.models.base import CANDIDATE, WINDOWED, Forecaster


class NaiveForecaster(Forecaster):
    """Every future price is today's price (a random walk's best forecast)."""

    TAGS = frozenset({WINDOWED})

    @property
    def name(self) -> str:
        return "naive"

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        return np.repeat(values[positions - 1, None], horizon, axis=1)


class DriftForecaster(Forecaster):
    """The last value plus h times the average daily change of the history so far."""

    TAGS = frozenset({CANDIDATE})

    @property
    def name(self) -> str:
        return "drift"

    def min_history(self) -> int:
        return 2

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        last = values[positions - 1]
        slope = (last - values[0]) / (positions - 1)
        return last[:, None] + slope[:, None] * np.arange(1, horizon + 1)


class _LastK(Forecaster):
    """A baseline that reads the last `k` values; named `<prefix><k>`."""

    TAGS = frozenset({WINDOWED})

    prefix = ""

    def __init__(self, k: int = 7):
        self.k = k

    @property
    def name(self) -> str:
        return f"{self.prefix}{self.k}"

    def min_history(self) -> int:
        return self.k


class MovingAverageForecaster(_LastK):
    """The mean of the last `k` values, for every horizon."""

    prefix = "ma"

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        sums = np.concatenate([[0.0], np.cumsum(values)])  # sums[t] = values[:t].sum()
        means = (sums[positions] - sums[positions - self.k]) / self.k
        return np.repeat(means[:, None], horizon, axis=1)


class SeasonalNaiveForecaster(_LastK):
    """The value of the same season in the last cycle: h days ahead, the value k days before
    that day's place in the cycle (k=7: the same weekday last week)."""

    prefix = "snaive"

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        back = self.k - np.arange(horizon) % self.k  # h = 1 -> k days back, h = k + 1 -> k again
        return values[positions[:, None] - back]


LAST_K: dict[str, type[_LastK]] = {"ma": MovingAverageForecaster, "snaive": SeasonalNaiveForecaster}
KINDS: dict[str, type[Forecaster]] = {
    "naive": NaiveForecaster,
    "drift": DriftForecaster,
    "ma": MovingAverageForecaster,
    "snaive": SeasonalNaiveForecaster,
}


def build(name: str, settings: dict[str, Any]) -> Forecaster:
    """`naive`, `drift`, `ma[:K]` or `snaive[:K]` (K past values; 7 when left out)."""
    kind, _, arg = name.partition(":")
    if arg and kind in ("naive", "drift"):
        raise SeqcastError(f"model '{name}': {kind} takes no parameter")
    if not arg:
        return KINDS[kind]()
    if not arg.isdigit() or int(arg) < 1:
        raise SeqcastError(f"model '{name}': the window must be a positive whole number")
    return LAST_K[kind](int(arg))
