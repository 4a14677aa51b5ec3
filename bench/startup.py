"""Start-up cost of seqcast, measured as whole processes (what a user waits for).

    python bench/startup.py --data ../shared/data/btc-usd-daily.csv [--before OLD/src]

- `seqcast --help`: wall time of the process;
- a 1-epoch tutorial `run`: wall time minus the epoch's own time (read from the saved run),
  i.e. everything that is not training: imports, loading, windows, forecasts, scores, files.
With `--before`, the same commands of another seqcast source tree (e.g. a checkout of an
older commit, run with this environment's packages) alternate with this one, run by run,
and the ratio is reported: this machine's speed drifts, so only alternated pairs compare.
Results are printed and written to bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "src"


def timed(command: list[str], source: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(source)}
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def help_seconds(source: Path) -> float:
    return timed([sys.executable, "-m", "seqcast", "--help"], source)


def run_overhead(source: Path, data: str) -> tuple[float, float]:
    """(wall seconds, epoch seconds) of a 1-epoch tutorial run."""
    with tempfile.TemporaryDirectory() as runs:
        command = [sys.executable, "-m", "seqcast", "run", "--data", data, "--epochs", "1"]
        wall = timed([*command, "--quiet", "--runs-dir", runs, "--name", "r"], source)
        return wall, _epoch_seconds(Path(runs) / "r")


def _epoch_seconds(run: Path) -> float:
    model = run / "models" / "tutorial@0.json"
    if model.is_file():  # this layout
        return float(json.loads(model.read_text())["history"][0]["seconds"])
    metrics = json.loads((run / "metrics.json").read_text())  # seqcast 0.1.0
    return float(metrics["mean_epoch_seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--before", type=Path, help="src/ of another seqcast to compare with")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "results" / "startup.json"))
    args = parser.parse_args()

    sources = {"now": SOURCE, **({"before": args.before.resolve()} if args.before else {})}
    helps: dict[str, list[float]] = {name: [] for name in sources}
    overheads: dict[str, list[float]] = {name: [] for name in sources}
    epochs: dict[str, list[float]] = {name: [] for name in sources}
    for source in sources.values():  # warm the file cache and the kernel build
        run_overhead(source, args.data)
    for _ in range(args.repeats):
        for name, source in sources.items():  # alternated, run by run
            helps[name].append(help_seconds(source))
            wall, epoch = run_overhead(source, args.data)
            overheads[name].append(wall - epoch)
            epochs[name].append(epoch)

    report = {"repeats": args.repeats, "python": sys.version.split()[0], "results": {}}
    for name in sources:
        row = {
            "help_s": _spread(helps[name]),
            "run_non_epoch_s": _spread(overheads[name]),
            "epoch_s": _spread(epochs[name]),
        }
        report["results"][name] = row
        print(
            f"{name:>6}: seqcast --help {row['help_s']['median']:.2f} s"
            f" ({row['help_s']['min']:.2f}-{row['help_s']['max']:.2f});"
            f" 1-epoch run without its epoch {row['run_non_epoch_s']['median']:.2f} s"
            f" ({row['run_non_epoch_s']['min']:.2f}-{row['run_non_epoch_s']['max']:.2f})"
        )
    if args.before:
        pairs = zip(overheads["before"], overheads["now"], strict=True)
        ratios = [before / now for before, now in pairs]
        report["non_epoch_ratio_before_over_now"] = _spread(ratios)
        print(f"non-epoch time, before / now: {min(ratios):.2f}x-{max(ratios):.2f}x")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


if __name__ == "__main__":
    main()
