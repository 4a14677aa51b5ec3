"""From a direct deep network's outputs to price paths: each member's outputs per day and
channel, and the target transform undone (see models/deep.py for what the outputs mean)."""

from __future__ import annotations

import numpy as np

from seqcast.models.grouped_module import GroupedModule
from seqcast.models.train import predict_model
from seqcast.models.transforms import TargetTransform


def member_outputs(network: GroupedModule, X: np.ndarray, per_step: int) -> np.ndarray:
    """One member's outputs for windows X (N, L, C): (N, horizon, per_step)."""
    flat = predict_model(network, X)[0]  # (N, horizon * per_step)
    return flat.reshape(len(X), -1, per_step)


def to_prices(transform: TargetTransform, z: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Price paths (N, H) from outputs z (N, H) made after the prices `last` (N,): log
    returns are the change from `last` (summed), prices the level, pct_change each day's
    change, compounded."""
    if transform.kind == "log_return":
        return transform.inverse_transform(z, last[:, None])
    paths = np.empty_like(z)
    previous = last
    for step in range(z.shape[1]):
        paths[:, step] = transform.inverse_transform(z[:, step], previous)
        previous = paths[:, step]
    return paths
