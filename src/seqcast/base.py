"""The forecaster interface every model and baseline answers (scikit-learn style).

`fit(y)` learns from a history; `predict(y, steps)` gives one-step-ahead forecasts for the
last `steps` dates of `y`, each made only from the values before its date; `forecast(y)`
gives the value for the day after `y` ends.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from seqcast.errors import NotFittedError, SeqcastError


class Forecaster(BaseEstimator):
    def fit(self, y: pd.Series) -> Forecaster:
        """Learn from the history `y`. The baselines learn nothing: fitting marks them ready."""
        self.is_fitted_ = True
        return self

    def min_history(self) -> int:
        """How many past values one forecast needs."""
        return 1

    def predict(self, y: pd.Series, steps: int) -> pd.Series:
        self._check_fitted()
        values = np.asarray(y, dtype=float)
        positions = np.arange(len(values) - steps, len(values))
        self._check_history(positions, len(values))
        forecasts = self._predict_at(values, positions)
        return pd.Series(forecasts, index=y.index[positions], name=self.name)

    def forecast(self, y: pd.Series) -> pd.Series:
        self._check_fitted()
        values = np.asarray(y, dtype=float)
        self._check_history(np.array([len(values)]), len(values))
        step = y.index[-1] - y.index[-2] if len(y) > 1 else pd.Timedelta(days=1)
        next_date = pd.DatetimeIndex([y.index[-1] + step], name=y.index.name)
        return pd.Series(self._predict_at(values, np.array([len(values)])), index=next_date)

    @property
    def name(self) -> str:
        return type(self).__name__

    def _predict_at(self, values: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Forecast values[t] for each t in `positions`, reading only values[:t]."""
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def _check_history(self, positions: np.ndarray, available: int) -> None:
        needed = self.min_history()
        if positions.size and positions.min() < needed:
            raise SeqcastError(
                f"{self.name} needs {needed} past values before its first forecast,"
                f" but the series has {available} values for {positions.size} forecasts"
            )
