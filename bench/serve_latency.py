"""`seqcast serve` on the loopback: latency, batch time, cold start and 16 concurrent
clients, each alternated with a reference measured in the same script.

    python bench/serve_latency.py --data ../shared/data/btc-usd-daily.csv

The served run: the GRU preset (1 epoch: training time is not measured, the network's size
is what costs at serving) over 2 seeds, 7 days ahead, adaptive 80/95% intervals calibrated on
365 days, fitted on the file without its last 365 days. The server is the real command
(`seqcast serve`, a subprocess, uvicorn on 127.0.0.1); requests carry the last 1,000 days
with open/high/low/volume, as a client would send them.

- one series, h=7, two levels: p50 and p99 over sequential requests, alternated in blocks
  with the reference: `Result.forecast` in this process (the library's path behind `seqcast
  forecast`, no HTTP, same numbers);
- 100 series in one request: wall time, alternated with the reference looping
  `Result.forecast` over the same 100 series;
- cold start: from starting `seqcast serve` to the first answer of /health (the GRU run, and
  a 7-day moving average's run, which needs no PyTorch), alternated with a whole `seqcast
  forecast` process on the GRU run (the one-shot way to a forecast);
- 16 clients posting one series each as fast as they can for a bounded time: requests,
  errors, throughput and latency, against 1 client for the same time.

Counts are bounded; this 2-core machine is shared, so the load average is recorded beside
every number. Results: bench/results/serve_latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from seqcast import runs
from seqcast.data.load import Loaded, read_prices
from seqcast.experiment import Experiment
from seqcast.io import plain
from seqcast.models import registry
from seqcast.settings import Evaluation

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "src"
ENV = {**os.environ, "PYTHONPATH": str(SOURCE)}
HISTORY = 1000  # days each request sends
JSON = {"content-type": "application/json"}


def train(data: Path, folder: Path) -> tuple[Path, Path, Path]:
    """The served run, fitted on the file without its last 365 days (saved as a file), and
    a run of a moving average on the same days (a server without PyTorch)."""
    lines = data.read_text().splitlines()
    fitted = folder / "btc.csv"
    fitted.write_text("\n".join(lines[: len(lines) - 365]) + "\n")
    loaded = read_prices(fitted)
    evaluation = Evaluation(test_days=60, horizon=7, levels=(80.0, 95.0))
    model = registry.make("gru", {"epochs": 1})
    result = Experiment({"gru": model}, evaluation, seeds=(0, 1)).run(loaded)
    average = Experiment({"ma:7": registry.make("ma:7")}, evaluation).run(loaded)
    return (
        runs.save(result, folder / "gru", report=False),
        runs.save(average, folder / "ma", report=False),
        fitted,
    )


def body(loaded: Loaded, items: int = 1) -> dict[str, Any]:
    series, frame = loaded.series.iloc[-HISTORY:], loaded.frame
    assert frame is not None
    one = {
        "timestamps": [str(d.date()) for d in series.index],
        "target": series.tolist(),
        "past_covariates": {c: plain(frame[c].iloc[-HISTORY:].tolist()) for c in frame},
    }
    return {
        "inputs": [{**one, "item_id": f"s{k}"} for k in range(items)],
        "parameters": {"prediction_length": 7, "levels": [80, 95]},
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(run_dir: Path) -> tuple[subprocess.Popen, str, float]:
    """`seqcast serve` on a free port; the seconds until /health answered."""
    port = free_port()
    command = [sys.executable, "-m", "seqcast", "serve", "--run", str(run_dir), "--port", str(port)]
    began = time.perf_counter()
    process = subprocess.Popen(command, env=ENV, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(timeout=5) as client:  # one client: polling costs the server no CPU
        while True:
            if process.poll() is not None:
                raise SystemExit("seqcast serve exited")
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return process, url, time.perf_counter() - began
            except httpx.TransportError:
                time.sleep(0.02)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def cold_starts(run_dir: Path, baseline: Path, fitted: Path, pairs: int) -> dict[str, list[float]]:
    served, average, oneshot = [], [], []
    for _ in range(pairs):
        for directory, times in ((run_dir, served), (baseline, average)):
            process, _, seconds = start_server(directory)
            stop(process)
            times.append(round(seconds, 3))
        began = time.perf_counter()
        command = [
            sys.executable,
            "-m",
            "seqcast",
            "forecast",
            "--run",
            str(run_dir),
            "--data",
            str(fitted),
        ]
        subprocess.run(command, env=ENV, check=True, capture_output=True)
        oneshot.append(round(time.perf_counter() - began, 3))
    return {
        "serve_gru_to_first_health_s": served,
        "serve_moving_average_to_first_health_s": average,
        "forecast_command_gru_s": oneshot,
    }


def latencies(
    url: str, run_dir: Path, loaded: Loaded, blocks: int, per_block: int
) -> dict[str, Any]:
    """One series per request, sequential; blocks alternate with in-process Result.forecast."""
    result = runs.load(run_dir)
    series, frame = loaded.series.iloc[-HISTORY:], loaded.frame
    assert frame is not None
    frame = frame.iloc[-HISTORY:]
    payload = json.dumps(body(loaded)).encode()  # encoded once: the client's work is not timed
    http, library = [], []
    with httpx.Client(base_url=url, timeout=60, headers=JSON) as client:
        for _ in range(5):  # warm both paths up
            client.post("/v1/models/gru/forecast", content=payload).raise_for_status()
            result.forecast(series, 7, frame)
        for _ in range(blocks):
            for _ in range(per_block):
                began = time.perf_counter()
                client.post("/v1/models/gru/forecast", content=payload).raise_for_status()
                http.append(time.perf_counter() - began)
            for _ in range(per_block):
                began = time.perf_counter()
                result.forecast(series, 7, frame)
                library.append(time.perf_counter() - began)
    return {"http_ms": summary(http), "library_result_forecast_ms": summary(library)}


def batches(url: str, run_dir: Path, loaded: Loaded, repeats: int) -> dict[str, Any]:
    result = runs.load(run_dir)
    series, frame = loaded.series.iloc[-HISTORY:], loaded.frame
    assert frame is not None
    frame = frame.iloc[-HISTORY:]
    payload = json.dumps(body(loaded, 100)).encode()
    http, library = [], []
    with httpx.Client(base_url=url, timeout=120, headers=JSON) as client:
        for _ in range(repeats):
            began = time.perf_counter()
            answer = client.post("/v1/models/gru/forecast", content=payload)
            answer.raise_for_status()
            http.append(time.perf_counter() - began)
            assert len(answer.json()["predictions"]) == 100
            began = time.perf_counter()
            for _ in range(100):
                result.forecast(series, 7, frame)
            library.append(time.perf_counter() - began)
    return {
        "body_mb": len(payload) / 1e6,
        "http_100_series_s": [round(s, 4) for s in http],
        "library_100_result_forecast_s": [round(s, 4) for s in library],
    }


def clients(url: str, loaded: Loaded, count: int, seconds: float) -> dict[str, Any]:
    """`count` threads, each with its own connection, posting one series until time is up."""
    payload = json.dumps(body(loaded)).encode()  # encoded once: measure the server
    times: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def post() -> None:
        with httpx.Client(
            base_url=url, timeout=60, headers={"content-type": "application/json"}
        ) as c:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    response = c.post("/v1/models/gru/forecast", content=payload)
                    if response.status_code != 200:
                        errors.append(f"{response.status_code} {response.text[:200]}")
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))
                times.append(time.perf_counter() - began)

    threads = [threading.Thread(target=post) for _ in range(count)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "clients": count,
        "seconds": round(elapsed, 2),
        "requests": len(times),
        "errors": len(errors),
        "first_errors": errors[:3],
        "requests_per_s": round(len(times) / elapsed, 2),
        "latency_ms": summary(times),
    }


def summary(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(ms),
        "p50": round(float(np.percentile(ms, 50)), 2),
        "p99": round(float(np.percentile(ms, 99)), 2),
        "min": round(float(ms.min()), 2),
        "max": round(float(ms.max()), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--blocks", type=int, default=6, help="alternated latency blocks")
    parser.add_argument("--per-block", type=int, default=50, help="requests per block")
    parser.add_argument("--batches", type=int, default=5, help="alternated 100-series pairs")
    parser.add_argument("--cold", type=int, default=3, help="alternated cold-start pairs")
    parser.add_argument("--seconds", type=float, default=30.0, help="of the 16-client run")
    parser.add_argument("--out", default=str(HERE / "results" / "serve_latency.json"))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)  # the reference path gets what each request gets in the server
    report: dict[str, Any] = {"nproc": os.cpu_count(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as folder:
        run_dir, baseline, fitted = train(Path(args.data), Path(folder))
        loaded = read_prices(fitted)
        report["cold_start"] = cold_starts(run_dir, baseline, fitted, args.cold)
        process, url, _ = start_server(run_dir)
        try:
            report["one_series_h7_two_levels"] = latencies(
                url, run_dir, loaded, args.blocks, args.per_block
            )
            report["batch_of_100"] = batches(url, run_dir, loaded, args.batches)
            report["one_client"] = clients(url, loaded, 1, args.seconds / 3)
            report["sixteen_clients"] = clients(url, loaded, 16, args.seconds)
        finally:
            stop(process)
    report["load_after"] = os.getloadavg()
    text = json.dumps(report, indent=2)
    print(text)
    Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
