"""A Result on disk: save it to a run directory (atomically), and load it back as the record
it was (the saved scores are read, not recomputed).

    config.json      the settings that ran it: data (file, sha256, dates, repairs), load
                     options, models (parameters, tags), each column's model and seed,
                     evaluation, seeds, the seqcast version and run format
    forecasts.csv    the long table: cutoff, date, h, y, one column per model run, and its
                     intervals (<run>-lo-<level>, <run>-hi-<level>) when levels were asked
    calibration.csv  the same for the out-of-sample days before the test (intervals only)
    live.csv         the same for days after the test, forecast by models since refitted in
                     production (runs/refit.py; intervals only)
    scores.csv       every metric per model run and horizon (read back on load)
    intervals.csv    every interval metric per model run, horizon and level
    results.json     summary, verdicts, per-run scores, next days, timings (what --json prints)
    models/          <column>.json (+ .safetensors weights) of every model as last fitted
    cross_validation.csv (+ .parquet with pyarrow)
                     the long table in Nixtla's layout, for other tools (runs/nixtla.py)
    report.html      the interactive report (report/html.py); plot.png on request

A run over several series holds a directory per series under series/ and, over them:
config.json (the series' folders), overview.csv (one row per series, model and horizon:
the scores, the DM p adjusted over the series, the model confidence set, a selector's
choices; evaluate/panel.py), summary.csv (one row per model, one step ahead),
results.json, cross_validation.csv (every series, by unique_id) and report.html.

runs/reports.py writes a directory's report again from these files.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from seqcast import __version__
from seqcast.errors import SeqcastError
from seqcast.experiment import FORMAT
from seqcast.io import (
    plain,
    read_csv,
    read_json,
    read_safetensors,
    to_csv,
    to_json,
    to_safetensors,
    write_directory,
)
from seqcast.models import registry
from seqcast.report.html import ReportInput, forecast_png, render, series_name
from seqcast.report.panel import render_panel
from seqcast.result import Panel, Result
from seqcast.runs import legacy, nixtla

OVERVIEW = "overview.csv"  # of a run over several series


def save(
    result: Result | Panel, directory: str | Path, report: bool = True, png: bool = False
) -> Path:
    """Write the run directory atomically: the files above, report.html unless `report` is
    False, and plot.png (the report's first chart) if `png`. Several series: a directory
    per series under series/, and a summary over them (results.json, summary.csv,
    report.html linking each series' report)."""
    directory = Path(directory)
    files = (
        _panel_files(result, report, png)
        if isinstance(result, Panel)
        else _files(result, report, png)
    )
    write_directory(directory, files)
    return directory


def _panel_files(panel: Panel, report: bool, png: bool) -> dict[str, bytes]:
    names = {name: _file_name(name) for name in panel.results}
    files = {
        f"series/{names[name]}/{file}": data
        for name, result in panel.results.items()
        for file, data in _files(result, report, png, name).items()
    }
    files["config.json"] = to_json({"seqcast": __version__, "format": FORMAT, "panel": names})
    files["summary.csv"] = to_csv(panel.summary(1), index_label="model")
    files[OVERVIEW] = to_csv(panel.overview, index=False)
    files["results.json"] = to_json(panel.to_dict())
    files |= nixtla.files(nixtla.cross_validation(panel.results))
    if report:
        files["report.html"] = render_panel(panel, names, [])
    return files


def _files(result: Result, report: bool, png: bool, name: str | None = None) -> dict[str, bytes]:
    """One series' files; `name`: its name in a panel (else its own, from its data)."""
    results = result.to_dict()
    name = name or series_name(result.settings.get("data", {}))
    files = {
        **nixtla.files(nixtla.cross_validation({name: result})),
        "forecasts.csv": to_csv(result.table, index=False),
        "scores.csv": to_csv(result.scores, index=False),
        "results.json": to_json(results),
    }
    if result.calibration is not None:
        files["calibration.csv"] = to_csv(result.calibration, index=False)
    if result.live is not None:
        files["live.csv"] = to_csv(result.live, index=False)
    if result.intervals is not None:
        files["intervals.csv"] = to_csv(result.intervals, index=False)
    digests = {}
    for column, forecaster in result.fitted.items():
        meta, arrays = forecaster.state()
        files[f"models/{_file_name(column)}.json"] = to_json(meta)
        if arrays:
            weights = to_safetensors(arrays)
            files[f"models/{_file_name(column)}.safetensors"] = weights
            digests[f"{_file_name(column)}.safetensors"] = hashlib.sha256(weights).hexdigest()
    # the weights' digests: a flipped byte in a data section loads silently otherwise
    settings = {"seqcast": __version__, **result.settings, "weights": digests}
    files["config.json"] = to_json(settings)
    parts = ReportInput(json.loads(files["config.json"]), result.table, plain(results))
    if report:
        files["report.html"] = render(parts)
    if png:
        files["plot.png"] = forecast_png(parts)
    return files


def load(directory: str | Path) -> Result:
    """A saved run as the record it was, ready to forecast again; runs of seqcast 0.1.0 and
    0.2.0 load too (runs/legacy.py)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SeqcastError(f"{directory}: not a directory; give a run directory with --run")
    settings = read_json(directory / "config.json")
    if not isinstance(settings, dict):
        raise SeqcastError(f"{directory / 'config.json'}: not a seqcast run configuration")
    if "format" not in settings and (directory / "model.json").is_file():
        return legacy.load_format_1(directory, settings)
    if "panel" in settings:
        folders = ", ".join(f"{directory}/series/{f}" for f in settings["panel"].values())
        raise SeqcastError(f"{directory} holds several series; give one of them: {folders}")
    if settings.get("format") not in (legacy.FORMAT_2, FORMAT):
        raise SeqcastError(
            f"{directory}: written by seqcast {settings.get('seqcast', '?')} in run format"
            f" {settings.get('format')}, which this version ({__version__}) cannot read;"
            " rerun it with this version"
        )
    try:
        return _read_run(directory, settings)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, SeqcastError):
            raise
        raise SeqcastError(f"{directory}: damaged run ({type(exc).__name__}: {exc})") from None


def load_panel(directory: str | Path) -> Panel:
    """A saved run over several series: each series' run (`load`) and the overview saved
    beside them (read, not recomputed)."""
    directory = Path(directory)
    settings = read_json(directory / "config.json")
    folders = settings.get("panel") if isinstance(settings, dict) else None
    if not isinstance(folders, dict):
        raise SeqcastError(f"{directory}: not a run over several series; load it with load()")
    results = {name: load(directory / "series" / folder) for name, folder in folders.items()}
    return Panel(results, read_overview(directory / OVERVIEW))


def read_overview(path: Path) -> pd.DataFrame:
    """overview.csv as it was: the yes/no columns as booleans (MCS empty where none was
    computed), the metrics as floats."""
    overview = read_csv(path, dtype={"series": str, "model": str, "chose": object})
    flags = ["better", "worse", "better BH", "worse BH"]
    try:
        for flag in flags:  # pandas reads True/False as booleans: anything else is damage
            if overview[flag].dtype != bool:
                raise ValueError(f"column {flag} holds more than True and False")
        overview = overview.astype({"MCS": "boolean"})
        words = ["series", "model", "h", "seeds", *flags, "MCS", "chose"]
        metrics = [c for c in overview if c not in words]
        return overview.astype(dict.fromkeys(metrics, float))
    except (KeyError, TypeError, ValueError) as exc:
        raise SeqcastError(f"{path}: damaged ({_first(exc)}); rerun to write it again") from None


def _read_run(directory: Path, settings: dict[str, Any]) -> Result:
    if settings["format"] == legacy.FORMAT_2:
        settings = legacy.with_run_keys(settings)
    table = _read_table(directory / "forecasts.csv", settings["columns"])
    calibration = None
    if (directory / "calibration.csv").is_file():
        calibration = _read_table(directory / "calibration.csv", settings["columns"])
    live = None
    if (directory / "live.csv").is_file():
        live = _read_table(directory / "live.csv", settings["columns"])
    digests = settings.get("weights", {})  # 0.2.0 kept none
    fitted = {c: _load_model(directory / "models", c, digests) for c in settings["runs"]}
    for label, selection in settings.get("selections", {}).items():
        for column in settings["columns"][label]:  # a selector forecasts through its candidates
            fitted[column].use(
                {c: fitted[c] for c in selection["columns"]}, fitted[column].choices_
            )
    scores = legacy.with_holm_p(_read_scores(directory / "scores.csv"))
    intervals = None
    if (directory / "intervals.csv").is_file():
        intervals = _read_scores(directory / "intervals.csv")
    results = read_json(directory / "results.json")
    verdicts = {int(h): text for h, text in (results.get("verdict") or {}).items()}
    sets = {int(h): models for h, models in (results.get("confidence_set") or {}).items()}
    next_days = _next_days(results.get("next"))
    return Result(
        settings, table, scores, fitted, {}, calibration, intervals, next_days, verdicts, sets, live
    )


def _read_scores(path: Path) -> pd.DataFrame:
    """scores.csv or intervals.csv as they were: keys, then every metric as a float."""
    scores = read_csv(path, dtype={"seed": "Int64"})
    metrics = [c for c in scores if c not in ("model", "seed", "column", "h", "level")]
    return scores.astype(dict.fromkeys(metrics, float))


def _next_days(rows: list[dict[str, Any]] | None) -> pd.DataFrame | None:
    """results.json's `next` back into a date-indexed table."""
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.pop("date")))
    return frame.astype(float)


