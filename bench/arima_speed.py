"""An ARIMA walk-forward through seqcast against StatsForecast's own cross_validation on the
same job, in one script, alternated.

    python bench/arima_speed.py --data ../shared/data/btc-usd-daily.csv

The job: AutoARIMA (StatsForecast's defaults) on the file's log closes, the last 365 days
forecast one day ahead, refit every 30 days on everything before (13 fits); between refits
the fitted model is filtered forward over the new days. StatsForecast runs it as
`cross_validation(h=1, step_size=1, n_windows=365, refit=30)`, which calls `forward` on the
whole history for every day; seqcast as `backtest(..., refit_every=30)`, which filters each
fit's days in one pass (models/refilter.py). Each pair runs StatsForecast first; both get
one warm-up run on a short job before. Writes bench/results/arima_speed.json: each pair's
seconds and ratio, seqcast's time split into fitting and forecasting, the largest relative
difference between the two jobs' forecasts, and the machine's load average (the machine is
shared, so compare ratios, not seconds). The forecasting alone is also timed on one fit:
its 365 `forward` + `predict` calls against one seqcast `predict` from the 365 origins.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoARIMA

from seqcast.data.load import read_prices
from seqcast.evaluate.backtest import Walk
from seqcast.models.base import fit_all
from seqcast.models.statistical import make

HERE = Path(__file__).resolve().parent
TEST_DAYS, REFIT = 365, 30


def statsforecast_job(series: pd.Series, test_days: int) -> np.ndarray:
    frame = pd.DataFrame({"unique_id": "s", "ds": series.index, "y": np.log(series.to_numpy())})
    library = StatsForecast(models=[AutoARIMA()], freq="D")
    result = library.cross_validation(df=frame, h=1, step_size=1, n_windows=test_days, refit=REFIT)
    return np.exp(result["AutoARIMA"].to_numpy())


def seqcast_job(series: pd.Series, test_days: int) -> tuple[np.ndarray, float, float, list]:
    """Forecasts, seconds fitting, seconds forecasting, the fitted models' orders."""
    walk = Walk(series, {"arima": make("arima")}, test_days, refit_every=REFIT)
    start = time.perf_counter()
    fit_all(walk.jobs())
    fitted = time.perf_counter()
    table = walk.result().table
    done = time.perf_counter()
    orders = [job.forecaster.fit_info()["model"] for job in walk.jobs()]
    return table["arima"].to_numpy(), fitted - start, done - fitted, orders


def forecasting_alone(series: pd.Series) -> dict[str, float]:
    """One fit on the days before the test year; its forecasts of the test year, as
    cross_validation makes them (forward per day) and as seqcast does (one pass)."""
    start = len(series) - TEST_DAYS
    model = make("arima").fit(series.iloc[:start])
    library = AutoARIMA()
    library.model_ = model.model_  # type: ignore[attr-defined]
    x = np.log(series.to_numpy())
    began = time.perf_counter()
    theirs = [library.forward(y=x[:t], h=1)["mean"][0] for t in range(start, len(x))]
    library_s = time.perf_counter() - began
    began = time.perf_counter()
    ours = model.predict(series, np.arange(start, len(x)))[:, 0]
    seqcast_s = time.perf_counter() - began
    assert np.allclose(np.log(ours), theirs, rtol=0, atol=1e-9)
    return {"forward_per_day_s": library_s, "seqcast_predict_s": seqcast_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--pairs", type=int, default=3, help="alternated pairs")
    parser.add_argument("--out", default=str(HERE / "results" / "arima_speed.json"))
    args = parser.parse_args()
    series = read_prices(args.data).series
    statsforecast_job(series.iloc[:400], 30)  # warm-up: imports, first calls
    seqcast_job(series.iloc[:400], 30)
    pairs = []
    for _ in range(args.pairs):
        start = time.perf_counter()
        theirs = statsforecast_job(series, TEST_DAYS)
        library_s = time.perf_counter() - start
        start = time.perf_counter()
        ours, fitting_s, forecasting_s, orders = seqcast_job(series, TEST_DAYS)
        seqcast_s = time.perf_counter() - start
        pairs.append(
            {
                "statsforecast_s": library_s,
                "seqcast_s": seqcast_s,
                "seqcast_over_statsforecast": seqcast_s / library_s,
                "seqcast_fitting_s": fitting_s,
                "seqcast_forecasting_s": forecasting_s,
                "max_relative_difference": float(np.max(np.abs(ours / theirs - 1))),
                "load_average_1min": os.getloadavg()[0],
            }
        )
        print(json.dumps(pairs[-1]))
    ratios = [p["seqcast_over_statsforecast"] for p in pairs]
    alone = [forecasting_alone(series) for _ in range(3)]
    report = {
        "job": f"AutoARIMA on log closes, last {TEST_DAYS} days, h=1, refit every {REFIT}",
        "data": str(args.data),
        "days": len(series),
        "fits": len(orders),
        "orders": orders,
        "ratio_range": [min(ratios), max(ratios)],
        "pairs": pairs,
        "forecasting_alone": alone,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"seqcast / StatsForecast wall time: {min(ratios):.2f}x-{max(ratios):.2f}x")
    print("forecasting alone:", json.dumps(alone))


if __name__ == "__main__":
    main()
