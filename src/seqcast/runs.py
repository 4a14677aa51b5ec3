"""Runs on disk: an experiment's result saved to a directory, loaded back (also as seqcast
0.1.0 wrote it), and replayed on newer data without training.

    config.json      the settings that ran it: data (file, sha256, dates, repairs), load
                     options, models and their parameters, evaluation, seeds
    forecasts.csv    the long table: cutoff, date, h, y, one column per model run, and its
                     intervals (<run>-lo-<level>, <run>-hi-<level>) when levels were asked
    calibration.csv  the same for the out-of-sample days before the test (intervals only)
    scores.csv       every metric per model run and horizon
    intervals.csv    every interval metric per model run, horizon and level
    results.json     summary, verdict, per-run scores, next days, timings (what --json prints)
    models/          <column>.json (+ .safetensors weights) of every model as last fitted
    report.html      the interactive report (report/html.py); plot.png on request
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from seqcast import __version__
from seqcast.data.load import Loaded, read_prices
from seqcast.errors import SeqcastError
from seqcast.evaluate.intervals import column_names
from seqcast.experiment import FORMAT
from seqcast.models import registry
from seqcast.io import (
    plain,
    read_csv,
    read_json,
    read_safetensors,
    to_csv,
    to_json,
    to_safetensors,
    write_directory,
    write_file,
)
from seqcast.report.html import ReportInput, forecast_png, render, render_panel
from seqcast.result import Panel, Result
from seqcast.settings import LoadOptions


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
        for file, data in _files(result, report, png).items()
    }
    summary = panel.summary(1)
    files["config.json"] = to_json({"seqcast": __version__, "format": FORMAT, "panel": names})
    files["summary.csv"] = to_csv(summary, index_label="model")
    files["results.json"] = to_json(panel.to_dict())
    if report:
        files["report.html"] = render_panel(plain(panel.to_dict()), names)
    return files


def _files(result: Result, report: bool, png: bool) -> dict[str, bytes]:
    settings = {"seqcast": __version__, **result.settings}
    results = result.to_dict()
    files = {
        "config.json": to_json(settings),
        "forecasts.csv": to_csv(result.table, index=False),
        "scores.csv": to_csv(result.scores, index=False),
        "results.json": to_json(results),
    }
    if result.calibration is not None:
        files["calibration.csv"] = to_csv(result.calibration, index=False)
    if result.intervals is not None:
        files["intervals.csv"] = to_csv(result.intervals, index=False)
    for column, forecaster in result.fitted.items():
        meta, arrays = forecaster.state()
        files[f"models/{_file_name(column)}.json"] = to_json(meta)
        if arrays:
            files[f"models/{_file_name(column)}.safetensors"] = to_safetensors(arrays)
    parts = ReportInput(json.loads(files["config.json"]), result.table, plain(results))
    if report:
        files["report.html"] = render(parts)
    if png:
        files["plot.png"] = forecast_png(parts)
    return files


def write_report(directory: str | Path) -> tuple[Path, list[str]]:
    """(Re)write report.html of a run directory from its files; a missing or damaged file
    is named on the page (and returned) and the rest is still drawn."""
    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise SeqcastError(f"{directory}: not a seqcast run directory (no config.json)")
    parts = ReportInput()
    readers = {
        "settings": lambda: read_json(directory / "config.json"),
        "results": lambda: read_json(directory / "results.json"),
        "table": lambda: _read_table(
            directory / "forecasts.csv", (parts.settings or {})["columns"]
        ),
    }
    for name, read in readers.items():
        try:
            setattr(parts, name, read())
        except SeqcastError as exc:
            parts.problems.append(str(exc))
        except (KeyError, TypeError):
            parts.problems.append(f"{directory}: {name} unreadable: config.json lacks columns")
    target = directory / "report.html"
    write_file(target, render(parts))
    return target, parts.problems


def load(directory: str | Path) -> Result:
    """A saved run, ready to forecast again. Runs of seqcast 0.1.0 load too."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SeqcastError(f"{directory}: not a directory; give a run directory with --run")
    settings = read_json(directory / "config.json")
    if not isinstance(settings, dict):
        raise SeqcastError(f"{directory / 'config.json'}: not a seqcast run configuration")
    if "format" not in settings and (directory / "model.json").is_file():
        return _load_format_1(directory, settings)
    if "panel" in settings:
        folders = ", ".join(f"{directory}/series/{f}" for f in settings["panel"].values())
        raise SeqcastError(f"{directory} holds several series; give one of them: {folders}")
    if settings.get("format") != FORMAT:
        raise SeqcastError(
            f"{directory}: written by seqcast {settings.get('seqcast', '?')} in run format"
            f" {settings.get('format')}, which this version ({__version__}) cannot read;"
            " rerun it with this version"
        )
    try:
        table = _read_table(directory / "forecasts.csv", settings["columns"])
        calibration = None
        if (directory / "calibration.csv").is_file():
            calibration = _read_table(directory / "calibration.csv", settings["columns"])
        fitted = {
            column: _load_model(directory / "models", column)
            for columns in settings["columns"].values()
            for column in columns
        }
        result = Result.build(settings, table, fitted, {}, calibration)
        if (directory / "intervals.csv").is_file():
            result.intervals = read_csv(directory / "intervals.csv")
        return result
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, SeqcastError):
            raise
        raise SeqcastError(f"{directory}: damaged run ({type(exc).__name__}: {exc})") from None