def _read_table(path: Path, columns: dict[str, list[str]]) -> pd.DataFrame:
    """forecasts.csv (or calibration.csv), checked: ISO dates, whole horizons, every model's
    column, and a number (or nothing) in every cell after the keys."""
    table = read_csv(path)
    runs = [c for cols in columns.values() for c in cols]
    try:
        for key in ("cutoff", "date"):
            table[key] = pd.to_datetime(table[key], format="ISO8601")
        if table["h"].dtype.kind != "i" or (table["h"] < 1).any():
            raise ValueError("h must be a whole number of steps from 1")
        missing = [c for c in ["y", *runs] if c not in table]
        if missing:
            raise ValueError(f"no column {missing[0]}")
        for column in table.columns.drop(["cutoff", "date", "h"]):
            table[column] = _numbers(table[column])
    except (KeyError, ValueError, TypeError) as exc:
        raise SeqcastError(f"{path}: damaged ({_first(exc)}); rerun to write it again") from None
    return table


def _numbers(cells: pd.Series) -> pd.Series:
    """A column of numbers (empty cells are NaN), or ValueError naming the first word."""
    values = pd.to_numeric(cells, errors="coerce")
    words = values.isna() & cells.notna()
    if words.any():
        row = int(words.to_numpy().argmax())
        line = row + 2  # the file's line: after the header, counting from 1
        raise ValueError(f"line {line}, column {cells.name}: {cells.iloc[row]!r} is not a number")
    return values.astype(float)


