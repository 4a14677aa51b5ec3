"""What one fitted column predicts for a request's series: from each series' end (the
forecast), and from every day the series has after the run's own forecasts end and whose
truth it knows (their errors join the intervals' calibration, as in Result.forecast).

- `alone`: one series, with exactly the calls `seqcast forecast` makes, so the numbers are
  its numbers to the bit.
- `together`: every series of a request in one predict call per column, laid end to end: a
  forecaster whose forecast reads only the window before its origin cannot see across a
  boundary, as each series is at least that window long. A float32 network's output can
  differ in its last bits with the batch it is computed in (PyTorch picks its matrix
  kernels by shape): a series' answer in a batch equals its answer alone to about 1e-9 of
  the price, not to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqcast.models.base import WINDOWED, Forecaster
from seqcast.serve.series import Item
from seqcast.serve.served import Served


@dataclass
class Paths:
    point: np.ndarray  # (horizon,): the forecast from the series' end
    origins: np.ndarray  # positions after the run's forecasts end whose truth is known
    newer: np.ndarray  # (len(origins), the run's horizon): the forecasts from them


def windowed(forecaster: Forecaster) -> bool:
    """Does a forecast read only the window before its origin? The forecaster's `windowed`
    tag says so (drift reads the series' first value; a class without it is not assumed to)."""
    return WINDOWED in forecaster.tags()


def newer_origins(served: Served, item: Item, forecaster: Forecaster) -> np.ndarray:
    """The positions after the run's last cutoff the forecaster can forecast from (the
    first min_history positions cannot be: `seqcast forecast` fails on such a series)."""
    index = item.series.index
    first = int(index.searchsorted(served.last_cutoff, side="right")) + 1
    return np.arange(max(first, forecaster.min_history()), len(index))


def alone(served: Served, item: Item, column: str, horizon: int) -> Paths:
    forecaster, steps = served.result.fitted[column], served.result.horizon
    origins = newer_origins(served, item, forecaster)
    newer = (
        forecaster.predict(item.series, origins, steps, item.frame)
        if len(origins)
        else np.empty((0, steps))
    )
    point = forecaster.forecast(item.series, horizon, item.frame).to_numpy()
    return Paths(point, origins, newer)


def together(served: Served, items: list[Item], column: str, horizon: int) -> list[Paths]:
    """`alone` for every item, in one predict call (a windowed forecaster, items each at
    least its min_history long, their frames all given or all absent)."""
    forecaster, steps = served.result.fitted[column], served.result.horizon
    lengths = np.array([len(item.series) for item in items])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    origins = [newer_origins(served, item, forecaster) for item in items]
    positions = np.concatenate(
        [np.append(o, n) + s for o, n, s in zip(origins, lengths, starts, strict=True)]
    )
    series = pd.concat([item.series for item in items])
    frames = [item.frame for item in items]
    frame = None if frames[0] is None else pd.concat(frames)
    paths = forecaster.predict(series, positions, steps, frame)
    out, row = [], 0
    for o in origins:
        out.append(Paths(paths[row + len(o), :horizon], o, paths[row : row + len(o)]))
        row += len(o) + 1
    return out
