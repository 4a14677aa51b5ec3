"""Ensembles of network members, as the layer-list (neural.py) and direct deep (deep.py)
families both handle them: the `<model>*K` seed-ensemble names, the members' training jobs,
and what a trained forecaster saves beside its settings (each member's weights as named
arrays, `member<k>.` prefixes when there are several; its scales, shrinkage weight,
training history and fit notes; for a family that warm-starts, each member's optimizer
state, so that a saved run's next refit can go on from it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from seqcast.errors import SeqcastError
from seqcast.models.base import FitJob, clone
from seqcast.models.inputs import Inputs
from seqcast.models.optim import MemberMoments
from seqcast.models.train import EpochLog

OPTIMIZER = "optimizer."  # the arrays of a member's optimizer state: optimizer.<kind>.<param>


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
    moments = getattr(model, "moments_", None)
    for member, network in enumerate(model.networks_):
        prefix = f"member{member}." if len(model.networks_) > 1 else ""
        arrays |= {prefix + k: v.numpy() for k, v in network.state_dict().items()}
        if moments is not None:
            arrays |= {prefix + k: v for k, v in _moment_arrays(moments[member]).items()}
    if moments is not None:
        meta["optimizer_steps"] = [m.steps for m in moments]
    return meta, arrays


def _moment_arrays(moments: MemberMoments) -> dict[str, np.ndarray]:
    return {
        f"{OPTIMIZER}{kind}.{i}": tensor.numpy()
        for kind, group in enumerate(moments.state)
        for i, tensor in enumerate(group)
    }


def _moments(steps: int, arrays: dict[str, np.ndarray]) -> MemberMoments:
    """A member's saved optimizer state back (arrays: its optimizer.<kind>.<param> ones)."""
    kinds = sorted({int(k.split(".")[1]) for k in arrays})
    state = [
        [
            torch.from_numpy(arrays[f"{OPTIMIZER}{kind}.{i}"].copy())
            for i in range(sum(k.startswith(f"{OPTIMIZER}{kind}.") for k in arrays))
        ]
        for kind in kinds
    ]
    return MemberMoments(int(steps), state)


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
    steps = meta.get("optimizer_steps")
    moments = []
    for member in range(model.ensemble):
        prefix = f"member{member}." if model.ensemble > 1 else ""
        mine = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        optimizer = {k: mine.pop(k) for k in list(mine) if k.startswith(OPTIMIZER)}
        network = fresh(model.inputs_.channels)
        expected = {k: tuple(v.shape) for k, v in network.state_dict().items()}
        if expected != {k: tuple(v.shape) for k, v in mine.items()}:
            raise SeqcastError(mismatch)
        if steps is not None:
            moments.append(_moments(steps[member], optimizer))
            slots = [tuple(p.shape[1:]) for p in network.parameters()]
            if any([tuple(t.shape) for t in kind] != slots for kind in moments[-1].state):
                raise SeqcastError(f"{mismatch}: the optimizer state does not fit the weights")
        network.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in mine.items()})
        model.networks_.append(network.eval())
    if steps is not None:  # saved by a family that warm-starts, from this version on
        model.moments_ = moments
    model.weight_ = float(meta.get("weight", 1.0))
    model.history_ = [EpochLog(**log) for log in meta["history"]]
    model.fit_info_ = dict(meta.get("fit", {}))
    model.is_fitted_ = True
