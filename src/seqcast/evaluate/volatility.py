"""GARCH(1,1) on daily log returns: how wide the next days' moves are likely to be.

For a forecast made at cutoff c, `Spread.sigma[c, h]` is the GARCH forecast of the standard
deviation of the log return from c to h days after it: the square root of the summed
one-step variance forecasts (daily returns are uncorrelated, so their variances add).
GARCH intervals (intervals.py) scale by it.

Fits follow a fixed schedule: at every REFIT_EVERY-th price of the series (counted from its
first), on the last FIT_RETURNS log returns up to that price, by maximum likelihood (the
`arch` package; normal or Student-t innovations, constant mean). Between refits the fitted
parameters filter the returns as they arrive: arch's recursion and forecasts (a test checks
them against arch's), not arch's fixed-parameter filter, which reads the whole sample it is
given (its start uses the sample's mean, its variance bounds the sample's range): here sigma
at c reads prices up to c only, whatever else is asked for.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from seqcast.errors import Note, SeqcastError

REFIT_EVERY = 30  # prices between fits: about monthly, as the issue measured; a fit: 20-45 ms
FIT_RETURNS = 2500  # the last ~10 years of trading days: the regime at hand, a bounded fit
MIN_RETURNS = 250  # a year of trading days: with fewer, the fit is mostly noise
SCALE = 100.0  # returns in percent: the scale arch's optimiser expects
BACKCAST_DAYS, BACKCAST_DECAY = 75, 0.94  # arch's start of the recursion (GARCH.backcast)
DISTRIBUTIONS: dict[str, Literal["normal", "t"]] = {"normal": "normal", "t": "t"}  # -> arch's


@dataclass(frozen=True)
class Garch:
    """One fit's parameters, on returns in percent."""

    mu: float  # mean daily return
    omega: float  # variance intercept
    alpha: float  # weight of yesterday's squared surprise
    beta: float  # weight of yesterday's variance
    nu: float  # Student-t degrees of freedom (inf: normal innovations)


# RiskMetrics' EWMA as a GARCH(1,1): what a fit that fails falls back to (never seen on the
# panel's 1,570 selection fits, but a run must not end for it)
RISKMETRICS = Garch(mu=0.0, omega=0.0, alpha=0.06, beta=0.94, nu=math.inf)


@dataclass(frozen=True)
class Spread:
    """GARCH forecasts at a set of cutoffs."""

    sigma: pd.DataFrame  # cutoff x h (1..H): sd of the log return over the h days after it
    nu: pd.Series  # cutoff -> degrees of freedom of the fit in use (inf: normal)


def garch_interval(
    steps: pd.DataFrame, run: str, h: int, spread: Spread, lowest: float
) -> Callable[[int, float], tuple[float, float]]:
    """GARCH's own interval of each step (a forecast: cutoff, `run`) at a miss rate a:
    forecast * exp(-+z sigma_h), z the unit innovation's (1 - a/2)-quantile, a at least
    `lowest`. The point forecast is the center and GARCH gives the spread only (its mean
    would count twice beside a forecast that has one). For h > 1 the one-day shape stands
    in for the h-day sum's, which is closer to normal: an approximation."""
    from scipy.special import ndtri, stdtrit  # scalar quantiles in ~2 us (scipy.stats: ~50)

    forecast = steps[run].to_numpy(dtype=float)
    sigma = spread.sigma[h].loc[steps["cutoff"]].to_numpy()
    nu = spread.nu.loc[steps["cutoff"]].to_numpy()

    def interval(i: int, alpha: float) -> tuple[float, float]:
        p = 1.0 - min(max(alpha, lowest), 1.0) / 2.0
        if math.isinf(nu[i]):
            z = float(ndtri(p))
        else:  # arch's Student-t has variance 1: t's quantile times sqrt((nu - 2) / nu)
            z = float(stdtrit(nu[i], p)) * math.sqrt((nu[i] - 2.0) / nu[i])
        return forecast[i] * math.exp(-z * sigma[i]), forecast[i] * math.exp(z * sigma[i])

    return interval


def check_history(prices: pd.Series, first: int, method: str) -> None:
    """Refuse prices that have no log return (zero, negative or missing), or too few of
    them before the fit of the earliest cutoff (position `first`)."""
    values = prices.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SeqcastError(
            f"--intervals {method} models log returns and needs positive prices, but the"
            f" price on {prices.index[i].date()} is {values[i]:g}; use --intervals adaptive"
            " or drop that row"
        )
    fitted_on = first - first % REFIT_EVERY
    if fitted_on < MIN_RETURNS:
        raise SeqcastError(
            f"--intervals {method} fits GARCH(1,1) on at least {MIN_RETURNS} daily returns,"
            f" but the forecast from {prices.index[first].date()} would be fitted on"
            f" {fitted_on}; give {MIN_RETURNS - fitted_on} more days of history, fewer"
            " --calibration-days or --test-days, or use --intervals adaptive"
        )


