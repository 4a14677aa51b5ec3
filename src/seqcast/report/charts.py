"""The report's charts as Vega-Lite specifications (plain dictionaries, rendered in the
browser by Vega; the same specs render to PNG through vl-convert).

Every chart shares three conventions: the colour of a model is fixed across charts
(`palette`), a chart's legend lists only the models it draws (`drawn`), and a top-level
`hidden` parameter (a list of model names, set by the page's model toggles) makes a model's
marks transparent, so one click hides it everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
TRUTH = "truth"
# Tableau 10 without its grey; the truth is black and naive grey.
COLOURS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#393b79",
]
FIXED = {TRUTH: "#000000", "naive": "#8a8a8a"}
HIDDEN = {"name": "hidden", "value": []}
FADE = {"condition": {"test": "indexof(hidden, datum.m) >= 0", "value": 0}, "value": 1}
Rows = list[dict[str, Any]]
LINE_LEGEND = {"symbolType": "stroke", "symbolOpacity": 1, "symbolStrokeWidth": 2}


def palette(models: list[str]) -> dict[str, str]:
    """A colour per model, in order; the truth and naive keep theirs."""
    others = iter(COLOURS * (1 + len(models) // len(COLOURS)))
    return {m: FIXED[m] if m in FIXED else next(others) for m in models}


def drawn(colours: dict[str, str], *rows: Rows) -> dict[str, str]:
    """The colours of the models `rows` hold, in the palette's order."""
    present = {row["m"] for table in rows for row in table}
    return {m: c for m, c in colours.items() if m in present}


def colour_scale(colours: dict[str, str], title: str | None = None) -> dict[str, Any]:
    return {
        "field": "m",
        "type": "nominal",
        "title": title,
        "scale": {"domain": list(colours), "range": list(colours.values())},
    }


def _base(title: str, height: int = 300) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start"},
        "width": "container",
        "height": height,
        "params": [HIDDEN],
    }


def forecasts(lines: Rows, bands: Rows, colours: dict[str, str], title: str) -> dict[str, Any]:
    """Truth, every model and naive over the test dates (`lines`: d, m, v), interval bands
    (`bands`: d, m, level, lo, hi) below them; drag to pan, wheel to zoom, hover a day to
    read every value."""
    colours = drawn(colours, lines, bands)
    x = {"field": "d", "type": "temporal", "title": None}
    dashes = [[6, 3] if m == "naive" else [1, 0] for m in colours]
    line = {
        "mark": {"type": "line", "strokeWidth": 1.4},
        "params": [
            {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}
        ],
        "encoding": {
            "x": x,
            "y": {"field": "v", "type": "quantitative", "title": "price", "scale": {"zero": False}},
            "color": {**colour_scale(colours), "legend": LINE_LEGEND},
            "strokeDash": {"field": "m", "scale": {"domain": list(colours), "range": dashes}},
            "opacity": FADE,
        },
    }
    names = [m for m in colours if any(row["m"] == m for row in lines)]
    hover = {
        "transform": [{"pivot": "m", "value": "v", "groupby": ["d"]}],
        "mark": {"type": "rule", "color": "#555"},
        "params": [
            {
                "name": "hover",
                "select": {
                    "type": "point",
                    "fields": ["d"],
                    "nearest": True,
                    "on": "pointerover",
                    "clear": "pointerout",
                },
            }
        ],
        "encoding": {
            "x": x,
            "opacity": {"condition": {"param": "hover", "empty": False, "value": 0.5}, "value": 0},
            "tooltip": [
                {"field": "d", "type": "temporal", "title": "date"},
                *({"field": _field(m), "type": "quantitative", "format": ",.2f"} for m in names),
            ],
        },
    }
    layers = [_bands(bands, x, colours)] if bands else []
    layers.append({"data": {"values": lines}, "layer": [line, hover]})
    return {**_base(title, 340), "layer": layers}


