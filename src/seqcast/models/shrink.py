"""Shrinkage toward the naive forecast, for any forecaster whose forecasts are prices.

A shrunk forecast is last * (raw / last) ** w: the predicted change from the last known
price, on the log scale, times w in [0, 1]. w = 0 gives `last` exactly (the naive forecast,
to the bit), w = 1 the raw forecast. The weight is chosen on days no model learnt from (a
validation tail): the w with the smallest mean absolute error there.
"""

from __future__ import annotations

import numpy as np

WEIGHTS = np.round(np.linspace(0.0, 1.0, 21), 2)  # the weights tried: 0, 0.05, ..., 1


def shrunk(raw: np.ndarray, last: np.ndarray, w: float) -> np.ndarray:
    """last * (raw / last) ** w, elementwise; `last` where raw is not a positive price."""
    with np.errstate(divide="ignore", invalid="ignore"):
        shrunk = last * np.power(raw / last, w)
    return np.where(raw > 0, shrunk, last)


def choose_weight(raw: np.ndarray, last: np.ndarray, truth: np.ndarray) -> float:
    """The weight in WEIGHTS whose shrunk forecasts (of `raw`, from `last`) are nearest
    `truth` in mean absolute error, over the entries where `truth` is known (not NaN); on a
    tie the smallest, nearest naive."""
    known = ~np.isnan(truth)
    errors = [np.mean(np.abs(truth[known] - shrunk(raw, last, w)[known])) for w in WEIGHTS]
    return float(WEIGHTS[int(np.argmin(errors))])


def weight_on_tail(values: np.ndarray, tail: np.ndarray, raw: np.ndarray) -> float:
    """choose_weight for forecast paths `raw` (N, steps) made from each position t of `tail`
    (a path forecasts values[t], ..., values[t + steps - 1]): each shrinks from values[t - 1]
    and is scored on the days `values` holds."""
    steps = raw.shape[1]
    target = tail[:, None] + np.arange(steps)  # (N, steps) positions forecast
    truth = np.where(target < len(values), values[np.minimum(target, len(values) - 1)], np.nan)
    last = np.repeat(values[tail - 1, None], steps, axis=1)
    return choose_weight(raw, last, truth)
