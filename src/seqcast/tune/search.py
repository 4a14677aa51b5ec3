"""Tuning: an Optuna study over a search space, each trial scored on walk-forward folds that
all end before the test period, which the search never reads.

A trial's score is its mean MAE / naive MAE over K folds: fold k fits on everything before
its first day and forecasts its days one step ahead. The first fold is scored alone, so a
poor trial can be pruned (Optuna's median pruner) before the others train; the rest train
together as one grouped network. The study lives in Optuna's storage (SQLite in the output
directory by default): a killed run loses at most the trials it was running, and the same
command resumes it. `jobs` worker processes share the study, the machine's threads split
between them; with Ray (`cluster`), folds run as Ray tasks. Listeners (seqcast.progress) are
told how many trials have finished and the best score so far, whichever way they run.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import signal
import warnings
from dataclasses import dataclass, field
from multiprocessing import connection
from typing import Any

import numpy as np
import pandas as pd

from seqcast import progress
from seqcast.cluster import Cluster, wait
from seqcast.data.load import Loaded
from seqcast.errors import Note, SeqcastError
from seqcast.evaluate.backtest import Walk
from seqcast.models import registry
from seqcast.models.base import fit_all
from seqcast.tune.space import Dimension, sample, settings_of


@dataclass(frozen=True)
class Folds:
    """Where a trial is scored: `count` blocks of `days` days ending where the test
    period begins (`test_days` before the end of the data)."""

    count: int = 3
    days: int = 90
    test_days: int = 365

    def ends(self, n: int) -> list[int]:
        """Each fold's end position (exclusive), oldest first."""
        last = n - self.test_days
        return [last - k * self.days for k in range(self.count - 1, -1, -1)]


@dataclass
class Search:
    model: str  # the preset tuned
    space: dict[str, Dimension]
    folds: Folds = field(default_factory=Folds)
    seed: int = 0  # of every trial's networks: equal settings, equal scores

    def settings(self, trial: Any) -> dict[str, Any]:
        """The neural settings of a new trial (kept on the trial for best.toml)."""
        settings = settings_of(self.model, sample(trial, self.space))
        trial.set_user_attr("settings", settings)
        return settings

    def score_folds(self, data: Loaded, settings: dict[str, Any], ends: list[int]) -> list[float]:
        """MAE / naive MAE of each fold ending at `ends`, its fits trained together."""
        walks = []
        for end in ends:
            series = data.series.iloc[:end]
            frame = None if data.frame is None else data.frame.iloc[:end]
            model = registry.make(self.model, {**settings, "seed": self.seed})
            forecasters = {"m": model, "naive": registry.make("naive")}
            walks.append(Walk(series, forecasters, self.folds.days, features=frame))
        fit_all([job for walk in walks for job in walk.jobs()])
        scores = []
        for walk in walks:
            table = walk.result().table
            naive = np.mean(np.abs(table["y"] - table["naive"]))
            scores.append(float(np.mean(np.abs(table["y"] - table["m"])) / naive))
        return scores

    def objective(self, data: Loaded) -> Any:
        """The function Optuna calls: fold 1 alone (pruned if poor), then the others."""
        import optuna

        ends = self.folds.ends(len(data.series))

        def objective(trial: Any) -> float:
            settings = self.settings(trial)
            first = self.score_folds(data, settings, ends[:1])
            if pruned(trial, first):
                raise optuna.TrialPruned()
            return score(trial, first, self.score_folds(data, settings, ends[1:]))

        return objective

    def check(self, data: Loaded) -> None:
        """Refuse, before any study row is written, folds the data cannot hold."""
        if self.folds.count < 1 or self.folds.days < 1 or self.folds.test_days < 1:
            raise SeqcastError("--folds, --fold-days and --test-days must be at least 1")
        first = self.folds.ends(len(data.series))[0] - self.folds.days
        if first < MIN_TRAIN:
            raise SeqcastError(
                f"{data.source}: {len(data.series)} rows leave {first} before the first fold"
                f" (at least {MIN_TRAIN} needed); use fewer or shorter folds (--folds,"
                " --fold-days), fewer --test-days or a longer file"
            )

    def signature(self, data: Loaded) -> dict[str, Any]:
        """What a study's trials depend on: a resumed study must match it. The data part is
        a digest of the days before the test period only, the days the search reads."""
        seen = data.series.iloc[: len(data.series) - self.folds.test_days]
        digest = hashlib.sha256(pd.util.hash_pandas_object(seen).to_numpy().tobytes())
        return {
            "model": self.model,
            "space": {k: repr(v) for k, v in sorted(self.space.items())},
            "folds": [self.folds.count, self.folds.days, self.folds.test_days],
            "seed": self.seed,
            "data": digest.hexdigest()[:16],
        }


