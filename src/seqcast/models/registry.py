"""The one table of model families: names to forecasters, and saved forecasters back.

A family is one file (its forecaster classes and a `build(name, settings)` function) and one
`Family` line: here for seqcast's own families, or a Python entry point in the group
`seqcast.models` for a plug-in (`[project.entry-points."seqcast.models"] mine =
"mypkg.family:FAMILY"`). Every generic piece reads this table: `make` and `restore`, the
CLI's model help and option panels, config validation and `tune`. A family's module is
imported only when one of its models is named or loaded (the neural one imports PyTorch).

A model name may also be a TOML file of settings: its `model` key names the family's model
(the default preset when absent), the other keys are that family's settings; `*K` after a
name or file makes a seed ensemble of K where the family takes it (`gru*5`, `mine.toml*3`).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seqcast.errors import SeqcastError
from seqcast.options import keys, pick, typed

if TYPE_CHECKING:  # the table itself stays light: `seqcast --help` reads it
    from seqcast.models.base import Forecaster

DEFAULT = "auto"  # what `run` trains unless told otherwise: naive until something proves better
BASELINES = ("naive", "drift", "ma:7", "snaive:7")  # beside a run's model in `compare`
COMPARED = (*BASELINES, "mlp", "rnn", "lstm", "gru", "tutorial", "auto")  # compare's --models


@dataclass(frozen=True)
class Family:
    """A model family as the generic code sees it; nothing here imports the family."""

    name: str  # the family's name in help and errors
    module: str  # where its classes and `build(name, settings)` live
    names: str  # a regular expression every model name of the family matches in full
    shown: str  # its names as --help lists them
    classes: tuple[str, ...]  # forecaster classes a saved run may name
    settings: str | None = None  # "module:Class": its settings (CLI panel, TOML keys)
    panel: str = ""  # the title of its options' panel in --help
    space: str | None = None  # "module:function": its tuning space for a model name
    extra: str | None = None  # the pip extra it needs (`pip install 'seqcast[extra]'`)
    default: str | None = None  # its model when only its settings are given (layers: gru)

    def matches(self, name: str) -> bool:
        return re.fullmatch(self.names, name) is not None

    def load(self) -> Any:
        """The family's module, or one line naming the extra to install."""
        try:
            return importlib.import_module(self.module)
        except ImportError as exc:
            if self.extra is None:
                raise
            raise SeqcastError(
                f"{self.name} models need {exc.name}: pip install 'seqcast[{self.extra}]'"
            ) from None

    def settings_class(self) -> type | None:
        return _resolve(self.settings) if self.settings else None


BUILTIN = (
    Family(
        "baselines",
        "seqcast.models.baselines",
        r"(naive|drift|ma|snaive)(:.*)?",
        "naive, drift, ma[:K], snaive[:K]",
        (
            "NaiveForecaster",
            "DriftForecaster",
            "MovingAverageForecaster",
            "SeasonalNaiveForecaster",
        ),
    ),
    Family(
        "neural",
        "seqcast.models.neural",
        r"(tutorial|mlp|rnn|lstm|gru)(\*\d+)?",
        "tutorial, mlp, rnn, lstm, gru (gru*K: a K-seed ensemble)",
        ("NeuralForecaster",),
        settings="seqcast.settings:NeuralSettings",
        panel="Model and training",
        space="seqcast.tune.space:default_space",
        default="gru",
    ),
    Family(
        "dlinear",
        "seqcast.models.dlinear",
        r"dlinear(\*\d+)?",
        "dlinear (DLinear; direct: the whole horizon from one window; dlinear*K: a K-seed"
        " ensemble)",
        ("DLinearForecaster",),
        settings="seqcast.models.arch_settings:DLinearSettings",
        panel="Direct deep networks",  # the first direct family: the options they share
        space="seqcast.models.arch_settings:space",
        default="dlinear",
    ),
    Family(
        "nbeats",
        "seqcast.models.nbeats",
        r"(nbeats|nbeats-i)(\*\d+)?",
        "nbeats, nbeats-i (N-BEATS generic, interpretable; direct)",
        ("NBeatsForecaster",),
        settings="seqcast.models.arch_settings:NBeatsSettings",
        panel="N-BEATS",
        space="seqcast.models.arch_settings:space",
        default="nbeats",
    ),
    Family(
        "nhits",
        "seqcast.models.nhits",
        r"nhits(\*\d+)?",
        "nhits (N-HiTS; direct)",
        ("NHitsForecaster",),
        settings="seqcast.models.arch_settings:NHitsSettings",
        panel="N-HiTS",
        space="seqcast.models.arch_settings:space",
        default="nhits",
    ),
    Family(
        "tcn",
        "seqcast.models.tcn",
        r"tcn(\*\d+)?",
        "tcn (temporal convolutions; direct)",
        ("TcnForecaster",),
        settings="seqcast.models.arch_settings:TcnSettings",
        panel="TCN",
        space="seqcast.models.arch_settings:space",
        default="tcn",
    ),
    Family(
        "patchtst",
        "seqcast.models.patchtst",
        r"patchtst(\*\d+)?",
        "patchtst (PatchTST; direct)",
        ("PatchTstForecaster",),
        settings="seqcast.models.arch_settings:PatchTstSettings",
        panel="PatchTST",
        space="seqcast.models.arch_settings:space",
        default="patchtst",
    ),
    Family(
        "statistical",
        "seqcast.models.statistical",
        r"arima|ets|theta",
        "arima, ets, theta (pip install 'seqcast[stats]')",
        ("ArimaForecaster", "EtsForecaster", "ThetaForecaster"),
        space="seqcast.models.statistical:space",
        extra="stats",
    ),
    Family(
        "boost",
        "seqcast.models.boost",
        r"boost",
        "boost (LightGBM; pip install 'seqcast[boost]')",
        ("BoostForecaster",),
        space="seqcast.models.boost:space",
        extra="boost",
    ),
    Family(
        "auto",
        "seqcast.models.auto",
        r"auto",
        "auto (naive unless a candidate proved better on the series' own past)",
        ("AutoForecaster",),
        settings="seqcast.models.auto_settings:AutoSettings",
        panel="auto: the default that earns its place",
    ),
)


