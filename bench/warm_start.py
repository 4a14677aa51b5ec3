"""Warm-started daily refits against cold ones, in one script, alternated.

    python bench/warm_start.py --data ../shared/data/btc-usd-daily.csv            # speed
    python bench/warm_start.py --data ../shared/data/btc-usd-daily.csv --accuracy # README

Speed (issue #26): the default neural preset (`gru`, as the registry builds it), one seed,
a walk-forward refit every day. Cold fits of all refits train as one grouped network;
warm refits form a chain, each starting from the one before. The whole 365-day job is
measured warm once; cold 365 daily refits are too long to run repeatedly on a shared
2-core machine, so cold and warm alternate (cold first) on a subset: the first `--subset`
days of the same test year (the series cut where that subset ends), `--pairs` times.
Cold's 365-day time is extrapolated from its subset time (refits are independent fits of
about the same size: time scales with their number); the script says so in its output.

Accuracy (`--accuracy`): on the selection year (the 365 days ending 365 days before the
file ends; the last year is never looked at), warm vs cold refits every `--refit-every`
days for each preset of the neural family (the family that can warm-start): MAE/naive of
each and a two-sided Diebold-Mariano p-value between warm and cold.

Results go to bench/results/warm_start.json (or warm_start_accuracy.json), with the load
average before and after each measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqcast import runtime
from seqcast.data.load import read_prices
from seqcast.evaluate.backtest import backtest
from seqcast.evaluate.metrics import mae
from seqcast.evaluate.significance import diebold_mariano
from seqcast.models import registry
from seqcast.models.baselines import NaiveForecaster

HERE = Path(__file__).resolve().parent
YEAR = 365


def walk(series: pd.Series, name: str, test_days: int, refit: int, warm: bool) -> dict[str, Any]:
    """One walk-forward of the preset `name`: its seconds, MAE, naive's MAE and forecasts."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    result = backtest(
        series,
        {"m": registry.make(name), "naive": NaiveForecaster()},
        test_days,
        refit,
        warm_start=warm,
    )
    seconds = time.perf_counter() - start
    table = result.table
    return {
        "seconds": seconds,
        "MAE": mae(table["y"].to_numpy(), table["m"].to_numpy()),
        "naive_MAE": mae(table["y"].to_numpy(), table["naive"].to_numpy()),
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "forecasts": table["m"].to_numpy(),
        "y": table["y"].to_numpy(),
        "naive": table["naive"].to_numpy(),
    }


def shown(run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if not isinstance(v, np.ndarray)}


def speed(
    series: pd.Series, subset: int, pairs: int, full: bool, only_full: bool
) -> dict[str, Any]:
    n = len(series)
    part = series.iloc[: n - YEAR + subset]  # the first `subset` days of the test year
    if not only_full:  # warm-up: compiled loops, caches
        walk(part.iloc[: -subset + 2], "gru", 2, 1, True)
    rows = []
    for _ in range(0 if only_full else pairs):
        cold = walk(part, "gru", subset, 1, False)
        warm = walk(part, "gru", subset, 1, True)
        row = {
            "cold": shown(cold),
            "warm": shown(warm),
            "speed-up": cold["seconds"] / warm["seconds"],
            "MAE warm / cold - 1": warm["MAE"] / cold["MAE"] - 1,
        }
        print(
            f"{subset} daily refits: cold {cold['seconds']:.1f} s, warm {warm['seconds']:.1f} s"
            f" ({row['speed-up']:.1f}x); MAE cold {cold['MAE']:.2f}, warm {warm['MAE']:.2f}"
            f" ({100 * row['MAE warm / cold - 1']:+.2f}%); load {cold['load_before']:.2f}",
            flush=True,
        )
        rows.append(row)
    report: dict[str, Any] = {"subset_days": subset, "pairs": rows}
    if rows:
        cold_s = [r["cold"]["seconds"] for r in rows]
        extrapolated = [s * YEAR / subset for s in (min(cold_s), max(cold_s))]
        report["cold_365_extrapolated_s"] = extrapolated
        print(
            f"cold, 365 daily refits, EXTRAPOLATED from {subset}:"
            f" {extrapolated[0]:.0f}-{extrapolated[1]:.0f} s",
            flush=True,
        )
    if full:
        year = walk(series, "gru", YEAR, 1, True)
        report["warm_365"] = shown(year)
        print(
            f"warm, 365 daily refits (measured): {year['seconds']:.0f} s;"
            f" MAE {year['MAE']:.2f}, naive {year['naive_MAE']:.2f};"
            f" load {year['load_before']:.2f} -> {year['load_after']:.2f}",
            flush=True,
        )
    return report


