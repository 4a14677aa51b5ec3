"""The forecaster contract every model and baseline answers, in scikit-learn's conventions.

- Parameters are constructor arguments stored under their own names; `__init__` does nothing
  else. `get_params`/`set_params` round-trip, and `clone` (ours or scikit-learn's) copies them.
- `fit(y, X=None)` learns from a history (a date-indexed series, and optionally a frame of
  past covariates beside it) and returns `self`; fitted state ends in `_`.
- `predict(y, origins, horizon)` forecasts, from each origin t (a position in y), the values
  y[t], ..., y[t + horizon - 1], reading only y[:t]. `forecast(y, horizon)` does it from the
  end of y: the next `horizon` dates.
- `fit_many(jobs)` fits several forecasters of one class, each on its own history. The default
  fits them one by one; a class that can train members together (neural networks of several
  seeds, refits, series) overrides it. Generic code always fits through `fit_many`.
- What a forecaster can do is declared, as scikit-learn's estimator tags: `tags()` returns
  names from the vocabulary below, and generic code reads them, never a class or parameter
  name. `REPORTED` names the `fit_info()` keys a summary shows (a shrinkage weight, an order).
  `check_forecaster` (models/checks.py) holds every family to this contract.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self

import numpy as np
import pandas as pd

from seqcast import progress
from seqcast.data.calendar import next_dates
from seqcast.errors import NotFittedError, SeqcastError

# Capabilities a forecaster may declare (its `tags()`).
SEEDED = "seeded"  # has a `seed` parameter: an experiment runs it once per seed
HORIZON_PARAM = "horizon_param"  # has a `horizon` parameter: set to the evaluation's horizon
GROUPED = "trains_grouped"  # its fit_many trains several jobs as one
STATEFUL = "stateful"  # learns state that state()/restore() must carry (else: nothing to save)
COVARIATES = "uses_covariates"  # reads past covariates beside the price
CANDIDATE = "candidate"  # `auto` may choose it
SELECTS = "selects"  # chooses among candidates an experiment backtests beside it (auto)
# has a `quantile_levels` parameter (set to the evaluation's levels when intervals come from
# quantile heads) and `predict_quantiles`, each level's bounds (see QuantileHeads)
QUANTILE_HEADS = "quantile_heads"
WARM = "warm_starts"  # a refit can begin from the fit before it (FitJob.previous)
POOLED = "pools_series"  # learns from every series of a panel at once: they fit together
# a forecast reads only the window before its origin (and fitted state): series laid end to
# end can be forecast in one call (serve batches them)
WINDOWED = "windowed"
TAGS = frozenset(
    {
        SEEDED,
        HORIZON_PARAM,
        GROUPED,
        STATEFUL,
        COVARIATES,
        CANDIDATE,
        SELECTS,
        QUANTILE_HEADS,
        WARM,
        POOLED,
        WINDOWED,
    }
)


class Estimator:
    """get_params/set_params from the constructor's signature, as scikit-learn's BaseEstimator
    (which is not imported: it costs a second and a half of start-up)."""

    @classmethod
    def param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        return [p.name for p in list(signature.parameters.values())[1:] if p.kind not in kinds]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.param_names()}

    def set_params(self, **params: Any) -> Self:
        unknown = set(params) - set(self.param_names())
        if unknown:
            raise SeqcastError(f"{type(self).__name__} has no setting {', '.join(sorted(unknown))}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        """The class and the parameters that differ from their defaults, as scikit-learn."""
        defaults = inspect.signature(type(self).__init__).parameters
        shown = {k: v for k, v in self.get_params().items() if defaults[k].default != v}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def clone(estimator: Estimator) -> Any:
    """A new, unfitted estimator with the same parameters."""
    return type(estimator)(**copy.deepcopy(estimator.get_params()))


@dataclass
class FitJob:
    """One fit: a forecaster and the history it learns from."""

    forecaster: Forecaster
    y: pd.Series
    X: pd.DataFrame | None = None  # past covariates beside y
    refit: int = 0  # which refit of a backtest (jobs of several series with the same refit
    # number end together: a model pooled over series trains on them as one)
    previous: FitJob | None = None  # a warm start: the fit this one continues (same model,
    # an earlier cutoff); fitted first, by `fit_all`


class Forecaster(Estimator):
    TAGS: ClassVar[frozenset[str]] = frozenset()  # what every instance of the class can do
    REPORTED: ClassVar[tuple[str, ...]] = ()  # fit_info() keys shown beside the scores

    def tags(self) -> frozenset[str]:
        """What this forecaster can do (the class's TAGS; an instance may add, e.g. covariates
        when it was given some)."""
        return type(self).TAGS

    def fit(self, y: pd.Series, X: pd.DataFrame | None = None) -> Self:
        type(self).fit_many([FitJob(self, y, X)])
        return self

    @classmethod
    def fit_many(cls, jobs: Sequence[FitJob]) -> None:
        """Fit every job's forecaster on its own history (one by one, by default)."""
        for job in jobs:
            job.forecaster.check()
            job.forecaster.learn(job.y, job.X)
            progress.tell("fitted", count=1)

    def learn(self, y: pd.Series, X: pd.DataFrame | None) -> None:
        """Fit one forecaster. The baselines learn nothing: fitting marks them ready."""
        self.is_fitted_ = True

    def check(self) -> None:
        """Refuse impossible settings before any work (called by fit_many)."""

    def min_history(self) -> int:
        """How many past values one forecast needs."""
        return 1

    def min_train(self) -> int:
        """How many values a fit needs."""
        return self.min_history()

    @property
    def name(self) -> str:
        return type(self).__name__

    def predict(
        self,
        y: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int = 1,
        X: pd.DataFrame | None = None,
    ) -> np.ndarray:
        """Forecasts of shape (len(origins), horizon): row i holds y[t], ..., y[t + horizon - 1]
        for t = origins[i], made from y[:t] (and X up to the same day) only."""
        self._check_fitted()
        positions = np.asarray(origins, dtype=np.int64)
        self._check_history(positions, len(y))
        if horizon < 1:
            raise SeqcastError(f"horizon {horizon}: forecast at least 1 day ahead")
        values = np.asarray(y, dtype=float)
        # covariates, dated like y (an empty frame still gives the dates: the weekday)
        features = pd.DataFrame(index=y.index) if X is None else X
        return self.paths(values, positions, horizon, features)

    def forecast(self, y: pd.Series, horizon: int = 1, X: pd.DataFrame | None = None) -> pd.Series:
        """The next `horizon` values after y ends, indexed by their dates."""
        paths = self.predict(y, [len(y)], horizon, X)
        dates = future_dates(y.index, horizon, y.attrs.get("calendar"))
        return pd.Series(paths[0], index=dates, name=self.name)

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        """`predict`, checked: (N, horizon) forecasts from each position of `values`;
        `features` holds the covariates beside them (what the file says besides the price)."""
        raise NotImplementedError

    def fit_info(self) -> dict[str, Any]:
        """How the last fit ran (e.g. the size of a grouped training run), for the record."""
        return {}

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """What rebuilds the fitted forecaster: JSON-ready settings and named arrays (a
        stateful class adds what it learnt)."""
        self._check_fitted()
        return {"class": type(self).__name__, "params": self.get_params()}, {}

    def restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """The inverse of `state`, on a forecaster built with the saved parameters. A
        stateful class must override it: reloading it unfitted would forecast wrongly."""
        if STATEFUL in self.tags():
            raise NotImplementedError(f"{type(self).__name__} is stateful: define restore()")
        self.is_fitted_ = True

    def _check_fitted(self) -> None:
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def _check_history(self, positions: np.ndarray, available: int) -> None:
        needed = self.min_history()
        if positions.size and (positions.min() < needed or positions.max() > available):
            raise SeqcastError(
                f"{self.name} needs {needed} past values before its first forecast,"
                f" but the series has {available} values for {positions.size} forecasts"
            )


