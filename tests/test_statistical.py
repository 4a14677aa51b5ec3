"""arima, ets and theta: StatsForecast's own walk-forward to 1e-6, no look-ahead, the naive
fallback, saving without pickle, and one clear line for every bad input."""

import json
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone as sklearn_clone
from statsforecast import StatsForecast  # the `stats` extra (in `dev`)
from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

from seqcast.errors import Note, NotFittedError, SeqcastError
from seqcast.evaluate.backtest import backtest
from seqcast.io import to_json, to_safetensors
from seqcast.models.baselines import NaiveForecaster
from seqcast.models.statistical import CLASSES, SPACE, StatsForecaster, make

from .conftest import random_walk

# a note (a fallback to naive) where none is expected fails the test
pytestmark = pytest.mark.filterwarnings("error::seqcast.errors.Note")

LIBRARY = {"arima": AutoARIMA, "ets": AutoETS, "theta": AutoTheta}


def returns_series(n: int, kind: str, seed: int = 1) -> pd.Series:
    """Prices whose log returns have structure the models pick up (so the fitted models are
    not all random walks): ARMA returns with drift, a mean-reverting level, MA(1) returns."""
    rng = np.random.default_rng(seed)
    e = rng.normal(0.0, 0.02, n + 1)
    if kind == "arma":
        r = np.zeros(n)
        for t in range(1, n):
            r[t] = 0.002 + 0.6 * r[t - 1] + e[t] + 0.3 * e[t - 1]
        z = 4.6 + np.cumsum(r)
    elif kind == "level":
        z = np.full(n, 4.6)
        for t in range(1, n):
            z[t] = 4.6 + 0.9 * (z[t - 1] - 4.6) + e[t]
    else:
        z = 4.6 + np.cumsum(e[1:] - 0.8 * e[:-1])
    return pd.Series(np.exp(z), index=pd.date_range("2021-01-01", periods=n, name="date"))


CASES = [
    ("arima", {}, "arma"),  # ARIMA(2,1,1)
    ("arima", {}, "level"),
    ("arima", {}, "ma"),  # with drift
    ("arima", {"d": 0, "max_p": 2}, "level"),  # with a non-zero mean
    ("ets", {}, "level"),
    ("ets", {"model": "AAN", "damped": True}, "arma"),
    ("theta", {}, "arma"),
    ("theta", {"model": "DOTM"}, "ma"),
    ("theta", {"model": "OTM"}, "level"),
]


@pytest.mark.parametrize(("name", "settings", "kind"), CASES)
def test_backtest_equals_statsforecast_cross_validation(
    name: str, settings: dict, kind: str
) -> None:
    """The same schedule (refit every 15 of 45 test days) through seqcast's backtest and
    StatsForecast's cross_validation(refit=15), on log prices."""
    y = returns_series(220, kind)
    ours = backtest(y, {"m": make(name, settings)}, test_days=45, refit_every=15).table
    frame = pd.DataFrame({"unique_id": "s", "ds": y.index, "y": np.log(y.to_numpy())})
    library = StatsForecast(models=[LIBRARY[name](**settings)], freq="D")
    theirs = library.cross_validation(df=frame, h=1, step_size=1, n_windows=45, refit=15)
    assert list(theirs["ds"]) == list(ours["date"])
    np.testing.assert_allclose(ours["m"], np.exp(theirs.iloc[:, -1]), rtol=1e-6)
    assert ours["m"].to_numpy().std() > 0


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("arima", {}),
        ("arima", {"season_length": 7}),
        ("ets", {"season_length": 7}),
        ("theta", {}),
        ("theta", {"season_length": 7, "decomposition": "additive"}),
    ],
)
def test_every_origin_and_horizon_equals_forward(name: str, settings: dict) -> None:
    """predict from unsorted origins, 5 days ahead: StatsForecast's forward on each
    history, then its forecast."""
    y = returns_series(200, "arma", seed=4)
    model = make(name, settings).fit(y.iloc[:150])
    origins = np.array([190, 150, 171, 151, 200, 160])
    ours = model.predict(y, origins, horizon=5)
    library = LIBRARY[name](**_library_settings(settings))
    library.model_ = model.model_
    log = np.log(y.to_numpy())
    theirs = [np.exp(library.forward(y=log[:t], h=5)["mean"]) for t in origins]
    np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-6)


