"""The neural forecaster: jobs with different histories and seeds train as one group and
each ends where it would alone; group sizes; the direct strategy; shrinkage; settings
refused before training and training that diverges."""

import numpy as np
import pandas as pd
import pytest

from seqcast.errors import SeqcastError
from seqcast.models import neural
from seqcast.models.base import FitJob, clone, fit_all
from seqcast.models.grouping import chunks
from seqcast.models.neural import NeuralForecaster

from .conftest import TINY, random_walk


def _jobs(proto: NeuralForecaster, ends: list[int], seeds: list[int]) -> list[FitJob]:
    series = random_walk(n=400)
    histories = {end: series.iloc[:end] for end in ends}  # one object per history
    return [
        FitJob(clone(proto).set_params(seed=seed), histories[end]) for end in ends for seed in seeds
    ]


@pytest.mark.parametrize(
    "settings",
    [
        {  # the gru preset's settings on a small GRU: members stop apart
            "layers": "gru:8, dropout:0.2, dense:1",
            **{"transform": "log_return", "loss": "mae", "shrink": True},
            **{"val_days": 30, "patience": 2, "epochs": 6},
        },
        {"model": "tutorial", "layers": "lstm:8:seq, dropout:0.2, lstm:6, dropout:0.2, dense:1"}
        | {"epochs": 2},  # the tutorial's stack and settings, smaller
        {
            "model": "mlp",
            "epochs": 3,
            "strategy": "direct",
            "horizon": 4,
            "val_days": 20,
            "shrink": False,
        },
    ],
    ids=["gru-early-stopping", "tutorial", "mlp-direct"],
)
@pytest.mark.slow
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
    assert [len(chunk) for chunk in chunks([[job] for job in jobs])] == [8, 5]


def test_the_direct_strategy_forecasts_its_horizon_and_no_further() -> None:
    series = random_walk()
    model = NeuralForecaster(
        model="gru", window=10, epochs=1, val_days=10, strategy="direct", horizon=5, shrink=False
    ).fit(series)
    assert model.networks_[0].outputs == 5
    assert model.predict(series, [len(series)], 5).shape == (1, 5)
    assert model.predict(series, [len(series)], 3).shape == (1, 3)
    with pytest.raises(SeqcastError, match="trained for 5 days ahead, not 7"):
        model.predict(series, [len(series)], 7)
    with pytest.raises(SeqcastError, match="--val-days 3 is shorter than the 5 days"):
        NeuralForecaster(model="gru", window=10, val_days=3, strategy="direct", horizon=5).fit(
            series
        )


def _ohlc(series: pd.Series) -> pd.DataFrame:
    close = series.to_numpy()
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "open": close * (1 + rng.normal(0, 0.005, len(close))),
            "high": close * 1.02,
            "low": close * 0.97,
            "volume": rng.lognormal(10, 1, len(close)),
        },
        index=series.index,
    )
    return frame


def test_shrinkage_weight_zero_is_the_naive_forecast_to_the_bit() -> None:
    from seqcast.models.baselines import NaiveForecaster

    series = random_walk()
    model = NeuralForecaster(model="gru", window=10, epochs=2, val_days=40, shrink=True).fit(
        series.iloc[:-30]
    )
    assert 0.0 <= model.weight_ <= 1.0 and model.fit_info()["w"] == model.weight_
    origins = np.arange(len(series) - 30, len(series))
    model.weight_ = 0.0
    naive = NaiveForecaster().fit(series).predict(series, origins, 3)
    assert np.array_equal(model.predict(series, origins, 3), naive)
    model.weight_ = 1.0
    assert not np.allclose(model.predict(series, origins, 3), naive)


def test_the_shrinkage_weight_is_the_best_on_the_validation_tail() -> None:
    series = random_walk()
    model = NeuralForecaster(model="gru", window=10, epochs=2, val_days=40, shrink=True)
    model.fit(series)
    values = series.to_numpy()
    tail = np.arange(len(series) - 40, len(series))
    raw = model._raw_paths(values, tail, 1, pd.DataFrame(index=series.index))[:, 0]
    last = values[tail - 1]
    errors = {w: np.mean(np.abs(values[tail] - last * (raw / last) ** w)) for w in (0.0, 0.5, 1.0)}
    best_seen = min(errors.values())
    chosen = np.mean(np.abs(values[tail] - last * (raw / last) ** model.weight_))
    assert chosen <= best_seen + 1e-12


