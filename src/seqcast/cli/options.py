"""Command-line options made from the settings groups (seqcast.settings), so each option is
declared once: its flag, help, choices and default come from the dataclass field, and typer
shows them. A command lists the groups it takes; it receives the options the user gave.
Also the one way every command reports a user's mistake (`user_errors`).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import typing
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from seqcast.errors import Note, SeqcastError

DATA_HELP = (
    "Price file: CSV (Yahoo, CoinGecko, CryptoDataDownload, Investing.com, Kaggle intraday,"
    " any CSV with a date and a price column), .gz, .zip or Parquet."
)
Data = Annotated[
    Path | None,
    typer.Option(help=DATA_HELP, show_default="the embedded BTC-USD daily history"),
]
Files = Annotated[
    list[Path] | None,
    typer.Option(
        "--data",
        help=DATA_HELP + " Repeat it for several series.",
        show_default="the embedded BTC-USD daily history",
    ),
]
Config = Annotated[
    Path | None, typer.Option(help="TOML file of settings (keys: these options' names).")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")]
Verbose = Annotated[bool, typer.Option("--verbose", help="Show full tracebacks on errors.")]
AsJson = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON on stdout (for scripts).")
]
Report = Annotated[
    bool, typer.Option("--report/--no-report", help="Write report.html (interactive charts).")
]
Png = Annotated[bool, typer.Option("--png", help="Also write plot.png (truth vs forecasts).")]
Horizon = Annotated[
    int | None, typer.Option(help="Days ahead.", show_default="the run's --horizon")
]
RunModel = Annotated[
    str | None,
    typer.Option(help="Which of the run's models.", show_default="its model, or the best"),
]
RayAddress = Annotated[
    str | None,
    typer.Option(
        "--ray",
        help="Run the fits as Ray tasks (pip install 'seqcast\\[ray]'): on the cluster at"
        " HOST:PORT, or alone (or 'local') on a Ray instance started here.",
        show_default="no Ray",
    ),
]


PANELS = {"LoadOptions": "Loading the data", "Evaluation": "Evaluation"}


def model_groups() -> list[type]:
    """Every model family's settings (the registry's table), each with its own panel."""
    from seqcast.models.registry import setting_groups

    groups = setting_groups()
    PANELS.update({cls.__name__: panel for cls, panel in groups})
    return [cls for cls, _ in groups]


def takes(*groups: type, exclude: tuple[str, ...] = ()) -> Callable[[Callable], Callable]:
    """Give a command every setting of `groups` (but `exclude`) as an option. The command
    gets them as `given`: only those set on the command line, parsed."""

    def decorate(command: Callable) -> Callable:
        generated: dict[str, tuple[dataclasses.Field, inspect.Parameter]] = {}
        for group in groups:  # a setting two families share is one option
            hints = typing.get_type_hints(group)
            for f in dataclasses.fields(group):
                if f.name not in exclude and f.metadata.get("cli", True):
                    generated.setdefault(f.name, (f, _parameter(f, hints, PANELS[group.__name__])))

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> Any:
            given = {}
            with user_errors(kwargs.get("verbose", False)):
                for name, (f, _) in generated.items():
                    value = kwargs.pop(name)
                    if value is not None:
                        parse = f.metadata.get("parse")
                        given[name] = parse(value) if parse else value
            return command(given=given, **kwargs)

        hints = typing.get_type_hints(command, include_extras=True)  # resolve the strings
        own = [
            p.replace(annotation=hints[p.name])
            for p in inspect.signature(command).parameters.values()
            if p.name != "given"
        ]
        wrapper.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [*own, *(parameter for _, parameter in generated.values())]
        )
        wrapper.__annotations__ = {}
        return wrapper

    return decorate


def _parameter(f: dataclasses.Field, hints: dict[str, Any], panel: str) -> inspect.Parameter:
    meta = f.metadata
    flag = meta.get("flag") or "--" + f.name.replace("_", "-")
    kind = str if meta.get("parse") else _plain_type(hints[f.name])
    declarations = [f"{flag}/--no-{flag[2:]}"] if kind is bool else [flag]
    help_text = meta["help"]
    if meta.get("choices"):
        help_text += f" One of: {', '.join(meta['choices'])}."
    shown = meta.get("shown") or _shown(f.default)
    option = typer.Option(*declarations, help=help_text, show_default=shown, rich_help_panel=panel)
    return inspect.Parameter(
        f.name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[kind | None, option],
    )


def _plain_type(hint: Any) -> type:
    """int from `int`, `int | None`; the first plain type of a union."""
    options = typing.get_args(hint) or (hint,)
    return next(t for t in options if t in (bool, int, float, str))


def _shown(default: Any) -> str:
    if isinstance(default, bool):
        return "yes" if default else "no"
    return str(default)


def stdout() -> Console:
    """Rich output at the terminal's width (or $COLUMNS); 120 columns when piped."""
    console = Console(highlight=False)
    if console.is_terminal or "COLUMNS" in os.environ:
        return console
    return Console(highlight=False, width=120)


@contextmanager
def user_errors(verbose: bool) -> Iterator[None]:
    """Input problems end in one line and exit code 2, not a traceback; notes (repairs made
    to the data, a one-time build) are printed as such."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", Note)
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
    prefix = "note" if issubclass(category, Note) else "warning"
    typer.echo(f"seqcast: {prefix}: {message}", err=True)
