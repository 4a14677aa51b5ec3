"""Is a difference real? The Diebold-Mariano test of two forecasts' accuracy, Holm's
correction when several models face one reference (and Benjamini-Hochberg's, the
discovery-rate alternative a panel of series also reports), the model confidence set, and the t and
chi-squared tails the tests of this package use.

Distribution tails come from mpmath (pure Python, 0.05 s to import; SciPy's stats module
costs most of a second of start-up for the same two functions). A NaN statistic gives a NaN
p-value (mpmath's incomplete beta never returns on NaN): tables show it as "-".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import mpmath
import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError

Alternative = Literal["two-sided", "less"]


def t_two_sided(t: float, df: int) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom; NaN for a NaN `t`."""
    if math.isnan(t):
        return math.nan
    x = df / (df + t * t)
    return float(mpmath.betainc(df / 2, 0.5, 0, x, regularized=True))


def t_lower(t: float, df: int) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom; NaN for a NaN `t`."""
    if math.isnan(t):
        return math.nan
    half = t_two_sided(t, df) / 2
    return half if t < 0 else 1.0 - half


def diebold_mariano(
    y: np.ndarray,
    y_hat: np.ndarray,
    y_ref: np.ndarray,
    horizon: int = 1,
    alternative: Alternative = "two-sided",
) -> float:
    """p-value of the Diebold-Mariano test of equal accuracy (absolute-error loss) with the
    Harvey-Leybourne-Newbold small-sample correction, for forecasts `horizon` steps ahead:
    the loss differences of h-step forecasts are autocorrelated up to lag h - 1, so their
    long-run variance sums those autocovariances (falling back to the plain variance if the
    sum is not positive, as HLN recommend).

    `alternative="two-sided"`: small p, the two forecasts differ in accuracy (which is
    better is read from their MAEs). `"less"`: small p, `y_hat` is more accurate than
    `y_ref` (the one-sided question a gate asks). NaN when any loss is NaN.
    """
    y = np.asarray(y, dtype=float)
    d = np.abs(y - np.asarray(y_hat, dtype=float)) - np.abs(y - np.asarray(y_ref, dtype=float))
    if np.isnan(d).any():
        return math.nan
    n, h = len(d), horizon
    centred = d - d.mean()
    gamma0 = float(np.mean(centred**2)) if n else 0.0
    if n < 3 or gamma0 == 0.0:
        return _degenerate(d, alternative)
    lags = [float(np.mean(centred[k:] * centred[:-k])) for k in range(1, min(h, n))]
    variance = gamma0 + 2.0 * sum(lags)
    if variance <= 0.0:
        variance = gamma0
    dm = d.mean() / np.sqrt(variance / n)
    correction = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    statistic = float(dm * correction)
    if alternative == "less":
        return t_lower(statistic, n - 1)
    return t_two_sided(statistic, n - 1)


def _degenerate(d: np.ndarray, alternative: Alternative) -> float:
    """Too few points, or loss differences without spread: equal losses are no evidence of
    a difference; a constant nonzero difference is certain."""
    if d.size == 0 or np.allclose(d, 0.0):
        return 1.0
    if alternative == "less":
        return 0.0 if d.mean() < 0 else 1.0
    return 0.0


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values that answer one family of questions (k models,
    each against naive): the i-th smallest is multiplied by k - i + 1, kept monotone and
    capped at 1; rejecting where the adjusted p is below a level keeps the chance of any
    false rejection below it. A NaN p stays NaN and still counts in k (conservative)."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    known = np.flatnonzero(~np.isnan(p))
    order = known[np.argsort(p[known], kind="stable")]
    scaled = (p.size - np.arange(order.size)) * p[order]
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted


def benjamini_hochberg(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini and Hochberg's step-up adjustment: the i-th smallest of k p-values times
    k / i, kept monotone from the largest down and capped at 1; rejecting where it is below
    a level keeps the expected share of false rejections among the rejections below it (a
    weaker promise than Holm's, so it finds more). NaN stays NaN and counts in k."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    known = np.flatnonzero(~np.isnan(p))
    order = known[np.argsort(p[known], kind="stable")]
    scaled = p.size / np.arange(1, order.size + 1) * p[order]
    adjusted[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return adjusted


def confidence_set(
    losses: pd.DataFrame, size: float = 0.10, seed: int = 0, reps: int = 1000
) -> list[str]:
    """The model confidence set of Hansen, Lunde and Nason (2011) at level 1 - `size`: the
    columns of `losses` (one per model, one row per forecast) statistically
    indistinguishable from the best, by arch's stationary bootstrap (`seed`: reproducible)
    with blocks of sqrt(T) rows. Columns with the same losses (`auto` that chose naive
    everywhere, and naive; a network shrunk to naive, equal up to rounding) stand or fall
    together: the test sees one of them (their loss differences have no variance)."""
    try:
        from arch.bootstrap import MCS
    except ImportError:
        raise SeqcastError(
            "the model confidence set needs the arch package: pip install 'seqcast[stats]'"
        ) from None
    if losses.isna().to_numpy().any():
        missing = ", ".join(str(c) for c in losses.columns[losses.isna().any()])
        raise SeqcastError(f"model confidence set: losses of {missing} have missing values")
    twin_of = _first_identical(losses)
    distinct = losses[list(dict.fromkeys(twin_of.values()))]
    if distinct.shape[1] < 2:
        return [str(name) for name in losses.columns]  # all alike: none is worse
    mcs = MCS(distinct, size=size, reps=reps, seed=np.random.default_rng(seed))
    mcs.compute()
    included = set(mcs.included)
    return [str(name) for name in losses.columns if twin_of[name] in included]


def _first_identical(losses: pd.DataFrame) -> dict:
    """Each column's first column with the same losses to rounding (itself if none)."""
    first: dict = {}
    for name in losses.columns:
        values = losses[name].to_numpy()
        twins = (seen for seen in first.values() if _same(losses[seen].to_numpy(), values))
        first[name] = next(twins, name)
    return first


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal but for floating-point rounding (1e-9 of the losses' scale)."""
    return bool(np.allclose(a, b, rtol=0, atol=1e-9 * max(float(np.abs(a).max()), 1e-300)))


def chi2_tail(x: float, df: int) -> float:
    """P(X >= x) for a chi-squared variable with `df` degrees of freedom."""
    return float(mpmath.gammainc(df / 2, x / 2, mpmath.inf, regularized=True))
