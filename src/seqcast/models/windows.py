"""Sliding windows: `window` past values -> the next value."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def make_windows(
    values: np.ndarray, window: int, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets for the target positions `targets`.

    X[i] = values[t - window : t] and y[i] = values[t] for t = targets[i]; a target may be
    len(values) (the next, unseen day), whose y is NaN. Nothing at or after t enters X[i].
    Returns X of shape (N, window, 1) and y of shape (N,).
    """
    values = np.asarray(values, dtype=np.float32)
    targets = np.asarray(targets, dtype=np.int64)
    if targets.size and (targets.min() < window or targets.max() > len(values)):
        raise ValueError(f"targets must lie in [{window}, {len(values)}]")
    views = sliding_window_view(values, window)  # (len - window + 1, window): views[s] = v[s:s+w]
    X = views[targets - window][..., None]  # (N, window, 1)
    padded = np.append(values, np.float32(np.nan))
    return np.ascontiguousarray(X), padded[targets]
