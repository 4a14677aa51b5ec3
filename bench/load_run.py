"""How long loading a saved run takes, before (a run was scored again on every load) and now
(a loaded run reads its saved scores): issue 19's "a served model loads in milliseconds".

    python bench/load_run.py --data ../shared/data/btc-usd-daily.csv --before OLD/src

Each version writes the same run (`--models`, by default naive, drift, ma:7 and gru with 2
seeds; 365 test days, refit every 30, 80/95% intervals, 2 epochs) with its own code; then
`runs.load` of each is timed in fresh processes, alternated `--pairs` times (imports
excluded). Written to bench/results/load_run.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEW = HERE.parent / "src"
ARGS = ["--seeds", "2", "--epochs", "2", "--test-days", "365", "--refit-every", "30",
        "--levels", "80,95", "-q", "--no-report"]  # fmt: skip
TIMER = (
    "import sys, time; from seqcast import runs; start = time.perf_counter();"
    " runs.load(sys.argv[1]); print(time.perf_counter() - start)"
)


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--before", required=True, help="the src/ of the version to compare")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument(
        "--models", default="naive,drift,ma:7,gru", help="gru's load includes importing torch"
    )
    parser.add_argument("--out", default=str(HERE / "results" / "load_run.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        versions = {"before": Path(args.before).resolve(), "now": NEW}
        runs = {name: Path(folder) / name for name in versions}
        for name, src in versions.items():
            command = [sys.executable, "-m", "seqcast", "compare", "--data", args.data, *ARGS]
            command += ["--models", args.models]
            out = ["--out", str(runs[name])]
            subprocess.run([*command, *out], env=_env(src), check=True, capture_output=True)
        seconds: dict[str, list[float]] = {name: [] for name in versions}
        for _ in range(args.pairs):
            for name, src in versions.items():
                done = subprocess.run(
                    [sys.executable, "-c", TIMER, str(runs[name])],
                    env=_env(src),
                    check=True,
                    capture_output=True,
                    text=True,
                )
                seconds[name].append(float(done.stdout.strip().splitlines()[-1]))
    ratios = [b / n for b, n in zip(seconds["before"], seconds["now"], strict=True)]
    for name, values in seconds.items():
        print(f"{name:>6}: {', '.join(f'{1000 * v:.0f} ms' for v in values)}")
    print(f"before / now: {min(ratios):.1f}x-{max(ratios):.1f}x")
    report = {"models": args.models, "seconds": seconds, "ratio": ratios, "run": ARGS}
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