def _first(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _load_model(folder: Path, column: str, digests: dict[str, str]) -> Any:
    meta_path = folder / f"{_file_name(column)}.json"
    meta = read_json(meta_path)
    weights = folder / f"{_file_name(column)}.safetensors"
    arrays = {}
    if weights.exists():
        arrays = read_safetensors(weights)  # a damaged header is named first
        expected = digests.get(weights.name)
        if expected and hashlib.sha256(weights.read_bytes()).hexdigest() != expected:
            raise SeqcastError(
                f"{weights}: the weights differ from the ones saved (sha256 in config.json);"
                " the file is damaged: rerun to write it again"
            )
    return restore(meta, arrays, meta_path)


def restore(meta: Any, arrays: dict[str, Any], where: Path) -> Any:
    """A saved forecaster, or one line naming the file that does not describe one."""
    try:
        return registry.restore(meta, arrays)
    except SeqcastError as exc:
        raise SeqcastError(f"{where}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RuntimeError) as exc:
        raise SeqcastError(
            f"{where}: does not describe a saved model ({type(exc).__name__}: {exc});"
            " rerun to write it again"
        ) from None


def _file_name(column: str) -> str:
    """A column name as a portable file name ('ma:7' -> 'ma_7')."""
    return re.sub(r"[^\w.@-]", "_", column)
