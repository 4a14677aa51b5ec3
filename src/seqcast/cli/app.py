"""The `seqcast` command: a thin layer over the Python API (parse, call one function, print).

`run` and `compare` are the same experiment with different defaults: one model and the
baselines named, or many models over several seeds. Both take every loading, training and
evaluation option (seqcast.settings), a TOML file of the same keys, and `--json`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from seqcast import progress
from seqcast.cli.options import (
    AsJson,
    Config,
    Data,
    Files,
    Horizon,
    Png,
    Quiet,
    RayAddress,
    Report,
    RunModel,
    Verbose,
    model_groups,
    stdout,
    takes,
    user_errors,
)
from seqcast.cli.serve import serve_command, track_command
from seqcast.cli.tune import tune_command
from seqcast.models.registry import COMPARED, models_help
from seqcast.settings import Evaluation, LoadOptions

PARTIAL = 3  # the exit code of a watch-list run some of whose series could not be read

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Forecast daily price series with sequence models, always beside the naive baseline.",
)


@app.command()
@takes(LoadOptions, *model_groups(), Evaluation)
def run(
    given: dict[str, Any],
    data: Files = None,
    config: Config = None,
    baselines: Annotated[
        str, typer.Option(help="Baselines beside the model (naive always runs).")
    ] = "naive",
    name: Annotated[
        str | None, typer.Option(help="Run name.", show_default="<model>-<timestamp>")
    ] = None,
    runs_dir: Annotated[Path, typer.Option(help="Where run directories are written.")] = Path(
        "runs"
    ),
    quiet: Quiet = False,
    verbose: Verbose = False,
    as_json: AsJson = False,
    report: Report = True,
    png: Png = False,
) -> None:
    """Train a model, score it against the naive forecast, and save the run."""
    with user_errors(verbose):
        settings = _settings(config, given, data)
        output = Output(quiet or as_json, as_json, report, png)
        _experiment_command(settings, "run", name, runs_dir, output, baselines)


@app.command(name="compare")
@takes(LoadOptions, *model_groups(), Evaluation, exclude=("model", "layers"))
def compare_command(
    given: dict[str, Any],
    data: Files = None,
    config: Config = None,
    models: Annotated[
        str | None,
        typer.Option(
            help=models_help().replace("[", "\\["),
            show_default=",".join(COMPARED),
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output directory.", show_default="runs/compare-<timestamp>"),
    ] = None,
    ray: RayAddress = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    as_json: AsJson = False,
    report: Report = True,
    png: Png = False,
) -> None:
    """Backtest baselines and models over seeds; rank them by MAE beside the naive forecast."""
    with user_errors(verbose):
        settings = _settings(config, given, data)
        if models is not None:
            settings["models"] = models
        output = Output(quiet or as_json, as_json, report, png)
        _experiment_command(settings, "compare", None, out, output, None, ray)


@app.command()
def demo(
    data: Data = None,
    epochs: Annotated[int, typer.Option(help="Training epochs (the tutorial's 50).")] = 50,
    runs_dir: Annotated[Path, typer.Option(help="Where run directories are written.")] = Path(
        "runs"
    ),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """The tutorial end to end: its LSTM, 50 epochs, batch 64, the last 60 days as test."""
    with user_errors(verbose):
        settings: dict[str, Any] = {"data": str(data or ""), "model": "tutorial", "epochs": epochs}
        output = Output(quiet, as_json=False, report=True, png=True)
        _experiment_command(settings, "run", "demo", runs_dir, output, "naive")


@app.command()
def predict(
    run_dir: Annotated[Path, typer.Option("--run", help="A run directory written by seqcast.")],
    data: Data = None,
    verbose: Verbose = False,
    as_json: AsJson = False,
) -> None:
    """Reload a saved run and forecast (no training): the test days and the next day."""
    from seqcast import runs

    with user_errors(verbose):
        result = runs.replay(run_dir, data)
        _report(result, None, as_json, one_model=True)


@app.command()
def forecast(
    run_dir: Annotated[Path, typer.Option("--run", help="A run directory written by seqcast.")],
    data: Data = None,
    horizon: Horizon = None,
    model: RunModel = None,
    verbose: Verbose = False,
    as_json: AsJson = False,
) -> None:
    """The next days after the data ends, with the run's calibrated intervals and a fan chart
    (no training)."""
    from seqcast import runs
    from seqcast.io import plain

    with user_errors(verbose):
        next_days, series = runs.forecast_next(run_dir, data, horizon, model)
        for note in next_days.notes:
            typer.echo(f"seqcast: note: {note}", err=True)
        paths = runs.save_forecast(run_dir, next_days, series)
        if as_json:
            table = next_days.table.reset_index().assign(date=lambda t: t["date"].astype(str))
            payload = {"model": next_days.model, "forecast": table.to_dict(orient="records")}
            json.dump(plain({**payload, "files": [str(p) for p in paths]}), sys.stdout, indent=2)
            sys.stdout.write("\n")
            return
        out = stdout()
        from seqcast.report.tables import next_days_table

        out.print(
            next_days_table(next_days.table, f"{next_days.model}, after {series.index[-1].date()}")
        )
        out.print(f"Saved {', '.join(str(p) for p in paths)}")


@app.command(name="fetch")
def fetch_command(
    symbol: Annotated[str, typer.Argument(help="Yahoo Finance ticker: BTC-USD, SPY, ^GSPC...")],
    out: Annotated[
        Path | None, typer.Option("--out", help="CSV to write.", show_default="<SYMBOL>.csv")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="Chart API address (or $SEQCAST_FETCH_URL).", show_default=True),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for an answer.")] = 20.0,
    verbose: Verbose = False,
) -> None:
    """Download a symbol's daily prices (only the days not cached yet; never today's
    unfinished day) into a CSV seqcast reads."""
    from seqcast.data.fetch import fetch

    with user_errors(verbose):
        got = fetch(symbol, out, base_url, timeout)
        typer.echo(
            f"{got.path}: {got.rows:,} days, {got.first} .. {got.last}"
            f" ({got.new:,} new; cached in {Path('~/.cache/seqcast/prices')})"
        )


@app.command()
@takes(LoadOptions)
def inspect(
    given: dict[str, Any],
    data: Annotated[Path, typer.Argument(help="The price file to look at.")],
    verbose: Verbose = False,
) -> None:
    """Show what seqcast reads from a file: layout, dates, repairs, statistics, a sparkline."""
    from seqcast.data.load import read_prices
    from seqcast.report.tables import describe

    with user_errors(verbose):
        loaded = read_prices(data, LoadOptions(**given))
        out = stdout()
        for line in describe(loaded):
            out.print(line, markup=False)


def _settings(
    config: Path | None, given: dict[str, Any], data: list[Path] | None
) -> dict[str, Any]:
    """TOML settings, overridden by the options given on the command line."""
    from seqcast.io import read_toml
    from seqcast.options import typed

    groups = [LoadOptions, *model_groups(), Evaluation]
    settings = typed(groups, read_toml(config), str(config)) if config else {}
    settings |= given
    if data:
        settings["data"] = [str(d) for d in data] if len(data) > 1 else str(data[0])
    return settings


# seqcast tune lives in cli/tune.py (its options are its own)
app.command(name="tune")(takes(LoadOptions)(tune_command))
app.command(name="serve")(serve_command)
app.command(name="track")(track_command)


@app.command(name="report")
def report_command(
    run_dir: Annotated[Path, typer.Argument(help="A run or comparison directory.")],
    verbose: Verbose = False,
) -> None:
    """Write report.html for a run or comparison directory (again, or for an older run);
    a report on disk is never replaced by one made from damaged files (exit 2, naming one)."""
    from seqcast import runs

    with user_errors(verbose):
        path, problems = runs.write_report(run_dir)
        for problem in problems:
            typer.echo(f"seqcast: note: {problem}; the report shows what could be read", err=True)
        typer.echo(f"Report written to {path} ({path.stat().st_size / 1e6:.1f} MB)")


@dataclass(frozen=True)
class Output:
    quiet: bool  # no progress lines
    as_json: bool  # the result as JSON on stdout instead of tables
    report: bool  # write report.html
    png: bool  # write plot.png


def _experiment_command(
    settings: dict[str, Any],
    command: str,
    name: str | None,
    where: Path | None,
    output: Output,
    baselines: str | None,
    ray: str | None = None,
) -> None:
    from seqcast import runs
    from seqcast.cluster import connect
    from seqcast.config import plan
    from seqcast.io import check_writable
    from seqcast.result import Panel, Result

    experiment, loaded, skipped = plan(settings, command, baselines)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if command == "run":
        label = next(iter(experiment.models)) if experiment.models else "naive"
        directory = (where or Path("runs")) / (name or f"{label}-{stamp}")
    else:
        directory = where or Path("runs") / f"compare-{stamp}"
    check_writable(directory)  # before any training: a full disk must not cost a day's fits
    cluster = connect(ray) if ray else None
    quiet = output.quiet
    listener = _progress_printer(command) if not quiet else (lambda event, details: None)
    with progress.listening(listener):
        result: Result | Panel = (
            experiment.run(loaded[0], cluster)
            if len(loaded) == 1
            else experiment.run_many(loaded, cluster)
        )
    runs.save(result, directory, report=output.report, png=output.png)
    _report(result, directory, output.as_json, one_model=command == "run")
    if skipped:  # the others completed: a partial answer, said as such
        for line in skipped:
            typer.echo(f"seqcast: skipped: {line}", err=True)
        raise typer.Exit(PARTIAL)


def _report(result: Any, directory: Path | None, as_json: bool, one_model: bool) -> None:
    from seqcast.io import plain
    from seqcast.report.tables import show

    if as_json:
        payload = {**result.to_dict(), "directory": None if directory is None else str(directory)}
        json.dump(plain(payload), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return
    out = stdout()
    for renderable in show(result, out, next_days=one_model):
        out.print(renderable)
    if directory is not None:
        out.print(f"Results saved to {directory}")


def _progress_printer(command: str) -> progress.Listener:
    """`run` prints a line per epoch (as Keras does); `compare` shows one live progress bar
    on an interactive terminal: fits done, the model training now, time left."""
    err = Console(stderr=True, highlight=False)
    if command == "run":

        def epoch_lines(event: str, details: dict[str, Any]) -> None:
            if event == "epoch":
                val = details["val_loss"]
                shown = f"  val_loss {val:.6f}" if val is not None else ""
                err.print(
                    f"epoch {details['epoch']:>3}/{details['epochs']}"
                    f"  loss {details['loss']:.6f}{shown}  {details['seconds']:.2f}s"
                )

        return epoch_lines
    if not err.is_terminal:
        return lambda event, details: None
    return FitProgress(err)


def progress_bar(console: Console) -> Any:
    """The live bar of long commands (compare's fits, tune's trials): what runs now, a bar,
    done/total and the time left; gone when it ends."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    return Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


