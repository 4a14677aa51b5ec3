"""GARCH volatility for intervals: the recursion and forecasts against arch's own, the refit
schedule, no look-ahead, the model's quantiles, and the refusals."""

import math
import sys

import numpy as np
import pandas as pd
import pytest
from arch import arch_model
from arch.univariate import GARCH, ConstantMean, StudentsT

from seqcast.errors import Note, SeqcastError
from seqcast.evaluate import volatility
from seqcast.evaluate.volatility import (
    FIT_RETURNS,
    REFIT_EVERY,
    SCALE,
    Garch,
    Spread,
    filter_variance,
    fit_garch,
    forecast_variance,
    garch_interval,
    garch_spread,
)

TRUE = [0.05, 0.05, 0.08, 0.9, 5.0]  # mu, omega, alpha, beta, nu: returns in percent


def garch_prices(n: int = 1200, seed: int = 0) -> pd.Series:
    """Daily prices whose log returns are a GARCH(1,1)-t process (fixed seed)."""
    model = ConstantMean(None, volatility=GARCH(), distribution=StudentsT(seed=seed))
    returns = model.simulate(TRUE, n - 1, burn=500)["data"].to_numpy() / SCALE
    prices = 100.0 * np.exp(np.r_[0.0, np.cumsum(returns)])
    return pd.Series(prices, index=pd.date_range("2015-01-01", periods=n, name="date"))


def test_the_fit_finds_the_process_and_the_recursion_is_archs() -> None:
    returns = SCALE * np.diff(np.log(garch_prices(3000).to_numpy()))
    fit = fit_garch(returns[:2500], "t", "garch")
    assert fit is not None
    assert abs(fit.alpha - 0.08) < 0.04 and abs(fit.beta - 0.9) < 0.05 and 3 < fit.nu < 9
    # arch's fixed-parameter filter on the longer series: the same variances once the start
    # has faded (arch starts from the whole sample's mean; the recursion here from the fit's)
    params = [fit.mu, fit.omega, fit.alpha, fit.beta, fit.nu]
    fixed = arch_model(returns, mean="Constant", vol="GARCH", dist="t").fix(params)
    mine = filter_variance(fit, returns)
    np.testing.assert_allclose(mine[300:], fixed.conditional_volatility[300:] ** 2, rtol=1e-9)
    archs = fixed.forecast(horizon=7, start=2500, reindex=False).variance.to_numpy()
    ours = forecast_variance(fit, returns, np.arange(2500, len(returns)), 7)
    np.testing.assert_allclose(ours, archs, rtol=1e-9)


def test_sigma_at_a_cutoff_is_the_fit_at_its_refit_filtered_up_to_it() -> None:
    prices = garch_prices(1200)
    cutoffs = prices.index[[700, 719, 720, 745, 1199]]
    spread = garch_spread(prices, cutoffs, 5, "t", "garch")
    returns = SCALE * np.diff(np.log(prices.to_numpy()))
    for position in (719, 745):  # refits at 690 and 720
        refit = position - position % REFIT_EVERY
        fit = fit_garch(returns[max(0, refit - FIT_RETURNS) : refit], "t", "garch")
        assert fit is not None
        variance = forecast_variance(fit, returns[:position], np.array([position - 1]), 5)[0]
        expected = np.sqrt(np.cumsum(variance)) / SCALE
        np.testing.assert_array_equal(spread.sigma.loc[prices.index[position]], expected)
        assert spread.nu.loc[prices.index[position]] == fit.nu
    # h days ahead: the variances of the h daily returns add up
    assert (spread.sigma.diff(axis=1).iloc[:, 1:] > 0).all().all()
    assert spread.nu.loc[prices.index[719]] != spread.nu.loc[prices.index[720]]


