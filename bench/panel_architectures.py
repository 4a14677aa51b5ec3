"""Every direct architecture, GRU and LSTM beside naive on the whole panel (its last year).

    python bench/panel_architectures.py --panel ../shared/data/panel --train-days 2000

The protocol, fixed before any run (issue 23; nothing is tuned, every model is its registry
preset untouched): every series of the folder, the test period each file's last 365 rows
(a year of a coin, about 17 months of a stock's or an index's trading days), refit every 30
days, horizon 7 (h = 1 and h = 7 reported), one seed (0), no intervals, each fit trained on
at most the last `--train-days` rows before it (a sliding window, the same for every model:
a cap chosen for the machine's time, not on any result; the indices' decades of history
would otherwise dominate). It is `seqcast compare --data DIR --models M --test-days 365
--refit-every 30 --horizon 7 --seeds 1 --train-days N` through the Python API, with PyTorch
on `--threads` threads (1: the machine's other core stays free).

Each model is a process of its own (a crash loses that model only), one after another; naive
is the reference inside every run. Per model and h, from the panel's overview (the numbers
`summary.csv` and `overview.csv` hold): MAE / naive over the series (median, mean), on how
many series it is below 1, on how many significantly better or worse than naive (each series'
two-sided Diebold-Mariano p adjusted over the series: Holm, and Benjamini-Hochberg), the
median and smallest DM p, and every series' own row; with the run's wall and CPU seconds, peak
memory and the load average sampled every 15 s. A pooled p over the series is not given:
Fisher's or Stouffer's would need independent series, and these move together. The report
goes to bench/results/panel_architectures.json (or `--out`) after every model, and a run
started again with the same job keeps the models already there; `--only AAPL,^GSPC` runs
just those files (to time the job first). The panel's last year is the held-out period: what
this prints is a report, never a reason to choose anything.
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
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODELS = "dlinear,nbeats,nbeats-i,nhits,tcn,patchtst,gru,lstm"
HORIZONS = (1, 7)
JOB = {"test_days": 365, "refit_every": 30, "horizon": 7, "seeds": 1}


def one_model(data: list[str], model: str, train_days: int | None, threads: int) -> dict:
    """The child's job: `model` (and naive) over `data`; its scores at h = 1 and 7."""
    from seqcast import runtime
    from seqcast.config import plan

    runtime.prepare(threads)
    settings = {"data": data, "models": model, **JOB}
    if train_days is not None:
        settings["train_days"] = train_days
    with warnings.catch_warnings():  # the data's notes (repairs, calendars): known, not news
        warnings.simplefilter("ignore")
        experiment, loaded, skipped = plan(settings, "compare")
    panel = experiment.run_many(loaded)
    return {"skipped": skipped} | {f"h{h}": scores(panel, model, h) for h in HORIZONS}


def scores(panel: Any, model: str, h: int) -> dict[str, Any]:
    """`model`'s row of the panel summary at `h`, its DM p over the series, each series."""
    row = panel.summary(h).loc[model]
    rows = panel.overview[(panel.overview["model"] == model) & (panel.overview["h"] == h)]
    p = rows["DM p"].astype(float)
    columns = ["series", "MAE/naive", "DM p", "series Holm p", "series BH p", "better", "worse"]
    return {
        "series": int(row["series"]),
        "median MAE/naive": float(row["median MAE/naive"]),
        "mean MAE/naive": float(row["MAE/naive"]),
        "beats naive": int(row["beats naive"]),
        **{key: int(row[key]) for key in ("better", "worse", "better BH", "worse BH")},
        "median DM p": float(p.median()),
        "min DM p": float(p.min()),
        "per_series": json.loads(rows[columns].to_json(orient="records")),
    }