@cache
def families() -> tuple[Family, ...]:
    """seqcast's families, then every plug-in's (each entry point names a `Family`)."""
    found = [*BUILTIN]
    for point in entry_points(group="seqcast.models"):
        family = point.load()
        if not isinstance(family, Family):
            raise SeqcastError(f"plug-in '{point.name}' ({point.value}) is not a seqcast Family")
        found.append(family)
    return tuple(found)


def family_of(name: str) -> Family:
    """The family whose names include `name`, or one line listing what there is."""
    for family in families():
        if family.matches(name):
            return family
    listed = "; ".join(f.shown for f in families())
    raise SeqcastError(f"unknown model '{name}'; use {listed}, or a .toml file of settings")


def default_for(settings: dict[str, Any]) -> str:
    """The model settings stand for when they name none: the default (auto), or the default
    model of the one family that takes settings auto does not (`layers` alone: gru)."""
    auto = family_of(DEFAULT).settings_class()
    own = set(keys(auto)) if auto else set()
    foreign = set(settings) & model_keys() - own
    for family in families():
        cls = family.settings_class()
        if foreign and cls is not None and family.default and foreign <= set(keys(cls)):
            return family.default
    return DEFAULT


def families_tagged(tag: str) -> list[str]:
    """The families (as --help lists their names) with a forecaster class that declares
    `tag`; a family whose extra is not installed is left out."""
    found = []
    for family in families():
        try:
            module = family.load()
        except SeqcastError:
            continue
        if any(tag in getattr(module, name).TAGS for name in family.classes):
            found.append(f"{family.name} ({family.shown})")
    return found


def models_help() -> str:
    """What --models and --model accept, from the table."""
    listed = "; ".join(f"{f.name}: {f.shown}" for f in families())
    return f"Comma-separated model names ({listed}) or .toml files of settings."


def setting_groups() -> list[tuple[type, str]]:
    """Each family's settings class with its panel title (the CLI's option panels)."""
    groups = [(f.settings_class(), f.panel) for f in families() if f.settings]
    return [(cls, panel) for cls, panel in groups if cls is not None]


def model_keys() -> set[str]:
    """Every setting some family takes (config files may set them)."""
    return {k for cls, _ in setting_groups() for k in keys(cls)}


def label(name: str) -> str:
    """How a model is called in tables: its name, or a TOML file's stem (`mine*3` for
    `mine.toml*3`)."""
    base, star, count = name.partition("*")
    return (Path(base).stem if base.endswith(".toml") else base) + star + count


def make(name: str, settings: dict[str, Any] | None = None) -> Forecaster:
    """The forecaster a model name stands for. `settings` (e.g. from the command line) are
    handed to the family that takes them, over a TOML file's own; others are ignored."""
    settings = dict(settings or {})
    base, star, count = name.partition("*")
    if base.endswith(".toml"):
        from seqcast.io import read_toml

        from_file = read_toml(base)
        groups = [cls for cls, _ in setting_groups()]
        from_file = typed(groups, from_file, base)
        model = str(from_file.pop("model", default_for(from_file)))
        return make(model + star + count, {**from_file, **settings})  # a run's file: its
        # other keys (data, test days...) are the experiment's, not the model's
    family = family_of(name)
    forecaster: Forecaster = family.load().build(name, _own(family, settings))
    return forecaster


def _own(family: Family, settings: dict[str, Any]) -> dict[str, Any]:
    """The settings a family takes: its settings class's, or else its classes' parameters."""
    own = family.settings_class()
    if own is not None:
        return pick(own, settings)
    module = family.load()
    names = {p for c in family.classes for p in getattr(module, c).param_names()}
    return {k: v for k, v in settings.items() if k in names}


RENAMED = {"DeepForecaster": "DLinearForecaster"}  # saved runs' classes by their names now


def restore(meta: dict[str, Any], arrays: dict[str, Any]) -> Forecaster:
    """A fitted forecaster from what its `state()` returned."""
    name = meta.get("class", "NeuralForecaster")  # seqcast 0.1.0 saved neural models only
    name = RENAMED.get(name, name)
    for family in families():
        if name in family.classes:
            cls = getattr(family.load(), name)
            params = {k: _tuple(v) for k, v in meta["params"].items() if k in cls.param_names()}
            forecaster: Forecaster = cls(**params)
            forecaster.restore(meta, arrays)
            return forecaster
    raise SeqcastError(f"unknown forecaster class '{name}' (a plug-in not installed here?)")


def _tuple(value: Any) -> Any:
    """JSON keeps a tuple parameter (levels, candidates) as a list; give it back as made."""
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def space(name: str) -> Any:
    """The default tuning space of a model name, or one line when its family has none."""
    family = family_of(name)
    if family.space is None:
        raise SeqcastError(f"{family.name} models have no tuning space; tune a neural preset")
    return _resolve(family.space)(name)


def _resolve(path: str) -> Any:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)
