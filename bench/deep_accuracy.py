"""How a direct deep model does beside naive, with intervals from its quantile heads.

    python bench/deep_accuracy.py --data ../shared/data/btc-usd-daily.csv

The job: the file's history without its last 365 days (the held-out year: nothing here
reads it), the 365 days before them as the test period, refit every 30 days, `--seeds`
seeds, horizons 1 and 7, 80% and 95% intervals by `--intervals` (cqr by default) over a
365-day calibration. The model is its preset, untouched (nothing is tuned here). Printed:
MAE/naive and Diebold-Mariano p per horizon, and each interval's coverage, width and
Winkler score beside naive's (conformal). Written to bench/results/deep_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from seqcast import runtime
from seqcast.data.load import Loaded, read_prices
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", default="dlinear")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--intervals", default="cqr")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", default=str(HERE / "results" / "deep_accuracy.json"))
    args = parser.parse_args()
    runtime.prepare(args.threads)
    loaded = read_prices(args.data)
    data = Loaded(loaded.series.iloc[:-365], loaded.layout, source=args.data)  # no held-out
    report: dict = {"args": vars(args), "horizons": {}}
    for horizon in (1, 7):
        evaluation = Evaluation(
            test_days=365,
            refit_every=30,
            horizon=horizon,
            levels=(80.0, 95.0),
            intervals=args.intervals,
        )
        start = time.perf_counter()
        experiment = Experiment(
            {args.model: registry.make(args.model)}, evaluation, tuple(range(args.seeds))
        )
        result = experiment.run(data)
        took = time.perf_counter() - start
        summary = result.summary(horizon)
        points = summary[["MAE", "MAE/naive", "DM p"]].reset_index()
        intervals = result.interval_summary()
        assert intervals is not None
        columns = ["model", "h", "level", "cover%", "width", "Winkler", "Kupiec p"]
        shown = intervals.reset_index()
        shown = shown[shown["h"] == horizon][[c for c in columns if c in shown]]
        print(f"h = {horizon} ({took:.0f} s)\n{points.to_string()}\n{shown.to_string()}\n")
        report["horizons"][horizon] = {
            "seconds": took,
            "points": json.loads(points.to_json(orient="records")),
            "intervals": json.loads(shown.to_json(orient="records")),
        }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
