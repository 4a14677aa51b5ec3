"""A watch-list on one machine: the panel as one `compare` against one `compare` per series.

    python bench/panel_scale.py --panel ../shared/data/panel --series 4 --repeats 2
    python bench/panel_scale.py --panel ../shared/data/panel --full --out bench/results/x.json

The job (issue 24): the last 365 days of every series, refit every 30 days, `naive,drift,gru`
(one seed) with 80 and 95% intervals: `seqcast compare --data A --data B ... --test-days 365
--refit-every 30 --levels 80,95 --seeds 1`, a fresh process as users run it. `--series N`
takes the panel's first N files (sorted by name) and alternates, `--repeats` times, the panel
run (all N in one command: their fits train together) with the same series one after another
(a separate command each, sequentially); each pair's ratio is reported. `--full` runs the
whole folder once as one command (`--data DIR`), against the issue's targets: at most 30
minutes and 3 GB on this 2-core machine. Wall time, the peak resident memory of each command
(its own rusage, from wait4), fits per minute (every model column's fits, calibration's
included, as compare's progress counts them) and the load average before and after each run
go to bench/results/panel_scale.json (or `--out`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seqcast.config import plan
from seqcast.data.watchlist import price_files
from seqcast.evaluate.backtest import fit_origins

HERE = Path(__file__).resolve().parent
COMMON = ["--test-days", "365", "--refit-every", "30", "--levels", "80,95", "--seeds", "1"]
QUIET = ["-q", "--no-report"]


def command(data: list[str], models: str, out: str) -> dict[str, Any]:
    """One `seqcast compare` in a fresh process: wall seconds, its peak RSS, load averages."""
    argv = [sys.executable, "-m", "seqcast", "compare", *(a for d in data for a in ("--data", d))]
    argv += ["--models", models, *COMMON, *QUIET, "--out", out]
    load_before = os.getloadavg()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(argv, stdout=log, stderr=log)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not all children's
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        if child.returncode != 0:
            log.seek(0)
            sys.exit(f"{' '.join(argv)} failed:\n{log.read().decode()[-2000:]}")
    return {
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,  # Linux: kilobytes
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }


def fits(data: list[str], models: str) -> int:
    """The fits compare counts for this job: every model column at every fit origin."""
    settings = {"data": data, "models": models, "test_days": 365, "refit_every": 30}
    with warnings.catch_warnings():  # the commands say the data's notes; once is enough
        warnings.simplefilter("ignore")
        experiment, loaded, _ = plan({**settings, "levels": [80, 95], "seeds": 1}, "compare")
    calibration, columns = experiment.calibration_days(), sum(map(len, experiment.runs().values()))
    return sum(columns * len(fit_origins(len(d.series), 365, 30, calibration)) for d in loaded)


def panel_vs_separate(
    files: list[str], models: str, repeats: int, save: Callable[[list[dict[str, Any]]], None]
) -> list[dict[str, Any]]:
    """`repeats` pairs: the series as one panel command, then one command per series (each
    pair saved as it ends: a long run stopped early keeps what it measured)."""
    pairs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as out:
        for k in range(repeats):
            panel = command(files, models, f"{out}/panel-{k}")
            each = [command([f], models, f"{out}/{Path(f).stem}-{k}") for f in files]
            separate = {
                "seconds": sum(e["seconds"] for e in each),
                "peak_mb": max(e["peak_mb"] for e in each),
                "cpu_s": sum(e["cpu_s"] for e in each),
                "per_series_seconds": {
                    Path(f).stem: e["seconds"] for f, e in zip(files, each, strict=True)
                },
                "load_before": each[0]["load_before"],
                "load_after": each[-1]["load_after"],
            }
            pairs.append({"panel": panel, "separate": separate})
            save(pairs)
            print(
                f"pair {k + 1}: panel {panel['seconds']:.0f} s ({panel['cpu_s']:.0f} cpu s,"
                f" {panel['peak_mb']:.0f} MB), separate {separate['seconds']:.0f} s"
                f" ({separate['cpu_s']:.0f} cpu s, {separate['peak_mb']:.0f} MB):"
                f" {separate['seconds'] / panel['seconds']:.2f}x;"
                f" load {panel['load_before'][0]:.1f}..{separate['load_after'][0]:.1f}",
                flush=True,
            )
    return pairs


def summary(pairs: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """Ranges over the pairs: seconds, peak MB, fits per minute, separate/panel ratio."""

    def spread(values: list[float]) -> list[float]:
        return [min(values), max(values)]

    out: dict[str, Any] = {}
    for side in ("panel", "separate"):
        seconds = [p[side]["seconds"] for p in pairs]
        out[side] = {
            "seconds": spread(seconds),
            "cpu_s": spread([p[side]["cpu_s"] for p in pairs]),
            "peak_mb": spread([p[side]["peak_mb"] for p in pairs]),
            "fits_per_minute": spread([count * 60 / s for s in seconds]),
        }
    for what in ("seconds", "cpu_s"):
        out[f"separate_over_panel_{what}"] = spread(
            [p["separate"][what] / p["panel"][what] for p in pairs]
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panel", required=True, help="the folder of price files")
    parser.add_argument("--series", type=int, default=4, help="the first N files (alternated)")
    parser.add_argument("--repeats", type=int, default=2, help="alternated pairs")
    parser.add_argument("--full", action="store_true", help="only: the whole folder, once")
    parser.add_argument("--models", default="naive,drift,gru")
    parser.add_argument("--out", default=str(HERE / "results" / "panel_scale.json"))
    args = parser.parse_args()
    files = [str(f) for f in price_files(args.panel)]
    report: dict[str, Any] = {"job": ["--models", args.models, *COMMON], "cpus": os.cpu_count()}
    if args.full:
        count = fits(files, args.models)
        with tempfile.TemporaryDirectory() as out:
            run = command([args.panel], args.models, f"{out}/panel")
        run["fits_per_minute"] = count * 60 / run["seconds"]
        report |= {"series": len(files), "fits": count, "full_panel": run}
        print(
            f"{len(files)} series, {count} fits: {run['seconds'] / 60:.1f} min,"
            f" {run['peak_mb']:.0f} MB peak, {run['fits_per_minute']:.0f} fits/min"
            f" (targets: 30 min, 3072 MB); load {run['load_before']} -> {run['load_after']}",
            flush=True,
        )
    else:
        chosen = files[: args.series]
        count = fits(chosen, args.models)
        report |= {"series": [Path(f).stem for f in chosen], "fits": count}

        def save(pairs: list[dict[str, Any]]) -> None:
            write(args.out, report | {"pairs": pairs, "summary": summary(pairs, count)})

        panel_vs_separate(chosen, args.models, args.repeats, save)
        return
    write(args.out, report)


def write(path: str, report: dict[str, Any]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
