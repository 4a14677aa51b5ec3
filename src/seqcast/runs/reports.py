"""`seqcast report`: report.html written again from a run directory's files; for a run over
several series, each series' page and the summary pooled from the series' own files.

A report is never replaced by a worse one. When any file cannot be read, no page on disk is
replaced: a page that does not exist yet is written with what could be read (the damaged
files named on it), and if a page was kept the call fails, naming the damaged file and the
page it kept (the CLI's exit 2).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from seqcast.errors import SeqcastError
from seqcast.evaluate.panel import evaluate_panel
from seqcast.io import plain, read_json, write_file
from seqcast.report.html import ReportInput, render
from seqcast.report.panel import render_panel
from seqcast.result import Result
from seqcast.runs import legacy
from seqcast.runs.store import _first, _read_scores, _read_table, load

T = TypeVar("T")
Pages = dict[Path, bytes]  # report.html path -> the page


def write_report(directory: str | Path) -> tuple[Path, list[str]]:
    """(Re)write the report of a run directory; returns its page and what could not be read
    (named on the pages written). Raises SeqcastError when a damaged file kept a page."""
    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise SeqcastError(f"{directory}: not a seqcast run directory (no config.json)")
    problems: list[str] = []
    settings = _attempt(problems, _read_settings, directory / "config.json")
    if settings is not None and "panel" in settings:
        pages = _panel_pages(directory, settings["panel"], problems)
    else:
        pages = {directory / "report.html": _run_page(directory, settings, problems)}
    problems = list(dict.fromkeys(problems))  # a damaged series is named once
    kept = [path for path in pages if problems and path.exists()]
    for path, page in pages.items():
        if path not in kept:
            write_file(path, page)
    if kept:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SeqcastError(
            f"{problems[0]}{more}; kept {kept[0]} as it was, as a report is never replaced"
            " by one made from damaged files"
        )
    return directory / "report.html", problems


def _attempt(problems: list[str], read: Callable[..., T], *args: Any) -> T | None:
    """What `read(*args)` returns, or None with the file it names added to `problems`."""
    try:
        return read(*args)
    except SeqcastError as exc:
        problems.append(str(exc))
        return None


def _read_settings(path: Path) -> dict[str, Any]:
    """config.json: a run's settings, or a panel's {"panel": {series: folder}}."""
    settings = read_json(path)
    panel = settings.get("panel") if isinstance(settings, dict) else None
    readable = isinstance(settings, dict) and (
        isinstance(settings.get("columns"), dict) or _format_1(path.parent, settings)
        if panel is None
        else isinstance(panel, dict) and all(isinstance(f, str) for f in panel.values())
    )
    if not readable:
        raise SeqcastError(
            f"{path}: damaged (not the settings of a seqcast run); rerun to write it again"
        )
    return dict(settings)


def _format_1(directory: Path, settings: dict[str, Any]) -> bool:
    """A run of seqcast 0.1.0: its record is made when it loads (runs/legacy.py)."""
    return "format" not in settings and (directory / "model.json").is_file()


def _run_page(directory: Path, settings: dict[str, Any] | None, problems: list[str]) -> bytes:
    """One series' page from its config.json, forecasts.csv and results.json (a run of
    seqcast 0.1.0: from the record it loads as)."""
    parts = ReportInput(settings=settings)
    if settings is not None and _format_1(directory, settings):
        result = _attempt(problems, load, directory)
        if result is not None:
            parts = ReportInput(plain(result.settings), result.table, plain(result.to_dict()))
    else:
        if settings is not None:
            columns = settings["columns"]
            parts.table = _attempt(problems, _read_table, directory / "forecasts.csv", columns)
        parts.results = _attempt(problems, _read_results, directory / "results.json")
    parts.problems = list(problems)
    try:
        return render(parts)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise SeqcastError(
            f"{directory}: damaged run ({type(exc).__name__}: {_first(exc)});"
            " rerun to write it again"
        ) from None


def _read_results(path: Path) -> dict[str, Any]:
    results = read_json(path)
    if not isinstance(results, dict):
        raise SeqcastError(f"{path}: damaged (not a seqcast results file); rerun to write it")
    return results


def _panel_pages(directory: Path, folders: dict[str, str], problems: list[str]) -> Pages:
    """Each series' page, and the page over the series made from their own files (the
    numbers `save` made: the same scores, sets and choices, read back to the bit)."""
    pages, records = {}, {}
    for name, folder in folders.items():
        where = directory / "series" / folder
        seen: list[str] = []
        settings = _attempt(seen, _read_settings, where / "config.json")
        pages[where / "report.html"] = _run_page(where, settings, seen)
        if settings is not None:
            record = _attempt(seen, _record, where, settings)
            if record is not None:
                records[name] = record
        problems += seen
    panel = evaluate_panel(records) if records else None
    summary = render_panel(panel, folders, list(dict.fromkeys(problems)))
    return {directory / "report.html": summary, **pages}


def _record(directory: Path, settings: dict[str, Any]) -> Result:
    """A series' record as the panel's page reads it: its scores, model confidence sets,
    choices (in its settings) and forecasts; no models. Damaged forecasts leave the series
    out of the small charts only (its page names them)."""
    if settings.get("format") == legacy.FORMAT_2:
        settings = legacy.with_run_keys(settings)
    try:
        scores = legacy.with_holm_p(_read_scores(directory / "scores.csv"))
        record = Result(settings, pd.DataFrame(), scores, {}, {})
        record.summary(1)[["seeds", "MAE/naive", "DM p", "MASE", "DA%"]]  # what pooling reads
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SeqcastError(
            f"{directory / 'scores.csv'}: damaged ({type(exc).__name__}: {_first(exc)});"
            " rerun to write it again"
        ) from None
    results = _attempt([], _read_results, directory / "results.json") or {}
    sets = results.get("confidence_set") or {}
    record.confidence_sets = {int(h): list(models) for h, models in sets.items()}
    table = _attempt([], _read_table, directory / "forecasts.csv", settings["columns"])
    if table is not None:
        record.table = table
    return record
