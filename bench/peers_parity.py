"""Parity with NeuralForecast (issue #23): its NHITS, NBEATS and TCN against seqcast's nhits,
nbeats and tcn, the same size and training, in one script, alternated.

    bash bench/peers/setup.sh            # once: .venv-peers with the peers, torch pinned
    .venv-peers/bin/python bench/peers_parity.py --data ../shared/data/btc-usd-daily.csv

The check: each model fit once on everything before the file's last 365 days, then a 7-day
forecast from every day of that year (the issue's held-out year: a parity check, nothing is
tuned on it; every setting below was fixed before it was first run). Both sides train
60-day windows, 7 outputs, MAE loss, Adam lr 1e-3 (constant), batch 64, dropout 0, and the
same number of gradient steps: seqcast `--epochs` over its windows, NeuralForecast
`max_steps = epochs * ceil(windows / 64)` (it samples 64 windows a step), no validation,
no early stopping, no shrinkage, 3 seeds each. The architectures are sized alike:
- N-HiTS: 3 stacks of 1 block of 2 layers of 128, pooling 8, 4, 1, knots every 4, 2, 1 days;
- N-BEATS (generic): 3 stacks of 1 block of 2 layers of 128;
- TCN: kernel 5, dilations 1, 2, 4, 32 channels. Not the same network: NeuralForecast's
  encoder has one causal convolution per dilation (29 days seen), a linear map from the
  window's days to the horizon's and a linear decoder; seqcast's residual blocks have two
  weight-normalised convolutions each (57 days seen) and a linear head on the last day.
What each side predicts: seqcast its family's default, the scaled log change from the last
price to each day, from scaled daily log returns; NeuralForecast the log price, each window
standardised (`scaler_type="standard"`), so its MAE loss is on the same log change.
Both are scored in prices on the same rows: the 359 origins whose whole week lies in the
test year, every h. MAE per side and seed, training seconds per epoch (per seed: seqcast
trains its 3 seeds together, so its epoch is divided by 3) and the load average go to
bench/results/peers_parity.json.
"""

from __future__ import annotations

import argparse
import functools
import importlib.metadata as md
import json
import logging
import math
import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from seqcast import progress, runtime
from seqcast.data.load import Loaded, read_prices

HERE = Path(__file__).resolve().parent
TEST_DAYS, HORIZON, WINDOW, BATCH, LR = 365, 7, 60, 64, 1e-3
SEEDS = (0, 1, 2)
ARCHS = ("nhits", "nbeats", "tcn")

# seqcast's settings of each family, sized as the NeuralForecast model below.
SEQCAST: dict[str, dict[str, Any]] = {
    "nhits": {
        "nhits_pooling": (8, 4, 1),
        "nhits_downsample": (4, 2, 1),
        "nhits_blocks": 1,
        "nhits_layers": 2,
        "nhits_units": 128,
    },
    "nbeats": {
        "nbeats_stacks": ("generic", "generic", "generic"),
        "nbeats_blocks": 1,
        "nbeats_layers": 2,
        "nbeats_units": 128,
    },
    "tcn": {"tcn_levels": 3, "tcn_channels": 32, "tcn_kernel": 5},
}


def rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(origin, h) of every scored row: origins whose whole horizon is inside the series."""
    origins = np.arange(n - TEST_DAYS, n - HORIZON + 1)
    origin, step = np.meshgrid(origins, np.arange(1, HORIZON + 1), indexing="ij")
    return origin.ravel(), step.ravel()


def score(prices: np.ndarray, forecast: np.ndarray) -> dict[str, Any]:
    """MAE over every row and per h; `forecast` is (origins, HORIZON) of prices."""
    origin, step = rows(len(prices))
    errors = np.abs(prices[origin + step - 1] - forecast.ravel())
    per_h = [float(errors[step == h].mean()) for h in range(1, HORIZON + 1)]
    return {"mae": float(errors.mean()), "mae_h": per_h}


def naive(prices: np.ndarray) -> dict[str, Any]:
    origins = np.unique(rows(len(prices))[0])
    return score(prices, np.repeat(prices[origins - 1][:, None], HORIZON, axis=1))


def train_timer() -> tuple[Any, dict[str, float]]:
    """A Lightning callback and the dict it fills with the seconds training took (a dict
    the callback's class closes over, so a deep copy of the callback still fills it)."""
    import pytorch_lightning as pl

    times: dict[str, float] = {"seconds": 0.0}

    class Timer(pl.Callback):
        def on_train_start(self, trainer: Any, module: Any) -> None:
            times["began"] = time.perf_counter()

        def on_train_end(self, trainer: Any, module: Any) -> None:
            times["seconds"] = time.perf_counter() - times["began"]

    return Timer(), times


def nf_model(arch: str, seed: int, steps: int, timer: Any) -> Any:
    from neuralforecast.losses.pytorch import MAE
    from neuralforecast.models import NBEATS, NHITS, TCN

    common: dict[str, Any] = {
        "h": HORIZON,
        "input_size": WINDOW,
        "loss": MAE(),
        "max_steps": steps,
        "learning_rate": LR,
        "num_lr_decays": -1,
        "batch_size": 1,
        "windows_batch_size": BATCH,
        "scaler_type": "standard",
        "random_seed": seed,
        "accelerator": "cpu",
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "logger": False,
        "enable_checkpointing": False,
        "callbacks": [timer],
    }
    if arch == "nhits":
        return NHITS(
            stack_types=["identity"] * 3,
            n_blocks=[1, 1, 1],
            mlp_units=[[128, 128]] * 3,
            n_pool_kernel_size=[8, 4, 1],
            n_freq_downsample=[4, 2, 1],
            dropout_prob_theta=0.0,
            **common,
        )
    if arch == "nbeats":
        return NBEATS(
            stack_types=["identity"] * 3,
            n_blocks=[1, 1, 1],
            mlp_units=[[128, 128]] * 3,
            dropout_prob_theta=0.0,
            **common,
        )
    return TCN(
        kernel_size=5, dilations=[1, 2, 4], encoder_hidden_size=32, decoder_layers=1, **common
    )


def neuralforecast_side(arch: str, prices: np.ndarray, epochs: int, seed: int) -> dict[str, Any]:
    from neuralforecast import NeuralForecast

    n = len(prices)
    windows = n - TEST_DAYS - WINDOW - HORIZON + 1  # the training windows before the test
    steps = epochs * math.ceil(windows / BATCH)
    timer, times = train_timer()
    frame = pd.DataFrame({"unique_id": "btc", "ds": np.arange(n), "y": np.log(prices)})
    forecaster = NeuralForecast(models=[nf_model(arch, seed, steps, timer)], freq=1)
    origins = TEST_DAYS - HORIZON + 1  # trained once on the days before the first
    result = forecaster.cross_validation(frame, n_windows=origins, step_size=1, refit=False)
    result = result.sort_values(["cutoff", "ds"])
    name = {"nhits": "NHITS", "nbeats": "NBEATS", "tcn": "TCN"}[arch]
    forecast = np.exp(result[name].to_numpy()).reshape(origins, HORIZON)
    return {
        **score(prices, forecast),
        "train_s": times["seconds"],
        "s_per_epoch": times["seconds"] / epochs,
        "steps": steps,
    }


def seqcast_side(arch: str, data: Loaded, epochs: int) -> list[dict[str, Any]]:
    from seqcast.experiment import Experiment
    from seqcast.models import registry
    from seqcast.settings import Evaluation

    settings = {
        "model": arch,
        "window": WINDOW,
        "epochs": epochs,
        "batch_size": BATCH,
        "optimizer": "adam",
        "learning_rate": LR,
        "loss": "mae",
        "dropout": 0.0,
        "val_days": 0,
        "patience": 0,
        "shrink": False,
        **SEQCAST[arch],
    }
    experiment = Experiment(
        {arch: registry.make(arch, settings)},
        Evaluation(test_days=TEST_DAYS, horizon=HORIZON),
        SEEDS,
    )
    marks: dict[str, float] = {}  # training: from the backtest's start to its last fit

    def listen(event: str, details: dict[str, Any]) -> None:
        if event in ("start", "fitted"):
            marks[event] = time.perf_counter()

    with progress.listening(listen):
        result = experiment.run(data)
    table = result.table
    prices = data.series.to_numpy()
    keep = table["cutoff"] <= data.series.index[len(prices) - HORIZON - 1]
    table = table[keep].sort_values(["cutoff", "h"])
    train_s = marks["fitted"] - marks["start"]
    epochs_run = {len(getattr(result.fitted[f"{arch}@{seed}"], "history_", [])) for seed in SEEDS}
    out = []
    for seed in SEEDS:
        forecast = table[f"{arch}@{seed}"].to_numpy().reshape(-1, HORIZON)
        out.append(
            {
                **score(prices, forecast),
                "seed": seed,
                "train_s_all_seeds": train_s,
                "s_per_epoch": train_s / epochs / len(SEEDS),
                "epochs_run": sorted(epochs_run),
            }
        )
    return out


def has_family(arch: str) -> bool:
    from seqcast.models import registry

    try:
        registry.make(arch, {})
    except Exception:  # not registered on this branch yet
        return False
    return True


def measure(label: str, run: Any) -> tuple[Any, dict[str, Any]]:
    before = os.getloadavg()[0]
    start = time.perf_counter()
    out = run()
    info = {"wall_s": time.perf_counter() - start, "load_1m": [before, os.getloadavg()[0]]}
    print(f"{label}: {info['wall_s']:.1f} s, load {before:.2f}", flush=True)
    return out, info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--archs", default=",".join(ARCHS))
    parser.add_argument("--out", default=str(HERE / "results" / "peers_parity.json"))
    args = parser.parse_args()
    runtime.prepare()
    warnings.filterwarnings("ignore")
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)
    data = read_prices(args.data)
    prices = data.series.to_numpy()
    report: dict[str, Any] = {
        "check": {
            "test": [str(data.series.index[-TEST_DAYS].date()), str(data.series.index[-1].date())],
            "horizon": HORIZON,
            "window": WINDOW,
            "batch": BATCH,
            "epochs": args.epochs,
            "seeds": list(SEEDS),
        },
        "versions": {p: md.version(p) for p in ("torch", "neuralforecast", "seqcast")},
        "threads": torch.get_num_threads(),
        "naive": naive(prices),
        "archs": {},
    }
    for arch in args.archs.split(","):
        entry: dict[str, Any] = {"seqcast_settings": SEQCAST[arch]}
        nf = []
        for seed in SEEDS:
            out, info = measure(
                f"neuralforecast {arch} seed {seed}",
                functools.partial(neuralforecast_side, arch, prices, args.epochs, seed),
            )
            nf.append({**out, "seed": seed, **info})
            print(f"  MAE {out['mae']:.2f}, {out['s_per_epoch']:.2f} s/epoch", flush=True)
        entry["neuralforecast"] = nf
        if has_family(arch):
            out, info = measure(
                f"seqcast {arch} seeds {SEEDS}",
                functools.partial(seqcast_side, arch, data, args.epochs),
            )
            entry["seqcast"] = out
            entry["seqcast_run"] = info
            maes = ", ".join(f"{o['mae']:.2f}" for o in out)
            print(f"  MAE {maes}, {out[0]['s_per_epoch']:.2f} s/epoch per seed", flush=True)
        else:
            entry["seqcast"] = f"not run: no '{arch}' family on this branch"
            print(f"  seqcast {arch}: not registered on this branch", flush=True)
        report["archs"][arch] = entry
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