def per_refit(series: pd.Series, refits: int) -> dict[str, Any]:
    """The warm chain's cost split: wall and CPU seconds of each refit (each wave of
    fit_all is one `fit_many` call), the first one cold."""
    from seqcast.models.neural import NeuralForecaster

    calls: list[dict[str, float]] = []
    original = NeuralForecaster.fit_many.__func__  # type: ignore[attr-defined]

    def timed(cls, jobs):  # type: ignore[no-untyped-def]
        wall, cpu = time.perf_counter(), time.process_time()
        original(cls, jobs)
        calls.append(
            {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}
            | {"load": os.getloadavg()[0], "epochs": len(jobs[0].forecaster.history_)}
        )

    NeuralForecaster.fit_many = classmethod(timed)  # type: ignore[method-assign, assignment]
    try:
        walk(series.iloc[: len(series) - YEAR + refits], "gru", refits, 1, True)
    finally:
        NeuralForecaster.fit_many = classmethod(original)  # type: ignore[method-assign]
    warm = calls[1:]
    print(
        f"cold first fit: {calls[0]['wall_s']:.1f} s wall, {calls[0]['cpu_s']:.1f} s CPU,"
        f" {calls[0]['epochs']} epochs; {len(warm)} warm refits:"
        f" {min(c['wall_s'] for c in warm):.1f}-{max(c['wall_s'] for c in warm):.1f} s wall,"
        f" {min(c['cpu_s'] for c in warm):.1f}-{max(c['cpu_s'] for c in warm):.1f} s CPU,"
        f" {min(c['epochs'] for c in warm)}-{max(c['epochs'] for c in warm)} epochs",
        flush=True,
    )
    return {"refits": calls}


def accuracy(series: pd.Series, presets: list[str], refit: int) -> dict[str, Any]:
    selection = series.iloc[: len(series) - YEAR]  # the year before the held-out one
    report: dict[str, Any] = {
        "test": [str(selection.index[-YEAR].date()), str(selection.index[-1].date())],
        "refit_every": refit,
    }
    for name in presets:
        cold = walk(selection, name, YEAR, refit, False)
        warm = walk(selection, name, YEAR, refit, True)
        p = diebold_mariano(warm["y"], warm["forecasts"], cold["forecasts"])
        report[name] = {
            "cold": shown(cold) | {"MAE/naive": cold["MAE"] / cold["naive_MAE"]},
            "warm": shown(warm) | {"MAE/naive": warm["MAE"] / warm["naive_MAE"]},
            "DM p (warm vs cold)": p,
        }
        print(
            f"{name}: MAE/naive cold {cold['MAE'] / cold['naive_MAE']:.4f},"
            f" warm {warm['MAE'] / warm['naive_MAE']:.4f}; DM p {p:.3f};"
            f" {cold['seconds']:.0f} s vs {warm['seconds']:.0f} s",
            flush=True,
        )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--subset", type=int, default=30, help="daily refits, cold vs warm")
    parser.add_argument("--pairs", type=int, default=2, help="alternated pairs")
    parser.add_argument("--no-full", action="store_true", help="skip the warm 365-day job")
    parser.add_argument("--only-full", action="store_true", help="only the warm 365-day job")
    parser.add_argument("--accuracy", action="store_true", help="the selection-year study")
    parser.add_argument("--presets", default="gru", help="--accuracy: neural presets")
    parser.add_argument("--refit-every", type=int, default=7, help="--accuracy: refit days")
    parser.add_argument("--per-refit", type=int, default=0, help="only: time each refit")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: 2)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    runtime.prepare(args.threads)  # the process settings seqcast's CLI applies
    series = read_prices(args.data).series
    if args.per_refit:
        report = per_refit(series, args.per_refit)
        name = "warm_start_refits.json"
    elif args.accuracy:
        report = accuracy(series, args.presets.split(","), args.refit_every)
        name = "warm_start_accuracy.json"
    else:
        report = speed(series, args.subset, args.pairs, not args.no_full, args.only_full)
        name = "warm_start_full.json" if args.only_full else "warm_start.json"
    report["threads"] = __import__("torch").get_num_threads()
    out = Path(args.out or HERE / "results" / name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