def _bands(bands: Rows, x: dict[str, Any], colours: dict[str, str]) -> dict[str, Any]:
    """Interval bands that overlap and stay apart: a model's band is a pale fill and two
    dotted edges in its colour; naive's (the reference) is its edges alone, as a grey fill
    would tint every model's band below it."""
    colour = {**colour_scale(colours), "legend": LINE_LEGEND}  # the lines' look, not the edges'
    fill = {
        "transform": [{"filter": "datum.m != 'naive'"}],
        "mark": {"type": "area"},
        "encoding": {
            "y": {"field": "lo", "type": "quantitative"},
            "y2": {"field": "hi"},
            "opacity": {**FADE, "value": 0.12},
        },
    }
    edges = [
        {
            "mark": {"type": "line", "strokeWidth": 1, "strokeDash": [2, 2]},
            "encoding": {
                "y": {"field": bound, "type": "quantitative"},
                "opacity": {**FADE, "value": 0.8},
            },
        }
        for bound in ("lo", "hi")
    ]
    return {
        "data": {"values": bands},
        "encoding": {"x": x, "color": colour, "detail": {"field": "level"}},
        "layer": [fill, *edges],
    }


def by_horizon(rows: Rows, colours: dict[str, str]) -> dict[str, Any]:
    """MAE / naive MAE at each horizon (`rows`: h, m, r): below 1 beats doing nothing."""
    colours = drawn(colours, rows)
    encoding = {
        "x": {
            "field": "h",
            "type": "quantitative",
            "title": "days ahead",
            "axis": {"tickMinStep": 1},
        },
        "y": {
            "field": "r",
            "type": "quantitative",
            "title": "MAE / naive MAE",
            "scale": {"zero": False},
        },
        "color": colour_scale(colours),
        "opacity": FADE,
        "tooltip": [
            {"field": "m", "title": "model"},
            {"field": "h"},
            {"field": "r", "format": ".4f"},
        ],
    }
    return {
        **_base("Error by horizon: MAE / naive MAE"),
        "data": {"values": rows},
        "layer": [
            {"mark": {"type": "line", "point": True}, "encoding": encoding},
            _one(),
        ],
    }


def seed_spread(rows: Rows, colours: dict[str, str]) -> dict[str, Any]:
    """Each seed's MAE / naive MAE (`rows`: m, seed, r): how much the seed decides."""
    colours = drawn(colours, rows)
    return {
        **_base("Seeds: MAE / naive MAE of each seed (one step ahead)", 40 + 28 * len(colours)),
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "point", "filled": True, "size": 70},
                "encoding": {
                    "x": {
                        "field": "r",
                        "type": "quantitative",
                        "title": "MAE / naive MAE",
                        "scale": {"zero": False},
                    },
                    "y": {"field": "m", "type": "nominal", "title": None, "sort": list(colours)},
                    "color": {**colour_scale(colours), "legend": None},
                    "opacity": FADE,
                    "tooltip": [
                        {"field": "m", "title": "model"},
                        {"field": "seed"},
                        {"field": "r", "format": ".4f"},
                    ],
                },
            },
            {
                "mark": {"type": "rule", "color": "#8a8a8a", "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": 1}},
            },
        ],
    }


def per_model(
    title: str, rows: Rows, colours: dict[str, str], spec: Callable[[dict[str, Any]], dict]
) -> dict[str, Any]:
    """A small chart per model (`rows` carry m), three to a row on a shared x scale, in the
    models' order; `spec(colour)` draws one, `colour` being the models' colour encoding."""
    colours = drawn(colours, rows)
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start"},
        "params": [HIDDEN],
        "data": {"values": rows},
        "facet": {"field": "m", "type": "nominal", "title": None, "sort": list(colours)},
        "columns": 3,
        "spec": {"width": 220, "height": 130, **spec({**colour_scale(colours), "legend": None})},
        "resolve": {"scale": {"x": "shared"}},
    }


