"""What a person reads in the terminal: scores beside the naive forecast, a plain verdict,
and what was read from a file. Tables fit the terminal they are printed on."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table

from seqcast.data.layouts import LAYOUTS
from seqcast.data.load import Loaded
from seqcast.evaluate.verdict import verdict
from seqcast.report.html import series_name
from seqcast.vocabulary import INTERVAL_METRICS, METRICS, PANEL_METRICS, SEPARATOR, number

if TYPE_CHECKING:
    from seqcast.result import Panel, Result

SPARKS = "▁▂▃▄▅▆▇█"
PRIORITY = [*METRICS[:4], "seeds", *METRICS[4:]]


def show(result: Result | Panel, console: Console, next_days: bool) -> list[RenderableType]:
    """What `run`, `compare` and `predict` print, for one series or several."""
    from seqcast.result import Panel

    if isinstance(result, Panel):
        return show_panel(result, console)
    return show_result(result, console, next_days)


def show_panel(panel: Panel, console: Console) -> list[RenderableType]:
    """Several series: how each model did over all of them, then each series in a row."""
    title = (
        f"One step ahead, over {len(panel.results)} series: MAE/naive (median, mean ± std over"
        " series); better / worse: on how many series significantly (Diebold-Mariano p Holm-"
        "adjusted over the series; BH: Benjamini-Hochberg); in MCS: in the series' 90% model"
        " confidence set"
    )
    lines: list[RenderableType] = [
        scores_table(panel.summary(1), title, console, PANEL_METRICS),
        series_table(panel, console),
    ]
    last = int(panel.overview["h"].max())
    if last > 1:
        shown = f"{last} days ahead, over {len(panel.results)} series (the same columns)"
        lines.append(scores_table(panel.summary(last), shown, console, PANEL_METRICS))
    return lines


def series_table(panel: Panel, console: Console) -> Table:
    """One row per series, one step ahead: each model's MAE/naive (▲ significantly better
    than naive, ▼ worse, Holm over the series), the model confidence set and a selector's
    choices; the columns that fit `console`, the models' first."""
    overview = panel.overview[panel.overview["h"] == 1]
    order = [m for m in panel.summary(1).index if m != "naive" and SEPARATOR not in m]
    selectors = [m for m in order if overview.loc[overview["model"] == m, "chose"].notna().any()]
    columns = [*order, "MCS", *(f"{m} chose" for m in selectors)]
    cells = {}
    for name, rows in overview.groupby("series", sort=False):
        by_model = rows.set_index("model")
        row = {m: _ratio(by_model.loc[m]) if m in by_model.index else "-" for m in order}
        members = by_model.index[by_model["MCS"].fillna(False).astype(bool)]
        known = by_model["MCS"].notna().any()
        row["MCS"] = ", ".join(m for m in members if SEPARATOR not in m) if known else "-"
        for m in selectors:
            chose = by_model["chose"].get(m)
            row[f"{m} chose"] = chose if isinstance(chose, str) else "-"
        cells[str(name)] = row
    title = "Each series, one step ahead: MAE/naive (▲ better, ▼ worse than naive, significantly)"

    def table(count: int) -> Table:
        shown = Table(title=title, title_justify="left")
        shown.add_column("series", no_wrap=True)
        for column in columns[:count]:
            shown.add_column(column, justify="left" if column == "MCS" else "right")
        for name, row in cells.items():
            shown.add_row(name, *(row[c] for c in columns[:count]))
        return shown

    return _fitting(table, len(columns), console)


def _fitting(table: Callable[[int], Table], count: int, console: Console) -> Table:
    """`table(k)` with the most columns k <= `count` that fits `console`'s width."""
    unbounded = console.options.update_width(10_000)  # a table's natural width
    for k in range(count, 1, -1):
        made = table(k)
        if Measurement.get(console, unbounded, made).maximum <= console.width:
            return made
    return table(min(count, 1))  # one column, however narrow the terminal


def _ratio(row: pd.Series) -> str:
    mark = " ▲" if row["better"] else " ▼" if row["worse"] else ""
    return number(row["MAE/naive"]) + mark