def garch_spread(
    prices: pd.Series, cutoffs: pd.Index, horizon: int, dist: str, method: str
) -> Spread:
    """GARCH volatility forecasts 1..`horizon` days after each of `cutoffs` (dates of
    `prices`), each from the fit at or before it, filtered up to it."""
    positions = np.unique(prices.index.get_indexer(cutoffs))
    if (positions < 0).any():
        raise SeqcastError(f"--intervals {method}: a forecast's cutoff is not a date of the prices")
    check_history(prices, int(positions.min()), method)
    refits = positions - positions % REFIT_EVERY
    returns = SCALE * np.diff(np.log(prices.to_numpy(dtype=float)))  # [j]: price j to j + 1
    variance = np.empty((len(positions), horizon))
    nu = np.empty(len(positions))
    for refit in np.unique(refits):
        block = np.flatnonzero(refits == refit)
        start = max(0, refit - FIT_RETURNS)
        fit = fit_garch(returns[start:refit], dist, method)
        if fit is None:
            warnings.warn(
                f"--intervals {method}: the GARCH fit on the returns up to"
                f" {prices.index[refit].date()} did not converge; until the next refit its"
                " volatility is RiskMetrics' EWMA (alpha 0.06, beta 0.94, normal)",
                Note,
                stacklevel=2,
            )
            fit = RISKMETRICS
        seen = returns[start : positions[block].max()]  # up to the block's last cutoff
        variance[block] = forecast_variance(fit, seen, positions[block] - 1 - start, horizon)
        nu[block] = fit.nu
    index = prices.index[positions]
    sigma = np.sqrt(np.cumsum(variance, axis=1)) / SCALE
    return Spread(
        pd.DataFrame(sigma, index=index, columns=range(1, horizon + 1)), pd.Series(nu, index)
    )


def fit_garch(returns: np.ndarray, dist: str, method: str) -> Garch | None:
    """Maximum-likelihood GARCH(1,1) with a constant mean, on returns in percent (None
    when the optimiser does not converge)."""
    try:
        from arch import arch_model
    except ImportError:
        raise SeqcastError(
            f"--intervals {method} needs the arch package, an optional extra:"
            " pip install 'seqcast[stats]'"
        ) from None
    model = arch_model(returns, mean="Constant", vol="GARCH", p=1, q=1, dist=DISTRIBUTIONS[dist])
    result = model.fit(disp="off", show_warning=False)
    params = result.params.to_numpy()
    if result.convergence_flag != 0 or not np.isfinite(params).all():
        return None
    nu = float(params[4]) if dist == "t" else math.inf
    mu, omega, alpha, beta = (float(v) for v in params[:4])
    return Garch(mu, omega, alpha, beta, nu)


def filter_variance(fit: Garch, returns: np.ndarray) -> np.ndarray:
    """The conditional variance of each return given those before it: arch's GARCH(1,1)
    recursion, sigma2[t] = omega + alpha * e[t - 1]^2 + beta * sigma2[t - 1], started
    from arch's backcast (an EWMA of the first squared residuals)."""
    from scipy.signal import lfilter

    resid = returns - fit.mu
    weights = BACKCAST_DECAY ** np.arange(min(BACKCAST_DAYS, len(resid)))
    backcast = float(np.sum(resid[: len(weights)] ** 2 * (weights / weights.sum())))
    drive = fit.omega + fit.alpha * np.r_[backcast, resid[:-1] ** 2]
    sigma2, _ = lfilter([1.0], [1.0, -fit.beta], drive, zi=[fit.beta * backcast])
    return np.asarray(sigma2)


def forecast_variance(fit: Garch, returns: np.ndarray, at: np.ndarray, horizon: int) -> np.ndarray:
    """(len(at), horizon): the variance of each of the next `horizon` returns after the
    returns at positions `at`, given those up to it (arch's analytic forecast)."""
    sigma2 = filter_variance(fit, returns)
    resid = returns[at] - fit.mu
    out = np.empty((len(at), horizon))
    out[:, 0] = fit.omega + fit.alpha * resid**2 + fit.beta * sigma2[at]
    for k in range(1, horizon):  # E[e^2] = sigma2: the surprise term joins the persistence
        out[:, k] = fit.omega + (fit.alpha + fit.beta) * out[:, k - 1]
    return out