def residual_histograms(rows: Rows, colours: dict[str, str]) -> dict[str, Any]:
    """One-step errors in percent of the truth (`rows`: m, e), a panel per model."""
    return per_model(
        "Residuals, one step ahead: (truth - forecast) / truth, %",
        rows,
        colours,
        lambda colour: {
            "mark": "bar",
            "encoding": {
                "x": {"field": "e", "bin": {"maxbins": 30}, "type": "quantitative", "title": "%"},
                "y": {"aggregate": "count", "type": "quantitative", "title": "days"},
                "color": colour,
                "opacity": FADE,
            },
        },
    )


def autocorrelations(rows: Rows, colours: dict[str, str], bound: float) -> dict[str, Any]:
    """Autocorrelation of one-step errors by lag (`rows`: m, lag, acf); bars beyond the
    dashed +-1.96/sqrt(n) lines are structure a model left unexplained."""
    colours = drawn(colours, rows)
    return {
        "$schema": SCHEMA,
        "title": {
            "text": "Autocorrelation of one-step residuals (dashed: 95% band of white noise)",
            "anchor": "start",
        },
        "params": [HIDDEN],
        "data": {"values": rows},
        "facet": {"field": "m", "type": "nominal", "title": None, "sort": list(colours)},
        "columns": 3,
        "spec": {
            "width": 220,
            "height": 110,
            "layer": [
                {
                    "mark": "bar",
                    "encoding": {
                        "x": {
                            "field": "lag",
                            "type": "ordinal",
                            "title": "lag (days)",
                            "axis": {"labelAngle": 0, "values": [1, 5, 10, 15, 20]},
                        },
                        "y": {
                            "field": "acf",
                            "type": "quantitative",
                            "title": "acf",
                            "scale": {"domain": [-0.5, 0.5]},
                        },
                        "color": {**colour_scale(colours), "legend": None},
                        "opacity": FADE,
                        "tooltip": [{"field": "lag"}, {"field": "acf", "format": ".3f"}],
                    },
                },
                {
                    "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#555"},
                    "encoding": {"y": {"datum": bound}},
                },
                {
                    "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#555"},
                    "encoding": {"y": {"datum": -bound}},
                },
            ],
        },
    }


def cumulative_gain(rows: Rows, colours: dict[str, str]) -> dict[str, Any]:
    """Running sum of |model error| - |naive error| (`rows`: d, m, c): falling where the model
    gains on doing nothing, rising where it loses."""
    colours = drawn(colours, rows)
    return {
        **_base(
            "Cumulative |error| minus naive's |error|, one step ahead (down = better than naive)"
        ),
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "line", "strokeWidth": 1.4},
                "params": [
                    {
                        "name": "zoom",
                        "select": {"type": "interval", "encodings": ["x"]},
                        "bind": "scales",
                    }
                ],
                "encoding": {
                    "x": {"field": "d", "type": "temporal", "title": None},
                    "y": {"field": "c", "type": "quantitative", "title": "price units"},
                    "color": colour_scale(colours),
                    "opacity": FADE,
                    "tooltip": [
                        {"field": "m", "title": "model"},
                        {"field": "d", "type": "temporal"},
                        {"field": "c", "format": ",.2f"},
                    ],
                },
            },
            {"mark": {"type": "rule", "color": "#8a8a8a"}, "encoding": {"y": {"datum": 0}}},
        ],
    }


def _one() -> dict[str, Any]:
    return {
        "mark": {"type": "rule", "color": "#8a8a8a", "strokeDash": [4, 3]},
        "encoding": {"y": {"datum": 1}},
    }


def _field(name: str) -> str:
    """A data field name as Vega-Lite reads it (dots and brackets would mean nesting)."""
    return name.replace(".", "\\.").replace("[", "\\[").replace("]", "\\]")


