"""report.html: one self-contained page per run or comparison that answers "is this better
than doing nothing, where, and how sure?". Vega's JavaScript is inlined (no network needed);
the page has a sortable score table, model toggles that act on every chart, and the settings,
data provenance and versions that reproduce it.

Input is what a run directory holds (settings, the long forecast table, results.json), so a
report can be made from a finished run, or from a damaged one: what cannot be read is named
on the page and the rest is still drawn.
"""

from __future__ import annotations

import html
import importlib.metadata
import json
import platform
import warnings
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from seqcast.cache import cache_dir
from seqcast.errors import Note
from seqcast.io import write_file
from seqcast.report import charts
from seqcast.vocabulary import INTERVAL_METRICS, METRICS, interval_columns, number

COLUMNS = [m for m in METRICS if m not in ("sMAPE%",)]
MAX_LAG = 20


@dataclass
class ReportInput:
    settings: dict[str, Any] | None = None  # config.json
    table: pd.DataFrame | None = None  # forecasts.csv
    results: dict[str, Any] | None = None  # results.json
    problems: list[str] = field(default_factory=list)  # files that could not be read


def render(report: ReportInput) -> bytes:
    """The page, as UTF-8 bytes."""
    settings = report.settings or {}
    models = list(settings.get("columns", {}))
    colours = charts.palette([charts.TRUTH, *models])
    specs = _specs(report, colours)
    body = [
        _header(settings, report.results),
        *(f'<p class="problem">{html.escape(p)}</p>' for p in report.problems),
        _toggles(colours),
        _score_table(report.results),
        _interval_table(report.results),
        *(f'<div class="chart" id="chart-{i}"></div>' for i in range(len(specs))),
        _details(settings),
    ]
    return page(html.escape(_title(settings)), specs, body)


def page(title: str, specs: list[dict[str, Any]], body: list[str]) -> bytes:
    """A whole report page: `title` (HTML), the charts' `specs` drawn into the body's
    `chart-<i>` divs, and the report's style and script."""
    text = TEMPLATE.format(
        title=title,
        style=STYLE,
        bundle=vega_bundle(),
        specs=script_json(specs),
        body="\n".join(body),
        script=SCRIPT,
    )
    return text.encode()


def _title(settings: dict[str, Any]) -> str:
    models = [m for m in settings.get("columns", {}) if m != "naive"]
    return f"seqcast: {', '.join(models) or 'naive'} on {series_name(settings.get('data', {}))}"


def series_name(data: dict[str, Any]) -> str:
    """What a series is called (its symbol or file stem), from a run's settings["data"];
    older runs recorded only the file."""
    file = PurePath(str(data.get("file") or "")).name.split(".")[0]
    return str(data.get("name") or file or data.get("column") or "?")


def _header(settings: dict[str, Any], results: dict[str, Any] | None) -> str:
    data = settings.get("data", {})
    verdicts = (results or {}).get("verdict", {})
    verdict = verdicts.get("1") or verdicts.get(1) or "No scores could be read."
    return (
        f"<h1>{html.escape(_title(settings))}</h1>"
        f'<p class="source">{html.escape(str(data.get("file", "?")))},'
        f" {data.get('first', '?')} .. {data.get('last', '?')}</p>"
        f'<p class="verdict">{html.escape(verdict)}</p>'
    )


def _toggles(colours: dict[str, str]) -> str:
    boxes = [
        f'<label><input type="checkbox" checked data-model="{html.escape(m)}">'
        f'<span class="swatch" style="background:{c}"></span>{html.escape(m)}</label>'
        for m, c in colours.items()
        if m != charts.TRUTH
    ]
    return f'<div class="toggles">Show: {" ".join(boxes)}</div>'


