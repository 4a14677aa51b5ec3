"""Runs on disk: a Result saved to a directory and loaded back (store), directories of
earlier versions (legacy), forecasting from a saved run without training (forecasting), and
refitting a saved run on newer data on the schedule its backtest scored (refit).
"""

from seqcast.runs.forecasting import (
    NextDays,
    forecast_next,
    read_run_data,
    replay,
    save_forecast,
)
from seqcast.runs.refit import Refitted, refit
from seqcast.runs.reports import write_report
from seqcast.runs.store import load, load_panel, save

__all__ = [
    "NextDays",
    "Refitted",
    "forecast_next",
    "load",
    "load_panel",
    "read_run_data",
    "refit",
    "replay",
    "save",
    "save_forecast",
    "write_report",
]
