"""The `seqcast` command: a thin layer over the Python API (parse, call, print)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from seqcast.backtest import days_since
from seqcast.compare import compare, save_comparison
from seqcast.config import RunConfig, read_toml
from seqcast.data import DataWarning, LoadOptions, load_prices, read_prices
from seqcast.errors import SeqcastError
from seqcast.formats import FORMATS
from seqcast.kernels import KernelNote
from seqcast.pipeline import RunResult, predict_from_run, run_experiment, save_run
from seqcast.report import describe, scores_table, summary_table, verdict
from seqcast.spec import PRESETS
from seqcast.train import LOSSES, OPTIMIZERS
from seqcast.transforms import TRANSFORMS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Forecast daily price series with sequence models, always beside the naive baseline.",
)


def _stdout() -> Console:
    """Rich output; wide when piped, so tables are never truncated in logs."""
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=220)


PRESET_HELP = "; ".join(f"{name}: {p.about} ({p.layers})" for name, p in PRESETS.items())

Data = Annotated[
    Path | None,
    typer.Option(
        help="Price file: CSV (Yahoo, CoinGecko, CryptoDataDownload, Investing.com,"
        " Kaggle intraday, any CSV), .gz, .zip or Parquet."
    ),
]
Target = Annotated[
    str | None,
    typer.Option("--target", "--target-col", help="Column to forecast [the layout's price]."),
]
Format = Annotated[
    str | None, typer.Option("--format", help=f"Force a layout: {', '.join(FORMATS)}.")
]
DateCol = Annotated[str | None, typer.Option(help="Time-stamp column (any other CSV).")]
Duplicates = Annotated[
    str | None, typer.Option(help="Two rows for one day: error | first | last [error].")
]
Gaps = Annotated[str | None, typer.Option(help="Missing days: ffill | drop | error [ffill].")]
MaxGap = Annotated[int | None, typer.Option(help="Longest gap ffill may fill, in days [7].")]
BadRows = Annotated[
    str | None, typer.Option(help="Empty, text or <= 0 prices: error | drop [error].")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No per-epoch progress lines.")]
Verbose = Annotated[bool, typer.Option("--verbose", help="Show full tracebacks on errors.")]
RunsDir = Annotated[Path, typer.Option(help="Where run directories are written.")]


@contextmanager
def user_errors(verbose: bool) -> Iterator[None]:
    """Input problems end in one line and exit code 2, not a traceback; repairs made to
    the data are printed as notes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", DataWarning)
            warnings.showwarning = _show_note
            yield
    except SeqcastError as exc:
        if verbose:
            raise
        typer.echo(f"seqcast: error: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("seqcast: interrupted", err=True)
        raise typer.Exit(130) from None


def _show_note(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    prefix = "note" if issubclass(category, DataWarning | KernelNote) else "warning"
    typer.echo(f"seqcast: {prefix}: {message}", err=True)


@app.command()
def run(
    data: Data = None,
    config: Annotated[
        Path | None, typer.Option(help="TOML file of settings (keys as these options).")
    ] = None,
    target: Target = None,
    test_days: Annotated[int | None, typer.Option(help="Days held out at the end [60].")] = None,
    data_format: Format = None,
    date_col: DateCol = None,
    duplicates: Duplicates = None,
    gaps: Gaps = None,
    max_gap: MaxGap = None,
    bad_rows: BadRows = None,
    model: Annotated[str | None, typer.Option(help=f"Preset [tutorial]. {PRESET_HELP}")] = None,
    layers: Annotated[
        str | None,
        typer.Option(help="Layer list overriding the preset, e.g. 'gru:32:seq, gru:16, dense:1'."),
    ] = None,
    window: Annotated[int | None, typer.Option(help="Past days per input window [60].")] = None,
    transform: Annotated[
        str | None, typer.Option(help=f"Target transform {TRANSFORMS} [preset's].")
    ] = None,
    epochs: Annotated[int | None, typer.Option(help="Training epochs [50].")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Batch size [64].")] = None,
    optimizer: Annotated[str | None, typer.Option(help=f"{OPTIMIZERS} [rmsprop].")] = None,
    learning_rate: Annotated[
        float | None, typer.Option("--lr", help="Learning rate [the optimizer's Keras default].")
    ] = None,
    loss: Annotated[str | None, typer.Option(help=f"{LOSSES} [preset's].")] = None,
    shuffle: Annotated[
        bool | None, typer.Option("--shuffle/--no-shuffle", help="Shuffle batches [shuffle].")
    ] = None,
    val_days: Annotated[
        int | None, typer.Option(help="Validation tail carved from training [preset's].")
    ] = None,
    patience: Annotated[
        int | None,
        typer.Option(help="Early-stopping patience on the validation tail; 0 = off [preset's]."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [0].")] = None,
    show_naive: Annotated[
        bool | None, typer.Option("--naive-plot/--no-naive-plot", help="Naive line in the plot.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Run name [<model>-<timestamp>].")] = None,
    runs_dir: RunsDir = Path("runs"),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Train a model, score it against the naive forecast, and save the run."""
    options = {k: v for k, v in locals().items() if v is not None}
    if "data_format" in options:
        options["format"] = options.pop("data_format")
    with user_errors(verbose):
        settings = read_toml(config) if config else {}
        for key in ("config", "name", "runs_dir", "quiet", "verbose"):
            settings.pop(key, None)
            options.pop(key, None)
        settings.update({k: str(v) if isinstance(v, Path) else v for k, v in options.items()})
        run_config = RunConfig.from_dict(settings, source=str(config or "options"))
        result = run_experiment(run_config, verbose=not quiet)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        directory = save_run(result, runs_dir / (name or f"{result.model}-{stamp}"))
        _show(result, directory)


@app.command()
def demo(
    data: Data = None,
    epochs: Annotated[int, typer.Option(help="Training epochs (the tutorial's 50).")] = 50,
    runs_dir: RunsDir = Path("runs"),
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """The tutorial end to end: its LSTM, 50 epochs, batch 64, the last 60 days as test."""
    with user_errors(verbose):
        if data is None:
            raise SeqcastError("the demo needs the BTC price file; give it with --data FILE")
        config = RunConfig(data=str(data), forecaster={"model": "tutorial", "epochs": epochs})
        result = run_experiment(config, verbose=not quiet)
        _show(result, save_run(result, runs_dir / "demo"))


@app.command()
def predict(
    run_dir: Annotated[Path, typer.Option("--run", help="A run directory written by 'run'.")],
    data: Data = None,
    verbose: Verbose = False,
) -> None:
    """Reload a saved run and forecast (no training): the test days and the next day."""
    with user_errors(verbose):
        _show(predict_from_run(run_dir, data), None)


@app.command(name="compare")
def compare_command(
    data: Data = None,
    models: Annotated[
        str,
        typer.Option(
            help="Comma-separated: baselines naive, drift, ma[:K], snaive[:K];"
            f" presets {', '.join(PRESETS)}; or .toml files of settings."
        ),
    ] = "naive,drift,ma:7,snaive:7,mlp,rnn,lstm,gru,tutorial",
    seeds: Annotated[int, typer.Option(help="Seeds per neural model.")] = 3,
    test_days: Annotated[int, typer.Option(help="Days forecast at the end.")] = 60,
    start: Annotated[
        str | None, typer.Option(help="First forecast date instead of --test-days.")
    ] = None,
    refit_every: Annotated[
        int | None, typer.Option(help="Refit every K days [never: fit once].")
    ] = None,
    train_days: Annotated[
        int | None, typer.Option(help="Sliding training window in days [expanding].")
    ] = None,
    target: Target = None,
    data_format: Format = None,
    date_col: DateCol = None,
    duplicates: Duplicates = None,
    gaps: Gaps = None,
    max_gap: MaxGap = None,
    bad_rows: BadRows = None,
    epochs: Annotated[int | None, typer.Option(help="Epochs for every neural model [50].")] = None,
    window: Annotated[int | None, typer.Option(help="Window for every neural model [60].")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output directory [runs/compare-<timestamp>].")
    ] = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Backtest baselines and models over seeds; rank them by MAE beside the naive forecast."""
    with user_errors(verbose):
        if data is None:
            raise SeqcastError("no data file given; use --data FILE")
        load = _load_options(data_format, date_col, duplicates, gaps, max_gap, bad_rows)
        series = load_prices(data, target, **load)
        days = days_since(series, start) if start else test_days
        given = {"epochs": epochs, "window": window}
        overrides = {k: v for k, v in given.items() if v is not None}
        names = [m.strip() for m in models.split(",") if m.strip()]
        result = compare(
            series,
            names,
            seeds,
            days,
            refit_every,
            train_days,
            overrides,
            on_done=None if quiet else _fit_done,
        )
        settings = {
            "data": str(data),
            "target": str(series.name),
            "load": load,
            "models": names,
            "seeds": seeds,
            "test_days": days,
            "refit_every": refit_every,
            "train_days": train_days,
            "overrides": overrides,
        }
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        directory = save_comparison(result, out_dir or Path("runs") / f"compare-{stamp}", settings)
        first, last = result.table.index[0].date(), result.table.index[-1].date()
        refits = f"refit every {refit_every} days" if refit_every else "fit once"
        out = _stdout()
        out.print(summary_table(result.summary, f"{first} .. {last} ({days} days, {refits})"))
        out.print(verdict(result.summary))
        out.print(f"Results saved to {directory}")


@app.command()
def inspect(
    data: Annotated[Path, typer.Argument(help="The price file to look at.")],
    target: Target = None,
    data_format: Format = None,
    date_col: DateCol = None,
    duplicates: Duplicates = None,
    gaps: Gaps = None,
    max_gap: MaxGap = None,
    bad_rows: BadRows = None,
    verbose: Verbose = False,
) -> None:
    """Show what seqcast reads from a file: layout, dates, repairs, statistics, a sparkline."""
    with user_errors(verbose):
        load = _load_options(data_format, date_col, duplicates, gaps, max_gap, bad_rows)
        loaded = read_prices(data, target, LoadOptions(**load))
        out = _stdout()
        for line in describe(loaded, str(data)):
            out.print(line, markup=False)


def _load_options(
    data_format: str | None,
    date_col: str | None,
    duplicates: str | None,
    gaps: str | None,
    max_gap: int | None,
    bad_rows: str | None,
) -> dict[str, Any]:
    given = {
        "format": data_format,
        "date_col": date_col,
        "duplicates": duplicates,
        "gaps": gaps,
        "max_gap": max_gap,
        "bad_rows": bad_rows,
    }
    return {k: v for k, v in given.items() if v is not None}


def _fit_done(model: str, runs: int, seconds: float) -> None:
    what = f"{runs} seeds" if runs > 1 else "1 run"
    typer.echo(f"{model}: {what} done in {seconds:.1f}s", err=True)


def _show(result: RunResult, directory: Path | None) -> None:
    out, table = _stdout(), result.table
    first, last, cutoff = table.index[0].date(), table.index[-1].date(), table["cutoff"].iloc[0]
    title = (
        f"One-step forecasts of {result.series_name}, {first} .. {last}"
        f" ({len(table)} days; trained up to {cutoff.date()})"
    )
    out.print(scores_table(result.scores, title))
    out.print(verdict(result.scores))
    date, value = result.next_day.index[0].date(), float(result.next_day.iloc[0])
    out.print(f"Next-day forecast ({result.model}) for {date}: {value:,.2f}")
    if directory is not None:
        out.print(f"Run saved to {directory}")


def main(argv: Any = None) -> None:
    app(args=argv, prog_name="seqcast")
