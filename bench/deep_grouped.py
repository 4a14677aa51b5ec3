"""What training direct deep members together costs, against training each alone.

    python bench/deep_grouped.py --data ../shared/data/btc-usd-daily.csv

The job: a walk-forward's fits of one direct model (`--model`, default dlinear; its preset,
`--epochs` at most) on the file's history before its last 365 days (that year is the
held-out check: nothing here reads it): `--refits` histories 30 days apart, `--seeds` seeds
each. Runs alternate in one process — all members through one `fit_many` (grouped), then
each member's own `fit` — `--pairs` times, and each pair's ratio is reported (this
machine's speed drifts: only alternated runs compare). The forecasts of both are compared
too (they must agree to 1e-5). Results are printed and written to
bench/results/deep_grouped.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from seqcast import runtime
from seqcast.data.load import read_prices
from seqcast.models import registry
from seqcast.models.base import FitJob, clone, fit_all

HERE = Path(__file__).resolve().parent


def jobs(model: str, epochs: int, series, refits: int, seeds: int) -> list[FitJob]:  # type: ignore[no-untyped-def]
    proto = registry.make(model, {"epochs": epochs, "horizon": 7})
    ends = [len(series) - 30 * k for k in range(refits)]
    return [
        FitJob(clone(proto).set_params(seed=s), series.iloc[:end])
        for end in ends
        for s in range(seeds)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", default="dlinear")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--refits", type=int, default=6)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="PyTorch's (its default)")
    parser.add_argument("--out", default=str(HERE / "results" / "deep_grouped.json"))
    args = parser.parse_args()
    runtime.prepare(args.threads)
    series = read_prices(args.data).series.iloc[:-365]  # never the held-out year
    origins = np.arange(len(series) - 20, len(series))
    times: dict[str, list[float]] = {"grouped": [], "alone": []}
    largest = 0.0
    for _ in range(args.pairs):
        together = jobs(args.model, args.epochs, series, args.refits, args.seeds)
        start = time.perf_counter()
        fit_all(together)
        times["grouped"].append(time.perf_counter() - start)
        alone = jobs(args.model, args.epochs, series, args.refits, args.seeds)
        start = time.perf_counter()
        for job in alone:
            job.forecaster.fit(job.y)
        times["alone"].append(time.perf_counter() - start)
        for a, b in zip(together, alone, strict=True):
            pa = a.forecaster.predict(series, origins, 7)
            pb = b.forecaster.predict(series, origins, 7)
            largest = max(largest, float(np.max(np.abs(pa / pb - 1))))
    ratios = [g / a for g, a in zip(times["grouped"], times["alone"], strict=True)]
    members = args.refits * args.seeds
    for name, values in times.items():
        print(f"{name:>8}: {', '.join(f'{v:.2f}' for v in values)} s for {members} members")
    print(f"grouped / alone: {min(ratios):.2f}x-{max(ratios):.2f}x")
    print(f"largest relative forecast difference: {largest:.2e}")
    report = {"args": vars(args), "seconds": times, "ratios": ratios, "largest_diff": largest}
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
