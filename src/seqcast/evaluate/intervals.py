"""Prediction intervals calibrated on out-of-sample errors, and how right they are.

The interval of a forecast made at cutoff c for h days ahead is read from the errors of the
same model run's earlier h-day forecasts whose truth was known by c (their target date is at
or before c), made by models not trained on those days (the walk-forward calibration and test
forecasts), the last `window` of them: split conformal over a rolling window. An error is the
log ratio r = log(y / forecast), so intervals live on the price's own scale (a 2% error is a
2% error at $300 and at $70,000) and are asymmetric where the errors are. The methods:

- `conformal`: the interval is forecast * exp([q_lo, q_hi]) with q_lo, q_hi the
  floor((n + 1) a/2)-th and ceil((n + 1)(1 - a/2))-th smallest of the n errors (a = 1 - level):
  the finite-sample split-conformal quantiles.
- `adaptive`: adaptive conformal inference (Gibbs & Candes 2021): a is steered online,
  a <- a + GAMMA * (1 - level - miss), each time an earlier interval's truth becomes known,
  from the test period's first forecast on; the forecast after the data ends goes on from
  where the known forecasts left a (`steered_from`), as the next test day would have.
- `scaled`: errors divided by the trailing volatility at their cutoff (EWMA of squared daily
  log returns, times sqrt(h)), and the interval widened by today's volatility.
- `garch`, `garch-normal`: no past errors: the GARCH(1,1) model's own quantiles of the h-day
  log return (Student-t or normal innovations, volatility.py) around the point forecast,
  forecast * exp(+-z sigma_h).
- `garch-adaptive`: `garch` at a miss rate ACI steers, from the calibration forecasts on:
  the model gives the width's shape over time, the misses its level.
- `garch-scaled`: `adaptive` on errors divided by the (Student-t) GARCH sigma_h at their
  cutoff, the interval widened by sigma_h at its own (as `scaled` does with the EWMA).
- `quantile`, `cqr`, `cqr-adaptive`: a model's quantile heads, as they are, conformalised,
  or conformalised at a miss rate ACI steers (heads.py); the models without heads beside it
  (baselines) get `conformal` intervals (`adaptive` beside `cqr-adaptive`).

Nothing here reads a value after the cutoff it works for (a test changes the future).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqcast.errors import SeqcastError
from seqcast.evaluate import heads
from seqcast.evaluate.significance import chi2_tail
from seqcast.evaluate.volatility import Spread, check_history, garch_interval, garch_spread
from seqcast.vocabulary import interval_columns

GAMMA = 0.005  # ACI's step: Gibbs & Candes' choice for daily data
DECAY = 0.94  # RiskMetrics' daily EWMA decay for volatility


@dataclass(frozen=True)
class Method:
    """What an interval method reads."""

    scale: str | None = None  # what errors are divided by: None, "ewma" or "garch"
    adaptive: bool = False  # ACI steers the level as earlier misses become known
    model: bool = False  # GARCH's own quantiles instead of past errors'
    dist: str = "t"  # GARCH's innovations (scale "garch")
    heads: str | None = None  # quantile heads' bounds: "raw" or conformalised ("cqr")


METHODS = {  # settings.INTERVALS offers these names (a test keeps them equal)
    "conformal": Method(),
    "adaptive": Method(adaptive=True),
    "scaled": Method(scale="ewma"),
    "garch": Method(scale="garch", model=True),
    "garch-normal": Method(scale="garch", model=True, dist="normal"),
    "garch-adaptive": Method(scale="garch", adaptive=True, model=True),
    "garch-scaled": Method(scale="garch", adaptive=True),
    "quantile": Method(heads="raw"),
    "cqr": Method(heads="cqr"),
    "cqr-adaptive": Method(heads="cqr", adaptive=True),
}

Interval = Callable[[int, float], tuple[float, float] | None]  # (step, miss rate) -> bounds


def min_errors(level: float) -> int:
    """Fewest errors for which the level's split-conformal interval is finite."""
    return math.ceil(200.0 / (100.0 - level) - 1.0 - 1e-9)