def _read_table(path: Path, columns: dict[str, list[str]]) -> pd.DataFrame:
    """forecasts.csv, checked: ISO dates, whole horizons, and a number in every model cell."""
    table = read_csv(path)
    runs = [c for cols in columns.values() for c in cols]
    try:
        for key in ("cutoff", "date"):
            table[key] = pd.to_datetime(table[key], format="ISO8601")
        if table["h"].dtype.kind != "i" or (table["h"] < 1).any():
            raise ValueError("h must be a whole number of steps from 1")
        for column in ["y", *runs]:
            table[column] = pd.to_numeric(table[column])
    except (KeyError, ValueError, TypeError) as exc:
        raise SeqcastError(f"{path}: damaged ({_first(exc)}); rerun to write it again") from None
    return table


def _first(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _load_model(folder: Path, column: str) -> Any:
    meta_path = folder / f"{_file_name(column)}.json"
    meta = read_json(meta_path)
    weights = folder / f"{_file_name(column)}.safetensors"
    arrays = read_safetensors(weights) if weights.exists() else {}
    return _restore(meta, arrays, meta_path)


def _restore(meta: Any, arrays: dict[str, Any], where: Path) -> Any:
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


@dataclass
class NextDays:
    model: str  # whose forecast
    table: pd.DataFrame  # date-indexed: forecast, lo-<level>, hi-<level>
    notes: list[str]  # what the user should know (no intervals in this run, ...)


def forecast_next(
    directory: str | Path,
    data: str | Path | None = None,
    horizon: int | None = None,
    model: str | None = None,
) -> tuple[NextDays, pd.Series]:
    """The next days after `data` ends (default: the run's own file), from a saved run's
    models, with the intervals its out-of-sample errors calibrate; no training."""
    result = load(directory)
    loaded = read_run_data(result, data)
    series = loaded.series
    horizon = horizon or result.horizon
    notes = []
    if not result.levels or result.calibration is None:
        made_by = result.settings.get("seqcast", "an earlier seqcast")
        notes.append(f"this run (seqcast {made_by}) has no intervals: rerun it with --levels")
    elif horizon > result.horizon:
        raise SeqcastError(
            f"this run calibrated intervals up to {result.horizon} days ahead, not {horizon};"
            f" rerun it with --horizon {horizon}, or forecast fewer days"
        )
    model = model or _default_model(result)
    if model not in result.columns:
        raise SeqcastError(f"no model '{model}' in this run; it has {', '.join(result.columns)}")
    wide = result.forecast(series, horizon, loaded.frame)
    table = pd.DataFrame({"forecast": wide[model]}, index=wide.index)
    for level in result.levels if result.calibration is not None else ():
        lo, hi = column_names(model, level)
        table[f"lo-{level:g}"], table[f"hi-{level:g}"] = wide[lo], wide[hi]
    table.index.name = "date"
    return NextDays(model, table, notes), series


def _default_model(result: Result) -> str:
    """The run's one model, or the best of several (lowest mean one-step MAE)."""
    models = [m for m in result.columns if m != "naive"]
    if len(models) == 1:
        return models[0]
    summary = result.summary(1)
    return str(summary.drop(index="naive", errors="ignore").index[0]) if models else "naive"


def save_forecast(directory: str | Path, next_days: NextDays, series: pd.Series) -> list[Path]:
    """forecast-<last date>.csv and .png (a fan chart) in the run directory, each atomic."""
    from seqcast.report.html import fan_png

    directory = Path(directory)
    stem = f"forecast-{series.index[-1].date()}"
    files = {
        f"{stem}.csv": to_csv(next_days.table, float_format="%.10g"),
        f"{stem}.png": fan_png(series, next_days.table, next_days.model),
    }
    paths = []
    for name, data in files.items():
        write_file(directory / name, data)
        paths.append(directory / name)
    return paths


def replay(directory: str | Path, data: str | Path | None = None) -> Result:
    """Reload a run and forecast the last `test_days` of `data` (default: the run's own
    file, read as it was) and the days after it, without training."""
    result = load(directory)
    loaded = read_run_data(result, data)
    return result.replay(loaded.series, loaded.frame)


def read_run_data(result: Result, data: str | Path | None = None) -> Loaded:
    """The run's data file (or `data`, read with the run's load options)."""
    provenance = result.settings["data"]
    options = LoadOptions(**provenance.get("options", {}))
    return read_prices(data or provenance["file"], options)


def _file_name(column: str) -> str:
    """A column name as a portable file name ('ma:7' -> 'ma_7')."""
    return re.sub(r"[^\w.@-]", "_", column)


def _load_format_1(directory: Path, saved: dict[str, Any]) -> Result:
    """A run directory of seqcast 0.1.0: one neural model beside naive, horizon 1."""
    try:
        config = saved["config"]
        meta = read_json(directory / "model.json")
        arrays = read_safetensors(directory / "model.safetensors")
        forecaster = _restore(meta, arrays, directory / "model.json")
        label = forecaster.name
        load_options = {**config.get("load", {}), "target": config.get("target")}
        settings = {
            "format": 1,
            "seqcast": "0.1.0",
            "data": {"file": config["data"], "options": load_options, "column": "price"},
            "models": {label: {"class": "NeuralForecaster", "params": meta["params"]}},
            "columns": {"naive": ["naive"], label: [label]},
            "evaluation": {"test_days": int(config["test_days"]), "horizon": 1},
            "seeds": [forecaster.get_params()["seed"]],
            "naive_scale": float("nan"),
        }
        predictions = read_csv(directory / "predictions.csv", parse_dates=["date"])
        table = pd.DataFrame(
            {
                "cutoff": predictions["date"] - pd.Timedelta(days=1),
                "date": predictions["date"],
                "h": 1,
                "y": predictions["true"],
                "naive": predictions["naive"],
                label: predictions["predicted"],
            }
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SeqcastError(f"{directory}: damaged seqcast 0.1.0 run ({exc})") from None
    return Result.build(settings, table, {"naive": _naive(), label: forecaster}, {})


def _naive() -> Any:
    return registry.make("naive").fit(pd.Series(dtype=float))
