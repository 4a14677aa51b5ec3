"""What a person reads: scores beside the naive forecast, and a plain verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.table import Table

from seqcast.data import Loaded
from seqcast.formats import LAYOUTS

SPARKS = "▁▂▃▄▅▆▇█"


def format_cell(column: str, value: float) -> str:
    if pd.isna(value):
        return "-"
    if column in ("MAE", "RMSE"):
        return f"{value:,.2f}"
    if column == "DA ties":
        return f"{value:.0f}"
    return f"{value:.3f}"


def scores_table(scores: pd.DataFrame, title: str) -> Table:
    """One row per model, every metric."""
    table = Table(title=title, title_justify="left")
    table.add_column("model")
    for column in scores.columns:
        table.add_column(column, justify="right")
    for model, row in scores.iterrows():
        table.add_row(str(model), *(format_cell(str(c), v) for c, v in row.items()))
    return table


def summary_table(summary: pd.DataFrame, title: str) -> Table:
    """A compare summary: each metric as mean ± std over seeds (std shown with 2+ seeds)."""
    metrics = [c for c in summary.columns if c != "seeds" and not c.endswith(" std")]
    table = Table(title=title, title_justify="left")
    for column in ["model", "seeds", *metrics]:
        table.add_column(column, justify="left" if column == "model" else "right")
    for model, row in summary.iterrows():
        cells = []
        for metric in metrics:
            cell = format_cell(metric, row[metric])
            if row["seeds"] > 1 and metric != "DA ties":
                cell += f" ± {format_cell(metric, row[f'{metric} std'])}"
            cells.append(cell)
        table.add_row(str(model), f"{row['seeds']:.0f}", *cells)
    return table


def verdict(scores: pd.DataFrame) -> str:
    """Plainly: does any model beat repeating yesterday's value (on mean MAE)?"""
    others = scores.drop(index="naive", errors="ignore")
    winners = others[others["MAE/naive"] < 1.0]
    if winners.empty:
        best = others["MAE/naive"].idxmin()
        ratio = others.loc[best, "MAE/naive"]
        if len(others) == 1:
            return (
                f"{best} does NOT beat the naive forecast (yesterday's value): its MAE is"
                f" {ratio:.3f}x the naive MAE."
            )
        return (
            f"No model beats the naive forecast (yesterday's value) on MAE; the closest,"
            f" {best}, has {ratio:.3f}x its MAE."
        )
    parts = [
        f"{model} ({row['MAE/naive']:.3f}x naive MAE, Diebold-Mariano p={row['DM p']:.2f}"
        f"{'' if row['DM p'] < 0.05 else ': not significant at 5%'})"
        for model, row in winners.iterrows()
    ]
    return "Beats the naive forecast on MAE: " + "; ".join(parts) + "."


def sparkline(series: pd.Series, width: int = 60) -> str:
    """The series in one line of block characters (means of `width` equal chunks)."""
    chunks = np.array_split(series.to_numpy(dtype=float), min(width, len(series)))
    means = np.array([chunk.mean() for chunk in chunks])
    span = means.max() - means.min()
    levels = np.zeros(len(means), int) if span == 0 else (means - means.min()) / span * 7.999
    return "".join(SPARKS[int(level)] for level in levels)


def describe(loaded: Loaded, source: str) -> list[str]:
    """What `seqcast inspect` prints about a loaded file."""
    s = loaded.series
    returns = np.diff(np.log(s.to_numpy()))
    return [
        f"file:     {source}",
        f"layout:   {loaded.layout} ({LAYOUTS[loaded.layout].about})",
        f"column:   {s.name}",
        f"dates:    {s.index[0].date()} .. {s.index[-1].date()} ({len(s):,} days)",
        *(f"repair:   {note}" for note in loaded.notes or ["none needed"]),
        f"min:      {s.min():,.2f} on {s.idxmin().date()}",
        f"max:      {s.max():,.2f} on {s.idxmax().date()}",
        f"last:     {s.iloc[-1]:,.2f}",
        f"daily log-return: mean {returns.mean():+.4%}, std {returns.std():.4%}"
        if len(returns)
        else "daily log-return: -",
        f"shape:    {sparkline(s)}",
    ]
