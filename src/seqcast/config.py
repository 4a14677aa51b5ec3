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
from seqcast.data.load import Loaded, read_many, read_prices
from seqcast.errors import Note, SeqcastError
from seqcast.experiment import Experiment
from seqcast.models import registry
from seqcast.models.spec import DEFAULT
from seqcast.settings import Evaluation, LoadOptions, NeuralSettings, keys, name_list, pick

PRESET_MODELS = ("mlp", "rnn", "lstm", "gru", "tutorial")
BASELINES = ("naive", "drift", "ma:7", "snaive:7")
OTHER_KEYS = ("data", "models", "baselines")


def plan(
    settings: dict[str, Any], command: str, baselines: str | None = None
) -> tuple[Experiment, list[Loaded]]:
    """The experiment `settings` describe for `command` ('run' or 'compare'), and its data:
    one series per file (`data` may list several), or one per value of `series_col`."""
    known = {*keys(LoadOptions), *keys(NeuralSettings), *keys(Evaluation), *OTHER_KEYS}
    unknown = set(settings) - known
    if unknown:
        raise SeqcastError(
            f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
        )
    evaluation = Evaluation(**pick(Evaluation, settings))
    neural = pick(NeuralSettings, settings)
    first_seed = neural.pop("seed", 0)
    if command == "run":
        models = _run_models(settings, neural, baselines or settings.get("baselines", "naive"))
        seeds = evaluation.seed_list(first_seed, default_count=1)
    else:
        models = _compare_models(settings, neural)
        seeds = evaluation.seed_list(first_seed, default_count=3)
    return Experiment(models, evaluation, seeds), load(settings)


def load(settings: dict[str, Any]) -> list[Loaded]:
    """The series of `data` (a file, a list of them, or none: the embedded history), read
    with the loading settings; each file's repairs are said once."""
    if not settings.get("data"):
        settings = {**settings, "data": str(BITCOIN)}
        warnings.warn(f"no --data given: using {BITCOIN_NAME}", Note, stacklevel=3)
    options = LoadOptions(**pick(LoadOptions, settings))
    files = settings["data"] if isinstance(settings["data"], list) else [settings["data"]]
    loaded = [
        one
        for file in files
        for one in (
            read_many(file, options) if options.series_col else [read_prices(file, options)]
        )
    ]
    for one in loaded:
        one.warn()
    return loaded


def load_one(data: Any, settings: dict[str, Any]) -> Loaded:
    """One series, for the commands that take one (tune)."""
    loaded = load({**settings, "data": str(data) if data else ""})
    if len(loaded) > 1:
        raise SeqcastError(f"{data}: holds {len(loaded)} series; this command takes one")
    return loaded[0]


def _run_models(settings: dict[str, Any], neural: dict[str, Any], baselines: Any) -> dict:
    if "models" in settings:
        raise SeqcastError("run trains one model (--model); to compare several, use compare")
    name = neural.pop("model", DEFAULT)
    model = (
        registry.make(name, neural)
        if name.endswith(".toml")
        else registry.neural({**neural, "model": name})
    )
    label = registry.label(name) if name.endswith(".toml") else model.name
    models = {label: model}
    for baseline in _names(baselines):
        models.setdefault(registry.label(baseline), registry.make(baseline))
    return models


def _compare_models(settings: dict[str, Any], neural: dict[str, Any]) -> dict:
    names = _names(settings.get("models", ""))
    if not names and {"model", "layers"} & set(neural):  # a run file: its model vs baselines
        custom = registry.neural(neural)
        return {**{b: registry.make(b) for b in BASELINES}, custom.name: custom}
    if not names:
        names = [*BASELINES, *PRESET_MODELS]
    overrides = {k: v for k, v in neural.items() if k not in ("model", "layers")}
    labels = [registry.label(n) for n in names]
    if len(set(labels)) != len(labels):
        raise SeqcastError(f"a model is named twice in {', '.join(names)}")
    return {label: registry.make(n, overrides) for label, n in zip(labels, names, strict=True)}


def _names(value: Any) -> list[str]:
    return list(name_list(value)) if isinstance(value, str) else [str(v) for v in value]
