"""The neural forecaster: jobs with different histories and seeds train as one group and
each ends where it would alone; group sizes; the direct strategy."""

import numpy as np
import pytest

from seqcast.errors import SeqcastError
from seqcast.models.base import FitJob, clone, fit_all
from seqcast.models.neural import NeuralForecaster, _chunks

from .conftest import random_walk


def _jobs(proto: NeuralForecaster, ends: list[int], seeds: list[int]) -> list[FitJob]:
    series = random_walk(n=400)
    histories = {end: series.iloc[:end] for end in ends}  # one object per history
    return [
        FitJob(clone(proto).set_params(seed=seed), histories[end]) for end in ends for seed in seeds
    ]


@pytest.mark.parametrize(
    "settings",
    [
        {"model": "gru", "val_days": 30, "patience": 2, "epochs": 6},  # members stop apart
        {"model": "tutorial", "epochs": 2},
        {"model": "mlp", "epochs": 3, "strategy": "direct", "horizon": 4, "val_days": 20},
    ],
    ids=["gru-early-stopping", "tutorial", "mlp-direct"],
)
def test_members_of_every_history_and_seed_end_where_they_would_alone(settings: dict) -> None:
    proto = NeuralForecaster(window=12, batch_size=32, **settings)
    together = _jobs(proto, [250, 300, 377], [0, 1])
    fit_all(together)
    series = random_walk(n=400)
    origins = np.arange(380, 390)
    for job in together:
        alone = clone(job.forecaster).fit(job.y)
        assert len(alone.history_) == len(job.forecaster.history_)
        np.testing.assert_allclose(
            alone.predict(series, origins, proto.outputs()),
            job.forecaster.predict(series, origins, proto.outputs()),
            rtol=1e-5,
        )
    if settings.get("patience"):  # some stopped before others, and left the group
        assert len({len(job.forecaster.history_) for job in together}) > 1
    assert together[0].forecaster.fit_info()["group_members"] == 6  # one group of six


def test_groups_keep_each_buffer_below_glibcs_fresh_page_threshold() -> None:
    # LSTM(64) over 60 days, batch 64: a member's gates are 60 * 64 * 256 floats (3.9 MB),
    # so 8 members stay below 32 MiB; 13 refits train as 8 + 5.
    proto = NeuralForecaster(model="lstm", window=60)
    jobs = _jobs(proto, [300] * 13, [0])
    assert [len(chunk) for chunk in _chunks(jobs)] == [8, 5]


def test_the_direct_strategy_forecasts_its_horizon_and_no_further() -> None:
    series = random_walk()
    model = NeuralForecaster(
        model="gru", window=10, epochs=1, val_days=10, strategy="direct", horizon=5
    ).fit(series)
    assert model.network_.outputs == 5
    assert model.predict(series, [len(series)], 5).shape == (1, 5)
    assert model.predict(series, [len(series)], 3).shape == (1, 3)
    with pytest.raises(SeqcastError, match="trained for 5 days ahead, not 7"):
        model.predict(series, [len(series)], 7)
    with pytest.raises(SeqcastError, match="--val-days 3 is shorter than the 5 days"):
        NeuralForecaster(model="gru", window=10, val_days=3, strategy="direct", horizon=5).fit(
            series
        )
