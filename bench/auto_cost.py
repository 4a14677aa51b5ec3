"""What `auto` costs beside what it replaces: issue 21's budget, whole commands alternated.

    python bench/auto_cost.py --data ../shared/data/btc-usd-daily.csv --pairs 2

`seqcast compare --models naive,auto --test-days 365 --refit-every 30` (auto with its default
candidates: its validation backtest is the one run) against `seqcast compare --models
naive,gru --test-days 365 --refit-every 30 --levels 80,95` (the previous default with
intervals), each a fresh process, alternated `--pairs` times; the ratio of each pair is
reported (target: auto within 3x). Written to bench/results/auto_cost.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMON = ["--test-days", "365", "--refit-every", "30", "--seeds", "1", "-q", "--no-report"]
JOBS = {
    "naive,auto": ["--models", "naive,auto"],
    "naive,gru +levels": ["--models", "naive,gru", "--levels", "80,95"],
}


def seconds(data: str, extra: list[str]) -> float:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "seqcast", "compare", "--data", data, *COMMON, *extra]
        start = time.perf_counter()
        subprocess.run([*command, "--out", f"{out}/run"], check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--out", default=str(HERE / "results" / "auto_cost.json"))
    args = parser.parse_args()
    runs: dict[str, list[float]] = {name: [] for name in JOBS}
    for _ in range(args.pairs):
        for name, extra in JOBS.items():
            runs[name].append(seconds(args.data, extra))
    ratios = [a / b for a, b in zip(*runs.values(), strict=True)]
    for name, values in runs.items():
        print(f"{name:>18}: {', '.join(f'{v:.1f}' for v in values)} s")
    print(f"auto / gru with intervals: {min(ratios):.2f}x-{max(ratios):.2f}x (target <= 3x)")
    report = {"seconds": runs, "ratio": ratios, "command": COMMON}
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
