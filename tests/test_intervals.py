"""Prediction intervals: conformal quantiles by hand, coverage that holds on data whose
truth is known, no look-ahead, and the coverage tests against their textbook formulas."""

import math

import numpy as np
import pandas as pd
import pytest

from seqcast.data.load import Loaded
from seqcast.errors import SeqcastError
from seqcast.evaluate.intervals import (
    METHODS,
    add_intervals,
    check_enough,
    check_method,
    christoffersen,
    interval_metrics,
    kupiec,
    min_errors,
    volatility,
)
from seqcast.evaluate.significance import chi2_tail
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.result import Result
from seqcast.settings import INTERVALS, Evaluation

from .conftest import random_walk
from .test_volatility import garch_prices


def _table(truth: np.ndarray, forecast: np.ndarray, start: str = "2020-01-01") -> pd.DataFrame:
    """One-step rows: cutoff = the day before each date."""
    dates = pd.date_range(start, periods=len(truth), freq="D")
    return pd.DataFrame(
        {"cutoff": dates - pd.Timedelta(days=1), "date": dates, "h": 1, "y": truth, "m": forecast}
    )


def test_split_conformal_quantiles_by_hand() -> None:
    # 19 past errors log(y / f) = -0.09, -0.08, ..., 0.09: with n = 19, an 80% interval takes
    # the floor(20 * 0.1) = 2nd smallest and the ceil(20 * 0.9) = 18th smallest.
    errors = np.round(np.arange(-9, 10) / 100, 2)
    past = _table(100 * np.exp(errors), np.full(19, 100.0))
    future = _table(np.array([np.nan]), np.array([50.0]), start="2020-01-20")
    table = add_intervals(future, past, ["m"], (80.0,), "conformal", 365, pd.Series(dtype=float))
    assert table["m-lo-80"].iloc[0] == pytest.approx(50 * math.exp(-0.08))
    assert table["m-hi-80"].iloc[0] == pytest.approx(50 * math.exp(0.08))
    assert min_errors(80) == 9 and min_errors(95) == 39 and min_errors(99) == 199
    with pytest.raises(SeqcastError, match=r"95% intervals at 7 days ahead need at least 39"):
        check_enough((80.0, 95.0), 30, 7)


def test_only_errors_known_at_the_cutoff_and_inside_the_window_are_read() -> None:
    rng = np.random.default_rng(0)
    truth = 100 * np.exp(rng.normal(0, 0.01, 300))
    table = _table(truth, np.full(300, 100.0))
    first = add_intervals(
        table, table.iloc[:0], ["m"], (80.0,), "conformal", 50, pd.Series(dtype=float)
    )
    changed = table.copy()
    changed.loc[200:, "y"] *= 1.5  # a different future from day 200 on
    second = add_intervals(
        changed, changed.iloc[:0], ["m"], (80.0,), "conformal", 50, pd.Series(dtype=float)
    )
    # the interval of the forecast made at cutoff c (day i - 1) reads truths up to day i - 1
    columns = ["m-lo-80", "m-hi-80"]
    pd.testing.assert_frame_equal(first.loc[:200, columns], second.loc[:200, columns])
    assert not np.allclose(first.loc[201:, "m-hi-80"], second.loc[201:, "m-hi-80"])
    assert first["m-lo-80"].iloc[:9].isna().all()  # fewer than 9 errors: no finite interval
    # the rolling window: day 250's interval reads days 200 .. 249 only
    recent = np.sort(np.log(changed["y"].iloc[200:250] / 100.0).to_numpy())
    assert second["m-hi-80"].iloc[250] == pytest.approx(
        100 * math.exp(recent[math.ceil(51 * 0.9) - 1])
    )


@pytest.mark.parametrize("method", ["conformal", "adaptive", "scaled"])
def test_coverage_holds_where_the_errors_are_exchangeable(method: str) -> None:
    rng = np.random.default_rng(1)
    series = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.02, 1400))),
                       index=pd.date_range("2018-01-01", periods=1400))  # fmt: skip
    forecast = series.shift(1).to_numpy()[1:]
    table = _table(series.to_numpy()[1:], forecast, start="2018-01-02")
    vol = volatility(series)
    out = add_intervals(table, table.iloc[:0], ["m"], (80.0, 95.0), method, 365, vol)
    tested = out.iloc[400:]
    for level in (80, 95):
        inside = (tested[f"m-lo-{level}"] <= tested["y"]) & (tested["y"] <= tested[f"m-hi-{level}"])
        assert abs(100 * inside.mean() - level) < 3.5, (method, level, 100 * inside.mean())


