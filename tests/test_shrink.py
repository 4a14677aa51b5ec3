"""Shrinkage toward naive, for any forecaster: w = 0 is naive to the bit, w = 1 the raw
forecast, and the chosen weight is the best on the days it is chosen on."""

import numpy as np
import pytest

from seqcast.models import shrink
from seqcast.models.baselines import DriftForecaster, NaiveForecaster

from .conftest import random_walk


def test_weight_zero_is_the_last_price_and_one_the_raw_forecast() -> None:
    rng = np.random.default_rng(0)
    last = rng.uniform(50, 150, (20, 3))
    raw = last * np.exp(rng.normal(0, 0.05, (20, 3)))
    raw[0, 0], raw[1, 1], raw[2, 2] = 0.0, -5.0, np.inf  # not a price: naive, at any w
    assert np.array_equal(shrink.shrunk(raw, last, 0.0), last)
    one = shrink.shrunk(raw, last, 1.0)
    fine = (raw > 0) & np.isfinite(raw)
    np.testing.assert_allclose(one[fine], raw[fine], rtol=1e-14)
    assert one[0, 0] == last[0, 0] and one[1, 1] == last[1, 1]
    half = shrink.shrunk(raw, last, 0.5)[fine]
    np.testing.assert_allclose(half, np.sqrt(raw[fine] * last[fine]), rtol=1e-14)


def test_the_chosen_weight_has_the_smallest_error_on_the_known_days() -> None:
    rng = np.random.default_rng(1)
    last = rng.uniform(90, 110, (40, 2))
    truth = last * np.exp(rng.normal(0, 0.02, (40, 2)))
    raw = last * (truth / last) ** 0.3  # the truth's move, a third of the way
    truth[-1, 1] = np.nan  # past the end of the history: not scored
    w = shrink.choose_weight(raw, last, truth)
    known = ~np.isnan(truth)
    errors = {
        v: np.mean(np.abs(truth[known] - shrink.shrunk(raw, last, v)[known]))
        for v in shrink.WEIGHTS
    }
    assert errors[w] == min(errors.values())
    assert w == pytest.approx(1.0)  # the raw forecast moves the right way, too little


def test_ties_go_to_the_smallest_weight_nearest_naive() -> None:
    last = np.full((5, 1), 100.0)
    assert shrink.choose_weight(last.copy(), last, last + 1.0) == 0.0  # raw = naive


def test_any_forecaster_can_be_shrunk_on_its_own_tail() -> None:
    """A baseline's paths, shrunk: w chosen on a tail of its history, w = 0 is naive."""
    series = random_walk(300)
    values = series.to_numpy()
    tail = np.arange(240, 300)
    drift = DriftForecaster().fit(series)
    raw = drift.predict(series, tail, 3)  # (60, 3): the last two reach past the end
    w = shrink.weight_on_tail(values, tail, raw)
    assert w in shrink.WEIGHTS
    target = tail[:, None] + np.arange(3)
    known = target < len(values)
    last = np.repeat(values[tail - 1, None], 3, axis=1)
    truth = values[np.minimum(target, len(values) - 1)]

    def mae(v: float) -> float:
        return float(np.mean(np.abs(truth[known] - shrink.shrunk(raw, last, v)[known])))

    assert all(mae(w) <= mae(v) for v in shrink.WEIGHTS)
    naive = NaiveForecaster().fit(series).predict(series, tail, 3)
    assert np.array_equal(shrink.shrunk(raw, last, 0.0), naive)
