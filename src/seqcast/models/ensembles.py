"""Ensembles of network members, as the layer-list (neural.py) and direct deep (deep.py)
families both handle them: the `<model>*K` seed-ensemble names, the members' training jobs,
and what a trained forecaster saves beside its settings (each member's weights as named
arrays, `member<k>.` prefixes when there are several; its scales, shrinkage weight,
training history and fit notes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from seqcast.errors import SeqcastError
from seqcast.models.base import FitJob, clone
from seqcast.models.inputs import Inputs
from seqcast.models.train import EpochLog


def ensemble_settings(name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """`gru` or `gru*5` with `settings`: the constructor's keyword arguments (`ensemble=5`)."""
    model, star, count = name.partition("*")
    if star:
        if int(count) < 2:
            raise SeqcastError(
                f"model '{name}': an ensemble needs a count of 2 or more ({model}*5)"
            )
        settings = {**settings, "ensemble": int(count)}
    return {**settings, "model": model}


def ensemble_jobs(model: Any, job: FitJob) -> list[FitJob]:
    """The single networks to train for `job`: `model` itself, or its ensemble's members
    (seeds seed * K .. seed * K + K - 1, so ensembles of different seeds never share one)."""
    if model.ensemble == 1:
        return [job]
    seeds = range(model.seed * model.ensemble, (model.seed + 1) * model.ensemble)
    single = clone(model).set_params(ensemble=1)
    return [FitJob(clone(single).set_params(seed=s), job.y, job.X) for s in seeds]


def trained_state(model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The fitted parts every network forecaster carries, and its members' weights."""
    meta = {
        "fit": model.fit_info(),
        "transform": model.inputs_.state(),
        "weight": model.weight_,
        "history": [vars(log) for log in model.history_],
    }
    arrays: dict[str, np.ndarray] = {}
    for member, network in enumerate(model.networks_):
        prefix = f"member{member}." if len(model.networks_) > 1 else ""
        arrays |= {prefix + k: v.numpy() for k, v in network.state_dict().items()}
    return meta, arrays


def restore_trained(
    model: Any,
    meta: dict[str, Any],
    arrays: dict[str, np.ndarray],
    fresh: Callable[[int], nn.Module],
    mismatch: str,
) -> None:
    """Set what `trained_state` saved back on `model`; `fresh(channels)` makes one member's
    untrained network, and `mismatch` says why saved weights of other shapes do not fit."""
    model.inputs_ = Inputs.from_state(meta["transform"], model.window)
    model.networks_ = []
    for member in range(model.ensemble):
        prefix = f"member{member}." if model.ensemble > 1 else ""
        mine = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        network = fresh(model.inputs_.channels)
        expected = {k: tuple(v.shape) for k, v in network.state_dict().items()}
        if expected != {k: tuple(v.shape) for k, v in mine.items()}:
            raise SeqcastError(mismatch)
        network.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in mine.items()})
        model.networks_.append(network.eval())
    model.weight_ = float(meta.get("weight", 1.0))
    model.history_ = [EpochLog(**log) for log in meta["history"]]
    model.fit_info_ = dict(meta.get("fit", {}))
    model.is_fitted_ = True
