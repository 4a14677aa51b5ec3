"""Do the neural presets ever pass auto's gate? Selection periods only (issue 21, item 5).

    python bench/auto_neural.py [--epochs 20] [--periods "btc-file to 2021-05-26,SPY -365"]

For a few selection periods of bench/auto_selection.py (never a file's last 365 rows), a
walk-forward (refit every 30 days, one seed, `--epochs` at most, early stopping as the
presets do) of naive, drift and the presets gru, lstm and mlp, with calibration days
before the test year; then the gate chosen in auto_selection.json with the candidates
drift + the three presets. Printed, and written to bench/results/auto_neural.json: per
period each candidate's MAE/naive over the test year, auto's MAE/naive and DM p, what auto
chose, and the wall time of the walk (periods of earlier runs are kept).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd
from auto_selection import HERE, TEST_DAYS, periods, verdict

from seqcast.evaluate.backtest import backtest
from seqcast.evaluate.select import Gate, apply, choose, refit_cutoffs, summarize_choices
from seqcast.models import registry

PRESETS = ("gru", "lstm", "mlp")
DEFAULT_PERIODS = "btc-file to 2021-05-26,btc-file to 2022-04-26,ETH-USD -365,SPY -365,NVDA -365"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--periods", default=DEFAULT_PERIODS)
    args = parser.parse_args()
    chosen = json.loads((HERE / "results" / "auto_selection.json").read_text())["chosen"]
    gate = Gate(chosen["level"], chosen["validation_days"])
    wanted = args.periods.split(",")
    out = HERE / "results" / "auto_neural.json"
    earlier = json.loads(out.read_text())["rows"] if out.exists() else []
    rows = [row for row in earlier if row["period"] not in wanted]  # runs add periods
    for name, series in periods():
        if name not in wanted:
            continue
        models = {"naive": registry.make("naive"), "drift": registry.make("drift")}
        models |= {p: registry.make(p, {"epochs": args.epochs, "seed": 0}) for p in PRESETS}
        start = time.perf_counter()
        result = backtest(series, models, TEST_DAYS, 30, calibration_days=gate.calibration_days())
        seconds = time.perf_counter() - start
        assert result.calibration is not None
        known = pd.concat([result.calibration, result.table], ignore_index=True)
        table = result.table
        candidates = ["drift", *PRESETS]
        choices = choose(known, candidates, refit_cutoffs(series.index, TEST_DAYS, 30), gate)
        y, naive = table["y"].to_numpy(), table["naive"].to_numpy()
        naive_mae = np.mean(np.abs(y - naive))
        row = {
            "period": name,
            "seconds": seconds,
            "choices": summarize_choices(choices),
            "auto": verdict(table, apply(table, choices)),
            **{c: float(np.mean(np.abs(y - table[c].to_numpy())) / naive_mae) for c in candidates},
            "min_holm_p": {c: float(choices[f"{c} Holm p"].min()) for c in candidates},
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        out.write_text(json.dumps({"epochs": args.epochs, "gate": chosen, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
