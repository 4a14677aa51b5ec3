"""`boost`: gradient-boosted trees (LightGBM) on windows of past log returns.

The inputs are the networks' (models/inputs.py): the last `window` log returns, max-abs
scaled on the history, and, when `features` are named, the same past covariates beside
them; each window is one row of `window * channels` columns. The target is the next day's
scaled return (`recursive`: one booster, its forecast fed back as the newest return for
the next day) or each of the next `horizon` days' (`direct`: one booster per day). A price
forecast compounds the returns from the last known price, as the networks' do.

Trees are deterministic for a given `seed` (LightGBM's `deterministic`, row-wise
histograms); the seed steers row and column subsampling, so seeds give different models.
`num_threads` None leaves LightGBM's default (OpenMP's: every core) and seqcast never sets
a thread count for the process. LightGBM is imported only when `boost` is made or fitted.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from seqcast.data.features import check_names
from seqcast.errors import SeqcastError
from seqcast.models.base import Forecaster, with_settings
from seqcast.models.guards import check_history, check_whole
from seqcast.models.inputs import Inputs
from seqcast.models.neural_settings import STRATEGIES
from seqcast.options import Dimension

MIN_WINDOWS = 50  # training windows a fit needs (a split needs 2 x min_child_samples)
LOSSES = {"mae": "regression_l1", "mse": "regression", "huber": "huber"}


def require_lightgbm() -> Any:
    """LightGBM, or one line naming the extra to install."""
    try:
        import lightgbm
    except ImportError:
        raise SeqcastError("boost needs lightgbm: pip install 'seqcast[boost]'") from None
    return lightgbm


class BoostForecaster(Forecaster):
    """LightGBM on lagged log returns (and past covariates), recursive or direct."""

    TAGS: ClassVar[frozenset[str]] = frozenset({"seeded", "horizon_param", "stateful", "candidate"})
    REPORTED: ClassVar[tuple[str, ...]] = ()
    extra: ClassVar[str] = "boost"

    def __init__(
        self,
        window: int = 30,
        strategy: str = "recursive",
        horizon: int = 1,
        features: tuple[str, ...] = (),
        seed: int = 0,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        subsample: float = 0.8,
        colsample: float = 0.8,
        loss: str = "mae",
        num_threads: int | None = None,
    ):
        self.window = window  # past returns per row
        self.strategy = strategy  # recursive (one booster) or direct (one per day ahead)
        self.horizon = horizon  # days the direct strategy's boosters cover (the evaluation's)
        self.features = features  # past covariates beside the returns (data/features.py)
        self.seed = seed  # LightGBM's seed (row and column subsampling)
        self.n_estimators = n_estimators  # boosting rounds
        self.learning_rate = learning_rate  # shrinkage of each tree
        self.num_leaves = num_leaves  # leaves per tree
        self.min_child_samples = min_child_samples  # fewest rows in a leaf
        self.subsample = subsample  # share of rows each tree sees
        self.colsample = colsample  # share of columns each tree sees
        self.loss = loss  # mae, mse or huber, on the scaled returns
        self.num_threads = num_threads  # LightGBM's threads; None: its default

    @property
    def name(self) -> str:
        return "boost"

    def tags(self) -> frozenset[str]:
        return type(self).TAGS | ({"uses_covariates"} if self.features else set())

    def outputs(self) -> int:
        """Boosters to train: one, or one per day ahead (direct)."""
        return self.horizon if self.strategy == "direct" else 1

    def min_history(self) -> int:
        return self.window + 1  # `window` returns need one more price

    def min_train(self) -> int:
        return self.min_history() + self.outputs() - 1 + MIN_WINDOWS

    def check(self) -> None:
        require_lightgbm()
        check_names(tuple(self.features))
        for option, least in [("window", 1), ("horizon", 1), ("n_estimators", 1)]:
            check_whole("boost", option, getattr(self, option), least)
        check_whole("boost", "num_leaves", self.num_leaves, 2)
        check_whole("boost", "min_child_samples", self.min_child_samples, 1)
        if self.num_threads is not None:
            check_whole("boost", "num_threads", self.num_threads, 1)
        for option, value in [("subsample", self.subsample), ("colsample", self.colsample)]:
            if not 0 < value <= 1:
                raise SeqcastError(f"boost: {option} {value!r} must be above 0 and at most 1")
        if not self.learning_rate > 0:
            raise SeqcastError(f"boost: learning_rate {self.learning_rate!r} must be above 0")
        if self.strategy not in STRATEGIES:
            raise SeqcastError(f"boost: strategy {self.strategy!r}: use {' or '.join(STRATEGIES)}")
        if self.loss not in LOSSES:
            raise SeqcastError(f"boost: loss {self.loss!r}: use {', '.join(LOSSES)}")
        if self.features and self.strategy == "recursive" and self.horizon > 1:
            raise SeqcastError(
                "boost: --features cannot be forecast beyond one day by feeding forecasts"
                " back; use --strategy direct with --horizon above 1"
            )

    def params(self) -> dict[str, Any]:
        """LightGBM's parameters for these settings."""
        params = {
            "objective": LOSSES[self.loss],
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1 else 0,
            "feature_fraction": self.colsample,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }
        return params | ({"num_threads": self.num_threads} if self.num_threads else {})

    def learn(self, y: pd.Series, X: pd.DataFrame | None) -> None:
        lgb = require_lightgbm()
        check_history("boost", y, self.min_train(), "log returns")
        features = tuple(self.features)
        self.inputs_ = Inputs.fit(self.window, "log_return", y, X, features, len(y))
        z, extra = self.inputs_.target(np.asarray(y, dtype=float)), self.inputs_.covariates(y, X)
        targets = np.arange(self.min_history(), len(y) - self.outputs() + 1)
        windows, future = self.inputs_.windows(z, extra, targets, self.outputs())
        rows = windows.reshape(len(windows), -1)  # (N, window * channels)
        self.boosters_ = [
            lgb.train(
                self.params(),
                lgb.Dataset(rows, np.ascontiguousarray(future[:, k])),
                self.n_estimators,
            )
            for k in range(self.outputs())
        ]
        self.fit_info_ = {"windows": len(rows), "boosters": len(self.boosters_)}
        self.is_fitted_ = True

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        if self.strategy == "direct" and horizon > len(self.boosters_):
            raise SeqcastError(
                f"boost was trained for {len(self.boosters_)} days ahead, not {horizon}"
            )
        if self.features and self.strategy == "recursive" and horizon > 1:
            raise SeqcastError("boost with --features forecasts one day ahead (recursive)")
        z = self.inputs_.target(values)
        extra = self.inputs_.covariates(pd.Series(values, index=features.index), features)
        windows = self.inputs_.windows(z, extra, positions, 1)[0]  # (N, window, channels)
        z_paths = np.empty((len(positions), horizon))
        for step in range(horizon):
            booster = self.boosters_[step if self.strategy == "direct" else 0]
            z_paths[:, step] = self._predict(booster, windows)
            if self.strategy == "recursive" and step + 1 < horizon:  # the price channel only
                newest = z_paths[:, step].astype(np.float32)[:, None, None]
                windows = np.concatenate([windows[:, 1:], newest], axis=1)
        paths, previous = np.empty_like(z_paths), values[positions - 1]
        for step in range(horizon):  # returns compound from the last known price
            paths[:, step] = self.inputs_.transform.inverse_transform(z_paths[:, step], previous)
            previous = paths[:, step]
        return paths

    def _predict(self, booster: Any, windows: np.ndarray) -> np.ndarray:
        rows = windows.reshape(len(windows), -1)
        threads = {"num_threads": self.num_threads} if self.num_threads else {}
        return np.asarray(booster.predict(rows, **threads), dtype=float)

    def fit_info(self) -> dict[str, Any]:
        return dict(getattr(self, "fit_info_", {}))

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The scales as JSON; each booster as LightGBM's text model (not code), in bytes."""
        meta, _ = super().state()
        meta |= {"fit": self.fit_info(), "inputs": self.inputs_.state()}
        arrays = {
            f"booster{k}": np.frombuffer(b.model_to_string().encode(), dtype=np.uint8)
            for k, b in enumerate(self.boosters_)
        }
        return meta, arrays

    def restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        lgb = require_lightgbm()
        self.inputs_ = Inputs.from_state(meta["inputs"], self.window)
        count = len([k for k in arrays if k.startswith("booster")])
        self.boosters_ = [
            lgb.Booster(model_str=arrays[f"booster{k}"].tobytes().decode()) for k in range(count)
        ]
        self.fit_info_ = dict(meta.get("fit", {}))
        self.is_fitted_ = True


def make(name: str, settings: dict[str, Any] | None = None) -> Forecaster:
    """`boost` with `settings` (its options)."""
    if name != "boost":
        raise SeqcastError(f"unknown boosting model '{name}'; use boost")
    settings = dict(settings or {})
    if "features" in settings:
        settings["features"] = tuple(settings["features"])
    return with_settings(BoostForecaster, "boost", settings)


build = make  # the name the registry's family loader calls

# What `tune` tries (tune/space.py's format).
SPACE: dict[str, Dimension] = {
    "window": Dimension("window", 10, 90),
    "n_estimators": Dimension("n_estimators", 50, 500, log=True),
    "learning_rate": Dimension("learning_rate", 0.01, 0.2, log=True),
    "num_leaves": Dimension("num_leaves", 4, 63, log=True),
    "min_child_samples": Dimension("min_child_samples", 10, 100, log=True),
    "subsample": Dimension("subsample", 0.5, 1.0),
    "colsample": Dimension("colsample", 0.5, 1.0),
    "loss": Dimension("loss", choices=tuple(LOSSES)),
}


def space(name: str = "boost") -> dict[str, Dimension]:
    return dict(SPACE)
