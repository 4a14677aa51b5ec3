"""Flat settings (a TOML file and/or command-line options, with the names of
seqcast.settings) into an experiment and its data: the one place both commands meet.

    run:      the model (`model`/`layers`, or a .toml file as `model`) + `baselines`, 1 seed
    compare:  `models` (default: the baselines and every preset), 3 seeds; neural settings
              apply to every neural model named. A file with a `model` but no `models`
              compares that model with the baselines.
"""

from __future__ import annotations

import warnings
from typing import Any

from seqcast.data.datasets import BITCOIN, BITCOIN_NAME
from seqcast.data.load import Loaded
from seqcast.data.watchlist import Watchlist, read_watchlist
from seqcast.errors import Note, SeqcastError
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.models.base import COVARIATES
from seqcast.settings import Evaluation, LoadOptions, keys, name_list, pick

BASELINES, COMPARED = registry.BASELINES, registry.COMPARED
OTHER_KEYS = ("data", "models", "baselines")


def plan(
    settings: dict[str, Any], command: str, baselines: str | None = None
) -> tuple[Experiment, list[Loaded], list[str]]:
    """The experiment `settings` describe for `command` ('run' or 'compare'), its data (a
    watch-list: files, directories, globs; each file one series or several) and a line for
    every file or series that could not be read or is too short (the others go on)."""
    model_keys = registry.model_keys()
    known = {*keys(LoadOptions), *model_keys, *keys(Evaluation), *OTHER_KEYS}
    unknown = set(settings) - known
    if unknown:
        raise SeqcastError(
            f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
        )
    _check_other(settings)
    evaluation = Evaluation(**pick(Evaluation, settings))
    given = {k: v for k, v in settings.items() if k in model_keys}
    first_seed = given.pop("seed", 0)
    if command == "run":
        models = _run_models(settings, given, baselines or settings.get("baselines", "naive"))
        seeds = evaluation.seed_list(first_seed, default_count=1)
    else:
        models = _compare_models(settings, given)
        seeds = evaluation.seed_list(first_seed, default_count=3)
    if given.get("features") and not any(COVARIATES in m.tags() for m in models.values()):
        raise SeqcastError(
            f"--features {','.join(given['features'])}: none of the models"
            f" ({', '.join(models)}) reads covariates; name a neural model or leave it out"
        )
    data, skipped = load(settings)
    experiment = Experiment(models, evaluation, seeds)
    if len(data) > 1:  # a watch-list goes on without the series it cannot run on
        data, refused = experiment.usable(data)
        skipped = [*skipped, *refused]
    return experiment, data, skipped


def _check_other(settings: dict[str, Any]) -> None:
    """The keys no settings group declares: their types, and options that exclude each other."""
    for key in OTHER_KEYS:
        value = settings.get(key)
        text = isinstance(value, str) or (
            isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
        )
        if value is not None and not text:
            raise SeqcastError(f"{key} = {value!r}: give text (a file or names) or a list of them")
    if settings.get("start") and "test_days" in settings:
        raise SeqcastError("--start and --test-days both say where the test begins; give one")


def load(settings: dict[str, Any]) -> Watchlist:
    """The series of `data` (files, directories or globs, or none: the embedded history),
    read with the loading settings, each file's repairs said once; with the reasons of any
    left out. Nothing readable at all is an error."""
    if not settings.get("data"):
        settings = {**settings, "data": str(BITCOIN)}
        warnings.warn(f"no --data given: using {BITCOIN_NAME}", Note, stacklevel=3)
    options = LoadOptions(**pick(LoadOptions, settings))
    files = settings["data"] if isinstance(settings["data"], list) else [settings["data"]]
    watchlist = read_watchlist(files, options)
    if not watchlist.series:
        raise SeqcastError("no series could be read: " + "; ".join(watchlist.errors))
    for one in watchlist.series:
        one.warn()
    return watchlist


def load_one(data: Any, settings: dict[str, Any]) -> Loaded:
    """One series, for the commands that take one (tune)."""
    loaded, skipped = load({**settings, "data": str(data) if data else ""})
    if skipped:
        raise SeqcastError(skipped[0])
    if len(loaded) > 1:
        raise SeqcastError(f"{data}: holds {len(loaded)} series; this command takes one")
    return loaded[0]


def _run_models(settings: dict[str, Any], given: dict[str, Any], baselines: Any) -> dict:
    """`run`: the one model (`model`: any registered name or a .toml file) with the settings
    given, beside the baselines named."""
    if "models" in settings:
        raise SeqcastError("run trains one model (--model); to compare several, use compare")
    name = str(given.pop("model", registry.default_for(given)))
    _refuse_foreign(name, given)
    models = {registry.label(name): registry.make(name, given)}
    for baseline in _names(baselines):
        models.setdefault(registry.label(baseline), registry.make(baseline))
    return models


def _refuse_foreign(name: str, given: dict[str, Any]) -> None:
    """A setting given for `run` that its model's family does not take is a mistake to say,
    not to ignore (a TOML file's family is checked where the file is read)."""
    if name.partition("*")[0].endswith(".toml"):
        return
    own = registry.family_of(name).settings_class()
    foreign = sorted(set(given) - set(keys(own) if own else ()))
    if foreign:
        flags = ", ".join("--" + k.replace("_", "-") for k in foreign)
        raise SeqcastError(f"{flags}: not a setting of model '{name}'; leave it out")


def _compare_models(settings: dict[str, Any], given: dict[str, Any]) -> dict:
    names = _names(settings.get("models", COMPARED if "models" not in settings else ""))
    if "models" in settings and not names:
        raise SeqcastError("--models is empty; name at least one model, e.g. naive,gru")
    if "models" not in settings and {"model", "layers"} & set(given):
        # a run's settings (a file with `model`): its model vs the baselines
        name = str(given.pop("model", registry.default_for(given)))
        model = {registry.label(name): registry.make(name, given)}
        return {**{b: registry.make(b) for b in BASELINES}, **model}
    overrides = {k: v for k, v in given.items() if k not in ("model", "layers")}
    labels = [registry.label(n) for n in names]
    if len(set(labels)) != len(labels):
        raise SeqcastError(f"a model is named twice in {', '.join(names)}")
    return {label: registry.make(n, overrides) for label, n in zip(labels, names, strict=True)}


def _names(value: Any) -> list[str]:
    return list(name_list(value)) if isinstance(value, str) else [str(v) for v in value]
