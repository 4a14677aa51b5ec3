"""Target transforms: what the network sees instead of raw dollars, and the way back.

`price` is the tutorial's choice: the level, MinMax-scaled to [0, 1]. `log_return` and
`pct_change` make the network predict tomorrow's change; the price forecast is then the last
close times that change. Changes are scaled by their largest absolute training value
(max-abs scaling), so "no change" stays exactly 0: a network that predicts 0 is the naive
forecast. Every scale is fitted on the training values only.

The scaling is scikit-learn's MinMaxScaler / MaxAbsScaler arithmetic, operation for operation
(tests compare them), written out because importing scikit-learn costs a second and a half.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seqcast.errors import NotFittedError, SeqcastError
from seqcast.models.base import Estimator
from seqcast.models.names import TRANSFORMS


class TargetTransform(Estimator):
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

    def fit(self, prices: np.ndarray) -> TargetTransform:
        if self.kind not in TRANSFORMS:
            raise SeqcastError(f"unknown transform '{self.kind}'; choose one of {TRANSFORMS}")
        raw = self._raw(np.asarray(prices, dtype=float))[self.lag :]
        self._set_extremes([float(raw.min()), float(raw.max())])
        return self

    def _set_extremes(self, extremes: list[float]) -> None:
        """The scaling from the training extremes: [min, max] for prices, [max |change|] for
        the return kinds."""
        if self.kind == "price":
            low, high = self.feature_range
            self.extremes_ = extremes[:2]
            self.scale_ = (high - low) / _nonzero(extremes[1] - extremes[0])
            self.offset_ = low - extremes[0] * self.scale_
        else:
            self.extremes_ = [max(abs(v) for v in extremes)]
            self.divisor_ = _nonzero(self.extremes_[0])

    def transform(self, prices: np.ndarray) -> np.ndarray:
        self._check_fitted()
        z = self._raw(np.asarray(prices, dtype=float))
        return z * self.scale_ + self.offset_ if self.kind == "price" else z / self.divisor_

    def inverse_transform(self, z: np.ndarray, previous: np.ndarray | None = None) -> np.ndarray:
        self._check_fitted()
        z = np.asarray(z, dtype=float)
        if self.kind == "price":
            return (z - self.offset_) / self.scale_
        if previous is None:
            raise ValueError(f"inverse of '{self.kind}' needs the previous prices")
        change = z * self.divisor_
        previous = np.asarray(previous, dtype=float)
        return previous * (np.exp(change) if self.kind == "log_return" else 1.0 + change)

    def _raw(self, prices: np.ndarray) -> np.ndarray:
        if self.kind == "price":
            return prices
        ratio = np.full_like(prices, np.nan)
        ratio[1:] = prices[1:] / prices[:-1]
        return np.log(ratio) if self.kind == "log_return" else ratio - 1.0

    def _check_fitted(self) -> None:
        if not hasattr(self, "extremes_"):
            raise NotFittedError("this TargetTransform is not fitted yet; call fit first")

    # A fitted transform is fully described by the training extremes.
    def state(self) -> dict[str, Any]:
        self._check_fitted()
        return {
            "kind": self.kind,
            "feature_range": list(self.feature_range),
            "extremes": list(self.extremes_),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TargetTransform:
        self = cls(kind=state["kind"], feature_range=tuple(state["feature_range"]))
        self._set_extremes([float(v) for v in state["extremes"]])
        return self


def _nonzero(scale: float) -> float:
    """scikit-learn's rule: a (near-)zero range scales by 1 instead of dividing by ~0."""
    return scale if scale >= 10 * np.finfo(float).eps else 1.0
