"""Intervals from quantile heads: a network's own quantiles (`quantile`), or those quantiles
conformalised (`cqr`, Romano, Patterson & Candes 2019) on the same walk-forward
calibration the other methods read.

A model tagged `quantile_heads` forecasts, beside its point forecast, each level's lower and
upper quantile; the long table keeps them as `<run>-qlo-<level>`, `<run>-qhi-<level>`
(vocabulary.quantile_columns). `quantile` uses them as they are. `cqr` scores each earlier
forecast whose truth was known at the cutoff (the last `window` of them, as split conformal
does) by how far the truth fell outside its quantiles, on the log scale,

    E = max(log(q_lo / y), log(y / q_hi)),

and widens (or, when E is mostly negative, narrows) the heads' interval by the
ceil((n + 1)(1 - a))-th smallest of the n scores Q: [q_lo * exp(-Q), q_hi * exp(Q)].
`cqr-adaptive` steers the miss rate a of that quantile as `adaptive` steers split
conformal's (adaptive conformal inference on CQR's scores, Gibbs & Candes 2021): each
interval's miss moves a by GAMMA * (1 - level - miss) once its truth is known.
Models without heads (the baselines beside them) keep split-conformal intervals (adaptive
ones beside `cqr-adaptive`); a model that learns but has no heads is refused before any
training.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError
from seqcast.models.base import QUANTILE_HEADS, STATEFUL, Forecaster, QuantileHeads
from seqcast.vocabulary import quantile_columns

METHODS = ("quantile", "cqr", "cqr-adaptive")  # evaluate/options.INTERVALS offers these too


def has_heads(forecaster: Forecaster) -> bool:
    return QUANTILE_HEADS in forecaster.tags() and bool(
        cast(QuantileHeads, forecaster).quantile_levels
    )


def check_heads(method: str, forecasters: Sequence[tuple[str, Forecaster]]) -> None:
    """Refuse, before any training, a learning model without quantile heads: its
    intervals could not come from them (the baselines keep conformal ones)."""
    if method not in METHODS:
        return
    for label, forecaster in forecasters:
        if STATEFUL in forecaster.tags() and QUANTILE_HEADS not in forecaster.tags():
            raise SeqcastError(
                f"--intervals {method}: {label} has no quantile heads; use a direct deep"
                " model (dlinear) for it, or --intervals conformal"
            )


def head_paths(
    run: str,
    forecaster: Forecaster,
    y: pd.Series,
    origins: np.ndarray,
    horizon: int,
    X: pd.DataFrame | None,
) -> dict[str, np.ndarray]:
    """The run's quantile columns (origins, horizon), each from y[:t] only; none when the
    forecaster has no heads."""
    if not has_heads(forecaster):
        return {}
    bounds = cast(QuantileHeads, forecaster).predict_quantiles(y, origins, horizon, X)
    paths = {}
    for level, (lo, hi) in bounds.items():
        lo_name, hi_name = quantile_columns(run, level)
        paths[lo_name], paths[hi_name] = lo, hi
    return paths


def has_columns(table: pd.DataFrame, run: str, levels: tuple[float, ...]) -> bool:
    return all(name in table for level in levels for name in quantile_columns(run, level))


def bounds(
    rows: pd.DataFrame,
    past: pd.DataFrame,
    run: str,
    levels: tuple[float, ...],
    conformalised: bool,
    window: int,
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Per level, (lo, hi) of every row (rows of one horizon sorted by cutoff, past by
    date): the heads' quantiles, conformalised on the past known at each cutoff."""
    out = {}
    for level in levels:
        lo_name, hi_name = quantile_columns(run, level)
        lo, hi = rows[lo_name].to_numpy(dtype=float), rows[hi_name].to_numpy(dtype=float)
        if conformalised:
            q = _corrections(rows, past, lo_name, hi_name, (100.0 - level) / 100.0, window)
            lo, hi = lo * np.exp(-q), hi * np.exp(q)
        out[level] = (lo, hi)
    return out


def _corrections(
    rows: pd.DataFrame, past: pd.DataFrame, lo_name: str, hi_name: str, alpha: float, window: int
) -> np.ndarray:
    """Each row's CQR correction Q (NaN where too few scores for a finite one)."""
    return np.array(
        [correction(pool, alpha) for pool in _pools(rows, past, lo_name, hi_name, window)]
    )


def _pools(
    rows: pd.DataFrame, past: pd.DataFrame, lo_name: str, hi_name: str, window: int
) -> list[np.ndarray]:
    """Per row (rows sorted by cutoff, past by date), the sorted finite CQR scores of the
    last `window` past forecasts whose target date is at or before its cutoff."""
    errors = scores(
        past["y"].to_numpy(dtype=float),
        past[lo_name].to_numpy(dtype=float),
        past[hi_name].to_numpy(dtype=float),
    )
    end = np.searchsorted(past["date"].to_numpy(), rows["cutoff"].to_numpy(), side="right")
    start = np.maximum(end - window, 0)
    windows = (errors[a:b] for a, b in zip(start, end, strict=True))
    return [np.sort(e[np.isfinite(e)]) for e in windows]


def scores(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """CQR's conformity scores on the log scale: how far each truth fell outside its
    quantiles (negative: inside), NaN where a value is missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(np.log(lo / y), np.log(y / hi))


def correction(pool: np.ndarray, alpha: float) -> float:
    """The ceil((n + 1)(1 - alpha))-th smallest of the n finite scores; NaN where that is
    beyond n (too few scores for a finite interval)."""
    finite = np.sort(pool[np.isfinite(pool)])
    k = math.ceil((len(finite) + 1) * (1 - alpha) - 1e-9)
    return float(finite[k - 1]) if 1 <= k <= len(finite) else math.nan


def interval(
    rows: pd.DataFrame, past: pd.DataFrame, run: str, level: float, window: int
) -> Callable[[int, float], tuple[float, float] | None]:
    """Each row's conformalised interval at a miss rate: its heads' quantiles widened by
    the CQR correction at that rate of its pool (`_pools`; the widest when the rate asks
    for more than the pool holds, as adaptive conformal's range)."""
    lo_name, hi_name = quantile_columns(run, level)
    pools = _pools(rows, past, lo_name, hi_name, window)
    lo, hi = rows[lo_name].to_numpy(dtype=float), rows[hi_name].to_numpy(dtype=float)

    def at(i: int, alpha: float) -> tuple[float, float] | None:
        q = clipped_correction(pools[i], alpha)
        return None if q is None else (lo[i] * math.exp(-q), hi[i] * math.exp(q))

    return at


def clipped_correction(pool: np.ndarray, alpha: float) -> float | None:
    """`correction` of sorted finite scores at a miss rate steered anywhere: its rank held
    inside the pool (None for an empty one)."""
    if len(pool) == 0:
        return None
    alpha = min(max(alpha, 0.0), 1.0)
    k = math.ceil((len(pool) + 1) * (1 - alpha) - 1e-9)
    return float(pool[min(max(k, 1), len(pool)) - 1])
