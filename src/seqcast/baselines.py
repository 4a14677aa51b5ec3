"""Baselines that any model must beat to be worth its training time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqcast.base import Forecaster


class NaiveForecaster(Forecaster):
    """Tomorrow's price is today's price (a random walk's best one-step forecast)."""

    def fit(self, y: pd.Series) -> NaiveForecaster:
        self.is_fitted_ = True
        return self

    @property
    def name(self) -> str:
        return "naive"

    def _predict_at(self, values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        return values[positions - 1]