def fan(history: Rows, forecast: Rows, bands: Rows, title: str) -> dict[str, Any]:
    """A fan chart: the last prices (`history`: d, v), the forecast (`forecast`: d, v) and
    its intervals (`bands`: d, level, lo, hi), the widest level palest."""
    x = {"field": "d", "type": "temporal", "title": None}
    layers: list[dict[str, Any]] = []
    if bands:
        layers.append(
            {
                "data": {"values": bands},
                "mark": {"type": "area", "color": COLOURS[0]},
                "encoding": {
                    "x": x,
                    "y": {"field": "lo", "type": "quantitative", "title": "price"},
                    "y2": {"field": "hi"},
                    "detail": {"field": "level"},
                    "opacity": {
                        "field": "level",
                        "type": "ordinal",
                        "scale": {"range": [0.35, 0.14]},
                        "legend": {"title": "interval, %"},
                    },
                },
            }
        )
    price = {"field": "v", "type": "quantitative", "title": "price", "scale": {"zero": False}}
    layers += [
        {
            "data": {"values": history},
            "mark": {"type": "line", "color": "#000000", "strokeWidth": 1.4},
            "encoding": {"x": x, "y": price},
        },
        {
            "data": {"values": forecast},
            "mark": {"type": "line", "color": COLOURS[0], "point": True, "strokeWidth": 2},
            "encoding": {"x": x, "y": price},
        },
    ]
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "anchor": "start"},
        "width": 800,
        "height": 360,
        "layer": layers,
    }


def coverage(rows: Rows, colours: dict[str, str]) -> dict[str, Any]:
    """Interval coverage by volatility regime, one panel per level (`rows`: m, level,
    regime, cover); the dashed line is the promised level."""
    colours = drawn(colours, rows)
    regimes = ["all", "calm", "normal", "volatile"]
    return {
        "$schema": SCHEMA,
        "title": {
            "text": "Interval coverage one step ahead, overall and by trailing volatility",
            "anchor": "start",
        },
        "params": [HIDDEN],
        "data": {"values": rows},
        "facet": {"column": {"field": "level", "type": "ordinal", "title": "level, %"}},
        "spec": {
            "width": 320,
            "height": 200,
            "layer": [
                {
                    "mark": "bar",
                    "encoding": {
                        "x": {"field": "regime", "type": "nominal", "sort": regimes, "title": None},
                        "xOffset": {"field": "m", "sort": list(colours)},
                        "y": {
                            "field": "cover",
                            "type": "quantitative",
                            "title": "coverage, %",
                            "scale": {"zero": False},
                        },
                        "color": colour_scale(colours),
                        "opacity": FADE,
                        "tooltip": [
                            {"field": "m", "title": "model"},
                            {"field": "regime"},
                            {"field": "cover", "format": ".1f"},
                        ],
                    },
                },
                {
                    "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#333"},
                    "encoding": {"y": {"field": "level", "type": "quantitative"}},
                },
            ],
        },
    }


def search_history(rows: Rows, title: str) -> dict[str, Any]:
    """A tuning study (`rows`: trial, state, score, best): each trial's mean fold MAE /
    naive MAE (pruned ones at their first fold's) and the best so far."""
    x = {"field": "trial", "type": "quantitative", "title": "trial"}
    y_title = "mean fold MAE / naive MAE"
    return {
        **_base(title),
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "point", "filled": True, "size": 50},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "score",
                        "type": "quantitative",
                        "title": y_title,
                        "scale": {"zero": False},
                    },
                    "color": {
                        "field": "state",
                        "type": "nominal",
                        "scale": {
                            "domain": ["complete", "pruned"],
                            "range": ["#1f77b4", "#bbbbbb"],
                        },
                    },
                    "tooltip": [{"field": "trial"}, {"field": "state"}, {"field": "score"}],
                },
            },
            {
                "mark": {"type": "line", "interpolate": "step-after", "color": "#d62728"},
                "encoding": {"x": x, "y": {"field": "best", "type": "quantitative"}},
            },
            {
                "mark": {"type": "rule", "color": "#8a8a8a", "strokeDash": [4, 3]},
                "encoding": {"y": {"datum": 1}},
            },
        ],
    }


def to_png(spec: dict[str, Any]) -> bytes:
    """A chart as PNG (vl-convert renders the same Vega-Lite the report's pages draw)."""
    import vl_convert

    png: bytes = vl_convert.vegalite_to_png(spec, scale=1.5)
    return png