def show_result(result: Result, console: Console, next_days: bool) -> list[RenderableType]:
    """What `run`, `compare` and `predict` print: the one-step scores, the verdict and, for a
    single model, its forecast for the next day."""
    one_step = result.table[result.table["h"] == 1]
    first, last = one_step["date"].iloc[0].date(), one_step["date"].iloc[-1].date()
    refits = result.settings["evaluation"].get("refit_every")
    fitted = result.settings.get("fitted_until") or one_step["cutoff"].iloc[0].date()
    trained = f"models fitted up to {fitted}"
    how = f"refit every {refits} days" if refits else trained
    title = (
        f"One-step forecasts of {series_name(result.settings['data'])}, {first} .. {last}"
        f" ({len(one_step)} days; {how})"
    )
    priority = [*METRICS[:4], "seeds", *result.reported(), *METRICS[4:]]
    summary = result.summary(1)
    table = scores_table(summary, title, console, priority)
    lines: list[RenderableType] = [table, verdict(summary)]
    if 1 in result.confidence_sets:
        models = ", ".join(result.confidence_sets[1])
        lines.append(f"Model confidence set (90%, Hansen-Lunde-Nason), one step: {models}.")
    for label, selection in result.settings.get("selections", {}).items():
        lines.append(f"{label} chose: {selection['summary']}.")
    if result.horizon > 1:
        last = result.summary(result.horizon)
        shown = f"{result.horizon} days ahead (DM test with an h-step variance)"
        lines += [scores_table(last, shown, console, priority), verdict(last)]
    intervals = result.interval_summary()
    if intervals is not None:
        ends = intervals[intervals.index.get_level_values("h").isin([1, result.horizon])]
        title = (
            f"Intervals ({result.settings['evaluation']['intervals']}): coverage in %, overall"
            " and in the calm and volatile thirds; Kupiec p: is the miss rate the promised one"
        )
        lines.append(scores_table(ends, title, console, INTERVAL_METRICS))
    if next_days and result.next_days is not None:
        date = result.next_days.index[0].date()
        for model in result.models or ["naive"]:
            value = result.next_days[model].iloc[0]
            lines.append(f"Next-day forecast ({model}) for {date}: {value:,.2f}")
    return lines


def scores_table(
    summary: pd.DataFrame, title: str, console: Console, priority: list[str] = PRIORITY
) -> Table:
    """One row per model (or model, h, level): mean (± standard deviation over seeds, where
    there are several) of each metric, with as many columns as fit `console`'s width."""
    several = bool((summary["seeds"] > 1).any())
    wanted = [c for c in priority if c in summary.columns and (c != "seeds" or several)]
    return _fitting(lambda count: _table(summary, title, wanted[:count]), len(wanted), console)


def _table(summary: pd.DataFrame, title: str, columns: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("model", no_wrap=True)
    for column in columns:
        table.add_column(column, justify="right", no_wrap=True)
    for key, row in summary.iterrows():
        cells = [_cell(row, column) for column in columns]
        table.add_row(_key(key), *cells)
    return table


def _key(key: object) -> str:
    """A row's name: the model, or 'model  h=7  95%' for an interval row."""
    if not isinstance(key, tuple):
        return str(key)
    model, h, level = key
    return f"{model}  h={h}  {float(level):g}%"


COUNTS = ("seeds", "series", "beats naive", "better", "worse", "better BH", "worse BH", "in MCS")


def _cell(row: pd.Series, column: str) -> str:
    if column in COUNTS:
        return "-" if pd.isna(row[column]) else f"{row[column]:.0f}"
    cell = number(row[column])
    spread = row.get(f"{column} std")
    several = max(row.get("seeds", 1), row.get("series", 1)) > 1
    if several and spread is not None and not pd.isna(spread):
        cell += f" ± {number(spread)}"
    return cell


def next_days_table(table: pd.DataFrame, title: str) -> Table:
    """The next days: date, forecast and each interval's bounds."""
    shown = Table(title=title, title_justify="left")
    shown.add_column("date")
    for column in table.columns:
        shown.add_column(column, justify="right")
    for date, row in table.iterrows():
        shown.add_row(str(pd.Timestamp(date).date()), *(number(v) for v in row))
    return shown


def sparkline(series: pd.Series, width: int = 60) -> str:
    """The series in one line of block characters (means of `width` equal chunks)."""
    values = series.to_numpy(dtype=float)
    largest = np.abs(values).max(initial=0.0)
    if largest > 0:  # scaled to [-1, 1] first: sums and spans near 1e308 would overflow
        values = values / largest
    chunks = np.array_split(values, min(width, len(series)))
    means = np.array([chunk.mean() for chunk in chunks])
    span = means.max() - means.min()
    levels = np.zeros(len(means), int) if span == 0 else (means - means.min()) / span * 7.999
    return "".join(SPARKS[int(level)] for level in levels)


def describe(loaded: Loaded) -> list[str]:
    """What `seqcast inspect` prints about a loaded file."""
    s = loaded.series
    returns = np.diff(np.log(s.to_numpy()))
    return [
        f"file:     {loaded.source}",
        f"layout:   {loaded.layout} ({LAYOUTS[loaded.layout].about})",
        f"column:   {s.name}",
        f"dates:    {s.index[0].date()} .. {s.index[-1].date()} ({len(s):,} days)",
        *(f"repair:   {note}" for note in loaded.notes or ["none needed"]),
        f"min:      {number(s.min())} on {s.idxmin().date()}",
        f"max:      {number(s.max())} on {s.idxmax().date()}",
        f"last:     {number(s.iloc[-1])}",
        f"daily log-return: mean {returns.mean():+.4%}, std {returns.std():.4%}"
        if len(returns)
        else "daily log-return: -",
        f"shape:    {sparkline(s)}",
    ]
