"""What a network sees: the scaled target and, when asked for, scaled past covariates, cut
into windows. Every scale is fitted on the values before the fit's end (the training part,
before its validation tail) and kept with the model, so a saved model reads new data as it
read the old.

Window shapes: X (N, window, 1 + F): the target's channel first, then one per feature
column; y (N, horizon).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from seqcast.data import features as covariates
from seqcast.models.transforms import TargetTransform
from seqcast.models.windows import make_windows


@dataclass
class Inputs:
    window: int  # past days per window
    transform: TargetTransform  # the target's, fitted
    features: tuple[str, ...]  # data.features names
    means: np.ndarray  # of each feature column over the training part
    scales: np.ndarray  # their standard deviations (1 where constant)

    @classmethod
    def fit(
        cls,
        window: int,
        kind: str,
        y: pd.Series,
        frame: pd.DataFrame | None,
        features: tuple[str, ...],
        end: int,
    ) -> Inputs:
        """Fit the scales on positions [0, end) of `y` (and of its covariates)."""
        transform = TargetTransform(kind).fit(np.asarray(y, dtype=float)[:end])
        raw = covariates.build(features, y, frame).to_numpy() if features else np.empty((len(y), 0))
        means = np.nanmean(raw[:end], axis=0) if features else np.empty(0)
        spreads = np.nanstd(raw[:end], axis=0) if features else np.empty(0)
        scales = np.where(np.isfinite(spreads) & (spreads > 0), spreads, 1.0)
        return cls(window, transform, features, np.nan_to_num(means), scales)

    @property
    def channels(self) -> int:
        return 1 + len(self.means)

    def target(self, values: np.ndarray) -> np.ndarray:
        return self.transform.transform(values)

    def covariates(self, y: pd.Series, frame: pd.DataFrame | None) -> np.ndarray:
        """(n, F) scaled features; missing values at the training mean (0)."""
        if not self.features:
            return np.empty((len(y), 0), dtype=np.float32)
        raw = covariates.build(self.features, y, frame).to_numpy()
        return np.nan_to_num((raw - self.means) / self.scales).astype(np.float32)

    def windows(
        self, z: np.ndarray, extra: np.ndarray, positions: np.ndarray, horizon: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Windows ending before each position: the target `z` and the scaled covariates
        `extra` side by side; targets the next `horizon` values of z."""
        X, y = make_windows(z, self.window, positions, horizon)
        columns = [
            make_windows(extra[:, k], self.window, positions)[0] for k in range(extra.shape[1])
        ]
        if columns:
            X = np.concatenate([X, *columns], axis=2)
        return np.ascontiguousarray(X, dtype=np.float32), y

    def state(self) -> dict[str, Any]:
        return {
            **self.transform.state(),
            "window": self.window,
            "features": list(self.features),
            "means": self.means.tolist(),
            "scales": self.scales.tolist(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], window: int) -> Inputs:
        return cls(
            int(state.get("window", window)),
            TargetTransform.from_state(state),
            tuple(state.get("features", [])),
            np.asarray(state.get("means", []), dtype=float),
            np.asarray(state.get("scales", []), dtype=float),
        )
