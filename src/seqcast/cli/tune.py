"""`seqcast tune`: a thin layer over seqcast.tune.Tuning."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from seqcast import progress
from seqcast.cli.options import (
    AsJson,
    Data,
    Quiet,
    RayAddress,
    Report,
    Verbose,
    stdout,
    user_errors,
)

Model = Annotated[str, typer.Option(help="The preset tuned: tutorial, mlp, rnn, lstm or gru.")]


def tune_command(
    given: dict[str, Any],
    data: Data = None,
    model: Model = "gru",
    trials: Annotated[
        int, typer.Option(help="Finished trials the study ends with (a resumed one included).")
    ] = 20,
    space: Annotated[
        Path | None,
        typer.Option(help="TOML search space, replacing entries of the preset's default one."),
    ] = None,
    folds: Annotated[int, typer.Option(help="Walk-forward folds each trial is scored on.")] = 3,
    fold_days: Annotated[int, typer.Option(help="Days forecast in each fold.")] = 90,
    test_days: Annotated[
        int, typer.Option(help="Days at the end the search never reads; the best is tested there.")
    ] = 365,
    seed: Annotated[
        int, typer.Option(help="Seed of the sampler and of every trial's network.")
    ] = 0,
    seeds: Annotated[int, typer.Option(help="Seeds of the best settings' test run.")] = 3,
    jobs: Annotated[
        int, typer.Option(help="Worker processes (the machine's threads split between them).")
    ] = 1,
    storage: Annotated[
        str | None,
        typer.Option(help="Optuna storage URL.", show_default="sqlite:///<out>/study.db"),
    ] = None,
    study: Annotated[
        str | None, typer.Option(help="Study name in the storage.", show_default="the model")
    ] = None,
    ray: RayAddress = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output directory.", show_default="runs/tune-<model>"),
    ] = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    as_json: AsJson = False,
    report: Report = True,
) -> None:
    """Search a preset's settings (Optuna) on walk-forward folds before the test period;
    write best.toml and score it once on the test period beside naive."""
    from seqcast import runtime
    from seqcast.cluster import connect
    from seqcast.config import load_one
    from seqcast.models import registry
    from seqcast.tune.search import Folds
    from seqcast.tune.space import read_space
    from seqcast.tune.tuning import Tuning

    runtime.optuna_warnings_only()  # the command's own process: trials say nothing per line
    with user_errors(verbose), _progress(quiet or as_json) as listener:
        loaded = load_one(data, given)
        tuning = Tuning(
            model=model,
            trials=trials,
            space=read_space(space, model) if space else registry.space(model),
            folds=Folds(folds, fold_days, test_days),
            seed=seed,
            seeds=tuple(range(seed, seed + seeds)),
            jobs=jobs,
            storage=storage,
            study=study,
        )
        cluster = connect(ray) if ray else None
        with progress.listening(listener):
            tuned = tuning.run(loaded, out or Path("runs") / f"tune-{model}", cluster, report)
        _print(tuned, as_json, quiet)


@contextmanager
def _progress(quiet: bool) -> Iterator[progress.Listener]:
    """`tune`'s live bars on a terminal (TuneProgress); nothing when piped or quiet. The bars
    are gone when the command ends, however it ends."""
    from rich.console import Console

    err = Console(stderr=True, highlight=False)
    if quiet or not err.is_terminal:
        yield lambda event, details: None
        return
    shown = TuneProgress(err)
    try:
        yield shown
    finally:
        shown.stop()


class TuneProgress:
    """The study's trials (finished / total, the best score so far, time left), then the
    best settings' test run as `compare` shows its fits."""

    def __init__(self, console: Any):
        from seqcast.cli.app import FitProgress, progress_bar

        self.bar = progress_bar(console)
        self.task: Any = None  # while the study runs
        self.test = FitProgress(console)

    def __call__(self, event: str, details: dict[str, Any]) -> None:
        if event == "study" and details["done"] < details["total"]:
            self.task = self.bar.add_task(
                "trials", total=details["total"], completed=details["done"]
            )
            self.bar.start()
        elif event == "trial" and self.task is not None:
            best = "-" if details["best"] is None else f"{details['best']:.4f}"
            shown = f"trials (best so far: {best} MAE/naive)"
            self.bar.update(self.task, completed=details["done"], description=shown)
            if self.bar.tasks[0].finished:
                self.bar.stop()
                self.task = None
        elif self.task is None:  # the trials' own fits are not the test run's
            self.test(event, details)

    def stop(self) -> None:
        self.bar.stop()
        self.test.bar.stop()


def _print(tuned: Any, as_json: bool, quiet: bool) -> None:
    from seqcast.io import plain
    from seqcast.report.tables import show

    if as_json:
        payload = {
            "directory": str(tuned.directory),
            "best": tuned.settings,
            "score": tuned.score,
            "trials": len(tuned.history),
            "test": tuned.result.to_dict(),
        }
        json.dump(plain(payload), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return
    out = stdout()
    states = tuned.history["state"].value_counts().to_dict()
    out.print(
        f"{len(tuned.history)} trials ({states.get('complete', 0)} complete,"
        f" {states.get('pruned', 0)} pruned); the best: mean fold MAE / naive MAE"
        f" {tuned.score:.4f}"
    )
    if not quiet:
        for key, value in tuned.settings.items():
            out.print(f"  {key} = {value}", markup=False)
    out.print("On the test period (never seen by the search):")
    for renderable in show(tuned.result, out, next_days=False):
        out.print(renderable)
    out.print(
        f"Saved {tuned.directory}/best.toml (seqcast run --config / compare --models),"
        " history.csv, history.png and test/"
    )
