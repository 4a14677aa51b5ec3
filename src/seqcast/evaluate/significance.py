"""Is a difference real? The Diebold-Mariano test of two forecasts' accuracy, and the
t and chi-squared tails the tests of this package use.

Distribution tails come from mpmath (pure Python, 0.05 s to import; SciPy's stats module
costs most of a second of start-up for the same two functions).
"""

from __future__ import annotations

import mpmath
import numpy as np


def t_two_sided(t: float, df: int) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom."""
    x = df / (df + t * t)
    return float(mpmath.betainc(df / 2, 0.5, 0, x, regularized=True))


def diebold_mariano(y: np.ndarray, y_hat: np.ndarray, y_ref: np.ndarray, horizon: int = 1) -> float:
    """Two-sided p-value of the Diebold-Mariano test of equal accuracy (absolute-error loss)
    with the Harvey-Leybourne-Newbold small-sample correction, for forecasts `horizon` steps
    ahead: the loss differences of h-step forecasts are autocorrelated up to lag h - 1, so
    their long-run variance sums those autocovariances (falling back to the plain variance
    if the sum is not positive, as HLN recommend).

    Small p: the two forecasts differ in accuracy; which is better is read from their MAEs.
    """
    y = np.asarray(y)
    d = np.abs(y - np.asarray(y_hat)) - np.abs(y - np.asarray(y_ref))
    n, h = len(d), horizon
    centred = d - d.mean()
    gamma0 = float(np.mean(centred**2))
    if n < 3 or gamma0 == 0.0:
        return 1.0 if np.allclose(d, 0.0) else 0.0
    lags = [float(np.mean(centred[k:] * centred[:-k])) for k in range(1, min(h, n))]
    variance = gamma0 + 2.0 * sum(lags)
    if variance <= 0.0:
        variance = gamma0
    dm = d.mean() / np.sqrt(variance / n)
    correction = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    return t_two_sided(float(dm * correction), n - 1)


def chi2_tail(x: float, df: int) -> float:
    """P(X >= x) for a chi-squared variable with `df` degrees of freedom."""
    return float(mpmath.gammainc(df / 2, x / 2, mpmath.inf, regularized=True))


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of k p-values (family-wise error at most the level):
    the i-th smallest becomes max over j <= i of (k - j + 1) p_(j), capped at 1; NaN stays."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    known = np.flatnonzero(~np.isnan(p))
    order = known[np.argsort(p[known], kind="stable")]
    k = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (k - rank) * p[index]))
        adjusted[index] = running
    return adjusted
