"""The backtest in Nixtla's cross-validation layout, for the tools that read it
(utilsforecast's `evaluate`, StatsForecast's and NeuralForecast's plots, a notebook):

    unique_id  ds  cutoff  h  y  <one column per model run>  <run>-lo-<level>  <run>-hi-<level>

`unique_id` is the series' name, `ds` the target date, `cutoff` the last date its forecast
saw (always before `ds`), `h` the steps from it. A model with seeds has a column per seed
(`gru@0`), as scores.csv scores them. Written as CSV always, and as Parquet (dates as
dates) when pyarrow is installed (the `parquet` extra).
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd

from seqcast.io import to_csv
from seqcast.result import Result
from seqcast.vocabulary import KEYS

STEM = "cross_validation"  # cross_validation.csv (and .parquet): what Nixtla calls it


def cross_validation(results: Mapping[str, Result]) -> pd.DataFrame:
    """The long tables of `results` (series name -> result) stacked in Nixtla's layout."""
    frames = []
    for name, result in results.items():
        table = result.table.rename(columns={"date": "ds"})
        table.insert(0, "unique_id", name)
        frames.append(table[["unique_id", "ds", "cutoff", "h", "y", *_models(result.table)]])
    return pd.concat(frames, ignore_index=True)


def _models(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c not in KEYS]


def files(frame: pd.DataFrame) -> dict[str, bytes]:
    """cross_validation.csv, and cross_validation.parquet when pyarrow is installed."""
    out = {f"{STEM}.csv": to_csv(frame, index=False, date_format="%Y-%m-%d")}
    parquet = _parquet(frame)
    if parquet is not None:
        out[f"{STEM}.parquet"] = parquet
    return out


def _parquet(frame: pd.DataFrame) -> bytes | None:
    try:
        import pyarrow  # noqa: F401  (the parquet extra)
    except ImportError:  # an optional copy: the CSV holds the same (README, Runs on disk)
        return None
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()