def _ends(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows one step and the whole horizon ahead (every h is in scores.csv)."""
    last = max((row["h"] for row in rows), default=1)
    return [row for row in rows if row["h"] in (1, last)]


def _score_table(results: dict[str, Any] | None) -> str:
    rows = _ends((results or {}).get("summary") or [])
    if not rows:
        return ""
    several_h = len({row["h"] for row in rows}) > 1
    keys = ["model", *(["h"] if several_h else []), "seeds", *COLUMNS]
    head = "".join(f'<th data-key="{k}">{k}</th>' for k in keys)
    lines = []
    for row in rows:
        cells = [f'<td data-value="{html.escape(row["model"])}">{html.escape(row["model"])}</td>']
        if several_h:
            cells.append(f'<td data-value="{row["h"]}">{row["h"]}</td>')
        cells.append(f'<td data-value="{row["seeds"]}">{row["seeds"]}</td>')
        for key in COLUMNS:
            value, spread = row.get(key), row.get(f"{key} std")
            shown = number(value)
            if row["seeds"] > 1 and spread is not None:
                shown += f" ± {number(spread)}"
            cells.append(f'<td data-key="{key}" data-value="{_raw(value)}">{shown}</td>')
        lines.append(f'<tr data-model="{html.escape(row["model"])}">{"".join(cells)}</tr>')
    return (
        '<table class="scores"><caption>Scores (mean ± standard deviation over seeds; DM p:'
        " Diebold-Mariano test against naive at the same horizon). Click a heading to sort."
        f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    )


def _interval_table(results: dict[str, Any] | None) -> str:
    rows = _ends((results or {}).get("intervals") or [])
    if not rows:
        return ""
    keys = ["model", "h", "level", "seeds", *INTERVAL_METRICS]
    head = "".join(f'<th data-key="{k}">{k}</th>' for k in keys)
    lines = []
    for row in rows:
        cells = [f'<td data-value="{html.escape(row["model"])}">{html.escape(row["model"])}</td>']
        cells += [f'<td data-value="{row[k]}">{row[k]:g}</td>' for k in ("h", "level", "seeds")]
        for key in INTERVAL_METRICS:
            value, spread = row.get(key), row.get(f"{key} std")
            shown = number(value) + (f" ± {number(spread)}" if row["seeds"] > 1 else "")
            cells.append(f'<td data-key="{key}" data-value="{_raw(value)}">{shown}</td>')
        lines.append(f'<tr data-model="{html.escape(row["model"])}">{"".join(cells)}</tr>')
    return (
        '<table class="scores intervals"><caption>Prediction intervals: coverage (%, overall and'
        " in the calm, normal and volatile thirds of the test days by trailing volatility),"
        " mean width, Winkler and pinball scores (lower is better), and the p-values of"
        " Kupiec's test (is the miss rate the promised one?) and Christoffersen's (do misses"
        " cluster? meaningful one step ahead: longer forecasts overlap)."
        f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"
    )


def _raw(value: Any) -> str:
    return "" if value is None else repr(float(value))


def _details(settings: dict[str, Any]) -> str:
    data = settings.get("data", {})
    provenance = [
        ("file", data.get("file")),
        ("sha256", data.get("sha256")),
        ("layout", data.get("layout")),
        ("column", data.get("column")),
        ("dates", f"{data.get('first')} .. {data.get('last')} ({data.get('rows')} rows)"),
        ("repairs", "; ".join(data.get("repairs", [])) or "none needed"),
    ]
    rows = "".join(f"<tr><th>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in provenance)
    versions = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in _versions().items())
    return (
        "<h2>Data, settings and versions</h2>"
        f'<table class="facts">{rows}{versions}</table>'
        "<details><summary>Every setting (config.json)</summary>"
        f"<pre>{html.escape(json.dumps(settings, indent=2))}</pre></details>"
    )


def _versions() -> dict[str, str]:
    from seqcast import __version__

    names = ["numpy", "pandas", "torch", "vl-convert-python"]
    found = {"seqcast": __version__, "python": platform.python_version()}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _specs(report: ReportInput, colours: dict[str, str]) -> list[dict[str, Any]]:
    """Every chart the readable files allow."""
    settings, table, results = report.settings or {}, report.table, report.results or {}
    columns: dict[str, list[str]] = settings.get("columns", {})
    specs: list[dict[str, Any]] = []
    if table is not None and columns:
        one = table[table["h"] == 1]
        means = pd.DataFrame({m: one[cols].mean(axis=1) for m, cols in columns.items()})
        dates = one["date"].dt.strftime("%Y-%m-%d").tolist()
        truth = one["y"].to_numpy()
        lines = _rows(dates, {charts.TRUTH: truth, **{m: means[m].to_numpy() for m in means}})
        title = f"One step ahead, {dates[0]} .. {dates[-1]}"
        specs.append(charts.forecasts(lines, _bands(one, columns, settings, dates), colours, title))
        errors = {m: truth - means[m].to_numpy() for m in means}
        gain = {
            m: np.cumsum(np.abs(e) - np.abs(errors["naive"]))
            for m, e in errors.items()
            if m != "naive"
        }
        specs.append(charts.cumulative_gain(_rows(dates, gain, "c"), colours))
        percent = [{"m": m, "e": _round(v)} for m, e in errors.items() for v in 100 * e / truth]
        specs.append(charts.residual_histograms(percent, colours))
        acf = [
            {"m": m, "lag": lag, "acf": _round(value)}
            for m, e in errors.items()
            for lag, value in enumerate(_autocorrelation(e, MAX_LAG), start=1)
        ]
        specs.append(charts.autocorrelations(acf, colours, 1.96 / np.sqrt(len(truth))))
    regimes = {"all": "cover%", "calm": "cover calm%", "normal": "cover normal%"}
    regimes["volatile"] = "cover volatile%"
    cover = [
        {"m": r["model"], "level": r["level"], "regime": name, "cover": r[key]}
        for r in results.get("intervals") or []
        if r["h"] == 1
        for name, key in regimes.items()
        if r[key] is not None
    ]
    if cover:
        specs.append(charts.coverage(cover, colours))
    summary = results.get("summary") or []
    if len({row["h"] for row in summary}) > 1:
        rows = [{"h": r["h"], "m": r["model"], "r": r["MAE/naive"]} for r in summary]
        specs.append(charts.by_horizon(rows, colours))
    per_seed = [
        {"m": r["model"], "seed": r["seed"], "r": r["MAE/naive"]}
        for r in results.get("scores") or []
        if r["h"] == 1 and r["seed"] is not None  # the baselines have no seed
    ]
    if per_seed:
        specs.append(charts.seed_spread(per_seed, colours))
    return specs


def _bands(
    one: pd.DataFrame, columns: dict[str, list[str]], settings: dict[str, Any], dates: list[str]
) -> charts.Rows:
    """Each model's one-step intervals (seeds' bounds averaged): d, m, level, lo, hi."""
    bands = []
    for level in settings.get("evaluation", {}).get("levels", []):
        for model, cols in columns.items():
            names = [interval_columns(c, level) for c in cols]
            if not all(lo in one and hi in one for lo, hi in names):
                continue
            lo = one[[lo for lo, _ in names]].mean(axis=1).to_numpy()
            hi = one[[hi for _, hi in names]].mean(axis=1).to_numpy()
            bands += [
                {"d": d, "m": model, "level": level, "lo": _round(a), "hi": _round(b)}
                for d, a, b in zip(dates, lo, hi, strict=True)
                if np.isfinite(a) and np.isfinite(b)
            ]
    return bands


def _rows(dates: list[str], series: dict[str, np.ndarray], key: str = "v") -> charts.Rows:
    return [
        {"d": d, "m": m, key: _round(v)}
        for m, values in series.items()
        for d, v in zip(dates, values, strict=True)
        if np.isfinite(v)
    ]


def _round(value: float) -> float:
    """Seven significant digits: what a chart can show, and a third of the bytes."""
    return float(f"{value:.7g}")


def _autocorrelation(errors: np.ndarray, lags: int) -> list[float]:
    centred = errors - errors.mean()
    scale = float(np.dot(centred, centred))
    if scale == 0.0:
        return [0.0] * lags
    return [float(np.dot(centred[k:], centred[:-k]) / scale) for k in range(1, lags + 1)]


def forecast_png(report: ReportInput) -> bytes:
    """The report's first chart (truth, models and naive over the test period) as PNG."""
    settings = report.settings or {}
    colours = charts.palette([charts.TRUTH, *settings.get("columns", {})])
    return charts.to_png({**_specs(report, colours)[0], "width": 900})


