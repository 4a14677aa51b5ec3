"""Optimizers for grouped networks, with Keras' defaults: RMSprop, Adam, AdamW and SGD.

Why not torch.optim: a grouped network's members must each take exactly the steps they
would take alone, and a member whose epoch has fewer batches (a shorter training history)
must skip a step without its moments decaying or its step count moving. `step(active)`
updates only the active members. The arithmetic is torch.optim's single-tensor code,
operation for operation, with each member's step-dependent factors as float32 tensors, so
a member's numbers equal torch.optim's on it alone (tests compare them to the bit). It
also keeps `import torch.optim`, which pulls in torch._dynamo (1.6 s), out of start-up.

Parameters have the member as their first dimension (see networks.SpecNet).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from seqcast.models.names import KERAS_DEFAULTS


@dataclass
class MemberMoments:
    """One member's optimizer state, to carry into a warm-started refit (models/warm.py)."""

    steps: int  # updates taken (Adam's bias corrections read it)
    state: list[list[Tensor]]  # its slot of each moment tensor, per parameter


class GroupedOptimizer:
    def __init__(
        self,
        kind: str,
        params: Iterable[nn.Parameter],
        members: int,
        lr: float | None = None,
        momentum: float | None = None,
    ):
        self.kind = kind
        self.params = list(params)
        given = {"lr": lr, "momentum": momentum}
        self.settings = {
            **KERAS_DEFAULTS[kind],
            **{k: v for k, v in given.items() if v is not None and k in KERAS_DEFAULTS[kind]},
        }
        self.steps = torch.zeros(members, dtype=torch.int64)  # per member, for Adam's factors
        zeros = [torch.zeros_like(p) for p in self.params]
        self.state: list[list[Tensor]] = [zeros, [torch.zeros_like(p) for p in self.params]]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self, active: Tensor | None = None) -> None:
        """One update of the members where `active` (a (G,) bool mask) is true; all if None."""
        idle = None if active is None or bool(active.all()) else ~active
        kept = [] if idle is None else [t[idle].clone() for t in self._tensors()]
        self.steps += 1 if active is None else active.long()
        update = {"rmsprop": self._rmsprop, "adam": self._adam, "adamw": self._adam}.get(
            self.kind, self._sgd
        )
        for i, param in enumerate(self.params):
            if param.grad is not None:
                update(i, param, param.grad)
        if idle is not None:
            for tensor, saved in zip(self._tensors(), kept, strict=True):
                tensor[idle] = saved

    def _tensors(self) -> list[Tensor]:
        return [*self.params, *self.state[0], *self.state[1]]

    def _rmsprop(self, i: int, param: Tensor, grad: Tensor) -> None:
        s = self.settings
        square_avg = self.state[0][i]
        square_avg.mul_(s["alpha"]).addcmul_(grad, grad, value=1 - s["alpha"])
        param.addcdiv_(grad, square_avg.sqrt().add_(s["eps"]), value=-s["lr"])

    def _adam(self, i: int, param: Tensor, grad: Tensor) -> None:
        s = self.settings
        exp_avg, exp_avg_sq = self.state[0][i], self.state[1][i]
        if s["weight_decay"]:
            param.mul_(1 - s["lr"] * s["weight_decay"])  # decoupled (AdamW)
        exp_avg.lerp_(grad, 1 - s["beta1"])
        exp_avg_sq.mul_(s["beta2"]).addcmul_(grad, grad, value=1 - s["beta2"])
        neg_step, correction2_sqrt = self._adam_factors(param.dim())
        denom = (exp_avg_sq.sqrt() / correction2_sqrt).add_(s["eps"])
        param.addcdiv_(exp_avg * neg_step, denom)  # = param - step * exp_avg / denom

    def _adam_factors(self, dims: int) -> tuple[Tensor, Tensor]:
        """Per member: -lr / (1 - beta1^t) and sqrt(1 - beta2^t), computed in double as
        torch.optim does, then as float32 (the precision its kernels apply them in)."""
        s, shape = self.settings, (-1,) + (1,) * (dims - 1)
        neg_step, correction2_sqrt = [], []
        for t in self.steps.tolist():
            neg_step.append(-(s["lr"] / (1 - s["beta1"] ** max(t, 1))))
            correction2_sqrt.append((1 - s["beta2"] ** max(t, 1)) ** 0.5)
        return (
            torch.tensor(neg_step, dtype=torch.float32).view(shape),
            torch.tensor(correction2_sqrt, dtype=torch.float32).view(shape),
        )

    def _sgd(self, i: int, param: Tensor, grad: Tensor) -> None:
        buffer = self.state[0][i]  # zero before the first step: momentum * 0 + grad = grad
        buffer.mul_(self.settings["momentum"]).add_(grad)
        param.add_(buffer, alpha=-self.settings["lr"])

    def keep(self, members: list[int], params: Iterable[nn.Parameter]) -> None:
        """Go on with `members` only, as the network (now `params`) dropped the others."""
        self.params = list(params)
        self.steps = self.steps[members]
        self.state = [[t[members].clone() for t in group] for group in self.state]

    def member(self, slot: int) -> MemberMoments:
        """A copy of the state of the member in `slot`."""
        return MemberMoments(
            int(self.steps[slot]), [[t[slot].clone() for t in group] for group in self.state]
        )

    @torch.no_grad()
    def load_member(self, slot: int, moments: MemberMoments) -> None:
        """Give the member in `slot` a carried state (it goes on as if it had never stopped)."""
        self.steps[slot] = moments.steps
        for group, saved in zip(self.state, moments.state, strict=True):
            for tensor, value in zip(group, saved, strict=True):
                tensor[slot] = value