def test_changing_the_future_moves_no_earlier_sigma() -> None:
    prices = garch_prices(1200)
    changed = prices.copy()
    changed.iloc[1010:] *= np.exp(np.linspace(0.0, 1.5, 190))  # a new trend from day 1010
    cutoffs = prices.index[900:]
    before = garch_spread(prices, cutoffs, 7, "t", "garch")
    after = garch_spread(changed, cutoffs, 7, "t", "garch")
    early = cutoffs < prices.index[1010]  # 1009 shares its refit (990) with changed days
    pd.testing.assert_frame_equal(before.sigma[early], after.sigma[early])
    pd.testing.assert_series_equal(before.nu[early], after.nu[early])
    assert not np.allclose(before.sigma[~early], after.sigma[~early])  # the check can fail


def test_garchs_own_interval_is_its_unit_quantile_times_sigma() -> None:
    index = pd.DatetimeIndex(["2020-01-01", "2020-01-02"])
    sigma = pd.DataFrame({1: [0.02, 0.03], 2: [0.03, 0.04]}, index=index)
    spread = Spread(sigma, pd.Series([4.0, math.inf], index=index))
    steps = pd.DataFrame({"cutoff": index, "m": [100.0, 200.0]})
    interval = garch_interval(steps, "m", 1, spread, lowest=0.0)
    t_quantile = StudentsT().ppf(0.95, [4.0])  # arch's own unit-variance Student-t
    lo, hi = interval(0, 0.1)
    assert lo == pytest.approx(100 * math.exp(-t_quantile * 0.02), rel=1e-12)
    assert hi == pytest.approx(100 * math.exp(t_quantile * 0.02), rel=1e-12)
    assert interval(1, 0.1)[1] == pytest.approx(200 * math.exp(1.6448536269514722 * 0.03))
    # ACI's lowest miss rate bounds the widest interval
    floored = garch_interval(steps, "m", 1, spread, lowest=0.01)
    assert floored(0, -0.5) == floored(0, 0.01) and interval(0, 1.0) == (100.0, 100.0)


@pytest.mark.parametrize("bad", [0.0, -3.0, np.nan])
def test_a_price_without_a_log_return_is_refused(bad: float) -> None:
    prices = garch_prices(600)
    prices.iloc[100] = bad
    with pytest.raises(SeqcastError, match=r"^--intervals garch models log returns and needs"):
        garch_spread(prices, prices.index[-10:], 1, "t", "garch")


def test_too_few_returns_are_refused() -> None:
    prices = garch_prices(600)
    with pytest.raises(SeqcastError) as refused:
        garch_spread(prices, prices.index[200:], 1, "normal", "garch-normal")
    assert str(refused.value) == (
        "--intervals garch-normal fits GARCH(1,1) on at least 250 daily returns, but the"
        " forecast from 2015-07-20 would be fitted on 180; give 70 more days of history,"
        " fewer --calibration-days or --test-days, or use --intervals adaptive"
    )


def test_a_missing_arch_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "arch", None)
    with pytest.raises(SeqcastError, match=r"pip install 'seqcast\[stats\]'"):
        fit_garch(np.ones(300), "t", "garch-adaptive")


def test_a_fit_that_fails_falls_back_to_riskmetrics_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prices = garch_prices(600)
    monkeypatch.setattr(volatility, "fit_garch", lambda *args: None)
    with pytest.warns(Note, match="did not converge; until the next refit"):
        spread = garch_spread(prices, prices.index[-3:], 2, "t", "garch")
    returns = SCALE * np.diff(np.log(prices.to_numpy()))
    riskmetrics = Garch(0.0, 0.0, 0.06, 0.94, math.inf)
    variance = forecast_variance(riskmetrics, returns, np.array([len(returns) - 1]), 2)
    assert variance[0, 0] == variance[0, 1]  # no mean reversion: the EWMA stays
    np.testing.assert_allclose(spread.sigma.iloc[-1], np.sqrt(np.cumsum(variance[0])) / SCALE)
    assert np.isinf(spread.nu).all()
