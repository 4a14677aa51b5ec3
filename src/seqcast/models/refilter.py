"""Forecasts of a fitted StatsForecast model from many origins, in one pass.

StatsForecast's `forward(y)` keeps a model's fitted parameters, filters its states over all
of y from the start, and forecasts from the end; `cross_validation(refit=K)` calls it once
per origin, so origins t1 < t2 < ... filter y[:t1], then y[:t2] again from the start. The
states after t days do not depend on what follows, so here one pass over the history
gives the states at every origin, and each forecast starts from its own: the library's
own recursions and forecast functions, called once (tested equal to `forward`).

Each function takes the fitted `model_` dict, the history x (on the fitted scale) up to
the last origin, and the origins; it returns (N, horizon) forecasts.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def arima_paths(
    model: dict[str, Any], x: np.ndarray, positions: np.ndarray, horizon: int
) -> np.ndarray:
    """AutoARIMA: the Kalman filter stops at each origin; its state (a, P) there is what
    `forward(x[:t])` ends with."""
    from statsforecast.arima import arima_like, arima_transpar, forecast_arima, make_arima

    arma = np.asarray(model["arma"], dtype=np.int32)
    coef = np.array(list(model["coef"].values()), dtype=np.float64)
    phi, theta = arima_transpar(coef, arma, False)
    state = make_arima(phi, theta, model["model"]["delta"])  # forward's starting state
    a, P, Pn, T, V = (state[k] for k in ("a", "P", "Pn", "T", "V"))
    errors = np.ascontiguousarray(x - _regression(model, len(x)), dtype=np.float64)
    order = np.argsort(positions, kind="stable")
    out = np.empty((len(positions), horizon))
    done = 0  # days filtered so far
    for i in order:
        t = int(positions[i])
        if t > done:
            if done:  # resume: the next step's prior covariance from the current one, as
                # the recursion itself would compute it (it reads Pn only on its first step)
                Pn[:] = T @ P @ T.T + V
            arima_like(errors[done:t], phi, theta, state["delta"], a, P, Pn, 0, False)
            done = t
        now = {**model, "x": x[:t], "coef": dict(model["coef"])}
        now["model"] = {**model["model"], "a": a.copy(), "P": P.copy()}
        out[i] = forecast_arima(now, horizon)["mean"]
    return out


def _regression(model: dict[str, Any], n: int) -> np.ndarray:
    """The mean and drift part of days 1..n (what `forward` subtracts before filtering)."""
    coef = model["coef"]
    time = np.arange(1, n + 1, dtype=np.float64)
    return coef.get("intercept", 0.0) + coef.get("drift", 0.0) * time


def ets_paths(
    model: dict[str, Any], x: np.ndarray, positions: np.ndarray, horizon: int
) -> np.ndarray:
    """AutoETS: `forward` over all of x keeps every day's state; row t: after t days."""
    from statsforecast.ets import forecast_ets, forward_ets

    run = forward_ets(model, x)
    return np.stack(
        [
            forecast_ets({**run, "states": run["states"][: t + 1]}, horizon)["mean"]
            for t in positions
        ]
    )


def theta_paths(
    model: dict[str, Any], x: np.ndarray, positions: np.ndarray, horizon: int
) -> np.ndarray:
    """AutoTheta: the level and mean are recursive (row t - 1: after t days); the standard
    and optimised models' trend line is fitted to the whole history, so each origin gets
    the line through its own history. A seasonal model re-tests and removes each history's
    seasonality in `forward`: there, `forward` itself per origin."""
    from statsforecast.theta import forecast_theta, forward_theta

    if model["m"] >= 4:
        return np.stack(
            [forecast_theta(forward_theta(model, x[:t]), horizon)["mean"] for t in positions]
        )
    run = forward_theta(model, x)
    states, out = run["states"], np.empty((len(positions), horizon))
    for i, t in enumerate(positions):
        row = states[t - 1].copy()
        if model["modeltype"] in ("STM", "OTM"):
            states[t - 1, 2:4] = _trend_line(x[:t])
        out[i] = forecast_theta({**run, "states": states[:t], "n": int(t)}, horizon)["mean"]
        states[t - 1] = row
    return out


def _trend_line(x: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of the least-squares line through x over days 1..n: the A_n and
    B_n that the standard and optimised Theta models start from (StatsForecast's
    `init_state`)."""
    n = len(x)
    mean = x.mean()
    weighted = x.dot(np.arange(1, n + 1, dtype=np.float64)) / n
    slope = 6 * (2 * weighted - (n + 1) * mean) / (n * n - 1)
    return mean - (n + 1) * slope / 2, slope
