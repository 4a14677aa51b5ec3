"""`check_forecaster`: the contract every model family must keep, as scikit-learn's
`check_estimator` does for estimators. Run it on a new family (a plug-in's too):

    from seqcast.models.checks import check_forecaster
    check_forecaster(MyForecaster(window=10))

Each check raises an AssertionError that says which rule broke.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd

from seqcast.errors import NotFittedError
from seqcast.io import plain
from seqcast.models.base import (
    HORIZON_PARAM,
    QUANTILE_HEADS,
    SEEDED,
    TAGS,
    WINDOWED,
    FitJob,
    Forecaster,
    clone,
)


def check_forecaster(forecaster: Forecaster, n: int = 260) -> None:
    """Hold `forecaster` (unfitted, with small settings) to every rule of the contract on a
    generated random walk of `n` days."""
    y = _random_walk(n)
    if HORIZON_PARAM in forecaster.tags():  # as an experiment does: the horizon asked for
        forecaster = clone(forecaster).set_params(horizon=CHECKED_HORIZON)
    for check in CHECKS:
        check(forecaster, y)


CHECKED_HORIZON = 3  # the longest horizon the checks forecast


def _random_walk(n: int, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    prices = 100.0 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, n)))
    return pd.Series(prices, index=pd.date_range("2021-01-01", periods=n, freq="D"))


def check_parameters(forecaster: Forecaster, y: pd.Series) -> None:
    """The constructor stores its parameters under their own names; get/set/clone agree."""
    params = forecaster.get_params()
    assert set(params) == set(forecaster.param_names()), "get_params must list every parameter"
    copy = clone(forecaster)
    assert copy is not forecaster and copy.get_params() == params, "clone copies parameters"
    assert copy.set_params(**params) is copy, "set_params returns the forecaster"
    assert not any(k.endswith("_") for k in vars(copy)), "__init__ must not set fitted state"


def check_tags(forecaster: Forecaster, y: pd.Series) -> None:
    """Tags come from the vocabulary, and the parameters they promise exist."""
    tags = forecaster.tags()
    assert tags <= TAGS, f"unknown tags {sorted(tags - TAGS)}"
    params = forecaster.get_params()
    assert SEEDED not in tags or "seed" in params, "a seeded forecaster takes `seed`"
    assert HORIZON_PARAM not in tags or "horizon" in params, "horizon_param needs `horizon`"
    assert QUANTILE_HEADS not in tags or "quantile_levels" in params, (
        "quantile_heads needs `quantile_levels`"
    )


def check_not_fitted(forecaster: Forecaster, y: pd.Series) -> None:
    """Predicting before fit is a clear NotFittedError."""
    try:
        clone(forecaster).predict(y, [len(y) - 1])
    except NotFittedError:
        return
    raise AssertionError("predict before fit must raise NotFittedError")


def check_fit_predict(forecaster: Forecaster, y: pd.Series) -> None:
    """fit returns self; predict gives (origins, horizon) finite numbers; forecast is dated
    after the history."""
    model = clone(forecaster)
    assert model.fit(y.iloc[:-30]) is model, "fit returns self"
    origins = np.arange(len(y) - 30, len(y) - 2)
    paths = model.predict(y, origins, CHECKED_HORIZON)
    assert paths.shape == (len(origins), CHECKED_HORIZON), (
        "predict gives one row per origin, horizon columns"
    )
    assert np.isfinite(paths).all(), "forecasts are finite numbers"
    ahead = model.forecast(y, 2)
    assert len(ahead) == 2 and ahead.index[0] > y.index[-1], "forecast is dated after y"


def check_no_lookahead(forecaster: Forecaster, y: pd.Series) -> None:
    """A forecast from origin t reads y[:t] only: changing y[t:] moves nothing."""
    model = clone(forecaster).fit(y.iloc[:-30])
    for t in range(len(y) - 30, len(y), 7):
        changed = y.copy()
        changed.iloc[t:] *= 1.5
        before, after = model.predict(y, [t], 2), model.predict(changed, [t], 2)
        assert np.array_equal(before, after), "a forecast moved when a later value changed"


def check_windowed(forecaster: Forecaster, y: pd.Series) -> None:
    """A `windowed` forecast from origin t reads y[t - min_history():t] only: changing the
    days before that window moves nothing (serve batches such forecasters' series end to
    end on this promise)."""
    if WINDOWED not in forecaster.tags():
        return
    model = clone(forecaster).fit(y.iloc[:-30])
    for t in range(len(y) - 30, len(y), 7):
        changed = y.copy()
        changed.iloc[: t - model.min_history()] *= 1.5
        before, after = model.predict(y, [t], 2), model.predict(changed, [t], 2)
        assert np.allclose(before, after, rtol=1e-12, atol=0), (
            "a windowed forecast moved when a day before its window changed"
        )


def check_state_round_trip(forecaster: Forecaster, y: pd.Series) -> None:
    """state() is JSON and arrays; restore() rebuilds the same forecasts (no pickle)."""
    from seqcast.models.registry import restore

    model = clone(forecaster).fit(y.iloc[:-30])
    meta, arrays = model.state()
    meta = json.loads(json.dumps(plain(meta)))  # what a run directory holds
    assert all(isinstance(a, np.ndarray) for a in arrays.values()), "arrays are numpy arrays"
    again = restore(meta, arrays)
    origins = np.arange(len(y) - 30, len(y))
    assert np.array_equal(model.predict(y, origins, 2), again.predict(y, origins, 2)), (
        "a restored forecaster forecasts differently"
    )


def check_fit_many(forecaster: Forecaster, y: pd.Series) -> None:
    """Fitting several jobs together gives each what fitting it alone gives."""
    histories = [y.iloc[:-40], y.iloc[:-30]]
    together = [clone(forecaster) for _ in histories]
    type(forecaster).fit_many([FitJob(f, h) for f, h in zip(together, histories, strict=True)])
    origins = np.arange(len(y) - 30, len(y))
    for model, history in zip(together, histories, strict=True):
        alone = clone(forecaster).fit(history)
        assert np.allclose(model.predict(y, origins), alone.predict(y, origins), atol=1e-5), (
            "fit_many changed a member's forecasts"
        )


CHECKS: list[Callable[[Forecaster, pd.Series], None]] = [
    check_parameters,
    check_tags,
    check_not_fitted,
    check_fit_predict,
    check_no_lookahead,
    check_windowed,
    check_state_round_trip,
    check_fit_many,
]