MIN_TRAIN = 200  # days before the first fold


def pruned(trial: Any, first: list[float]) -> bool:
    trial.report(first[0], 0)
    return bool(trial.should_prune())


def score(trial: Any, first: list[float], rest: list[float]) -> float:
    for step, value in enumerate(rest, start=1):
        trial.report(value, step)
    return float(np.mean(first + rest))


def open_study(storage: str, name: str, search: Search, data: Loaded) -> Any:
    """The study in `storage`, created or resumed (refused if it was made for other folds,
    space or data); trials left running by a killed run are marked failed."""
    try:
        import optuna
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:
        raise SeqcastError(
            "tuning needs Optuna, an optional extra: pip install 'seqcast[tune]'"
        ) from None

    try:
        study = optuna.create_study(
            study_name=name,
            storage=storage,
            direction="minimize",
            pruner=optuna.pruners.MedianPruner(n_startup_trials=5),
            load_if_exists=True,
        )
    except (SQLAlchemyError, ValueError, ImportError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SeqcastError(f"--storage {storage}: cannot be opened ({reason})") from None
    signature = search.signature(data)
    made_for = study.user_attrs.get("signature")
    if made_for is None:
        study.set_user_attr("signature", signature)
    elif made_for != signature:
        differ = ", ".join(k for k in signature if made_for.get(k) != signature[k])
        raise SeqcastError(
            f"study '{name}' in {storage} was made with another {differ};"
            " give another --study or --out to start a new one"
        )
    study.sampler = sampler(search.seed, 0, study)
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
        warnings.warn(
            f"trial {trial.number} was cut short by an earlier run; tried again",
            Note,
            stacklevel=2,
        )
    return study


def sampler(seed: int, worker: int, study: Any) -> Any:
    """TPE seeded by the seed, the worker and the trials so far: a resumed study or a second
    worker does not propose again what the first proposed."""
    import optuna

    return optuna.samplers.TPESampler(seed=seed + 1000 * worker + len(study.trials))


def finished(study: Any) -> int:
    import optuna

    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return len(study.get_trials(deepcopy=False, states=states))


def tell_progress(study: Any, *_: Any) -> None:
    """Tell listeners the trials finished and the best score so far (None before the
    first complete trial); an Optuna callback too."""
    try:
        best = float(study.best_value)
    except ValueError:
        best = None
    progress.tell("trial", done=finished(study), best=best)


def optimize(
    search: Search,
    data: Loaded,
    study: Any,
    storage: str,
    trials: int,
    jobs: int = 1,
    cluster: Cluster | None = None,
) -> None:
    """Run `study` until it holds `trials` finished trials: in this process, in `jobs`
    processes, or as Ray tasks on `cluster`."""
    progress.tell("study", total=trials, done=finished(study))
    if finished(study) >= trials:
        return
    if cluster is not None:
        _optimize_ray(search, data, study, trials, cluster)
        return
    remaining = trials - finished(study)
    jobs = min(jobs, remaining)
    if jobs <= 1:
        _work(search, data, storage, study.study_name, remaining, None, 0)
        return
    _optimize_processes(search, data, study, storage, remaining, jobs)


def _optimize_processes(
    search: Search, data: Loaded, study: Any, storage: str, remaining: int, jobs: int
) -> None:
    """`jobs` worker processes sharing the study; this one watches the storage for progress
    and, interrupted (Ctrl-C), stops them: the trials they were running are tried again
    when the study resumes."""
    context = multiprocessing.get_context("spawn")  # no forked PyTorch or SQLite state
    threads = max(1, _cores() // jobs)
    shares = [remaining // jobs + (k < remaining % jobs) for k in range(jobs)]
    workers = [
        context.Process(
            target=_worker, args=(search, data, storage, study.study_name, share, threads, k)
        )
        for k, share in enumerate(shares)
    ]
    running: list[Any] = []
    try:
        for worker in workers:
            worker.start()
            running.append(worker)
        done = -1
        while running:
            connection.wait([worker.sentinel for worker in running], timeout=1.0)
            running = [worker for worker in running if worker.is_alive()]
            if finished(study) != done:
                done = finished(study)
                tell_progress(study)
    finally:
        for worker in running:  # none, unless interrupted
            worker.terminate()
            worker.join()
    if any(worker.exitcode for worker in workers):
        raise SeqcastError("a tuning worker failed; run the command again to resume the study")


def _worker(*args: Any) -> None:
    """A worker process: Ctrl-C reaches the whole process group, and the parent, which gets
    it too, stops its workers; a worker interrupted on its own would print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _work(*args)


def _work(
    search: Search,
    data: Loaded,
    storage: str,
    name: str,
    trials: int,
    threads: int | None,
    worker: int,
) -> None:
    """One worker: `trials` trials (each worker samples with its own seed, so workers do not
    propose the same settings)."""
    import optuna

    from seqcast import runtime

    runtime.prepare(threads=threads, quiet_optuna=True)
    warnings.simplefilter("ignore", Note)  # the parent says what needs saying
    study = optuna.load_study(study_name=name, storage=storage)
    study.sampler = sampler(search.seed, worker, study)
    study.optimize(search.objective(data), n_trials=trials, catch=(), callbacks=[tell_progress])


def _optimize_ray(search: Search, data: Loaded, study: Any, trials: int, cluster: Cluster) -> None:
    """Optuna's ask-and-tell in this process, the folds as Ray tasks: as many trials in
    flight as the cluster has slots, each pruned after its first fold as locally."""
    import optuna

    ends = search.folds.ends(len(data.series))
    running: dict[Any, tuple[Any, dict[str, Any], list[float]]] = {}
    while True:
        while len(running) < cluster.slots() and finished(study) + len(running) < trials:
            trial = study.ask()
            settings = search.settings(trial)
            running[cluster.submit(search.score_folds, data, settings, ends[:1])] = (
                trial,
                settings,
                [],
            )
        if not running:
            return
        future, scores = wait(list(running))
        trial, settings, first = running.pop(future)
        if first:
            study.tell(trial, score(trial, first, scores))
            tell_progress(study)
        elif pruned(trial, scores):
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            tell_progress(study)
        else:
            running[cluster.submit(search.score_folds, data, settings, ends[1:])] = (
                trial,
                settings,
                scores,
            )


def _cores() -> int:
    import torch

    return torch.get_num_threads()


def history(study: Any) -> pd.DataFrame:
    """One row per finished trial: number, state, score, the best score so far, values."""
    rows = []
    for trial in study.get_trials(deepcopy=False):
        if trial.state.name not in ("COMPLETE", "PRUNED"):
            continue
        rows.append(
            {
                "trial": trial.number,
                "state": trial.state.name.lower(),
                "score": trial.value,
                **{f"param {k}": v for k, v in trial.params.items()},
            }
        )
    table = pd.DataFrame(rows)
    if len(table):
        table["best so far"] = table["score"].where(table["state"] == "complete").cummin()
    return table
