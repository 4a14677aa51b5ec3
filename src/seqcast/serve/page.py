"""The ledger's live record as one self-contained page, drawn with the run report's
machinery (report/html.py's template and inlined Vega, report/charts.py's specs): per series
and model, the score table per horizon, the published one-day forecasts against the truth
with their intervals, and the running sum of |error| minus naive's."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from seqcast.io import write_file
from seqcast.report import charts
from seqcast.report.html import SCRIPT, STYLE, TEMPLATE, script_json, vega_bundle
from seqcast.report.tables import number
from seqcast.serve import ledger
from seqcast.serve.track import scores

SHOWN = ["h", "n", "first", "last", "MAE", "naive MAE", "MAE/naive", "DM p"]


def write_page(path: Path, out: Path | None = None) -> Path:
    """Draw the ledger at `path` into `out` (default: beside it, .html), atomically."""
    path = Path(path)
    connection = ledger.connect(path)
    try:
        table = ledger.read(connection)
    finally:
        connection.close()
    target = out or path.with_suffix(".html")
    write_file(target, render(table, path.name))
    return target


def render(table: pd.DataFrame, name: str) -> bytes:
    sections: list[str] = []
    specs: list[dict[str, Any]] = []
    groups = table.groupby(["series", "run", "model"], sort=True) if len(table) else []
    for (series, run, model), part in groups:
        colours = charts.palette([charts.TRUTH, str(model), "naive"])
        title = f"{model} ({run}) on {series}"
        sections.append(f"<h2>{html.escape(title)}</h2>" + _score_table(scores(part)))
        one_day = part[(part["h"] == 1) & part["y"].notna()].sort_values("origin")
        if len(one_day):
            for spec in _charts(one_day, str(model), colours, title):
                sections.append(f'<div class="chart" id="chart-{len(specs)}"></div>')
                specs.append(spec)
    if not sections:
        sections.append("<p>Nothing published yet: run seqcast track once a day.</p>")
    header = (
        f"<h1>seqcast ledger: the live record</h1><p class='source'>{html.escape(name)}:"
        f" {len(table)} forecasts published, {int(table['y'].notna().sum()) if len(table) else 0}"
        " of them scored against the price that came.</p>"
    )
    page = TEMPLATE.format(
        title=f"seqcast ledger {html.escape(name)}",
        style=STYLE,
        bundle=vega_bundle() if specs else "",
        specs=script_json(specs),
        body=header + "\n".join(sections),
        script=SCRIPT,
    )
    return page.encode()


def _score_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>No target date reached yet.</p>"
    keys = SHOWN + [k for k in rows[0] if k.startswith("cover ")]
    head = "".join(f'<th data-key="{html.escape(k)}">{html.escape(k)}</th>' for k in keys)
    body = []
    for row in rows:
        cells = []
        for key in keys:
            value = row.get(key)
            shown = number(value) if isinstance(value, float) or value is None else str(value)
            raw = "" if value is None else html.escape(str(value))
            cells.append(f'<td data-key="{html.escape(key)}" data-value="{raw}">{shown}</td>')
        body.append(f'<tr data-h="{row["h"]}">{"".join(cells)}</tr>')
    caption = (
        "Realised, per days ahead: MAE beside naive's, the Diebold-Mariano p-value of their"
        " difference, and how often the truth fell inside each interval (percent)."
    )
    return (
        f'<table class="scores"><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _charts(
    rows: pd.DataFrame, model: str, colours: dict[str, str], title: str
) -> list[dict[str, Any]]:
    dates = rows["target"].tolist()
    lines = [
        {"d": d, "m": m, "v": float(v)}
        for m, column in ((charts.TRUTH, "y"), (model, "point"), ("naive", "naive"))
        for d, v in zip(dates, rows[column], strict=True)
    ]
    bands = [
        {"d": d, "m": model, "level": c[3:], "lo": float(lo), "hi": float(hi)}
        for c in rows.columns
        if c.startswith("lo-")
        for d, lo, hi in zip(dates, rows[c], rows["hi-" + c[3:]], strict=True)
        if pd.notna(lo) and pd.notna(hi)
    ]
    gain = (rows["y"] - rows["point"]).abs() - (rows["y"] - rows["naive"]).abs()
    cumulative = [
        {"d": d, "m": model, "c": float(c)} for d, c in zip(dates, gain.cumsum(), strict=True)
    ]
    return [
        charts.forecasts(lines, bands, colours, f"{title}: one day ahead, as published"),
        charts.cumulative_gain(cumulative, colours),
    ]
