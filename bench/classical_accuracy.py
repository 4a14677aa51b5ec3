"""How the classical models and boost do against naive on real series' last year: measured,
not tuned (every model at its defaults).

    python bench/classical_accuracy.py --data ../shared/data/btc-usd-daily.csv \
        --panel ../shared/data/panel

For the BTC file and a few panel series (crypto and a US index fund; the last 365 days of a
daily series, the last 252 of a trading-day one), a walk-forward refit every 30 days on
everything before, forecasting 1 and 7 days ahead from every test day: arima, ets, theta
and boost (one LightGBM thread: the machine is shared) beside naive. Writes MAE/naive and
the Diebold-Mariano p (two-sided, against naive) per model, series and horizon to
bench/results/classical_accuracy.json. Nothing here is expected to beat naive.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

from seqcast.data.load import read_prices
from seqcast.errors import Note
from seqcast.evaluate.backtest import backtest
from seqcast.evaluate.metrics import naive_scale, score_table
from seqcast.models import boost, statistical
from seqcast.models.baselines import NaiveForecaster

HERE = Path(__file__).resolve().parent
PANEL = ("ETH-USD", "XRP-USD", "LTC-USD", "SPY", "AAPL")
REFIT, HORIZON = 30, 7


def models() -> dict:
    chosen = {name: statistical.make(name) for name in statistical.CLASSES}
    chosen["boost"] = boost.make("boost", {"num_threads": 1})
    return {**chosen, "naive": NaiveForecaster()}


def measure(path: Path) -> dict:
    loaded = read_prices(path)
    series = loaded.series
    test_days = 365 if loaded.calendar == "daily" else 252
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always", Note)
        result = backtest(series, models(), test_days, REFIT, horizon=HORIZON)
    columns = [c for c in result.table.columns if c in models() and c != "naive"]
    scale = naive_scale(series.to_numpy()[: len(series) - test_days])
    scores = score_table(result.table, columns, scale)
    rows = {
        f"{column} h={h}": {"MAE/naive": row["MAE/naive"], "DM p": row["DM p"]}
        for (column, h), row in scores.iterrows()
        if h in (1, HORIZON)
    }
    fitted = {name: f.fit_info() for name, f in result.fitted.items() if name != "naive"}
    return {
        "file": str(path),
        "test_days": test_days,
        "first_test_date": str(series.index[-test_days].date()),
        "seconds": time.perf_counter() - start,
        "last_fit": fitted,
        "notes": sorted({str(n.message) for n in notes if issubclass(n.category, Note)}),
        "scores": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the BTC file")
    parser.add_argument("--panel", required=True, help="the panel folder")
    parser.add_argument("--out", default=str(HERE / "results" / "classical_accuracy.json"))
    args = parser.parse_args()
    files = {"btc-usd-daily": Path(args.data)}
    files |= {name: Path(args.panel) / f"{name}.csv" for name in PANEL}
    report = {}
    for name, path in files.items():
        report[name] = measure(path)
        print(name, json.dumps(report[name]["scores"]))
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