def check_enough(levels: tuple[float, ...], available: int, horizon: int) -> None:
    """Refuse, before any training, a calibration too short for the widest level."""
    widest = max(levels)
    if available < min_errors(widest):
        raise SeqcastError(
            f"{widest:g}% intervals at {horizon} days ahead need at least"
            f" {min_errors(widest)} past errors, but the calibration gives {available};"
            f" use --calibration-days {min_errors(widest) + horizon - 1} or more"
        )


def check_method(method: str, series: pd.Series, test_days: int, calibration_days: int) -> None:
    """Refuse, before any training, a series the interval method cannot read: GARCH needs
    positive prices and a year of returns before the first forecast it reads."""
    how = _method(method)
    if how.scale == "garch":
        reads = calibration_days if how.adaptive or not how.model else 0  # past forecasts'
        check_history(series, len(series) - test_days - reads - 1, method)


def volatility(series: pd.Series) -> pd.Series:
    """Trailing daily volatility at each date, from log returns up to and including it
    (NaN until a price has moved: nothing to scale by)."""
    returns = np.log(series).diff().fillna(0.0)
    vol = np.sqrt((returns**2).ewm(alpha=1.0 - DECAY, adjust=False).mean())
    vol = vol.where(vol > 0)
    vol.attrs["prices"] = series  # GARCH methods refit on them: add_intervals gets `vol`
    return vol


column_names = interval_columns  # the name every caller of this module knows


