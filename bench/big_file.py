"""Loading a Kaggle-style 1-minute BTC file: time and peak memory, in a fresh process.

    python bench/big_file.py

Generates (once, in bench/.cache/) a file shaped like Kaggle's Bitstamp 1-minute history:
4.8 million rows of `Timestamp,Open,High,Low,Close,Volume_(BTC),Volume_(Currency),
Weighted_Price`, about 30% of them empty minutes (NaN), 186 MB. Then loads it with
`seqcast.data.load.read_prices` in child processes (`--repeats` times), each reporting its
wall time and peak resident memory (VmHWM). Results go to bench/results/big_file.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROWS = 4_800_000

CHILD = """
import time, sys
start = time.perf_counter()
from seqcast.data.load import read_prices
loaded = read_prices(sys.argv[1])
seconds = time.perf_counter() - start
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(seconds, peak / 1024, len(loaded.series))
"""


def make_file(path: Path) -> None:
    rng = np.random.default_rng(0)
    stamps = 1_325_317_920 + 60 * np.arange(ROWS)
    close = 4.39 * np.exp(np.cumsum(rng.normal(0, 0.0012, ROWS)))
    empty = rng.random(ROWS) < 0.3
    frame = pd.DataFrame(
        {
            "Timestamp": stamps,
            "Open": close * (1 + rng.normal(0, 1e-4, ROWS)),
            "High": close * 1.0005,
            "Low": close * 0.9995,
            "Close": close,
            "Volume_(BTC)": rng.exponential(2.0, ROWS),
            "Volume_(Currency)": rng.exponential(2000.0, ROWS),
            "Weighted_Price": close,
        }
    )
    frame.loc[empty, frame.columns[1:]] = np.nan
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format="%.8g")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "results" / "big_file.json"))
    args = parser.parse_args()
    path = HERE / ".cache" / "bitstamp-1min.csv"
    if not path.is_file():
        make_file(path)
    runs = []
    for _ in range(args.repeats):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], check=True, capture_output=True, text=True
        ).stdout.split()
        runs.append({"seconds": float(out[0]), "peak_mb": float(out[1]), "days": int(out[2])})
        print(f"{runs[-1]['seconds']:.2f} s, peak {runs[-1]['peak_mb']:.0f} MB, {out[2]} days")
    report = {
        "file_mb": path.stat().st_size / 1e6,
        "rows": ROWS,
        "runs": runs,
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "max_peak_mb": max(r["peak_mb"] for r in runs),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
