"""The charts of a panel's page (several series), as Vega-Lite specifications in the style
of charts.py: a model keeps its colour, the legend lists what is drawn, and the page's
model toggles fade a model's marks through the `hidden` parameter."""

from __future__ import annotations

from typing import Any

from seqcast.report.charts import FADE, HIDDEN, SCHEMA, Rows, colour_scale, drawn, per_model


def ratio_histograms(rows: Rows, colours: dict[str, str]) -> dict[str, Any]:
    """How MAE / naive MAE spreads over the series (`rows`: m, s, r), a panel per model;
    the dashed line at 1 is naive's."""
    return per_model(
        "MAE / naive MAE over the series, one step ahead (left of 1: better)",
        rows,
        colours,
        lambda colour: {
            "layer": [
                {
                    "mark": "bar",
                    "encoding": {
                        "x": {
                            "field": "r",
                            "bin": {"maxbins": 25},
                            "type": "quantitative",
                            "title": "MAE / naive MAE",
                        },
                        "y": {"aggregate": "count", "type": "quantitative", "title": "series"},
                        "color": colour,
                        "opacity": FADE,
                        "tooltip": [{"aggregate": "count", "title": "series"}],
                    },
                },
                {
                    "mark": {"type": "rule", "color": "#8a8a8a", "strokeDash": [4, 3]},
                    "encoding": {"x": {"datum": 1}},
                },
            ],
        },
    )


def gain_multiples(rows: Rows, colours: dict[str, str], series: list[str]) -> dict[str, Any]:
    """One small chart per series (`rows`: s, d, m, g): the running sum over the test days
    of |naive error| - |model error|, rising where a model gains on doing nothing; each
    series on its own scale (prices differ)."""
    colours = drawn(colours, rows)
    return {
        "$schema": SCHEMA,
        "title": {
            "text": "Cumulative gain on naive, one step ahead, in price units: running sum of"
            " |naive error| - |model error| (up = better than naive), one chart per series",
            "anchor": "start",
        },
        "params": [HIDDEN],
        "data": {"values": rows},
        "facet": {"field": "s", "type": "nominal", "title": None, "sort": series},
        "columns": 4,
        "spec": {
            "width": 200,
            "height": 110,
            "layer": [
                {
                    "mark": {"type": "line", "strokeWidth": 1.2},
                    "encoding": {
                        "x": {"field": "d", "type": "temporal", "title": None},
                        "y": {"field": "g", "type": "quantitative", "title": None},
                        "color": colour_scale(colours),
                        "opacity": FADE,
                        "tooltip": [
                            {"field": "s", "title": "series"},
                            {"field": "m", "title": "model"},
                            {"field": "d", "type": "temporal"},
                            {"field": "g", "format": ",.2f"},
                        ],
                    },
                },
                {"mark": {"type": "rule", "color": "#8a8a8a"}, "encoding": {"y": {"datum": 0}}},
            ],
        },
        "resolve": {"scale": {"y": "independent", "x": "independent"}},
    }
