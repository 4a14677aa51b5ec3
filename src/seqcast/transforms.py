"""Target transforms: what the network sees instead of raw dollars, and the way back.

`price` is the tutorial's choice: the level, MinMax-scaled to [0, 1]. `log_return` and
`pct_change` make the network predict tomorrow's change; the price forecast is then the last
close times that change. Changes are scaled by their largest absolute training value
(MaxAbsScaler), so "no change" stays exactly 0: a network that predicts 0 is the naive forecast.
Every scaler is fitted on the training values only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler
from sklearn.utils.validation import check_is_fitted

from seqcast.errors import SeqcastError

TRANSFORMS = ("price", "log_return", "pct_change")


class TargetTransform(TransformerMixin, BaseEstimator):
    """Map prices to scaled model targets and back.

    `transform(prices)[t]` depends only on prices up to t; for the return kinds the first
    value is NaN (no previous price). `inverse_transform(z, previous)` needs the price before
    each target for the return kinds.
    """

    def __init__(self, kind: str = "price", feature_range: tuple[float, float] = (0.0, 1.0)):
        self.kind = kind
        self.feature_range = feature_range

    @property
    def lag(self) -> int:
        """How many leading values `transform` leaves undefined."""
        return 0 if self.kind == "price" else 1

    def fit(self, prices: np.ndarray, y: Any = None) -> TargetTransform:
        if self.kind not in TRANSFORMS:
            raise SeqcastError(f"unknown transform '{self.kind}'; choose one of {TRANSFORMS}")
        raw = self._raw(np.asarray(prices, dtype=float))[self.lag :]
        self.scaler_ = self._new_scaler().fit(raw.reshape(-1, 1))
        return self

    def _new_scaler(self) -> MinMaxScaler | MaxAbsScaler:
        if self.kind == "price":
            return MinMaxScaler(feature_range=self.feature_range)
        return MaxAbsScaler()

    def transform(self, prices: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "scaler_")
        raw = self._raw(np.asarray(prices, dtype=float))
        return self.scaler_.transform(raw.reshape(-1, 1)).ravel()

    def inverse_transform(self, z: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
        check_is_fitted(self, "scaler_")
        raw = self.scaler_.inverse_transform(np.asarray(z, dtype=float).reshape(-1, 1)).ravel()
        if self.kind == "price":
            return raw
        if previous is None:
            raise ValueError(f"inverse of '{self.kind}' needs the previous prices")
        previous = np.asarray(previous, dtype=float)
        return previous * (np.exp(raw) if self.kind == "log_return" else 1.0 + raw)

    def _raw(self, prices: np.ndarray) -> np.ndarray:
        if self.kind == "price":
            return prices
        ratio = np.full_like(prices, np.nan)
        ratio[1:] = prices[1:] / prices[:-1]
        return np.log(ratio) if self.kind == "log_return" else ratio - 1.0

    # A fitted scaler is fully described by the training extremes; refitting on those values
    # restores it bit for bit, so no pickled objects are needed.
    def state(self) -> dict[str, Any]:
        check_is_fitted(self, "scaler_")
        scaler = self.scaler_
        if isinstance(scaler, MinMaxScaler):
            extremes = [float(scaler.data_min_[0]), float(scaler.data_max_[0])]
        else:
            extremes = [float(scaler.max_abs_[0])]
        return {"kind": self.kind, "feature_range": list(self.feature_range), "extremes": extremes}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TargetTransform:
        self = cls(kind=state["kind"], feature_range=tuple(state["feature_range"]))
        self.scaler_ = self._new_scaler().fit(np.array(state["extremes"]).reshape(-1, 1))
        return self
