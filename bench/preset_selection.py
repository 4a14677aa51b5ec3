"""Choosing the presets' settings on years before the last one (the README's protocol).

    python bench/preset_selection.py --data ../shared/data/btc-usd-daily.csv

Every candidate is a family (mlp, rnn, lstm, gru) with a variant of its settings:
  base      the current preset (log returns, MAE loss, 180-day validation tail, patience 5)
  shrink    + shrinkage toward naive, w chosen on each fit's validation tail
  ens2      + shrinkage, as a seed ensemble of 2
  features  + shrinkage and the covariates log_range, log_volume, weekday
scored as `compare` scores them (fit once before the test year, one-step forecasts of its
365 days, 3 seeds) on each selection year: the 365 days ending 2021-05-26, 2022-05-26 and
2023-05-26. Nothing from the last year (2023-05-27 .. 2024-05-26) is read. Printed, and
written to bench/results/preset_selection.json with per-year MAE/naive, DM p and time.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from seqcast import runtime
from seqcast.data.load import Loaded, read_prices
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

HERE = Path(__file__).resolve().parent
YEARS = ["2021-05-26", "2022-05-26", "2023-05-26"]
FAMILIES = ["mlp", "rnn", "lstm", "gru"]
VARIANTS: dict[str, tuple[str, dict]] = {
    "base": ("", {}),
    "shrink": ("", {"shrink": True}),
    "ens2": ("*2", {"shrink": True}),
    "features": ("", {"shrink": True, "features": ("log_range", "log_volume", "weekday")}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--out", default=str(HERE / "results" / "preset_selection.json"))
    args = parser.parse_args()
    runtime.prepare()  # the process settings seqcast's CLI applies (memory reuse)
    data = read_prices(args.data)
    rows = []
    for end in YEARS:
        part = Loaded(data.series[: pd.Timestamp(end)], data.layout, source=f"until {end}")
        part.frame = None if data.frame is None else data.frame[: pd.Timestamp(end)]
        for family in args.families.split(","):
            models = {
                f"{family}-{variant}": registry.make(family + star, settings)
                for variant, (star, settings) in VARIANTS.items()
            }
            start = time.perf_counter()
            result = Experiment(models, Evaluation(test_days=365), tuple(range(args.seeds))).run(
                part
            )
            seconds = time.perf_counter() - start
            summary = result.summary(1)
            for label in models:
                row = summary.loc[label]
                rows.append(
                    {
                        "year_ending": end,
                        "family": family,
                        "variant": label.split("-", 1)[1],
                        "mae_over_naive": float(row["MAE/naive"]),
                        "mae_over_naive_std": float(row["MAE/naive std"]),
                        "dm_p": float(row["DM p"]),
                        "w": float(row["w"]) if "w" in row and pd.notna(row["w"]) else None,
                        "family_seconds": seconds,
                    }
                )
                print(
                    f"{end} {label:>14}: MAE/naive {row['MAE/naive']:.4f}"
                    f" ± {row['MAE/naive std']:.4f}, DM p {row['DM p']:.3f}",
                    flush=True,
                )
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    table = pd.DataFrame(rows)
    worse = table[(table["mae_over_naive"] > 1) & (table["dm_p"] < 0.05)]
    mean = table.groupby(["family", "variant"])["mae_over_naive"].mean().sort_values()
    print("\nmean MAE/naive over the selection years:\n" + mean.to_string())
    print("\nsignificantly worse than naive:\n" + (worse.to_string() if len(worse) else "none"))
    Path(args.out).write_text(
        json.dumps({"rows": rows, "mean": mean.reset_index().to_dict("records")}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
