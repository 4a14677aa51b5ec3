"""The names every layer shares, declared once: the long table's key columns, how a model
run's column and its interval columns are called, the metrics in the order people read them
(most important first: a narrow terminal keeps as many as fit) and how a number is written.
"""

from __future__ import annotations

import math
from typing import Any

KEYS = ["cutoff", "date", "h", "y"]  # the long table's keys (Nixtla's convention), then models
SEPARATOR = "/"  # a selector's candidate run: auto/drift

# Point metrics, most important first; every one but DA% is better lower.
METRICS = ["MAE", "MAE/naive", "DM p", "Holm p", "RMSE", "DA%", "MASE", "MAPE%", "sMAPE%"]
# Interval metrics, most important first.
INTERVAL_METRICS = [
    "cover%",
    "width",
    "Winkler",
    "Kupiec p",
    "cover calm%",
    "cover normal%",
    "cover volatile%",
    "Christoffersen p",
    "pinball",
]
PANEL_METRICS = ["MAE/naive", "series", "beats naive", "worse", "median MAE/naive", "MASE"]


def run_column(label: str, seed: int | None) -> str:
    """A model run's column in the long table: `gru@0` for seed 0 of `gru`, `drift` alone.
    The model and seed are also recorded as values (`settings["runs"]`); nothing parses
    this name back."""
    return label if seed is None else f"{label}@{seed}"


def interval_columns(run: str, level: float) -> tuple[str, str]:
    """Nixtla's names for an interval: <model>-lo-<level>, <model>-hi-<level>."""
    return f"{run}-lo-{level:g}", f"{run}-hi-{level:g}"


def quantile_columns(run: str, level: float) -> tuple[str, str]:
    """A run's quantile heads' own bounds for a level, before any calibration (the long
    table keeps them beside its interval columns): <model>-qlo-<level>, <model>-qhi-<level>."""
    return f"{run}-qlo-{level:g}", f"{run}-qhi-{level:g}"


def bound_names(level: float) -> tuple[str, str]:
    """The bounds' names in a one-model table (a forecast's file): lo-<level>, hi-<level>."""
    return f"lo-{level:g}", f"hi-{level:g}"


def number(value: Any) -> str:
    """At least 2 decimals and 4 significant digits whatever the scale (0.07120, 2.324,
    795.07, 1,446.81), with thousands separators; '-' for a missing value."""
    if isinstance(value, str):  # a word a family reports (an ARIMA order)
        return value
    if value is None or value != value:  # None or NaN (pandas' NA too)
        return "-"
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < -4:
        return f"{value:.3e}"
    decimals = max(2, 3 - magnitude)
    return f"{value:,.{decimals}f}"
