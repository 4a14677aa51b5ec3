"""Daily refits against the peers (issue #26): the same walk-forward job in seqcast, Darts
and NeuralForecast, in one script, alternated.

    bash bench/peers/setup.sh            # once: .venv-peers with the peers, torch pinned
    .venv-peers/bin/python bench/peers_refit.py --data ../shared/data/btc-usd-daily.csv

The job: the last 800 days before the file's last 365 (the held-out year is not touched), the
last 30 of them forecast one day ahead, the model refit every day on all the days before
(30 fits, ~12 batches an epoch: small enough for a shared 2-core machine). The
model in each tool is LSTM(64) -> Linear(1) on 60-day windows of MaxAbs-scaled daily log
returns, L1 loss, Adam lr 1e-3, batch 64, a fixed number of epochs per fit (no validation,
no early stopping, no shrinkage):
- seqcast: `Experiment` with the `lstm` preset and `layers="lstm:64, dense:1"`, refit every
  day (its 30 fits train together as one grouped network); with --warm, also seqcast's
  --warm-start (the first fit cold, each later one 1 epoch from the fit before it);
- Darts: `BlockRNNModel(model="LSTM")`, `historical_forecasts(retrain=True)`;
- NeuralForecast: `LSTM(encoder_n_layers=1, decoder_layers=1)`, `cross_validation(n_windows=30,
  step_size=1, refit=True)`; it trains in steps of sampled windows, so its step count is
  epochs * ceil(windows / batch), the same number of gradient steps.
seqcast scales each fit on its own training part; the peers get the returns scaled once by
the largest absolute return before the first test day (nothing after a cutoff either way).
Each repeat runs every tool once, the order rotated; wall time, MAE of the price forecasts
and the load average go to bench/results/peers_refit.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata as md
import json
import logging
import math
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqcast import runtime
from seqcast.data.load import Loaded, read_prices
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.settings import Evaluation

HERE = Path(__file__).resolve().parent
HELD_OUT, WINDOW, BATCH, UNITS = 365, 60, 64, 64
WARM_EPOCHS = 1  # a warm daily refit: one epoch on a history one day longer


@dataclasses.dataclass
class Job:
    data: Loaded  # the file without its held-out year
    fits: int  # test days, one fit each
    epochs: int
    seed: int

    @property
    def prices(self) -> np.ndarray:
        return self.data.series.to_numpy()

    @property
    def first_test(self) -> int:
        return len(self.prices) - self.fits

    def scaled_returns(self) -> tuple[np.ndarray, float]:
        """Log returns over their largest absolute value before the first test day."""
        returns = np.diff(np.log(self.prices))  # returns[i]: from day i to day i + 1
        scale = float(np.abs(returns[: self.first_test - 1]).max())
        return (returns / scale).astype(np.float32), scale

    def price_mae(self, predicted_returns: np.ndarray) -> float:
        """MAE of the price forecasts made from scaled one-day return forecasts."""
        _, scale = self.scaled_returns()
        days = np.arange(self.first_test, len(self.prices))
        forecast = self.prices[days - 1] * np.exp(predicted_returns * scale)
        return float(np.mean(np.abs(self.prices[days] - forecast)))


def seqcast_job(job: Job, warm: bool = False) -> float:
    settings = {
        "model": "lstm",
        "layers": f"lstm:{UNITS}, dense:1",
        "window": WINDOW,
        "optimizer": "adam",
        "loss": "mae",
        "epochs": job.epochs,
        "batch_size": BATCH,
        "val_days": 0,
        "patience": 0,
        "shrink": False,
        "seed": job.seed,
    }
    if warm:
        settings["warm_epochs"] = WARM_EPOCHS
    experiment = Experiment(
        {"lstm": registry.make("lstm", settings)},
        Evaluation(test_days=job.fits, refit_every=1, warm_start=warm),
        (job.seed,),
    )
    scores = experiment.run(job.data).scores
    return float(scores[(scores["model"] == "lstm") & (scores["h"] == 1)]["MAE"].iloc[0])


def trainer_kwargs() -> dict[str, object]:
    """Lightning on the CPU with nothing written or printed (both peers train through it)."""
    return {
        "accelerator": "cpu",
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "logger": False,
        "enable_checkpointing": False,
    }


def darts_job(job: Job) -> float:
    from darts import TimeSeries
    from darts.models import BlockRNNModel

    z, _ = job.scaled_returns()
    series = TimeSeries.from_values(z)
    model = BlockRNNModel(
        input_chunk_length=WINDOW,
        output_chunk_length=1,
        model="LSTM",
        hidden_dim=UNITS,
        n_rnn_layers=1,
        loss_fn=torch.nn.L1Loss(),
        optimizer_kwargs={"lr": 1e-3},
        batch_size=BATCH,
        n_epochs=job.epochs,
        random_state=job.seed,
        pl_trainer_kwargs=trainer_kwargs(),
    )
    forecasts = model.historical_forecasts(
        series,
        start=len(z) - job.fits,  # z[i] is the return into day i + 1: the first test day's
        forecast_horizon=1,
        stride=1,
        retrain=True,
        last_points_only=True,
        verbose=False,
        show_warnings=False,
    )
    return job.price_mae(forecasts.values()[:, 0])


def neuralforecast_job(job: Job) -> float:
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MAE
    from neuralforecast.models import LSTM

    z, _ = job.scaled_returns()
    windows = len(z) - job.fits - WINDOW  # training windows of the first fit
    frame = pd.DataFrame({"unique_id": "btc", "ds": np.arange(len(z)), "y": z.astype(np.float64)})
    model = LSTM(
        h=1,
        input_size=WINDOW,
        encoder_n_layers=1,
        encoder_hidden_size=UNITS,
        decoder_layers=1,
        loss=MAE(),
        max_steps=job.epochs * math.ceil(windows / BATCH),
        learning_rate=1e-3,
        batch_size=1,
        windows_batch_size=BATCH,
        scaler_type="identity",
        random_seed=job.seed,
        **trainer_kwargs(),
    )
    forecaster = NeuralForecast(models=[model], freq=1)
    result = forecaster.cross_validation(frame, n_windows=job.fits, step_size=1, refit=True)
    return job.price_mae(result.sort_values("ds")["LSTM"].to_numpy())


def naive_mae(job: Job) -> float:
    return job.price_mae(np.zeros(job.fits))


def measure(name: str, run: Callable[[], float]) -> dict[str, object]:
    before = os.getloadavg()[0]
    start = time.perf_counter()
    mae = run()
    seconds = time.perf_counter() - start
    row = {"tool": name, "seconds": seconds, "mae": mae, "load_1m": [before, os.getloadavg()[0]]}
    print(f"{name}: {seconds:.1f} s, MAE {mae:.2f}, load {before:.2f}", flush=True)
    return row


def quiet() -> None:
    warnings.filterwarnings("ignore")
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--days", type=int, default=800, help="days kept before the held-out year")
    parser.add_argument("--fits", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warm", action="store_true", help="also seqcast with --warm-start")
    parser.add_argument("--tools", default=None, help="only these, e.g. seqcast,seqcast-warm")
    parser.add_argument("--threads", type=int, default=None, help="torch threads, every tool")
    parser.add_argument("--out", default=str(HERE / "results" / "peers_refit.json"))
    args = parser.parse_args()
    runtime.prepare(args.threads)  # seqcast's CLI process settings (the peers get them too)
    quiet()
    loaded = read_prices(args.data)
    end = len(loaded.series) - HELD_OUT
    kept = slice(end - args.days, end)
    frame = None if loaded.frame is None else loaded.frame.iloc[kept]
    data = dataclasses.replace(loaded, series=loaded.series.iloc[kept], frame=frame)
    job = Job(data, args.fits, args.epochs, args.seed)
    tools: dict[str, Callable[[Job], float]] = {
        "seqcast": seqcast_job,
        "darts": darts_job,
        "neuralforecast": neuralforecast_job,
    }
    if args.warm:
        tools["seqcast-warm"] = lambda j: seqcast_job(j, warm=True)
    if args.tools:
        tools = {name: tools[name] for name in args.tools.split(",")}
    tiny = dataclasses.replace(job, fits=2, epochs=1)
    for name, run in tools.items():  # warm-up: imports, compiled loops, caches
        measure(f"{name} (warm-up)", lambda r=run: r(tiny))
    report: dict[str, object] = {
        "job": {
            "days": [str(data.series.index[0].date()), str(data.series.index[-1].date())],
            "test": [
                str(data.series.index[job.first_test].date()),
                str(data.series.index[-1].date()),
            ],
            "fits": job.fits,
            "epochs": job.epochs,
            "window": WINDOW,
            "batch": BATCH,
            "units": UNITS,
            "seed": job.seed,
            "warm_epochs": WARM_EPOCHS if args.warm else None,
        },
        "versions": {p: md.version(p) for p in ("torch", "neuralforecast", "darts", "seqcast")},
        "threads": torch.get_num_threads(),
        "naive_mae": naive_mae(job),
    }
    rows: list[dict[str, object]] = []
    names = list(tools)
    for repeat in range(args.repeats):
        order = names[repeat % len(names) :] + names[: repeat % len(names)]
        for name in order:
            rows.append({"repeat": repeat, **measure(name, lambda n=name: tools[n](job))})
            write(Path(args.out), {**report, "rows": rows, "ranges": ranges(rows)})


def ranges(rows: list[dict[str, object]]) -> dict[str, dict[str, list[float]]]:
    """Each tool's lowest and highest seconds and MAE over the repeats so far."""
    out: dict[str, dict[str, list[float]]] = {}
    for name in dict.fromkeys(str(r["tool"]) for r in rows):
        mine = [r for r in rows if r["tool"] == name]
        out[name] = {
            key: [min(float(r[key]) for r in mine), max(float(r[key]) for r in mine)]  # type: ignore[arg-type]
            for key in ("seconds", "mae")
        }
    return out


def write(path: Path, report: dict[str, object]) -> None:
    """After every measurement: a run cut short still leaves what it measured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