class Selector(Protocol):
    """What a forecaster tagged `selects` offers the experiment that runs it."""

    def candidate_models(self) -> dict[str, Forecaster]: ...  # name -> a new candidate

    def gate_(self) -> Any: ...  # when a candidate may replace naive (models/auto_settings.Gate)

    def use(self, members: dict[str, Forecaster], choices: dict[int, str]) -> None: ...


class QuantileHeads(Protocol):
    """What a forecaster tagged `quantile_heads` offers: per level, the (lower, upper)
    forecasts (origins, horizon) of its heads, made from y[:t] only, as `predict`."""

    quantile_levels: tuple[float, ...]

    def predict_quantiles(
        self,
        y: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int = 1,
        X: pd.DataFrame | None = None,
    ) -> dict[float, tuple[np.ndarray, np.ndarray]]: ...


def with_settings(cls: type[Forecaster], name: str, settings: dict[str, Any]) -> Any:
    """`cls` built from `settings`, its own parameters only (an unknown one is a mistake to
    say, naming the model and what it takes), and checked."""
    unknown = sorted(set(settings) - set(cls.param_names()))
    if unknown:
        raise SeqcastError(
            f"{name}: unknown option {', '.join(unknown)}; its options:"
            f" {', '.join(cls.param_names())}"
        )
    forecaster = cls(**settings)
    forecaster.check()
    return forecaster


def fit_all(jobs: Sequence[FitJob]) -> None:
    """Fit every job, each class through its own `fit_many`, so that forecasters able to
    train together (seeds, refits of one neural model) do. Warm-started jobs go in waves:
    step k of every chain after every chain's step k - 1 (so the chains' steps k of all
    seeds and series train together), each waiting only for what it continues."""
    for wave in waves(jobs):
        by_class: dict[type[Forecaster], list[FitJob]] = {}
        for job in wave:
            by_class.setdefault(type(job.forecaster), []).append(job)
        for cls, group in by_class.items():
            cls.fit_many(group)


def waves(jobs: Sequence[FitJob]) -> list[list[FitJob]]:
    """The jobs by their depth in a warm chain (0: no `previous`), in order."""
    depth: dict[int, int] = {}
    for job in jobs:  # walk up each chain (a loop: a chain may be thousands of days long)
        chain: list[FitJob] = []
        step: FitJob | None = job
        while step is not None and id(step) not in depth:
            chain.append(step)
            step = step.previous
        below = -1 if step is None else depth[id(step)]
        for k, link in enumerate(reversed(chain), start=1):
            depth[id(link)] = below + k
    by_depth: dict[int, list[FitJob]] = {}
    for job in jobs:
        by_depth.setdefault(depth[id(job)], []).append(job)
    return [by_depth[k] for k in sorted(by_depth)]


def future_dates(
    index: pd.DatetimeIndex, horizon: int, calendar: str | None = None
) -> pd.DatetimeIndex:
    """The `horizon` dates after `index` ends, on its calendar (trading days skip weekends,
    an exchange's its holidays: `calendar` as the loaded series' attrs name it)."""
    return next_dates(index, horizon, calendar)