class FitProgress:
    """A rich progress bar over the fits of a job, advanced within a group by its epochs."""

    def __init__(self, console: Console):
        self.bar = progress_bar(console)
        self.task = self.bar.add_task("starting", total=None)
        self.done, self.label = 0.0, ""

    def __call__(self, event: str, details: dict[str, Any]) -> None:
        if event == "start":
            self.bar.start()
            self.bar.update(self.task, total=details["total"])
        elif event == "model":
            self.label = f"{details['label']} ({details['seeds']} seed(s))"
            self.bar.update(self.task, description=self.label)
        elif event == "epoch":
            within = details["members"] * details["epoch"] / details["epochs"]
            shown = f"{self.label} epoch {details['epoch']}/{details['epochs']}"
            self.bar.update(self.task, completed=self.done + within, description=shown)
        elif event == "fitted":
            self.done += details["count"]
            self.bar.update(self.task, completed=self.done)
            if self.done >= (self.bar.tasks[0].total or float("inf")):
                self.bar.stop()


def main(argv: Any = None) -> None:
    from seqcast import runtime

    runtime.prepare()  # process-wide settings belong to the entry point, not the library
    try:
        app(args=_bare_ray(sys.argv[1:] if argv is None else list(argv)), prog_name="seqcast")
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    else:
        code = 0
    sys.stdout.flush()
    sys.stderr.flush()
    if "torch" in sys.modules:
        # Every file is written and closed by now; unloading PyTorch's libraries at
        # interpreter exit takes 0.4 s of every command that trained, for nothing.
        os._exit(code)
    sys.exit(code)


def _bare_ray(argv: list[str]) -> list[str]:
    """`--ray` alone means a local Ray instance (click has no optional option values)."""
    from seqcast.cluster import LOCAL

    at = [k for k, arg in enumerate(argv) if arg == "--ray"]
    for k in reversed(at):
        if k + 1 == len(argv) or argv[k + 1].startswith("-"):
            argv.insert(k + 1, LOCAL)
    return argv
