"""The job users run: a walk-forward backtest with refits, seqcast against the same job
written as a textbook PyTorch loop, in one script, alternated.

    python bench/walk_forward.py --data ../shared/data/btc-usd-daily.csv

The job (issue "fast on the jobs users run"): the last 365 days of the file, refit every 30
days on everything before (13 fits), LSTM(64) -> Dropout(0.2) -> Dense(1) on 60-day windows
of MaxAbs-scaled daily log returns, L1 loss, Adam 1e-3, batch 64, exactly 20 epochs per fit;
then a one-step forecast of every test day and its MAE. The textbook version does the same
with `nn.LSTM`, `nn.Dropout`, `nn.Linear`, a `DataLoader` and `torch.optim.Adam`, one fit
after another, the way a user writes it. Both run with 1 seed and with 3 seeds (the
textbook job three times). Each pair alternates (textbook first), and the ratios of the
pairs, per-fit training time and peak memory (VmHWM, reset before each job) are written to
bench/results/walk_forward.json. `--grouping` measures grouping alone instead (the job with
each fit trained alone against grouped, both seqcast) into walk_forward_grouping.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from seqcast import progress, runtime
from seqcast.data.load import read_prices
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

HERE = Path(__file__).resolve().parent
WINDOW, TEST_DAYS, REFIT, BATCH = 60, 365, 30, 64


def peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: resets VmHWM to the current RSS


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Textbook(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, 64, batch_first=True)
        self.dropout = nn.Dropout(0.2)
        self.dense = nn.Linear(64, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.dense(self.dropout(out[:, -1])).squeeze(-1)


def textbook_job(prices: np.ndarray, epochs: int, seed: int) -> tuple[float, float]:
    """(MAE of the one-step forecasts, seconds spent in training)."""
    torch.manual_seed(seed)
    n, start = len(prices), len(prices) - TEST_DAYS
    returns = np.diff(np.log(prices), prepend=np.nan)
    errors, training = [], 0.0
    for origin in range(start, n, REFIT):
        scale = np.abs(returns[1:origin]).max()
        z = (returns / scale).astype(np.float32)
        targets = np.arange(WINDOW + 1, origin)
        X = np.stack([z[t - WINDOW : t] for t in targets])[..., None]
        loader = DataLoader(
            TensorDataset(torch.from_numpy(X), torch.from_numpy(z[targets])),
            batch_size=BATCH,
            shuffle=True,
        )
        model = Textbook()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        began = time.perf_counter()
        for _ in range(epochs):
            model.train()
            for xb, yb in loader:
                optimizer.zero_grad()
                nn.functional.l1_loss(model(xb), yb).backward()
                optimizer.step()
        training += time.perf_counter() - began
        model.eval()
        days = np.arange(origin, min(origin + REFIT, n))
        with torch.no_grad():
            window = torch.from_numpy(np.stack([z[t - WINDOW : t] for t in days])[..., None])
            predicted = model(window).numpy() * scale
        forecast = prices[days - 1] * np.exp(predicted)
        errors += list(np.abs(prices[days] - forecast))
    return float(np.mean(errors)), training


def seqcast_job(data, epochs: int, seeds: tuple[int, ...]) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    settings = {
        "model": "lstm",
        "optimizer": "adam",
        "epochs": epochs,
        "val_days": 0,
        "patience": 0,
        "shrink": False,  # the job: no validation tail, so nothing to shrink on
    }
    experiment = Experiment(
        {"lstm": registry.make("lstm", settings)},
        Evaluation(test_days=TEST_DAYS, refit_every=REFIT),
        seeds,
    )
    epochs_seconds: list[float] = []  # every group's epochs (a job trains several groups)

    def listen(event: str, details: dict) -> None:  # type: ignore[type-arg]
        if event == "epoch":
            epochs_seconds.append(details["seconds"])

    with progress.listening(listen):
        result = experiment.run(data)
    scores = result.scores[(result.scores["model"] == "lstm") & (result.scores["h"] == 1)]
    return scores["MAE"].tolist(), sum(epochs_seconds)


def grouping(data, epochs: int, pairs: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What grouping alone gives: the 1-seed job with groups capped at one member (each fit
    trained alone, still with seqcast's loops) against the default groups, alternated."""
    from seqcast.models import grouping as planner

    default, rows = planner.MAX_MEMBERS, []
    for _ in range(pairs):
        row = {}
        for name, cap in (("alone", 1), ("grouped", default)):
            planner.MAX_MEMBERS = cap
            start = time.perf_counter()
            seqcast_job(data, epochs, (0,))
            row[f"{name}_s"] = time.perf_counter() - start
        planner.MAX_MEMBERS = default
        row["ratio"] = row["alone_s"] / row["grouped_s"]
        alone, grouped = row["alone_s"], row["grouped_s"]
        print(f"alone {alone:.1f} s, grouped {grouped:.1f} s: {alone / grouped:.2f}x", flush=True)
        rows.append(row)
    return {"epochs": epochs, "pairs": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=2, help="alternated pairs per job")
    parser.add_argument(
        "--grouping", action="store_true", help="only: seqcast grouped vs each fit alone"
    )
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    runtime.prepare()  # the process settings seqcast's CLI applies (memory reuse)
    name = "walk_forward_grouping.json" if args.grouping else "walk_forward.json"
    out = Path(args.out or HERE / "results" / name)
    data = read_prices(args.data)
    if args.grouping:
        seqcast_job(data, 1, (0,))  # warm-up
        out.write_text(json.dumps(grouping(data, args.epochs, args.pairs), indent=2) + "\n")
        return
    prices = data.series.to_numpy()
    fits = len(range(len(prices) - TEST_DAYS, len(prices), REFIT))
    seqcast_job(data, 1, (0,))  # warm-up: compiled loops, caches
    report: dict[str, object] = {
        "epochs": args.epochs,
        "fits": fits,
        "threads": torch.get_num_threads(),
    }
    for seeds in [(0,), (0, 1, 2)]:
        rows = []
        for _ in range(args.pairs):
            peak_reset()
            start = time.perf_counter()
            textbook = [textbook_job(prices, args.epochs, seed) for seed in seeds]
            textbook_s, textbook_peak = time.perf_counter() - start, peak_mb()
            peak_reset()
            start = time.perf_counter()
            maes, training = seqcast_job(data, args.epochs, seeds)
            seqcast_s, seqcast_peak = time.perf_counter() - start, peak_mb()
            rows.append(
                {
                    "textbook_s": textbook_s,
                    "seqcast_s": seqcast_s,
                    "ratio": textbook_s / seqcast_s,
                    "textbook_training_s_per_fit": sum(t for _, t in textbook)
                    / (fits * len(seeds)),
                    "seqcast_training_s_per_fit": training / (fits * len(seeds)),
                    "textbook_outside_training_s": textbook_s - sum(t for _, t in textbook),
                    "seqcast_outside_training_s": seqcast_s - training,
                    "textbook_peak_mb": textbook_peak,
                    "seqcast_peak_mb": seqcast_peak,
                    "textbook_mae": [m for m, _ in textbook],
                    "seqcast_mae": maes,
                }
            )
            print(
                f"{len(seeds)} seed(s): textbook {textbook_s:.1f} s, seqcast {seqcast_s:.1f} s:"
                f" {textbook_s / seqcast_s:.2f}x; MAE {np.mean([m for m, _ in textbook]):.2f}"
                f" vs {np.mean(maes):.2f}; peak {textbook_peak:.0f} / {seqcast_peak:.0f} MB;"
                f" seqcast outside training {seqcast_s - training:.1f} s",
                flush=True,
            )
        report[f"seeds_{len(seeds)}"] = rows
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
