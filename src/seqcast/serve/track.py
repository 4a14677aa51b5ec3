"""One day of `seqcast track`: forecast the next days from a saved run (what `seqcast
forecast` prints), publish them in the ledger, record the truth of every earlier target date
the data now has, and score the live record: realised MAE beside naive's, a running
Diebold-Mariano test, and the intervals' coverage."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqcast import runs
from seqcast.errors import SeqcastError
from seqcast.evaluate.metrics import mae
from seqcast.evaluate.significance import diebold_mariano
from seqcast.io import read_json
from seqcast.serve import ledger
from seqcast.serve.served import version

SYMBOL = re.compile(r"[\w.^=-]{1,32}")
FILE_SUFFIXES = (".csv", ".gz", ".zip", ".parquet", ".txt", ".tsv")


@dataclass
class Tracked:
    ledger: Path
    series: str  # the data's name in the ledger
    run: str
    model: str
    origin: str  # the last date of the data: where the published forecasts start from
    published: int  # forecasts added now (0: this origin was published before)
    scored: int  # truths recorded now
    scores: list[dict[str, Any]]  # the live record of this run on this series, per h
    notes: list[str] = field(default_factory=list)
    refits: list[str] = field(default_factory=list)  # refits made now: each one's last day


def track(
    run_dir: str | Path,
    data: str,
    path: str | Path,
    horizon: int | None = None,
    model: str | None = None,
    refit: Refit | None = None,
) -> Tracked:
    """Publish the forecasts from the end of `data` (a price file, or a ticker symbol to
    fetch) in the ledger at `path`, and score what is known; with `refit`, first make the
    refits the run's schedule has reached (runs/refit.py)."""
    run_dir, path = Path(run_dir), Path(path)
    if path.exists():
        ledger.connect(path).close()  # refuse a file that is not a ledger before any work
    file, series_name, notes = _data(data, path)
    refits = []
    if refit is not None:
        refits = runs.refit(run_dir, file, refit.every, refit.warm_start).cutoffs
        notes += [f"refitted {run_dir.name} on the days up to {day}" for day in refits]
    before = version(run_dir)
    next_days, prices = runs.forecast_next(run_dir, file, horizon, model)
    if version(run_dir) != before:
        raise SeqcastError(f"{run_dir}: replaced while it forecast; run track again")
    origin = str(prices.index[-1].date())
    _check_fitted(run_dir, origin)
    forecasts = _forecasts(next_days, prices, series_name, run_dir.name, before)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    connection = ledger.connect(path, create=True)
    try:
        with ledger.transaction(connection):
            _check_forward(connection, series_name, run_dir.name, next_days.model, origin)
            published = ledger.publish(connection, forecasts, now)
            scored = ledger.record_truths(connection, series_name, prices, now)
        table = ledger.read(connection, run_dir.name)
    finally:
        connection.close()
    if not published:
        notes.append(f"forecasts from {origin} were published before; nothing added")
    mine = table[(table["series"] == series_name) & (table["model"] == next_days.model)]
    return Tracked(
        path,
        series_name,
        run_dir.name,
        next_days.model,
        origin,
        published,
        scored,
        scores(mine),
        notes + next_days.notes,
        refits,
    )


@dataclass
class Refit:
    """`track --refit`: refit the run as its schedule says; options given must match it."""

    every: int | None = None
    warm_start: bool | None = None


def _data(data: str, ledger_path: Path) -> tuple[Path, str, list[str]]:
    """A price file as it is, or a symbol's history fetched beside the ledger."""
    if Path(data).is_file():
        return Path(data), Path(data).name.split(".")[0], []
    looks_like_a_file = "/" in data or Path(data).suffix.lower() in FILE_SUFFIXES
    if looks_like_a_file or not SYMBOL.fullmatch(data):
        raise SeqcastError(f"--data {data}: no such file, nor a ticker symbol (e.g. BTC-USD)")
    from seqcast.data.fetch import fetch

    got = fetch(data, ledger_path.parent / f"{data}.csv")
    return got.path, data, [f"fetched {data}: {got.new} new days, up to {got.last}"]