def _library_settings(settings: dict) -> dict:
    renamed = {"decomposition": "decomposition_type"}
    return {renamed.get(k, k): v for k, v in settings.items()}


@pytest.mark.parametrize("name", list(CLASSES))
def test_changing_the_future_moves_no_earlier_forecast(name: str) -> None:
    y = returns_series(200, "arma", seed=2)
    changed = y.copy()
    changed.iloc[-12:] *= 1.5

    def run(prices: pd.Series) -> pd.DataFrame:
        return backtest(prices, {"m": make(name)}, test_days=40, refit_every=10, horizon=3).table

    before, after = run(y), run(changed)
    unchanged = before["cutoff"] < changed.index[-12]
    assert (before["date"][unchanged] >= changed.index[-12]).any()
    columns = ["cutoff", "date", "h", "m"]  # the truth `y` changed, of course
    pd.testing.assert_frame_equal(before[columns][unchanged], after[columns][unchanged])
    assert not np.allclose(before["m"][~unchanged], after["m"][~unchanged])


def test_a_failed_fit_forecasts_naive_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self, y, X=None):
        raise ValueError("no suitable ARIMA model found\nsecond line")

    monkeypatch.setattr(AutoARIMA, "fit", fail)
    y = random_walk(120)
    with pytest.warns(Note) as notes:
        result = backtest(y, {"m": make("arima"), "naive": NaiveForecaster()}, 40, 20)
    assert [str(note.message) for note in notes] == [
        f"arima: the fit on the {days} days to {end} failed (no suitable ARIMA model found);"
        " it forecasts naive until the next refit"
        for days, end in [(80, "2020-03-20"), (100, "2020-04-09")]
    ]
    np.testing.assert_array_equal(result.table["m"], result.table["naive"])
    assert result.fitted["m"].fit_info() == {
        "fallback": "naive",
        "reason": "no suitable ARIMA model found",
    }
    meta, arrays = result.fitted["m"].state()  # a fallback saves and reloads as naive too
    again = make("arima")
    again.restore(json.loads(to_json(meta)), arrays)
    np.testing.assert_array_equal(again.predict(y, [100, 119]), [[y.iloc[99]], [y.iloc[118]]])


@pytest.mark.parametrize(("name", "settings", "kind"), CASES[::2])
def test_saved_and_reloaded_forecasts_identically(name: str, settings: dict, kind: str) -> None:
    """state() through strict JSON and safetensors bytes, restored on a new forecaster."""
    from safetensors.numpy import load

    y = returns_series(160, kind)
    model = make(name, settings).fit(y.iloc[:120])
    meta, arrays = model.state()
    meta = json.loads(to_json(meta))  # what a run directory holds
    arrays = load(to_safetensors(arrays))
    again = CLASSES[name](**meta["params"])
    again.restore(meta, arrays)
    origins = np.arange(120, 161)
    np.testing.assert_array_equal(again.predict(y, origins, 4), model.predict(y, origins, 4))
    assert again.fit_info() == model.fit_info() and "fitted" in model.fit_info()


def test_a_missing_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "statsforecast", None)
    monkeypatch.setitem(sys.modules, "statsforecast.models", None)
    for name in CLASSES:
        with pytest.raises(SeqcastError) as error:
            make(name)
        assert str(error.value) == f"{name} needs statsforecast: pip install 'seqcast[stats]'"
    with pytest.raises(SeqcastError, match="arima needs statsforecast"):
        CLASSES["arima"]().fit(random_walk(60))


