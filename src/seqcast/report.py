"""What a person reads: the scores beside the naive forecast, and a plain verdict."""

from __future__ import annotations

import pandas as pd
from rich.table import Table


def scores_table(scores: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("model")
    for column in scores.columns:
        table.add_column(column, justify="right")
    for model, row in scores.iterrows():
        cells = [
            f"{v:.3f}" if c.startswith(("MAE/", "MAPE")) else f"{v:,.2f}" for c, v in row.items()
        ]
        table.add_row(str(model), *cells)
    return table


def verdict(scores: pd.DataFrame, model: str, reference: str = "naive") -> str:
    """One honest sentence: does the model beat repeating yesterday's value?"""
    ratio = scores.loc[model, "MAE"] / scores.loc[reference, "MAE"]
    if ratio < 1:
        return f"{model} beats the {reference} forecast: its MAE is {ratio:.2f}x the naive MAE."
    return (
        f"{model} does NOT beat the {reference} forecast: its MAE is {ratio:.2f}x the naive MAE"
        " (repeating yesterday's close is more accurate)."
    )