def add_intervals(
    table: pd.DataFrame,
    calibration: pd.DataFrame,
    runs: list[str],
    levels: tuple[float, ...],
    method: str,
    window: int,
    vol: pd.Series,
    steered_from: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """`table` with an interval per run and level. Rows of `table` without a truth (future
    days) get intervals too; rows of `calibration` only lend their errors. `vol` is
    `volatility(prices)`: GARCH methods read the prices it carries. `steered_from`: ACI's
    level goes on over the known forecasts from this cutoff on before `table`'s (the test
    period's first, when `table` holds the days after the data ends)."""
    how = _method(method)
    table = table.copy()
    known = pd.concat([calibration, table], ignore_index=True)
    known = known[known["y"].notna()]
    spread = _spread(how, method, table, known, window, vol, steered_from)
    for h in sorted(table["h"].unique()):
        targets = table.index[table["h"] == h]
        rows = table.loc[targets].sort_values("cutoff")
        past = known[known["h"] == h].sort_values("date")
        for run in runs:
            if how.heads and heads.has_columns(table, run, levels):
                if how.adaptive:
                    steered = _steered(past, rows, steered_from)
                    bounds = _steered_heads(rows, steered, past, run, levels, window)
                else:
                    bounds = heads.bounds(rows, past, run, levels, how.heads == "cqr", window)
            else:  # no heads (a baseline beside them): split conformal
                plain = Method(adaptive=how.adaptive) if how.heads else how
                steps = (rows, _steered(past, rows, steered_from) if plain.adaptive else None)
                bounds = _bounds(steps, past, run, int(h), levels, plain, window, vol, spread)
            for level, (lo, hi) in bounds.items():
                lo_name, hi_name = column_names(run, level)
                table.loc[rows.index, lo_name] = lo
                table.loc[rows.index, hi_name] = hi
    return table


def _method(name: str) -> Method:
    if name not in METHODS:
        raise SeqcastError(f"--intervals '{name}': choose one of {', '.join(METHODS)}")
    return METHODS[name]


def _spread(
    how: Method,
    method: str,
    table: pd.DataFrame,
    known: pd.DataFrame,
    window: int,
    vol: pd.Series,
    steered_from: pd.Timestamp | None = None,
) -> Spread | None:
    """GARCH forecasts at the cutoffs this call reads: the rows' (and the steered ones'
    before them), and (unless the level is fixed) those of the past forecasts that can fall
    in a row's window."""
    if how.scale != "garch":
        return None
    prices = vol.attrs.get("prices")
    if prices is None:
        raise SeqcastError(f"--intervals {method} needs the prices: vol = volatility(prices)")
    cutoffs = pd.Index(table["cutoff"].unique())
    if how.adaptive and not how.model and steered_from is not None:
        steered = known["cutoff"][known["cutoff"] >= steered_from]
        cutoffs = cutoffs.union(pd.Index(steered.unique()))
    horizon = int(table["h"].max())
    if how.adaptive or not how.model:
        first = prices.index.get_indexer(cutoffs).min() - window - horizon
        earlier = known["cutoff"][prices.index.get_indexer(known["cutoff"]) >= first]
        cutoffs = cutoffs.union(pd.Index(earlier.unique()))
    return garch_spread(prices, cutoffs, horizon, how.dist, method)


def _steered(
    past: pd.DataFrame, rows: pd.DataFrame, steered_from: pd.Timestamp | None
) -> pd.DataFrame | None:
    """The known forecasts ACI steers over before `rows`: from `steered_from` on."""
    if steered_from is None:
        return None
    return past[(past["cutoff"] >= steered_from) & (past["cutoff"] < rows["cutoff"].min())]


def _bounds(
    given: tuple[pd.DataFrame, pd.DataFrame | None],
    past: pd.DataFrame,
    run: str,
    h: int,
    levels: tuple[float, ...],
    how: Method,
    window: int,
    vol: pd.Series,
    spread: Spread | None,
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Per level, the (lo, hi) bounds of every row of `given` (its rows sorted by cutoff,
    and the known forecasts steered over before them, if any; past by date). GARCH's own
    quantiles steered by ACI start steering on the last `window` earlier forecasts, so that
    the rows begin at a level forecasts like theirs have earned."""
    rows, steered = given
    interval: Interval
    if how.model and spread is not None:
        earlier = past[past["cutoff"] < rows["cutoff"].min()].iloc[-window:]
        steps = pd.concat([earlier, rows]) if how.adaptive else rows
        interval = garch_interval(steps, run, h, spread, 1 / (window + 1) if how.adaptive else 0)
    else:
        steps = rows if steered is None else pd.concat([steered, rows])
        interval = _conformal(steps, past, run, h, how, window, vol, spread)
    truth = steps["y"].to_numpy(dtype=float)
    done = np.searchsorted(steps["date"].to_numpy(), steps["cutoff"].to_numpy(), side="right")
    first = len(steps) - len(rows)
    bounds = {}
    for level in levels:
        lo, hi = _steer(interval, truth, done, (100.0 - level) / 100.0, how.adaptive)
        bounds[level] = (lo[first:], hi[first:])
    return bounds


def _steered_heads(
    rows: pd.DataFrame,
    steered: pd.DataFrame | None,
    past: pd.DataFrame,
    run: str,
    levels: tuple[float, ...],
    window: int,
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """`cqr-adaptive`: per level, the heads' conformalised bounds of every row at the miss
    rate ACI steers over the steps (the steered known forecasts, then the rows)."""
    steps = rows if steered is None else pd.concat([steered, rows])
    truth = steps["y"].to_numpy(dtype=float)
    done = np.searchsorted(steps["date"].to_numpy(), steps["cutoff"].to_numpy(), side="right")
    first = len(steps) - len(rows)
    bounds = {}
    for level in levels:
        at = heads.interval(steps, past, run, level, window)
        lo, hi = _steer(at, truth, done, (100.0 - level) / 100.0, True)
        bounds[level] = (lo[first:], hi[first:])
    return bounds


def _steer(
    interval: Interval, truth: np.ndarray, done: np.ndarray, target: float, adaptive: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Each step's interval at the miss rate `target` or (`adaptive`) at the rate ACI
    steers, a <- a + GAMMA * (target - miss), as each earlier step's truth becomes known
    (`done[i]`: the steps whose target date is at or before step i's cutoff)."""
    alpha, lo, hi = target, np.full(len(truth), np.nan), np.full(len(truth), np.nan)
    seen = 0  # adaptive: steps whose truth is known, and counted
    for i in range(len(truth)):
        if adaptive:
            while seen < min(done[i], i):  # truths known by this cutoff, in order
                miss = not lo[seen] <= truth[seen] <= hi[seen]
                alpha = alpha + GAMMA * (target - float(miss))
                seen += 1
        bound = interval(i, alpha)
        if bound is not None:
            lo[i], hi[i] = bound
    return lo, hi


def _conformal(
    rows: pd.DataFrame,
    past: pd.DataFrame,
    run: str,
    h: int,
    how: Method,
    window: int,
    vol: pd.Series,
    spread: Spread | None,
) -> Interval:
    """Each row's split-conformal interval at a miss rate: the quantiles of the (scaled)
    errors known at its cutoff, the last `window` of them, rescaled at its own cutoff."""
    forecast = rows[run].to_numpy(dtype=float)
    errors = log_ratio(past["y"].to_numpy(dtype=float), past[run].to_numpy(dtype=float))
    scale_rows = np.ones(len(rows))
    if how.scale == "ewma":
        errors = errors / (vol.loc[past["cutoff"]].to_numpy() * math.sqrt(h))
        scale_rows = vol.loc[rows["cutoff"]].to_numpy() * math.sqrt(h)
    elif spread is not None:  # past cutoffs outside every window have no sigma: NaN
        errors = errors / spread.sigma[h].reindex(past["cutoff"]).to_numpy()
        scale_rows = spread.sigma[h].loc[rows["cutoff"]].to_numpy()
    # errors known at each row's cutoff: the last `window` target dates at or before it
    end = np.searchsorted(past["date"].to_numpy(), rows["cutoff"].to_numpy(), side="right")
    start = np.maximum(end - window, 0)
    pools = [
        np.sort(e[np.isfinite(e)]) for e in (errors[a:b] for a, b in zip(start, end, strict=True))
    ]

    def interval(i: int, alpha: float) -> tuple[float, float] | None:
        q = quantiles(pools[i], min(max(alpha, 0.0), 1.0), clip=how.adaptive)
        if q is None:
            return None
        lo, hi = q[0] * scale_rows[i], q[1] * scale_rows[i]
        return forecast[i] * math.exp(lo), forecast[i] * math.exp(hi)

    return interval


def quantiles(pool: np.ndarray, alpha: float, clip: bool) -> tuple[float, float] | None:
    """Split-conformal lower and upper quantiles of sorted errors; None where the pool is
    too small for a finite interval (unless `clip`: ACI's widest is the pool's range)."""
    n = len(pool)
    if n == 0:
        return None
    k_lo = math.floor((n + 1) * alpha / 2 + 1e-9)  # 1e-9: 20 * 0.2 / 2 is 2, not 1.999...
    k_hi = math.ceil((n + 1) * (1 - alpha / 2) - 1e-9)
    if not clip and (k_lo < 1 or k_hi > n):
        return None
    k_lo, k_hi = min(max(k_lo, 1), n), min(max(k_hi, 1), n)
    return float(pool[k_lo - 1]), float(pool[k_hi - 1])


def log_ratio(y: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(forecast > 0, np.log(y / forecast), np.nan)


def interval_scores(
    table: pd.DataFrame, runs: list[str], levels: tuple[float, ...], vol: pd.Series
) -> pd.DataFrame:
    """One row per (column, h, level): coverage (overall and in the calm, normal and
    volatile thirds of the test cutoffs by trailing volatility), mean width, Winkler score,
    pinball loss, and the p-values of Kupiec's and Christoffersen's tests."""
    regime_of = _regimes(vol.loc[table["cutoff"].unique()])
    rows = []
    for h, part in table[table["y"].notna()].groupby("h", sort=True):
        part = part.sort_values("cutoff")
        y = part["y"].to_numpy()
        regime = regime_of.loc[part["cutoff"]].to_numpy()
        for run in runs:
            for level in levels:
                lo_name, hi_name = column_names(run, level)
                lo, hi = part[lo_name].to_numpy(), part[hi_name].to_numpy()
                rows.append(
                    {"column": run, "h": int(h), "level": level}
                    | interval_metrics(y, lo, hi, level, regime)
                )
    return pd.DataFrame(rows)


def interval_metrics(
    y: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: float, regime: np.ndarray
) -> dict[str, float]:
    alpha = (100.0 - level) / 100.0
    inside = (lo <= y) & (y <= hi)
    below, above = np.maximum(lo - y, 0.0), np.maximum(y - hi, 0.0)
    width = hi - lo
    pinball = (alpha / 2) * np.maximum(y - lo, 0) + (1 - alpha / 2) * np.maximum(lo - y, 0)
    pinball += (1 - alpha / 2) * np.maximum(y - hi, 0) + (alpha / 2) * np.maximum(hi - y, 0)
    coverage = {
        f"cover {name}%": 100.0 * float(inside[regime == name].mean())
        if (regime == name).any()
        else np.nan
        for name in ("calm", "normal", "volatile")
    }
    return {
        "cover%": 100.0 * float(inside.mean()),
        "width": float(width.mean()),
        "Winkler": float(np.mean(width + (2 / alpha) * (below + above))),
        "pinball": float(pinball.mean() / 2),
        "Kupiec p": kupiec(~inside, alpha),
        "Christoffersen p": christoffersen(~inside),
        **coverage,
    }


def _regimes(vol: pd.Series) -> pd.Series:
    """Each cutoff as calm, normal or volatile: the thirds of the test cutoffs' volatility."""
    low, high = np.quantile(vol.to_numpy(), [1 / 3, 2 / 3])
    names = np.where(vol <= low, "calm", np.where(vol <= high, "normal", "volatile"))
    return pd.Series(names, index=vol.index)


def kupiec(misses: np.ndarray, alpha: float) -> float:
    """Kupiec's unconditional-coverage test: is the miss rate the promised alpha?"""
    n, x = len(misses), int(np.sum(misses))
    if n == 0:
        return float("nan")
    rate = x / n
    log_null = (n - x) * math.log(1 - alpha) + x * math.log(alpha)
    log_fit = _xlogy(n - x, 1 - rate) + _xlogy(x, rate)
    return chi2_tail(max(-2.0 * (log_null - log_fit), 0.0), 1)


def christoffersen(misses: np.ndarray) -> float:
    """Christoffersen's independence test: does a miss make the next miss likelier?"""
    a, b = misses[:-1].astype(int), misses[1:].astype(int)
    n00, n01 = int(np.sum((a == 0) & (b == 0))), int(np.sum((a == 0) & (b == 1)))
    n10, n11 = int(np.sum((a == 1) & (b == 0))), int(np.sum((a == 1) & (b == 1)))
    if n00 + n01 == 0 or n10 + n11 == 0:
        return float("nan")  # no misses (or only misses): nothing to test
    p01, p11 = n01 / (n00 + n01), n11 / (n10 + n11)
    p = (n01 + n11) / (n00 + n01 + n10 + n11)
    log_null = _xlogy(n00 + n10, 1 - p) + _xlogy(n01 + n11, p)
    log_fit = _xlogy(n00, 1 - p01) + _xlogy(n01, p01) + _xlogy(n10, 1 - p11) + _xlogy(n11, p11)
    return chi2_tail(max(-2.0 * (log_null - log_fit), 0.0), 1)


def _xlogy(count: float, probability: float) -> float:
    return 0.0 if count == 0 else count * math.log(probability)
