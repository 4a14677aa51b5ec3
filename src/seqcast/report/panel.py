"""The page of a run over several series: how each model did over them (one row per model),
every series side by side (sortable: MAE / naive per model with its p-value adjusted over
the series, the model confidence set, what `auto` chose), how MAE / naive spreads over the
series, and one small chart per series of the gain on naive. Each series' own page is
linked; what could not be read is named."""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd

from seqcast.report import charts, panel_charts
from seqcast.report.html import _raw, _round, _toggles, page
from seqcast.result import Panel
from seqcast.vocabulary import SEPARATOR, number

POOLED = [
    "series",
    "median MAE/naive",
    "MAE/naive",
    "share ≤ 1",
    "beats naive",
    "better",
    "worse",
    "better BH",
    "worse BH",
    "in MCS",
    "MASE",
]
COUNTS = {"series", "beats naive", "better", "worse", "better BH", "worse BH", "in MCS"}
POINTS = 120  # per line of a small chart: enough for its 200 pixels


def render_panel(panel: Panel | None, folders: dict[str, str], problems: list[str]) -> bytes:
    """The page, as UTF-8 bytes; `panel` holds the series that could be read (None: none)."""
    models = _shown(panel) if panel is not None else []
    colours = _colours(panel, models) if panel is not None else {}
    specs = _specs(panel, models, colours) if panel is not None else []
    links = "".join(
        f'<li><a href="series/{html.escape(folder)}/report.html">{html.escape(name)}</a></li>'
        for name, folder in folders.items()
    )
    body = [
        f"<h1>seqcast: {len(folders)} series</h1>",
        *(f'<p class="problem">{html.escape(p)}</p>' for p in problems),
        _toggles(colours) if models else "",
        _pooled_table(panel) if panel is not None else "",
        _series_table(panel, models) if panel is not None else "",
        *(f'<div class="chart" id="chart-{i}"></div>' for i in range(len(specs))),
        f"<h2>Each series</h2><ul>{links}</ul>",
    ]
    return page("seqcast: several series", specs, body)


def _shown(panel: Panel) -> list[str]:
    """The models asked for (not naive, not a selector's candidates), best first."""
    order = panel.summary(1).index
    return [m for m in order if m != "naive" and SEPARATOR not in m]


def _colours(panel: Panel, models: list[str]) -> dict[str, str]:
    """Each model's colour on its series' pages (the palette over a run's columns)."""
    columns = next(iter(panel.results.values())).settings.get("columns", {})
    colours = charts.palette(list(dict.fromkeys([charts.TRUTH, *columns, *models])))
    return {m: colours[m] for m in models}


