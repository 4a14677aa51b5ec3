"""A saved run as the server holds it: loaded once (JSON and safetensors: nothing from the
directory is executed), named, with a digest of the files that make it, the backtest scores
its results.json records, and its own out-of-sample errors per (column, h), ready for the
intervals of every request."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqcast import runs
from seqcast.errors import SeqcastError
from seqcast.io import read_json
from seqcast.result import Result
from seqcast.runs.forecasting import default_model
from seqcast.serve.heads import Scores, run_scores
from seqcast.serve.steering import Steering
from seqcast.vocabulary import interval_columns

# What makes a run: a forecast written into the directory later changes none of these.
MADE_OF = ("config.json", "forecasts.csv", "calibration.csv", "live.csv", "results.json")
ATTEMPTS = 3  # a directory being swapped (io.write_directory) is absent for an instant


@dataclass(frozen=True)
class Errors:
    """One column's out-of-sample forecasts at one horizon whose truth the run knew,
    oldest target date first (what intervals.add_intervals reads as `past`)."""

    date: np.ndarray  # datetime64[ns]: target dates
    cutoff: np.ndarray  # datetime64[ns]: the last day each forecast saw
    y: np.ndarray  # the truth
    forecast: np.ndarray


@dataclass(frozen=True)
class Served:
    name: str  # how requests call it: the directory's name
    directory: Path
    version: str  # sha256 of the files that make the run (MADE_OF and models/)
    result: Result
    model: str  # the label answered by default: the run's one model, or its best
    scores: list[dict[str, Any]]  # results.json's summary rows: model, h, MAE, DM p...
    errors: dict[tuple[str, int], Errors]  # (column, h) -> the run's own errors
    last_cutoff: pd.Timestamp  # the newest cutoff of the run's forecasts
    head_scores: Scores  # (column, h, level) -> its quantile heads' CQR scores, if any
    steering: dict[tuple[str, int, float], Steering]  # steered methods: ACI's record

    @property
    def has_intervals(self) -> bool:
        return bool(self.result.levels) and self.result.calibration is not None

    def info(self) -> dict[str, Any]:
        """What GET /v1/models says of the run."""
        data = self.result.settings.get("data", {})
        keys = ("file", "sha256", "first", "last", "rows", "calendar")
        return {
            "name": self.name,
            "version": self.version,
            "model": self.model,
            "models": list(self.result.columns),
            "horizon": self.result.horizon,
            "levels": list(self.result.levels) if self.has_intervals else [],
            "intervals": self.result.settings["evaluation"].get("intervals"),
            "data": {key: data.get(key) for key in keys},
            "backtest": [
                {"model": row["model"], "h": row["h"], **{k: row.get(k) for k in SCORES}}
                for row in self.scores
            ],
        }


SCORES = ("MAE", "MAE/naive", "DM p")
SERVED_INTERVALS = ("conformal", "adaptive", "scaled", "quantile", "cqr", "cqr-adaptive")


def load(name: str, directory: str | Path) -> Served:
    """Load a run directory; if its files change while it is read (a new run swapped in),
    read it again, so that the version always names what was loaded."""
    directory = Path(directory)
    for attempt in range(ATTEMPTS):
        try:
            before = version(directory)
            result = runs.load(directory)
            results = read_json(directory / "results.json")
            if version(directory) == before:
                return _served(name, directory, before, result, results)
        except (SeqcastError, OSError):
            if attempt == ATTEMPTS - 1:
                raise
        time.sleep(0.05)
    raise SeqcastError(f"{directory}: kept changing while it was read; try again")


def version(directory: Path) -> str:
    """sha256 over the names and bytes of the files that make the run."""
    if not (directory / "config.json").is_file():
        raise SeqcastError(f"{directory}: not a seqcast run directory (no config.json)")
    digest = hashlib.sha256()
    files = [directory / name for name in MADE_OF if (directory / name).is_file()]
    files += sorted((directory / "models").glob("*"))
    for path in files:
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _served(name: str, directory: Path, digest: str, result: Result, results: Any) -> Served:
    summary = results.get("summary", []) if isinstance(results, dict) else []
    if "naive" not in result.columns:
        raise SeqcastError(f"{directory}: the run has no naive forecast; rerun it")
    method = result.settings["evaluation"].get("intervals", "")
    if result.levels and method not in SERVED_INTERVALS:
        raise SeqcastError(
            f"{directory}: its intervals are {method}, which serve does not compute (it does"
            f" {', '.join(SERVED_INTERVALS)}); forecast it with seqcast forecast, or rerun it"
            " with --intervals adaptive"
        )
    known = pd.concat([result.calibration, result.table, result.live], ignore_index=True)
    return Served(
        name,
        directory,
        digest,
        result,
        default_model(result),  # as `seqcast forecast` chooses
        summary,
        _errors(known, result),
        pd.Timestamp(known["cutoff"].max()),  # the table's, or after a refit its live record's
        run_scores(known, result),
        _steering(result),
    )


def _steering(result: Result) -> dict[tuple[str, int, float], Steering]:
    """Each column's ACI record from its test-period intervals, for steered methods."""
    steers = ("adaptive", "cqr-adaptive")
    if result.settings["evaluation"].get("intervals") not in steers or not result.levels:
        return {}
    table = result.table[result.table["y"].notna()]
    last = np.datetime64(result.table["cutoff"].max(), "ns")
    out = {}
    for h, rows in table.groupby("h", sort=True):
        rows = rows.sort_values("date")
        y = rows["y"].to_numpy(dtype=float)
        for column in result.runs:
            for level in result.levels:
                lo, hi = (rows[c].to_numpy(dtype=float) for c in interval_columns(column, level))
                miss = ~((lo <= y) & (y <= hi))
                gained = np.cumsum((100.0 - level) / 100.0 - miss)
                out[(column, int(h), level)] = Steering(
                    rows["date"].to_numpy(dtype="datetime64[ns]"), gained, last
                )
    return out


def _errors(known: pd.DataFrame, result: Result) -> dict[tuple[str, int], Errors]:
    known = known[known["y"].notna()]
    errors = {}
    for h, rows in known.groupby("h", sort=True):
        rows = rows.sort_values("date")
        for column in result.runs:
            errors[(column, int(h))] = Errors(
                rows["date"].to_numpy(dtype="datetime64[ns]"),
                rows["cutoff"].to_numpy(dtype="datetime64[ns]"),
                rows["y"].to_numpy(dtype=float),
                rows[column].to_numpy(dtype=float),
            )
    return errors
