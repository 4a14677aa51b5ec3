"""Classical statistical models through StatsForecast: `arima` (AutoARIMA), `ets` (AutoETS)
and `theta` (AutoTheta).

Each fit chooses and estimates its model on the history's log prices (`log=True`, the
default: changes are relative, forecasts stay positive, and a random walk with drift is an
ARIMA(0,1,0) with drift on them; a forecast is exp of the log-scale point forecast, its
median). Between refits the parameters stay as fitted and only the states are filtered over
the newly observed days, as StatsForecast's own `cross_validation(refit=K)` does with its
models' `forward` (tested equal to it to 1e-6). `forward` refilters the whole history for
every origin; here one pass over the history serves all the origins of a `predict` call.

A fit that fails (the library raises) forecasts naive, exactly, until the next refit: a
`seqcast: note:` says so and `fit_info()` records it. StatsForecast is imported only when
one of these models is made, checked or fitted.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from seqcast.errors import Note, SeqcastError
from seqcast.models import refilter
from seqcast.models.base import Forecaster, with_settings
from seqcast.models.guards import check_history, check_whole, first_line
from seqcast.models.saving import from_arrays, to_arrays
from seqcast.options import Dimension

MIN_DAYS = 30  # the shortest history a fit accepts: fewer leave the model's choice to chance


def require_statsforecast(model: str) -> None:
    """One line naming the extra to install when StatsForecast is missing."""
    try:
        import statsforecast.models  # noqa: F401
    except ImportError:
        raise SeqcastError(f"{model} needs statsforecast: pip install 'seqcast[stats]'") from None


class StatsForecaster(Forecaster):
    """What the three families share: checks, the log scale, the naive fallback, saving."""

    TAGS: ClassVar[frozenset[str]] = frozenset({"stateful", "candidate"})
    REPORTED: ClassVar[tuple[str, ...]] = ("fitted", "fallback")  # e.g. ARIMA(0,1,0)
    extra: ClassVar[str] = "stats"
    family: ClassVar[str] = ""  # the model's name in seqcast (`arima`, `ets`, `theta`)
    season_length: int
    log: bool

    def tags(self) -> frozenset[str]:
        return type(self).TAGS

    @property
    def name(self) -> str:
        return self.family

    def min_history(self) -> int:
        return 4  # the fewest values StatsForecast's `forward` accepts for every model here

    def min_train(self) -> int:
        return max(MIN_DAYS, 3 * self.season_length)

    def check(self) -> None:
        require_statsforecast(self.family)
        check_whole(self.family, "season_length", self.season_length, 1)
        if not isinstance(self.log, bool):
            raise SeqcastError(f"{self.family}: log must be true or false, not {self.log!r}")

    def library_model(self) -> Any:
        """The unfitted StatsForecast model these parameters describe."""
        raise NotImplementedError

    def describe(self, model: dict[str, Any]) -> str:
        """The chosen model in words (fit_info's `model`)."""
        raise NotImplementedError

    def refiltered(self, x: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
        """(N, horizon) forecasts on the fitted scale from each position of x, with the
        fitted parameters and the states filtered over x[:position]."""
        raise NotImplementedError

    def learn(self, y: pd.Series, X: pd.DataFrame | None) -> None:
        values = np.asarray(y, dtype=float)
        logs = "log prices (log=true)" if self.log else None
        check_history(self.family, y, self.min_train(), logs)
        self.model_: dict[str, Any] | None = None
        try:
            model = self.library_model().fit(self.scaled(values)).model_
            self.fit_info_: dict[str, Any] = {"fitted": self.describe(model)}
            self.model_ = model
        except Exception as exc:  # any failure of the library: this fit forecasts naive
            reason = first_line(exc)
            warnings.warn(
                f"{self.family}: the fit on the {len(y)} days to {y.index[-1].date()} failed"
                f" ({reason}); it forecasts naive until the next refit",
                Note,
                stacklevel=2,
            )
            self.fit_info_ = {"fallback": "naive", "reason": reason}
        self.is_fitted_ = True

    def scaled(self, values: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(values) if self.log else values.copy()

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        naive = np.repeat(values[positions - 1, None], horizon, axis=1)
        if self.model_ is None or not positions.size:
            return naive
        z = self.refiltered(self.scaled(values[: positions.max()]), positions, horizon)
        with np.errstate(over="ignore"):
            forecasts = np.exp(z) if self.log else z
        broken = ~np.isfinite(forecasts).all(axis=1)
        if broken.any():
            warnings.warn(
                f"{self.family}: {int(broken.sum())} of {len(positions)} forecasts were not"
                " finite; naive in their place",
                Note,
                stacklevel=2,
            )
            forecasts[broken] = naive[broken]
        return forecasts

    def fit_info(self) -> dict[str, Any]:
        return dict(getattr(self, "fit_info_", {}))

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, _ = super().state()
        arrays: dict[str, np.ndarray] = {}
        tree = None if self.model_ is None else to_arrays(self.model_, "model", arrays)
        return meta | {"fit": self.fit_info(), "model": tree}, arrays

    def restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        tree = meta.get("model")
        self.model_ = None if tree is None else from_arrays(tree, arrays)
        self.fit_info_ = dict(meta.get("fit", {}))
        self.is_fitted_ = True


class ArimaForecaster(StatsForecaster):
    """AutoARIMA (Hyndman-Khandakar): differencing by KPSS tests, orders by AICc."""

    family = "arima"

    def __init__(
        self,
        season_length: int = 1,
        d: int | None = None,
        max_p: int = 5,
        max_q: int = 5,
        max_d: int = 2,
        stepwise: bool = True,
        log: bool = True,
    ):
        self.season_length = season_length  # days per season (1: no seasonal part)
        self.d = d  # differences; None: chosen by unit-root tests
        self.max_p = max_p  # largest AR order tried
        self.max_q = max_q  # largest MA order tried
        self.max_d = max_d  # most differences the tests may choose
        self.stepwise = stepwise  # stepwise search (fast) or every order
        self.log = log  # fit log prices (True) or prices

    def check(self) -> None:
        super().check()
        for option in ("max_p", "max_q", "max_d"):
            check_whole(self.family, option, getattr(self, option), 0)
        if self.d is not None:
            check_whole(self.family, "d", self.d, 0)
        if not isinstance(self.stepwise, bool):
            raise SeqcastError(f"arima: stepwise must be true or false, not {self.stepwise!r}")

    def library_model(self) -> Any:
        from statsforecast.models import AutoARIMA

        return AutoARIMA(
            d=self.d,
            max_p=self.max_p,
            max_q=self.max_q,
            max_d=self.max_d,
            stepwise=self.stepwise,
            season_length=self.season_length,
        )

    def describe(self, model: dict[str, Any]) -> str:
        from statsforecast.arima import arima_string

        return arima_string(model).strip()

    def refiltered(self, x: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
        assert self.model_ is not None
        return refilter.arima_paths(self.model_, x, positions, horizon)


class EtsForecaster(StatsForecaster):
    """AutoETS: exponential smoothing state-space models, chosen by AICc."""

    family = "ets"

    def __init__(
        self,
        season_length: int = 1,
        model: str = "ZZZ",
        damped: bool | None = None,
        log: bool = True,
    ):
        self.season_length = season_length  # days per season (1: no seasonal part)
        self.model = model  # error, trend, season: A, M, N or Z (chosen); e.g. "ANN"
        self.damped = damped  # damped trend: True, False, or None (chosen)
        self.log = log  # fit log prices (True) or prices

    def check(self) -> None:
        super().check()
        allowed = ("AMZ", "AMNZ", "AMNZ")
        text = self.model if isinstance(self.model, str) else ""
        if len(text) != 3 or any(c not in ok for c, ok in zip(text, allowed, strict=True)):
            raise SeqcastError(
                f"ets: model {self.model!r} is not three letters: error A/M/Z, trend"
                " A/M/N/Z, season A/M/N/Z (Z: chosen), e.g. ZZZ or ANN"
            )
        if self.damped not in (None, True, False):
            raise SeqcastError(f"ets: damped must be true, false or left out, not {self.damped!r}")

    def library_model(self) -> Any:
        from statsforecast.models import AutoETS

        return AutoETS(season_length=self.season_length, model=self.model, damped=self.damped)

    def describe(self, model: dict[str, Any]) -> str:
        return str(model["method"])

    def refiltered(self, x: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
        assert self.model_ is not None
        return refilter.ets_paths(self.model_, x, positions, horizon)


THETA_MODELS = ("STM", "OTM", "DSTM", "DOTM")


class ThetaForecaster(StatsForecaster):
    """AutoTheta: the standard, optimised and dynamic Theta models, chosen by MSE."""

    family = "theta"

    def __init__(
        self,
        season_length: int = 1,
        model: str | None = None,
        decomposition: str = "multiplicative",
        log: bool = True,
    ):
        self.season_length = season_length  # days per season (1: no seasonal part)
        self.model = model  # STM, OTM, DSTM or DOTM; None: the best of the four
        self.decomposition = decomposition  # seasonal decomposition: multiplicative, additive
        self.log = log  # fit log prices (True) or prices

    def check(self) -> None:
        super().check()
        if self.model is not None and self.model not in THETA_MODELS:
            raise SeqcastError(
                f"theta: model {self.model!r} is none of {', '.join(THETA_MODELS)}"
                " (or leave it out to choose)"
            )
        if self.decomposition not in ("multiplicative", "additive"):
            raise SeqcastError(
                f"theta: decomposition {self.decomposition!r}: use multiplicative or additive"
            )

    def library_model(self) -> Any:
        from statsforecast.models import AutoTheta

        return AutoTheta(
            season_length=self.season_length,
            model=self.model,
            decomposition_type=self.decomposition,
        )

    def describe(self, model: dict[str, Any]) -> str:
        return str(model["modeltype"]) + (" (deseasonalised)" if model.get("decompose") else "")

    def refiltered(self, x: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
        assert self.model_ is not None
        return refilter.theta_paths(self.model_, x, positions, horizon)


CLASSES: dict[str, type[StatsForecaster]] = {
    "arima": ArimaForecaster,
    "ets": EtsForecaster,
    "theta": ThetaForecaster,
}


def make(name: str, settings: dict[str, Any] | None = None) -> Forecaster:
    """The forecaster `arima`, `ets` or `theta` stands for, with `settings` (its options)."""
    if name not in CLASSES:
        raise SeqcastError(f"unknown statistical model '{name}'; use {', '.join(CLASSES)}")
    forecaster: Forecaster = with_settings(CLASSES[name], name, dict(settings or {}))
    return forecaster


build = make  # the name the registry's family loader calls


# What `tune` tries per model (tune/space.py's format); small: these models choose their own
# orders, so a study only steers the search.
SPACE: dict[str, dict[str, Dimension]] = {
    "arima": {
        "max_p": Dimension("max_p", 1, 5),
        "max_q": Dimension("max_q", 1, 5),
        "stepwise": Dimension("stepwise", choices=(True, False)),
        "log": Dimension("log", choices=(True, False)),
    },
    "ets": {
        "model": Dimension("model", choices=("ZZZ", "ANN", "AAN", "MNN", "MAN")),
        "damped": Dimension("damped", choices=(True, False)),
        "log": Dimension("log", choices=(True, False)),
    },
    "theta": {
        "model": Dimension("model", choices=THETA_MODELS),
        "log": Dimension("log", choices=(True, False)),
    },
}


def space(name: str) -> dict[str, Dimension]:
    return dict(SPACE[name])