@pytest.mark.parametrize(
    ("name", "settings", "message"),
    [
        ("arima", {"order": 2}, r"^arima: unknown option order; its options: season_length, d,"),
        ("ets", {"max_p": 2}, r"^ets: unknown option max_p; its options: season_length, model,"),
        ("arima", {"max_p": -1}, r"^arima: max_p must be a whole number of at least 0, not -1$"),
        ("arima", {"season_length": 0}, r"^arima: season_length must be a whole number of"),
        ("ets", {"model": "XYZ"}, r"^ets: model 'XYZ' is not three letters"),
        ("theta", {"model": "BEST"}, r"^theta: model 'BEST' is none of STM, OTM, DSTM, DOTM"),
        ("theta", {"decomposition": "log"}, r"^theta: decomposition 'log': use multiplicative"),
        ("arima", {"log": "yes"}, r"^arima: log must be true or false, not 'yes'$"),
        ("sarima", {}, r"^unknown statistical model 'sarima'; use arima, ets, theta$"),
    ],
)
def test_a_bad_option_is_one_line(name: str, settings: dict, message: str) -> None:
    with pytest.raises(SeqcastError, match=message):
        make(name, settings)


@pytest.mark.parametrize("name", list(CLASSES))
def test_a_history_that_cannot_be_fitted_is_one_line(name: str) -> None:
    y = random_walk(100)
    with pytest.raises(SeqcastError, match=rf"^{name} needs at least 30 days to fit, but the hi"):
        make(name).fit(y.iloc[:29])
    with pytest.raises(SeqcastError, match=rf"^{name} needs at least 36 days to fit, but the hi"):
        make(name, {"season_length": 12}).fit(y.iloc[:35])  # three seasons
    constant = pd.Series(5.0, index=y.index)
    with pytest.raises(SeqcastError, match=rf"^{name}: all 100 prices to 2020-04-09 are 5; a co"):
        make(name).fit(constant)
    for bad in (0.0, -3.0):
        broken = y.copy()
        broken.iloc[40] = bad
        with pytest.raises(
            SeqcastError,
            match=rf"^{name} works on log prices \(log=true\), but the price on"
            rf" 2020-02-10 is {bad:g}; prices must be above 0",
        ):
            make(name).fit(broken)
    make(name, {"log": False}).fit(y - y.min() + 0.0)  # prices may touch 0 on their own scale


@pytest.mark.parametrize("name", list(CLASSES))
def test_the_forecaster_contract(name: str) -> None:
    model = make(name)
    assert not [k for k in vars(model) if k.endswith("_")]  # __init__ does no work
    params = model.get_params()
    assert type(model)().set_params(**params).get_params() == params
    assert sklearn_clone(model).get_params() == params
    y = random_walk(120)
    with pytest.raises(NotFittedError, match="not fitted yet; call fit first"):
        model.predict(y, [100])
    model.fit(y.iloc[:100])
    nxt = model.forecast(y.iloc[:-1], horizon=2)
    np.testing.assert_allclose(nxt.to_numpy(), model.predict(y, [119], 2)[0], rtol=1e-12)
    changed = y.copy()
    changed.iloc[110:] *= 3.0
    np.testing.assert_array_equal(model.predict(y, [110], 4), model.predict(changed, [110], 4))
    assert model.tags() == frozenset({"stateful", "candidate"}) and model.extra == "stats"
    assert isinstance(model, StatsForecaster) and set(SPACE[name]) <= set(params)


def test_forecasts_that_are_not_finite_are_naive_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    y = random_walk(100)
    model = make("ets").fit(y.iloc[:80])
    monkeypatch.setattr(
        type(model), "refiltered", lambda self, x, positions, h: np.array([[0.1], [np.inf]])
    )
    with pytest.warns(Note, match=r"^ets: 1 of 2 forecasts were not finite; naive in their pl"):
        forecasts = model.predict(y, [90, 95])
    assert forecasts[0, 0] == np.exp(0.1) and forecasts[1, 0] == y.iloc[94]