def fan_png(series: pd.Series, table: pd.DataFrame, model: str) -> bytes:
    """A fan chart of `table` (date-indexed: forecast, lo-<level>, hi-<level>) after the
    last prices of `series`, as PNG."""
    shown = series.iloc[-max(90, 3 * len(table)) :]
    history = [{"d": str(d.date()), "v": _round(v)} for d, v in shown.items()]
    start = {"d": str(series.index[-1].date()), "v": _round(series.iloc[-1])}
    forecast = [start] + [
        {"d": str(d.date()), "v": _round(v)} for d, v in table["forecast"].items()
    ]
    bands = [
        {
            "d": str(d.date()),
            "level": float(column[3:]),
            "lo": _round(row[column]),
            "hi": _round(row["hi-" + column[3:]]),
        }
        for d, row in table.iterrows()
        for column in table.columns
        if column.startswith("lo-")
    ]
    title = f"{model}: the next {len(table)} days after {start['d']}"
    return charts.to_png(charts.fan(history, forecast, bands, title))


def script_json(data: Any) -> str:
    """JSON that may sit inside a <script> element."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, from vl-convert; made once per machine
    and version (1.5 s) and kept in the cache."""
    version = importlib.metadata.version("vl-convert-python")
    path = cache_dir() / f"vega-bundle-{version}.js"
    if path.is_file():
        return path.read_text()
    warnings.warn("preparing the report's chart library (once)", Note, stacklevel=2)
    import vl_convert

    globals_ = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
    bundle: str = vl_convert.javascript_bundle(globals_)
    write_file(path, bundle.encode())  # a concurrent report never reads half a bundle
    return bundle


STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px;
  padding: 0 16px; color: #222; }
h1 { font-size: 22px; margin-bottom: 2px; } h2 { font-size: 17px; margin-top: 32px; }
.source { color: #666; margin-top: 0; } .verdict { font-size: 16px; font-weight: 600; }
.problem { background: #fff3cd; border: 1px solid #e0c060; padding: 6px 10px; }
.toggles { margin: 12px 0; } .toggles label { margin-right: 14px; white-space: nowrap; }
.swatch { display: inline-block; width: 12px; height: 12px; margin: 0 4px; }
table.scores { border-collapse: collapse; margin: 12px 0 24px; }
table.scores caption { text-align: left; color: #666; padding-bottom: 6px; }
table.scores th { cursor: pointer; background: #f2f2f2; }
table.scores th, table.scores td { padding: 4px 10px; border-bottom: 1px solid #ddd; }
table.scores td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.scores td:first-child, table.scores td.text { text-align: left; }
.chart { width: 100%; margin: 18px 0; }
table.facts th { text-align: left; padding-right: 16px; color: #555; }
pre { background: #f7f7f7; padding: 10px; overflow-x: auto; }
"""

SCRIPT = """
const specs = JSON.parse(document.getElementById('specs').textContent);
const views = [];
Promise.all(specs.map((spec, i) =>
  vegaEmbed('#chart-' + i, spec, {renderer: 'svg', actions: false})
    .then(result => views.push(result.view))
)).then(() => { window.seqcastReady = true; });
document.querySelectorAll('.toggles input').forEach(box => box.addEventListener('change', () => {
  const hidden = [...document.querySelectorAll('.toggles input')]
    .filter(b => !b.checked).map(b => b.dataset.model);
  views.forEach(view => view.signal('hidden', hidden).runAsync());
  document.querySelectorAll('table.scores tr[data-model]').forEach(row =>
    row.style.opacity = hidden.includes(row.dataset.model) ? 0.35 : 1);
}));
document.querySelectorAll('table.scores th').forEach(th =>
 th.addEventListener('click', () => {
  const column = th.cellIndex;  // within its own table (a page may have several)
  const body = th.closest('table').tBodies[0];
  const rows = [...body.rows];
  const down = th.dataset.order !== 'up';
  th.dataset.order = down ? 'up' : 'down';
  const key = row => { const v = row.cells[column].dataset.value;
    return v === '' || isNaN(Number(v)) ? v : Number(v); };
  rows.sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * (down ? 1 : -1));
  rows.forEach(row => body.appendChild(row));
}));
"""

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{style}</style>
<script>{bundle}</script>
<script type="application/json" id="specs">{specs}</script>
</head><body>
{body}
<script>{script}</script>
</body></html>
"""
