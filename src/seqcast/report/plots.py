"""Static figures (PNG): the tutorial's true prices in red and predictions in green over the
test dates, and a bar chart of MAE per model. Matplotlib is imported only to draw them."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Red is the truth and grey the naive forecast; models get the rest, then dashed repeats.
_COLOURS = [
    "green",
    "tab:blue",
    "tab:orange",
    "tab:purple",
    "tab:brown",
    "tab:cyan",
    "tab:olive",
    "tab:pink",
    "black",
    "gold",
]


def forecast_figure(
    table: pd.DataFrame, models: list[str], title: str, show_naive: bool = True
) -> bytes:
    """Render the test period as PNG bytes: truth, each model, and optionally the naive line.
    `table` is date-indexed: y, naive and a column per model."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure  # no pyplot: no global state, no display backend

    fig = Figure(figsize=(11, 5.5), dpi=100)
    ax = fig.add_subplot()
    ax.plot(table.index, table["y"], color="red", label="true price", linewidth=1.8)
    for i, model in enumerate(models):
        colour, style = _COLOURS[i % len(_COLOURS)], "-" if i < len(_COLOURS) else "-."
        ax.plot(table.index, table[model], style, color=colour, label=f"{model} forecast", lw=1.4)
    if show_naive and "naive" in table and "naive" not in models:
        ax.plot(table.index, table["naive"], "--", color="grey", label="naive (yesterday's close)")
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_title(title)
    ax.set_xlabel("date")
    ax.set_ylabel("price")
    ax.grid(alpha=0.3)
    ax.legend()
    return _png(fig)


def mae_bars(summary: pd.DataFrame, title: str) -> bytes:
    """Bar chart of mean MAE per model with +- one standard deviation over seeds."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.5), dpi=100)
    ax = fig.add_subplot()
    colours = ["grey" if model == "naive" else "tab:blue" for model in summary.index]
    ax.bar(summary.index, summary["MAE"], yerr=summary["MAE std"], color=colours, capsize=4)
    if "naive" in summary.index:
        ax.axhline(summary.loc["naive", "MAE"], color="grey", linestyle="--", label="naive MAE")
        ax.legend()
    ax.set_title(title)
    ax.set_ylabel("MAE")
    ax.tick_params(axis="x", rotation=30)
    ax.grid(alpha=0.3, axis="y")
    return _png(fig)


def _png(fig: Figure) -> bytes:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