def _check_fitted(run_dir: Path, origin: str) -> None:
    """Never forecast from a day before the run's models were fitted: those forecasts
    would be scored on days they learned from."""
    settings = read_json(run_dir / "config.json")
    fitted_to = str(settings.get("data", {}).get("last", "")) if isinstance(settings, dict) else ""
    if fitted_to and origin < fitted_to:
        raise SeqcastError(
            f"the data ends {origin}, before {fitted_to}, the last day run {run_dir.name} was"
            " fitted on: its forecasts would be scored on days it learned from"
        )


def _check_forward(connection: Any, series: str, run: str, model: str, origin: str) -> None:
    """A ledger only moves forward: no forecast is published after a later one."""
    latest = ledger.latest_origin(connection, series, run, model)
    if latest and origin < latest:
        raise SeqcastError(
            f"the ledger has forecasts of {series} from {latest}, and this data ends"
            f" {origin}: track only moves forward; give the newest data"
        )


def _forecasts(
    next_days: runs.NextDays, prices: pd.Series, series: str, run: str, digest: str
) -> list[ledger.Forecast]:
    table = next_days.table
    levels = [float(c[3:]) for c in table.columns if c.startswith("lo-")]
    origin, last = str(prices.index[-1].date()), float(prices.iloc[-1])
    forecasts = []
    for h, (date, row) in enumerate(table.iterrows(), start=1):
        point = float(row["forecast"])
        if not math.isfinite(point):
            raise SeqcastError(f"{next_days.model}'s forecast for {date.date()} is not a number")
        bounds = {
            level: (_number(row[f"lo-{level:g}"]), _number(row[f"hi-{level:g}"]))
            for level in levels
        }
        forecasts.append(
            ledger.Forecast(
                series,
                run,
                next_days.model,
                digest,
                origin,
                str(date.date()),
                h,
                point,
                last,
                bounds,
            )
        )
    return forecasts


def _number(value: Any) -> float | None:
    return float(value) if math.isfinite(float(value)) else None


def scores(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Per h (and series, run, model), over the forecasts whose truth is known, oldest
    origin first: n, MAE, naive's MAE, their ratio, the Diebold-Mariano p-value (from 3
    forecasts on), and each level's coverage in percent."""
    known = table[table["y"].notna()] if len(table) else table
    levels = sorted(float(c[3:]) for c in table.columns if c.startswith("lo-"))
    rows = []
    for (series, run, model, h), part in known.groupby(["series", "run", "model", "h"], sort=True):
        part = part.sort_values("origin")
        y, point, naive = (part[c].to_numpy(dtype=float) for c in ("y", "point", "naive"))
        error, naive_error = mae(y, point), mae(y, naive)
        row: dict[str, Any] = {
            "series": series,
            "run": run,
            "model": model,
            "h": int(h),
            "n": len(part),
            "first": part["target"].iloc[0],
            "last": part["target"].iloc[-1],
            "MAE": error,
            "naive MAE": naive_error,
            "MAE/naive": error / naive_error if naive_error > 0 else None,
            "DM p": diebold_mariano(y, point, naive, int(h)) if len(part) >= 3 else None,
        }
        for level in levels:
            lo, hi = part[f"lo-{level:g}"].to_numpy(), part[f"hi-{level:g}"].to_numpy()
            given = np.isfinite(lo) & np.isfinite(hi)
            inside = (lo[given] <= y[given]) & (y[given] <= hi[given])
            row[f"cover {level:g}%"] = 100.0 * float(inside.mean()) if given.any() else None
        rows.append(row)
    return rows


def live_record(path: Path, run: str | None = None) -> dict[str, Any]:
    """The ledger as JSON: the scores and every forecast (of `run`), with its truth."""
    connection = ledger.connect(path)
    try:
        table = ledger.read(connection, run)
    finally:
        connection.close()
    shown = table.drop(columns=["id"], errors="ignore").astype(object)
    shown = shown.where(shown.notna(), None)
    return {
        "ledger": str(path),
        "run": run,
        "scores": scores(table),
        "forecasts": shown.to_dict(orient="records"),
    }