def measured(argv: list[str]) -> dict[str, Any]:
    """Run `argv` to its end: wall and CPU seconds, peak RSS, the load average every 15 s."""
    loads, start = [os.getloadavg()[0]], time.perf_counter()
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(argv, stdout=log, stderr=log)
        sampled = start
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.2)
            if time.perf_counter() - sampled >= 15:
                loads.append(os.getloadavg()[0])
                sampled = time.perf_counter()
        log.seek(0)
        output = log.read().decode(errors="replace")
    return {
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": time.perf_counter() - start,
        "cpu_s": usage.ru_utime + usage.ru_stime,  # this child's own, from wait4
        "peak_mb": usage.ru_maxrss / 1024,  # Linux: kilobytes
        "load_1min": {"min": min(loads), "mean": sum(loads) / len(loads), "max": max(loads)},
        "log_tail": output[-3000:],
    }


def run_all(args: argparse.Namespace, files: list[str], report: dict[str, Any]) -> None:
    """Each model in a fresh process, one after another; the report saved after each."""
    for model in args.models.split(","):
        if model in report["models"] and "error" not in report["models"][model]:
            print(f"{model}: already in {args.out}, kept", flush=True)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            part = Path(tmp) / "part.json"
            argv = [sys.executable, __file__, "--panel", args.panel, "--one", model]
            argv += ["--part", str(part), "--threads", str(args.threads)]
            argv += ["--train-days", str(args.train_days)] if args.train_days else []
            argv += ["--only", args.only] if args.only else []
            run = measured(argv)
            scored = json.loads(part.read_text()) if part.exists() else None
        if scored is None or run["exit"] != 0:
            report["models"][model] = run | {"error": run["log_tail"].strip().splitlines()[-1:]}
            print(f"{model}: FAILED (exit {run['exit']}):\n{run['log_tail']}", flush=True)
        else:
            del run["log_tail"]
            report["models"][model] = run | scored
            print(line(model, report["models"][model]), flush=True)
        write(args.out, report)


def line(model: str, done: dict[str, Any]) -> str:
    shown = [
        f"h{h}: median {s['median MAE/naive']:.4f}, <1 on {s['beats naive']}/{s['series']},"
        f" better/worse {s['better']}/{s['worse']} (BH {s['better BH']}/{s['worse BH']}),"
        f" median p {s['median DM p']:.2f}"
        for h in HORIZONS
        for s in [done[f"h{h}"]]
    ]
    return (
        f"{model}: {done['seconds'] / 60:.1f} min ({done['cpu_s'] / 60:.1f} cpu min,"
        f" load {done['load_1min']['mean']:.2f}); " + "; ".join(shown)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panel", required=True, help="the folder of price files")
    parser.add_argument("--models", default=MODELS, help="each run alone, beside naive")
    parser.add_argument("--train-days", type=int, default=None, help="sliding training window")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch threads per run")
    parser.add_argument("--only", default=None, help="these file names (stems) only, e.g. AAPL")
    parser.add_argument("--out", default=str(HERE / "results" / "panel_architectures.json"))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child: one model
    parser.add_argument("--part", help=argparse.SUPPRESS)  # where the child writes its scores
    args = parser.parse_args()
    files = chosen(args.panel, args.only)
    if args.one:
        write(args.part, one_model(files, args.one, args.train_days, args.threads))
        return
    job = {**JOB, "train_days": args.train_days, "threads": args.threads, "seed": 0}
    report: dict[str, Any] = {"job": job, "series": [Path(f).stem for f in files], "models": {}}
    if Path(args.out).exists():  # a run stopped early goes on where it stopped
        before = json.loads(Path(args.out).read_text())
        if before.get("job") == job and before.get("series") == report["series"]:
            report["models"] = before["models"]
    report["cpus"] = os.cpu_count()
    run_all(args, files, report)


def chosen(panel: str, only: str | None) -> list[str]:
    from seqcast.data.watchlist import price_files

    files = [str(f) for f in price_files(panel)]
    if only:
        names = set(only.split(","))
        files = [f for f in files if Path(f).stem in names]
    return files


def write(path: str, report: dict[str, Any]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
