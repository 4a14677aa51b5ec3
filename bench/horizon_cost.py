"""What forecasting 7 days ahead with intervals costs, against the same backtest 1 day ahead.

    python bench/horizon_cost.py --data ../shared/data/btc-usd-daily.csv

The job: the `gru` preset over the last 365 days, refit every 30 days, 80% and 95% intervals
(their calibration year refit on the same schedule). Runs alternate in one process —
horizon 7, horizon 1, horizon 1 without intervals — `--pairs` times, and the ratios of each
pair are reported (this machine's speed drifts: only alternated runs compare).
Results are printed and written to bench/results/horizon_cost.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from seqcast import runtime
from seqcast.data.load import read_prices
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

HERE = Path(__file__).resolve().parent


def seconds(data, horizon: int, levels: tuple[float, ...], epochs: int) -> float:  # type: ignore[no-untyped-def]
    evaluation = Evaluation(test_days=365, refit_every=30, horizon=horizon, levels=levels)
    model = registry.make("gru", {"epochs": epochs})
    start = time.perf_counter()
    Experiment({"gru": model}, evaluation).run(data)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=10, help="at most, per fit")
    parser.add_argument("--out", default=str(HERE / "results" / "horizon_cost.json"))
    args = parser.parse_args()
    runtime.prepare()  # the process settings seqcast's CLI applies (memory reuse)
    data = read_prices(args.data)
    seconds(data, 1, (), 1)  # warm-up: kernels, caches
    runs: dict[str, list[float]] = {"h7+intervals": [], "h1+intervals": [], "h1": []}
    for _ in range(args.pairs):
        runs["h7+intervals"].append(seconds(data, 7, (80.0, 95.0), args.epochs))
        runs["h1+intervals"].append(seconds(data, 1, (80.0, 95.0), args.epochs))
        runs["h1"].append(seconds(data, 1, (), args.epochs))
    vs_h1 = [a / b for a, b in zip(runs["h7+intervals"], runs["h1+intervals"], strict=True)]
    vs_plain = [a / b for a, b in zip(runs["h7+intervals"], runs["h1"], strict=True)]
    for name, values in runs.items():
        print(f"{name:>13}: {', '.join(f'{v:.1f}' for v in values)} s")
    print(f"horizon 7 / horizon 1, both with intervals: {min(vs_h1):.2f}x-{max(vs_h1):.2f}x")
    print(
        f"horizon 7 with intervals / horizon 1 without: {min(vs_plain):.2f}x-{max(vs_plain):.2f}x"
    )
    report = {
        "epochs": args.epochs,
        "seconds": runs,
        "h7_over_h1": vs_h1,
        "h7_over_h1_plain": vs_plain,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
