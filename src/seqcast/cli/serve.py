"""`seqcast serve` and `seqcast track`: thin layers over seqcast.serve (the HTTP API needs
the `serve` extra: pip install 'seqcast[serve]'; the ledger only the standard library)."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from seqcast.cli.options import AsJson, Horizon, RunModel, Verbose, stdout, user_errors
from seqcast.errors import SeqcastError

Runs = Annotated[
    list[Path],
    typer.Option(
        "--run",
        help="A run directory to serve (repeat for several; the first is"
        " the default model of /invocations).",
    ),
]
Ledger = Annotated[Path, typer.Option(help="The ledger: a SQLite file seqcast keeps.")]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve_command(
    run: Runs,
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback only by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    api_key_file: Annotated[
        Path | None,
        typer.Option(
            help="File holding the API key requests must send (Authorization: Bearer).",
            show_default="no key",
        ),
    ] = None,
    ledger: Annotated[
        Path | None,
        typer.Option(
            help="A ledger (seqcast track) to serve at /v1/models/NAME/ledger.", show_default="none"
        ),
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    verbose: Verbose = False,
) -> None:
    """Serve saved runs over HTTP: forecasts of the series a request sends, beside naive's,
    with the run's intervals (no training). SIGHUP or POST /v1/admin/reload reads the run
    directories again."""
    with user_errors(verbose):
        try:
            import uvicorn

            from seqcast.serve.app import create_app
            from seqcast.serve.catalog import Catalog
        except ImportError as exc:
            raise SeqcastError(
                f"seqcast serve needs {exc.name}: pip install 'seqcast[serve]'"
            ) from None
        key = _read_key(api_key_file) if api_key_file else None
        if ledger is not None:
            from seqcast.serve.ledger import connect

            connect(ledger).close()  # refuse a file that is not a ledger now, not per request
        _one_thread_per_request()
        catalog = Catalog(run)
        _reload_on_sighup(catalog)
        if host not in LOOPBACK and key is None:
            typer.echo(
                f"seqcast: note: listening on {host} without --api-key-file: anyone"
                " who reaches it can use it",
                err=True,
            )
        for served in catalog.all():
            typer.echo(
                f"serving {served.name} ({served.model}, version {served.version})"
                f" at http://{host}:{port}/v1/models/{served.name}/forecast",
                err=True,
            )
        app = create_app(catalog, key, ledger)
        config = uvicorn.Config(
            app, host=host, port=port, access_log=access_log, log_level="warning"
        )
    uvicorn.Server(config).run()


def _read_key(path: Path) -> str:
    try:
        key = path.read_text().strip()
    except OSError as exc:
        raise SeqcastError(f"--api-key-file {path}: cannot read it ({exc.strerror})") from None
    if not key:
        raise SeqcastError(f"--api-key-file {path}: empty; put the key in it")
    return key


def _one_thread_per_request() -> None:
    """Requests run in threads of their own; PyTorch's intra-op threads on top of them fight
    over the cores (a 12 ms answer took 60 ms on this 2-core machine, and restoring a network
    1.2 s instead of 0.08 s). Set before PyTorch loads with the first neural run."""
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(1)
    else:
        os.environ.setdefault("OMP_NUM_THREADS", "1")


def _reload_on_sighup(catalog: Any) -> None:
    def reload(*_: Any) -> None:
        for r in catalog.reload():
            state = (
                f"error: {r.error}" if r.error else ("new version" if r.changed else "unchanged")
            )
            typer.echo(f"seqcast: reload: {r.name} {r.version} ({state})", err=True)

    if hasattr(signal, "SIGHUP"):  # loading takes a moment: not in the event loop's thread
        signal.signal(
            signal.SIGHUP, lambda *_: threading.Thread(target=reload, daemon=True).start()
        )


def track_command(
    run: Annotated[
        Path | None, typer.Option("--run", help="The run directory that forecasts.")
    ] = None,
    data: Annotated[
        str | None, typer.Option(help="The newest prices: a file, or a ticker symbol to fetch.")
    ] = None,
    ledger: Ledger = Path("ledger.db"),
    horizon: Horizon = None,
    model: RunModel = None,
    report: Annotated[
        bool, typer.Option("--report", help="Write the live record as a page beside the ledger.")
    ] = False,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit",
            help="First refit the run's models where its --refit-every schedule has come due"
            " (warm where its refits were), as its backtest did.",
        ),
    ] = False,
    refit_every: Annotated[
        int | None,
        typer.Option(help="With --refit: the run's schedule, checked.", show_default="the run's"),
    ] = None,
    warm_start: Annotated[
        bool | None,
        typer.Option(
            "--warm-start/--no-warm-start",
            help="With --refit: whether the run's refits were warm, checked.",
            show_default="the run's",
        ),
    ] = None,
    verbose: Verbose = False,
    as_json: AsJson = False,
) -> None:
    """Publish the next days' forecasts in a ledger and score every earlier one whose day
    has come: realised MAE beside naive's, a running Diebold-Mariano test, coverage. Run it
    once a day; a second run on a day adds nothing."""
    with user_errors(verbose):
        if (run is None) != (data is None):
            raise SeqcastError("give both --run and --data (or only --report)")
        if run is None and not report:
            raise SeqcastError("give --run and --data to track, or --report to draw the ledger")
        payload: dict[str, Any] = {}
        if run is not None and data is not None:
            from seqcast.serve.track import Refit, track

            if not refit and (refit_every is not None or warm_start is not None):
                raise SeqcastError("--refit-every and --warm-start go with --refit")
            schedule = Refit(refit_every, warm_start) if refit else None
            tracked = track(run, data, ledger, horizon, model, schedule)
            payload = dict(vars(tracked), ledger=str(tracked.ledger))
            if not as_json:
                _print_tracked(tracked)
        if report:
            from seqcast.serve.page import write_page

            page = write_page(ledger)
            payload["report"] = str(page)
            if not as_json:
                typer.echo(f"Live record written to {page}")
        if as_json:
            from seqcast.io import plain

            json.dump(plain(payload), sys.stdout, indent=2, allow_nan=False)
            sys.stdout.write("\n")


def _print_tracked(tracked: Any) -> None:
    from rich.table import Table

    out = stdout()
    for note in tracked.notes:
        typer.echo(f"seqcast: note: {note}", err=True)
    out.print(
        f"{tracked.ledger}: {tracked.published} forecasts of {tracked.series} from"
        f" {tracked.origin} published ({tracked.run}: {tracked.model}); {tracked.scored}"
        " earlier target dates scored"
    )
    if not tracked.scores:
        out.print("No forecast has reached its date yet: the record starts tomorrow.")
        return
    columns = [k for k in tracked.scores[0] if k not in ("series", "run", "model")]
    table = Table(title=f"The live record of {tracked.model} on {tracked.series}")
    for column in columns:
        table.add_column(column, justify="right")
    for row in tracked.scores:
        table.add_row(*(_cell(row[c]) for c in columns))
    out.print(table)


def _cell(value: Any) -> str:
    from seqcast.report.tables import number

    return number(value) if isinstance(value, float) or value is None else str(value)