def test_adaptive_and_scaled_recover_coverage_after_volatility_doubles() -> None:
    rng = np.random.default_rng(2)
    scale = np.r_[np.full(900, 0.01), np.full(500, 0.03)]
    series = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 1, 1400) * scale)),
                       index=pd.date_range("2018-01-01", periods=1400))  # fmt: skip
    table = _table(series.to_numpy()[1:], series.to_numpy()[:-1], start="2018-01-02")
    vol = volatility(series)
    after = slice(960, 1100)  # the weeks after the change
    cover = {}
    for method in ("conformal", "adaptive", "scaled"):
        out = add_intervals(table, table.iloc[:0], ["m"], (90.0,), method, 365, vol).iloc[after]
        cover[method] = 100 * ((out["m-lo-90"] <= out["y"]) & (out["y"] <= out["m-hi-90"])).mean()
    assert cover["conformal"] < 75  # a year of calm errors: far too narrow
    assert cover["adaptive"] > cover["conformal"] + 5 and cover["scaled"] > 80


def test_kupiec_and_christoffersen_are_their_likelihood_ratios() -> None:
    misses = np.array([0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], dtype=bool)
    n, x, alpha = 20, 4, 0.1  # 4 misses where 2 were promised
    lr = -2 * ((n - x) * math.log(1 - alpha) + x * math.log(alpha)
               - (n - x) * math.log(1 - x / n) - x * math.log(x / n))  # fmt: skip
    assert kupiec(misses, alpha) == pytest.approx(chi2_tail(lr, 1))
    from scipy import stats

    assert chi2_tail(lr, 1) == pytest.approx(stats.chi2.sf(lr, 1), rel=1e-10)
    # transitions: 0->0 12, 0->1 3, 1->0 3, 1->1 1
    n00, n01, n10, n11 = 12, 3, 3, 1
    p01, p11, p = n01 / 15, n11 / 4, 4 / 19
    null = (n00 + n10) * math.log(1 - p) + (n01 + n11) * math.log(p)
    fit = (n00 * math.log(1 - p01) + n01 * math.log(p01) + n10 * math.log(1 - p11)
           + n11 * math.log(p11))  # fmt: skip
    assert christoffersen(misses) == pytest.approx(stats.chi2.sf(-2 * (null - fit), 1))


def test_interval_metrics_by_hand() -> None:
    y = np.array([10.0, 12.0, 8.0, 11.0])
    lo, hi = np.array([9.0, 9.0, 9.0, 9.0]), np.array([11.0, 11.0, 11.0, 11.0])
    scores = interval_metrics(y, lo, hi, 80.0, np.array(["calm", "calm", "volatile", "normal"]))
    assert scores["cover%"] == 50.0 and scores["width"] == 2.0
    # width 2, plus 2 / alpha = 10 times the distance outside: 2, 2 + 10, 2 + 10, 2
    assert scores["Winkler"] == pytest.approx((2 + 12 + 12 + 2) / 4)
    assert (scores["cover calm%"], scores["cover volatile%"], scores["cover normal%"]) == (
        50.0, 0.0, 100.0,
    )  # fmt: skip


def _experiment(levels=(80.0, 95.0), **evaluation) -> Experiment:
    models = {
        "gru": registry.make("gru", {"window": 10, "epochs": 2, "val_days": 20, "shrink": False})
    }
    settings = {"test_days": 40, "calibration_days": 60, "horizon": 3, "levels": levels}
    return Experiment(models, Evaluation(**{**settings, **evaluation}))


@pytest.mark.slow
def test_an_experiment_calibrates_on_its_own_out_of_sample_forecasts() -> None:
    result = _experiment().run(Loaded(random_walk(), "yahoo", source="generated"))
    assert {"gru@0-lo-80", "gru@0-hi-95", "naive-lo-95"} <= set(result.table.columns)
    assert (result.table["gru@0-lo-95"] <= result.table["gru@0-lo-80"]).all()
    assert (result.table["gru@0-hi-80"] <= result.table["gru@0-hi-95"]).all()
    calibration = result.calibration
    assert calibration is not None and calibration["cutoff"].max() < result.table["cutoff"].min()
    assert set(result.intervals["h"]) == {1, 2, 3} and set(result.intervals["level"]) == {
        80.0,
        95.0,
    }
    assert result.next_days is not None and "gru-hi-95" in result.next_days.columns
    # the test period's forecasts are those of the same experiment without intervals
    plain = _experiment(levels=()).run(Loaded(random_walk(), "yahoo", source="generated"))
    np.testing.assert_array_equal(plain.table["gru@0"], result.table["gru@0"])


@pytest.mark.slow
def test_changing_the_future_moves_no_earlier_interval() -> None:
    series = random_walk()
    changed = series.copy()
    changed.iloc[-15:] *= 3.0
    first_changed = changed.index[-15]
    before = _experiment().run(Loaded(series, "yahoo", source="a")).table
    after = _experiment().run(Loaded(changed, "yahoo", source="b")).table
    columns = [c for c in before.columns if "-lo-" in c or "-hi-" in c]
    early = before["cutoff"] < first_changed
    pd.testing.assert_frame_equal(before.loc[early, columns], after.loc[early, columns])
    assert not np.allclose(before.loc[~early, columns], after.loc[~early, columns])