def _pooled_table(panel: Panel) -> str:
    summary = panel.summary(1)
    head = "".join(f'<th data-key="{k}">{html.escape(k)}</th>' for k in ["model", *POOLED])
    rows = []
    for model, row in summary.iterrows():
        name = html.escape(str(model))
        cells = [f'<td data-value="{name}">{name}</td>']
        for key in POOLED:
            value = row.get(key)
            counted = key in COUNTS and not pd.isna(value)
            shown = f"{value:.0f}" if counted else number(value)
            cells.append(f'<td data-key="{key}" data-value="{_raw(value)}">{shown}</td>')
        rows.append(f'<tr data-model="{name}">{"".join(cells)}</tr>')
    return (
        '<table class="scores pooled"><caption>One step ahead, over the series: MAE / naive'
        " MAE (median, mean, share of series at most 1); on how many series a model beats"
        " naive, and on how many significantly better or worse (Diebold-Mariano p adjusted"
        " over the series: Holm, the default, so that no claim is likely false; BH:"
        " Benjamini-Hochberg, fewer false claims on average), and how often it is in the"
        " series' 90% model confidence set. Click a heading to sort."
        f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _series_table(panel: Panel, models: list[str]) -> str:
    overview = panel.overview[panel.overview["h"] == 1]
    selectors = [m for m in models if overview.loc[overview["model"] == m, "chose"].notna().any()]
    keys = [*(k for m in models for k in (m, f"{m} p")), "MCS", *(f"{m} chose" for m in selectors)]
    head = '<th data-key="series">series</th>' + "".join(
        f'<th data-key="{html.escape(k)}">{html.escape(k)}</th>' for k in keys
    )
    rows = []
    for name, rows_of in overview.groupby("series", sort=False):
        by_model = rows_of.set_index("model")
        cells = [f'<td data-value="{html.escape(str(name))}">{html.escape(str(name))}</td>']
        for model in models:
            cells += _model_cells(by_model.loc[model] if model in by_model.index else None)
        members = by_model.index[by_model["MCS"].fillna(False).astype(bool)]
        shown = ", ".join(m for m in members if SEPARATOR not in m) or "-"
        cells.append(_text_cell("MCS", shown if by_model["MCS"].notna().any() else "-"))
        for model in selectors:
            chose = by_model["chose"].get(model)
            cells.append(_text_cell(f"{model} chose", chose if isinstance(chose, str) else "-"))
        rows.append(f'<tr data-series="{html.escape(str(name))}">{"".join(cells)}</tr>')
    return (
        '<table class="scores series"><caption>Each series, one step ahead: MAE / naive MAE of'
        " each model (▲ significantly better than naive, ▼ worse) and its Diebold-Mariano p"
        " adjusted over the series (Holm; hover for the raw and the Benjamini-Hochberg p),"
        " the models in the series' 90% model confidence set, and what a selector chose."
        f" Click a heading to sort.</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _model_cells(row: pd.Series | None) -> list[str]:
    if row is None:
        return ['<td data-value="">-</td>', '<td data-value="">-</td>']
    ratio, p = row["MAE/naive"], row["series Holm p"]
    mark = " ▲" if row["better"] else " ▼" if row["worse"] else ""
    title = f"DM p {number(row['DM p'])}, BH p {number(row['series BH p'])}"
    return [
        f'<td data-value="{_raw(ratio)}">{number(ratio)}{mark}</td>',
        f'<td data-value="{_raw(p)}" title="{html.escape(title)}">{number(p)}</td>',
    ]


def _text_cell(key: str, text: str) -> str:
    shown = html.escape(text)
    return f'<td data-key="{html.escape(key)}" data-value="{shown}" class="text">{shown}</td>'


def _specs(panel: Panel, models: list[str], colours: dict[str, str]) -> list[dict[str, Any]]:
    overview = panel.overview[(panel.overview["h"] == 1) & panel.overview["model"].isin(models)]
    ratios = [
        {"m": row["model"], "s": row["series"], "r": _round(row["MAE/naive"])}
        for _, row in overview.iterrows()
        if np.isfinite(row["MAE/naive"])
    ]
    gains = [row for name, result in panel.results.items() for row in _gains(name, result, models)]
    specs = []
    if ratios:
        specs.append(panel_charts.ratio_histograms(ratios, colours))
    if gains:
        specs.append(panel_charts.gain_multiples(gains, colours, list(panel.results)))
    return specs


def _gains(name: str, result: Any, models: list[str]) -> charts.Rows:
    """One series' cumulative |naive error| - |model error| one step ahead (seeds' forecasts
    averaged), thinned to POINTS per line (the last day always kept)."""
    table = result.table
    if table is None or table.empty:
        return []
    one = table[table["h"] == 1]
    truth = one["y"].to_numpy()
    naive = np.abs(truth - one["naive"].to_numpy())
    keep = sorted({*range(0, len(one), math.ceil(len(one) / POINTS)), len(one) - 1})
    dates = one["date"].dt.strftime("%Y-%m-%d").to_numpy()[keep]
    rows = []
    for model in models:
        columns = result.columns.get(model)
        if not columns:
            continue
        gain = np.cumsum(naive - np.abs(truth - one[columns].mean(axis=1).to_numpy()))[keep]
        rows += [
            {"s": name, "d": d, "m": model, "g": _round(g)}
            for d, g in zip(dates, gain, strict=True)
            if np.isfinite(g)
        ]
    return rows