def test_a_seed_ensemble_is_the_mean_of_its_members() -> None:
    series = random_walk()
    settings = {"model": "gru", "window": 10, "epochs": 2, "val_days": 20, "shrink": False}
    ensemble = NeuralForecaster(**settings, ensemble=3, seed=1).fit(series.iloc[:-20])
    assert ensemble.name == "gru*3" and len(ensemble.networks_) == 3
    origins = np.arange(len(series) - 20, len(series))
    members = [  # seed 1 of an ensemble of 3: members 3, 4, 5
        NeuralForecaster(**settings, seed=s).fit(series.iloc[:-20]).predict(series, origins)
        for s in (3, 4, 5)
    ]
    np.testing.assert_allclose(
        ensemble.predict(series, origins), np.mean(members, axis=0), rtol=1e-5
    )
    median = NeuralForecaster(**settings, ensemble=3, seed=1, combine="median")
    median.fit(series.iloc[:-20])
    np.testing.assert_allclose(
        median.predict(series, origins), np.median(members, axis=0), rtol=1e-5
    )


def test_covariates_from_the_file_feed_the_windows() -> None:
    from seqcast.models.base import FitJob, fit_all

    series = random_walk()
    frame = _ohlc(series)
    model = NeuralForecaster(
        model="lstm", window=10, epochs=2, val_days=30, features=("log_range", "weekday")
    )
    job = FitJob(model, series.iloc[:-20], frame.iloc[:-20])
    fit_all([job])
    assert model.inputs_.channels == 4  # price, log range, weekday sin and cos
    forecasts = model.predict(series, np.arange(len(series) - 20, len(series)), X=frame)
    assert np.isfinite(forecasts).all()
    with pytest.raises(SeqcastError, match=r"--features oc_return need the file's open column"):
        NeuralForecaster(model="lstm", window=10, epochs=1, features=("oc_return",)).fit(series)
    with pytest.raises(SeqcastError, match="--features cannot be forecast beyond one day"):
        NeuralForecaster(model="lstm", features=("weekday",), horizon=3).fit(series)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"learning_rate": 0.0}, "--lr 0: the learning rate must be above 0"),
        ({"learning_rate": -1.0}, "--lr -1: the learning rate must be above 0"),
        ({"learning_rate": float("nan")}, "--lr nan: the learning rate must be above 0"),
        ({"epochs": 0}, "--epochs 0: at least 1 epoch"),
        ({"batch_size": 0}, "--batch-size 0: at least 1 window"),
        ({"patience": -1}, "--patience -1: 0 .off. or more epochs"),
        ({"optimizer": "adagrad"}, "--optimizer 'adagrad': choose one of rmsprop, adam"),
        ({"loss": "hinge"}, "--loss 'hinge': choose one of mse, mae, huber"),
    ],
)
def test_bad_training_settings_are_refused_before_training(
    settings: dict, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(neural, "fit_members", no_training)
    with pytest.raises(SeqcastError, match=f"^{message}"):
        NeuralForecaster(**{**TINY, "layers": "gru:4, dense:1", **settings}).fit(random_walk())


def test_a_diverged_fit_is_an_error_not_a_forecast() -> None:
    """A learning rate far too large for plain SGD: the loss is NaN within the first epoch;
    the fit stops there, naming the option to change, and leaves no fitted model behind.
    (RMSprop, the default, divides its steps by the gradients' size: its losses can stay
    finite, if huge, and are then not refused.)"""
    settings = {**TINY, "layers": "gru:4, dense:1", "optimizer": "sgd", "learning_rate": 1e6}
    settings |= {"transform": "price", "loss": "mse"}  # squared errors: the steps blow up
    model = NeuralForecaster(**settings)
    with pytest.raises(SeqcastError, match=r"^training diverged at epoch 1 .*; lower --lr"):
        model.fit(random_walk())
    assert not hasattr(model, "is_fitted_")


def test_a_preset_with_its_own_layers_is_that_preset() -> None:
    """`--model lstm --layers "<lstm's layers>"` is the lstm preset, named lstm: the layer list
    replaces only the layers (it used to drop the preset's target, loss, early stopping and
    shrinkage for the tutorial's)."""
    from seqcast.models.spec import PRESETS

    given = NeuralForecaster(model="lstm", layers=PRESETS["lstm"].layers)
    assert given.resolved() == NeuralForecaster(model="lstm").resolved()
    assert given.name == "lstm"


def test_an_empty_layer_list_is_refused() -> None:
    with pytest.raises(SeqcastError, match="--layers is empty"):
        NeuralForecaster(layers="  ").check()
