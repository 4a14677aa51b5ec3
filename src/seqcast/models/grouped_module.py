"""Any PyTorch architecture as G independent members in one module: the form the training
loop (train.py) trains, as networks.SpecNet is for the layer lists.

The architecture is an ordinary `nn.Module` built by a factory; `GroupedModule` keeps one
copy of each of its parameters per member, stacked with the member first ((G, *shape), as
GroupedOptimizer and train.py expect), and runs each member on its own windows through
`torch.func.functional_call`. A member:

- starts from the weights the factory gives under its own seed (PyTorch's default
  initialisation, drawn inside `torch.random.fork_rng`, so the process's stream is
  untouched);
- sees only its real rows of a padded batch (`rows`), so its dropout masks and outputs are
  those it would get alone;
- draws dropout masks from its own stream: architectures use this module's `Dropout`, not
  `nn.Dropout` (which reads the global stream and is refused).

Members run one after another: for the small direct networks this costs less than the
bookkeeping vmap needs for per-member dropout, and keeps a member's arithmetic exactly its
own (so grouped equals alone to float rounding).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.func import functional_call

DROPOUT_STREAM = 7919  # a member's dropout stream is seeded seed + this (as SpecNet's)


class Dropout(nn.Module):
    """Inverted dropout whose masks come from the running member's stream (set by
    GroupedModule; the global stream when the module runs on its own)."""

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate
        self.generator: torch.Generator | None = None

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.rate == 0.0:
            return x
        keep = 1.0 - self.rate
        mask = torch.rand(x.shape, generator=self.generator) < keep
        return x * mask / keep


class GroupedModule(nn.Module):
    """G members of the network `build()` makes, one per seed in `seeds`.

    forward(x: (G, B, L, C), rows) -> (G, B, outputs): each member's outputs flattened
    (horizon x outputs per step)."""

    def __init__(
        self,
        build: Callable[[], nn.Module],
        seeds: list[int],
        window: int,
        n_features: int,
        outputs: int,
    ):
        super().__init__()
        self.build, self.seeds = build, list(seeds)
        self.window, self.n_features, self.outputs = window, n_features, outputs
        members = [_initial(build, seed) for seed in self.seeds]
        template = members[0] if members else build()
        _check_template(template)
        self.names = [name for name, _ in template.named_parameters()]
        self.stacked = nn.ParameterDict(
            {
                _key(name): nn.Parameter(
                    torch.stack([dict(m.named_parameters())[name].detach() for m in members])
                )
                for name in self.names
            }
        )
        self._template = (template,)  # a tuple: its own parameters are not this module's
        self.generators = [torch.Generator().manual_seed(s + DROPOUT_STREAM) for s in seeds]

    def forward(self, x: Tensor, rows: list[int] | None = None) -> Tensor:
        """(G, B, L, C) -> (G, B, outputs); `rows`: how many of each member's B rows are
        real (the rest is padding, given zeros: the loop masks it out of the loss)."""
        template = self._template[0].train(self.training)
        dropouts = [m for m in template.modules() if isinstance(m, Dropout)]
        # unbind, not p[m]: its backward stacks once instead of G full-size zero tensors
        weights = [self.stacked[_key(name)].unbind(0) for name in self.names]
        outputs = []
        for member, xm in enumerate(x.unbind(0)):  # xm: (B, L, C)
            count = xm.shape[0] if rows is None else rows[member]
            if count == 0:  # nothing of its own this step: it rests
                outputs.append(xm.new_zeros(xm.shape[0], self.outputs))
                continue
            for dropout in dropouts:
                dropout.generator = self.generators[member]
            mine = {name: w[member] for name, w in zip(self.names, weights, strict=True)}
            out = functional_call(template, mine, (xm[:count],)).reshape(count, -1)
            if count < xm.shape[0]:
                out = torch.cat([out, out.new_zeros(xm.shape[0] - count, out.shape[1])])
            outputs.append(out)
        return torch.stack(outputs)

    def fresh(self, seeds: list[int]) -> GroupedModule:
        """A new network of the same architecture for `seeds`, initialised from them."""
        return GroupedModule(self.build, seeds, self.window, self.n_features, self.outputs)

    def subset(self, members: list[int]) -> GroupedModule:
        """The network of `members` only: a copy of their weights, their dropout streams
        carried on (so they go on as they would have)."""
        smaller = self.fresh([self.seeds[m] for m in members])
        smaller.load_state_dict({k: v[members].clone() for k, v in self.state_dict().items()})
        smaller.generators = [self.generators[m] for m in members]
        return smaller.train(self.training)


def _initial(build: Callable[[], nn.Module], seed: int) -> nn.Module:
    """The network `build` makes with the global stream seeded `seed`, the process's own
    stream restored afterwards."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def _key(name: str) -> str:
    return name.replace(".", "__")  # a ParameterDict key may not hold dots


def _check_template(template: nn.Module) -> None:
    """Refuse what would tie members together: the global dropout stream, or learnt
    buffers (BatchNorm's running statistics) one copy of which all members would share."""
    for module in template.modules():
        if isinstance(module, nn.Dropout):
            raise TypeError(
                f"{type(template).__name__} uses nn.Dropout; use"
                " seqcast.models.grouped_module.Dropout (each member's own stream)"
            )
    params = {name for name, _ in template.named_parameters()}
    buffers = [name for name in template.state_dict() if name not in params]
    if buffers:
        raise TypeError(
            f"{type(template).__name__} has persistent buffers ({', '.join(buffers)}) that"
            " members would share; register constants with persistent=False"
        )
