"""The verdict: one plain sentence that leads with the evidence. A model "beats naive" only
when its MAE is lower AND the Diebold-Mariano test says so at 5% after a Holm correction for
the number of models compared (several raw p-values invite the multiple-comparison mistake);
otherwise the sentence says the forecast to follow is naive."""

from __future__ import annotations

import pandas as pd

from seqcast.evaluate.significance import holm
from seqcast.vocabulary import number

SIGNIFICANCE = 0.05


def verdict(summary: pd.DataFrame) -> str:
    """The verdict on a summary (one row per model: MAE/naive, DM p, Holm p)."""
    others = summary.drop(index="naive", errors="ignore")
    if others.empty:
        return "Only the naive forecast (yesterday's value) ran."
    adjusted = others["Holm p"] if "Holm p" in others else others["DM p"]
    better = others[(others["MAE/naive"] < 1.0) & (adjusted < SIGNIFICANCE)]
    if not better.empty:
        parts = [
            f"{model} ({row['MAE/naive']:.3f}x naive MAE, DM p={number(row['DM p'])},"
            f" Holm p={number(adjusted[model])})"
            for model, row in better.iterrows()
        ]
        return "Beats the naive forecast significantly: " + "; ".join(parts) + "."
    best = others["MAE/naive"].idxmin()
    ratio, p = others.loc[best, "MAE/naive"], adjusted[best]
    if len(others) == 1:
        how = "lower" if ratio < 1 else "not lower"
        return (
            f"{best} does NOT beat the naive forecast (yesterday's value) significantly: its MAE"
            f" is {ratio:.3f}x the naive MAE ({how}; DM p={number(p)}); the forecast to follow"
            " is naive."
        )
    return (
        f"No model beat the naive forecast significantly (DM p, Holm-adjusted over"
        f" {len(others)} models);"
        f" the forecast is naive. The closest, {best}, has {ratio:.3f}x its MAE"
        f" (Holm p={number(p)})."
    )


def with_holm(scores: pd.DataFrame) -> pd.DataFrame:
    """`Holm p` beside `DM p`: each horizon's and seed's model runs against naive, adjusted
    for how many were compared."""
    scores = scores.copy()
    scores["Holm p"] = float("nan")
    compared = scores[scores["model"] != "naive"]
    seeds = compared["seed"].dropna().unique().tolist() or [None]
    for seed in seeds:  # one family of tests per seed: every model once
        unseeded = compared["seed"].isna()
        mine = unseeded if seed is None else unseeded | (compared["seed"] == seed)
        for _, rows in compared[mine].groupby("h"):
            adjusted = pd.Series(holm(rows["DM p"].to_numpy()), index=rows.index)
            first = seed is None or seed == seeds[0]  # unseeded models: adjusted once
            keep = rows.index if first else rows.index[rows["seed"].notna()]
            scores.loc[keep, "Holm p"] = adjusted[keep]
    return scores