@pytest.mark.parametrize(
    ("evaluation", "message"),
    [
        ({"horizon": 0}, "--horizon 0: forecast 1 to 90 days ahead"),
        ({"horizon": 91}, "--horizon 91: forecast 1 to 90 days ahead"),
        ({"levels": (0.0,)}, "--levels 0: a level is a percentage between 0 and 100"),
        ({"levels": (100.0,)}, "--levels 100: a level is a percentage"),
        ({"intervals": "bootstrap"}, "--intervals 'bootstrap': choose one of"),
    ],
)
def test_impossible_interval_settings_are_refused(evaluation: dict, message: str) -> None:
    with pytest.raises(SeqcastError, match=message):
        Evaluation(**evaluation)


def test_refusals_come_before_any_training() -> None:
    data = Loaded(random_walk(), "yahoo", source="generated")
    with pytest.raises(SeqcastError, match="--horizon 45 is longer than the 40-day test period"):
        _experiment(horizon=45).run(data)
    with pytest.raises(SeqcastError, match="need at least 39 past errors, but the calibration"):
        _experiment(calibration_days=30).run(data)


GARCH_METHODS = ["garch", "garch-normal", "garch-adaptive", "garch-scaled"]


def test_every_method_is_an_option() -> None:
    assert tuple(METHODS) == INTERVALS


def _garch_rows(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Naive one-step forecasts of a GARCH(1,1)-t price: a calibration year, then 735 days."""
    series = garch_prices(1500, seed=seed)
    y, dates = series.to_numpy(), series.index
    rows = _table(y[400:], y[399:-1], start=str(dates[400].date()))
    return rows.iloc[:365], rows.iloc[365:].reset_index(drop=True), series


def test_garch_intervals_cover_and_are_sharper_where_volatility_clusters() -> None:
    calibration, table, series = _garch_rows(seed=0)
    vol = volatility(series)
    scores = {}
    for method in ["adaptive", *GARCH_METHODS]:
        out = add_intervals(table, calibration, ["m"], (80.0, 95.0), method, 365, vol)
        for level in (80, 95):
            lo, hi = out[f"m-lo-{level}"].to_numpy(), out[f"m-hi-{level}"].to_numpy()
            regime = np.full(len(out), "calm")
            scores[method, level] = interval_metrics(out["y"].to_numpy(), lo, hi, level, regime)
    for method in ["garch", "garch-adaptive", "garch-scaled"]:
        for level in (80, 95):
            assert abs(scores[method, level]["cover%"] - level) < 3, (method, level)
    for level in (80, 95):  # the width follows the clustered volatility: about 11% narrower
        assert (
            scores["garch-adaptive", level]["Winkler"] < 0.93 * scores["adaptive", level]["Winkler"]
        )
    # a normal GARCH on Student-t returns: its 80% interval is too wide in the body
    assert scores["garch-normal", 80]["cover%"] > scores["garch", 80]["cover%"] + 3


@pytest.mark.parametrize("method", GARCH_METHODS)
def test_changing_the_future_moves_no_earlier_garch_interval(method: str) -> None:
    series = garch_prices(700)
    changed = series.copy()
    changed.iloc[-15:] *= 3.0
    first_changed = changed.index[-15]
    evaluation = {"test_days": 60, "calibration_days": 120, "horizon": 3, "intervals": method}

    def run(prices: pd.Series) -> Result:
        settings = Evaluation(levels=(80.0, 95.0), **evaluation)
        models = {"drift": registry.make("drift")}
        return Experiment(models, settings).run(Loaded(prices, "yahoo", source="g"))

    before, after = run(series), run(changed)
    columns = [c for c in before.table.columns if "-lo-" in c or "-hi-" in c]
    early = before.table["cutoff"] < first_changed
    pd.testing.assert_frame_equal(before.table.loc[early, columns], after.table.loc[early, columns])
    assert not np.allclose(before.table.loc[~early, columns], after.table.loc[~early, columns])
    # the next days' intervals: from the same fits, every row inside the data known
    assert before.next_days is not None and before.next_days.notna().all().all()


def test_garch_needs_positive_prices_and_a_year_of_returns() -> None:
    zero = garch_prices(700)
    zero.iloc[30] = 0.0
    experiment = Experiment({}, Evaluation(test_days=60, levels=(80.0,), intervals="garch"))
    with pytest.raises(SeqcastError, match=r"^--intervals garch models log returns and needs"):
        experiment.run(Loaded(zero, "yahoo", source="zero"))
    with pytest.raises(SeqcastError, match=r"but the price on 2015-01-31 is 0; use"):
        check_method("garch", zero, 60, 365)
    short = garch_prices(500)
    check_method("garch", short, 60, 365)  # reads the test period's cutoffs only
    check_method("adaptive", zero, 60, 365)
    with pytest.raises(SeqcastError, match=r"^--intervals garch-adaptive fits GARCH\(1,1\) on at"):
        check_method("garch-adaptive", short, 60, 365)
