"""Choosing how intervals are calibrated, on years before the last one (the selection
protocol of the README), then checking the choice once on the last year.

    python bench/interval_study.py --data ../shared/data/btc-usd-daily.csv

For each candidate (method and rolling window) and each selection year (the 365 days
ending on 26 May 2020, 2021, 2022 and 2023), the naive and drift forecasts 1 and 7 days ahead
get 80% and 95% intervals; the candidate's score is the mean absolute gap between coverage
and level, over years, levels, horizons and models, and the calm-volatile coverage gap.
No neural model is trained: the intervals' calibration does not depend on how the forecast
was made, only on its errors (and the neural presets' errors track naive's within ~1%).
Results are printed and written to bench/results/interval_study.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from seqcast.data.load import Loaded, read_prices
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

HERE = Path(__file__).resolve().parent
SELECTION_ENDS = ["2020-05-26", "2021-05-26", "2022-05-26", "2023-05-26"]
LAST_END = "2024-05-26"
CANDIDATES = [
    ("conformal", 180),
    ("conformal", 365),
    ("conformal", 730),
    ("adaptive", 365),
    ("scaled", 365),
]


def year(series: pd.Series, end: str, method: str, window: int) -> pd.DataFrame:
    part = series[: pd.Timestamp(end)]
    evaluation = Evaluation(
        test_days=365,
        horizon=7,
        levels=(80.0, 95.0),
        intervals=method,
        calibration_days=window,
    )
    models = {"drift": registry.make("drift")}
    result = Experiment(models, evaluation).run(Loaded(part, "yahoo", source=f"until {end}"))
    assert result.intervals is not None
    rows = result.intervals[result.intervals["h"].isin([1, 7])].copy()
    rows["end"] = end
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=str(HERE / "results" / "interval_study.json"))
    args = parser.parse_args()
    series = read_prices(args.data).series

    report: dict[str, object] = {"selection_years_ending": SELECTION_ENDS, "candidates": {}}
    scores = {}
    for method, window in CANDIDATES:
        rows = pd.concat([year(series, end, method, window) for end in SELECTION_ENDS])
        gap = float(np.mean(np.abs(rows["cover%"] - rows["level"])))
        regime_gap = float(np.mean(rows["cover calm%"] - rows["cover volatile%"]))
        kupiec_pass = float(np.mean(rows["Kupiec p"] > 0.05))
        name = f"{method}/{window}"
        scores[name] = gap
        report["candidates"][name] = {  # type: ignore[index]
            "mean_abs_coverage_gap": gap,
            "calm_minus_volatile_coverage": regime_gap,
            "share_kupiec_p_above_5pct": kupiec_pass,
            "winkler_mean": float(rows["Winkler"].mean()),
        }
        print(
            f"{name:>14}: |coverage - level| {gap:5.2f} points; calm - volatile"
            f" {regime_gap:5.1f} points; Kupiec p > 0.05 in {100 * kupiec_pass:.0f}% of cases"
        )
    chosen = min(scores, key=scores.__getitem__)
    method, window = chosen.split("/")
    print(f"chosen on the selection years: {chosen}")
    last = year(series, LAST_END, method, int(window))
    report["chosen"] = chosen
    report["last_year"] = last.drop(columns=["end"]).to_dict(orient="records")
    for _, row in last.iterrows():
        print(
            f"last year, {row['model']:>5} h={row['h']} {row['level']:g}%:"
            f" coverage {row['cover%']:.1f} (calm {row['cover calm%']:.1f},"
            f" volatile {row['cover volatile%']:.1f}), Kupiec p {row['Kupiec p']:.3f}"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, default=float) + "\n")


if __name__ == "__main__":
    main()
