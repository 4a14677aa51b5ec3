"""Sliding windows: `window` past values -> the next `horizon` values."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def make_windows(
    values: np.ndarray, window: int, targets: np.ndarray, horizon: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets for the target positions `targets`.

    X[i] = values[t - window : t] and y[i] = values[t : t + horizon] for t = targets[i]; a
    target may be len(values) (the next, unseen day); y holds NaN past the end. Nothing at
    or after t enters X[i]. Returns X of shape (N, window, 1) and y of shape (N, horizon).
    """
    values = np.asarray(values, dtype=np.float32)
    targets = np.asarray(targets, dtype=np.int64)
    if targets.size and (targets.min() < window or targets.max() > len(values)):
        raise ValueError(f"targets must lie in [{window}, {len(values)}]")
    views = sliding_window_view(values, window)  # (len - window + 1, window): views[s] = v[s:s+w]
    X = views[targets - window][..., None]  # (N, window, 1)
    padded = np.concatenate([values, np.full(horizon, np.nan, dtype=np.float32)])
    y = padded[targets[:, None] + np.arange(horizon)]  # (N, horizon)
    return np.ascontiguousarray(X), y
