"""One honest answer for a watch-list: each series' scores side by side, and how often a
model is significantly better or worse than naive over the series.

A model compared with naive on 31 series is 31 tests: at 5% each, one or two "significant"
series are expected by chance alone. So each model's Diebold-Mariano p-values (one per
series, two-sided, the series' own test) are adjusted over the series, both ways:

- Holm (the default, what `better` and `worse` count): the chance of even one false
  claim among the series stays below 5%. A claim "beats naive on k series" is read as k
  claims at once, and the verdicts of single series already use Holm over models.
- Benjamini-Hochberg (`better BH`, `worse BH`): the expected share of false claims among
  those made stays below 5%; it finds more, and promises less about each one.

The stage runs once (`evaluate_panel`); the overview it makes is saved beside the series and
read back, and pooling it into one row per model is a plain count (Panel.summary).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqcast.evaluate.significance import benjamini_hochberg, holm
from seqcast.evaluate.verdict import SIGNIFICANCE
from seqcast.result import Panel, Result

OVERVIEW_METRICS = ["seeds", "MAE/naive", "DM p", "Holm p", "MASE", "DA%"]


def evaluate_panel(results: dict[str, Result]) -> Panel:
    """The panel of `results` (series name -> its result) with its overview."""
    return Panel(results, overview(results))


def overview(results: dict[str, Result]) -> pd.DataFrame:
    """One row per (series, model, h): the series' scores (OVERVIEW_METRICS; `Holm p` over
    the series' models), the DM p adjusted over the series (`series Holm p`, `series BH p`)
    and what they say (`better`, `worse`: MAE / naive below or above 1 and the Holm p below
    5%; `better BH`, `worse BH` by Benjamini-Hochberg), whether the model is in the
    series' 90% model confidence set (`MCS`; empty when none was computed) and, for a
    selector, what it chose on that series (`chose`)."""
    rows = [_rows(name, result) for name, result in results.items()]
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=_COLUMNS)
    table["series Holm p"] = np.nan
    table["series BH p"] = np.nan
    for _, family in table.groupby(["model", "h"], sort=False):  # a model's tests over series
        p = family["DM p"].to_numpy(dtype=float)
        table.loc[family.index, "series Holm p"] = holm(p)
        table.loc[family.index, "series BH p"] = benjamini_hochberg(p)
    lower, higher = table["MAE/naive"] < 1, table["MAE/naive"] > 1
    for suffix, column in (("", "series Holm p"), (" BH", "series BH p")):
        significant = table[column] < SIGNIFICANCE
        table["better" + suffix] = lower & significant
        table["worse" + suffix] = higher & significant
    return table[_COLUMNS]


_COLUMNS = [
    "series",
    "model",
    "h",
    *OVERVIEW_METRICS,
    "series Holm p",
    "series BH p",
    "better",
    "worse",
    "better BH",
    "worse BH",
    "MCS",
    "chose",
]


def _rows(name: str, result: Result) -> pd.DataFrame:
    parts = []
    for h in sorted(result.scores["h"].unique()):
        summary = result.summary(int(h))[OVERVIEW_METRICS]
        rows = summary.rename_axis("model").reset_index()
        rows.insert(0, "series", name)
        rows.insert(2, "h", int(h))
        members = result.confidence_sets.get(int(h))
        rows["MCS"] = pd.array(
            [None if members is None else m in members for m in rows["model"]], dtype="boolean"
        )
        selections = result.settings.get("selections", {})
        rows["chose"] = [selections.get(m, {}).get("summary") for m in rows["model"]]
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)
