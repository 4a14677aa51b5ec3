"""Tuning throughput: trials per hour with `--jobs 2` against `--jobs 1` on this machine.

    python bench/tune_jobs.py --data ../shared/data/btc-usd-daily.csv

Every trial is the same work (the `gru` preset's settings, every search dimension fixed,
scored on 3 folds of 90 days before the last 365), so the trials per hour of each run
compare directly. Runs alternate 1 worker, 2 workers, `--pairs` times, each a fresh study
of `--trials` trials; the ratio of each pair is reported (this machine's speed drifts: only
alternated runs compare). Results: bench/results/tune_jobs.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from seqcast import runtime
from seqcast.data.load import Loaded, read_prices
from seqcast.tune.search import Folds, Search, open_study, optimize
from seqcast.tune.space import Dimension

HERE = Path(__file__).resolve().parent


def trials_per_hour(data: Loaded, search: Search, trials: int, jobs: int) -> tuple[float, float]:
    """Trials per hour, and the CPU cores the run kept busy on average."""
    with tempfile.TemporaryDirectory() as directory:
        storage = f"sqlite:///{directory}/study.db"
        study = open_study(storage, "bench", search, data)
        start, cpu = time.perf_counter(), _cpu_seconds()
        optimize(search, data, study, storage, trials, jobs)
        wall = time.perf_counter() - start
        return trials * 3600 / wall, (_cpu_seconds() - cpu) / wall


def _cpu_seconds() -> float:
    """User and system time of this process and of its finished children (the workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--out", default=str(HERE / "results" / "tune_jobs.json"))
    args = parser.parse_args()
    runtime.prepare()  # the process settings seqcast's CLI applies (memory reuse)
    data = read_prices(args.data)
    fixed = {"epochs": args.epochs, "units": 64, "dropout": 0.2, "window": 60}
    space = {k: Dimension(k, choices=(v,)) for k, v in fixed.items()}
    search = Search("gru", space, Folds(3, 90, 365))
    trials_per_hour(data, search, 1, 1)  # warm-up: kernels, caches
    runs: dict[str, list[float]] = {"jobs 1": [], "jobs 2": []}
    cores: dict[str, list[float]] = {"jobs 1": [], "jobs 2": []}
    for _ in range(args.pairs):
        for jobs in (1, 2):
            rate, busy = trials_per_hour(data, search, args.trials, jobs)
            runs[f"jobs {jobs}"].append(rate)
            cores[f"jobs {jobs}"].append(busy)
    ratios = [b / a for a, b in zip(runs["jobs 1"], runs["jobs 2"], strict=True)]
    for name, values in runs.items():
        busy = ", ".join(f"{c:.2f}" for c in cores[name])
        print(f"{name}: {', '.join(f'{v:.0f}' for v in values)} trials/hour; cores busy {busy}")
    print(f"jobs 2 / jobs 1: {min(ratios):.2f}x-{max(ratios):.2f}x (target 1.6x)")
    report = {
        "trials": args.trials,
        "epochs": args.epochs,
        "trials_per_hour": runs,
        "cores_busy": cores,
        "ratios": ratios,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
