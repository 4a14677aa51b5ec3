"""Build a network from a layer spec: G independent copies ("members") in one module.

forward(x: (G, B, L, C)) -> (G, B, H): H outputs per window (the last dense layer's units: 1,
or one per day ahead for the direct strategy). One member is an ordinary model; several members are
several seeds of the same model trained at once (grouped matrix products), each with its own
initial weights and dropout masks drawn from its own seed, so a member's numbers do not
depend on which other members it was trained with.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from seqcast.models import kernels
from seqcast.models.cells import GATES, GRUSequence, LSTMSequence, RNNSequence
from seqcast.models.grouped_module import GroupedModule
from seqcast.models.spec import LayerSpec

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "linear": nn.Identity,
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": nn.GELU,
}


class Recurrent(nn.Module):
    """One recurrent layer: (G, B, L, C) -> every step (G, B, L, H) or the last (G, B, H)."""

    def __init__(self, kind: str, input_size: int, units: int, return_sequences: bool, groups: int):
        super().__init__()
        width = GATES[kind] * units  # gates side by side: i f g o (LSTM), r z n (GRU)
        self.kind, self.units, self.return_sequences = kind, units, return_sequences
        self.w_ih = nn.Parameter(torch.empty(groups, input_size, width))
        self.w_hh = nn.Parameter(torch.empty(groups, units, width))
        self.b_ih = nn.Parameter(torch.zeros(groups, 1, width))
        # GRU keeps the recurrent bias apart: it sits inside the reset gate's product.
        self.b_hh = nn.Parameter(torch.zeros(groups, 1, width)) if kind == "gru" else None

    def forward(self, x: Tensor) -> Tensor:
        if self.kind == "lstm" and kernels.compiled() is None:
            # unbind, not x[m]: its backward stacks once instead of G full-size zero tensors
            hs = torch.stack([self._lstm_fused(xm, m) for m, xm in enumerate(x.unbind(0))])
        elif self.kind == "lstm":
            hs = LSTMSequence.apply(x, self.w_ih, self.w_hh, self.b_ih)
        elif self.kind == "gru":
            hs = GRUSequence.apply(x, self.w_ih, self.w_hh, self.b_ih, self.b_hh)
        else:
            hs = RNNSequence.apply(x, self.w_ih, self.w_hh, self.b_ih)
        return hs if self.return_sequences else hs[:, :, -1]

    def _lstm_fused(self, x: Tensor, member: int) -> Tensor:  # (B, L, C) -> (B, L, H)
        """Without the compiled kernels, LSTMs run through PyTorch's fused CPU kernel
        (oneDNN), one member at a time: 2x faster than a Python time loop."""
        zeros = x.new_zeros(1, x.shape[0], self.units)
        bias = self.b_ih[member, 0]
        weights = [self.w_ih[member].T, self.w_hh[member].T, bias, torch.zeros_like(bias)]
        hs, _, _ = torch.lstm(x, (zeros, zeros), weights, True, 1, 0.0, self.training, False, True)
        return hs

    @torch.no_grad()
    def reset_parameters(self, member: int, generator: torch.Generator) -> None:
        """Keras' defaults: Glorot-uniform input weights, orthogonal recurrent weights, zero
        biases and, for an LSTM, forget-gate bias 1 (unit_forget_bias)."""
        nn.init.xavier_uniform_(self.w_ih[member], generator=generator)
        nn.init.orthogonal_(self.w_hh[member], generator=generator)
        self.b_ih[member].zero_()
        if self.b_hh is not None:
            self.b_hh[member].zero_()
        if self.kind == "lstm":
            self.b_ih[member, :, self.units : 2 * self.units] = 1.0


class Dense(nn.Module):
    """Keras' Dense for G members; a sequence input is flattened first (an MLP on the window)."""

    def __init__(self, input_size: int, units: int, activation: str, groups: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(groups, input_size, units))
        self.bias = nn.Parameter(torch.zeros(groups, 1, units))
        self.activation = _ACTIVATIONS[activation]()

    def forward(self, x: Tensor) -> Tensor:
        flat = x.flatten(2)  # (G, B, L*C) or (G, B, C)
        return self.activation(torch.baddbmm(self.bias, flat, self.weight))  # (G, B, units)

    @torch.no_grad()
    def reset_parameters(self, member: int, generator: torch.Generator) -> None:
        nn.init.xavier_uniform_(self.weight[member], generator=generator)
        self.bias[member].zero_()


class Dropout(nn.Module):
    """Dropout whose masks come from each member's own random stream."""

    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate
        self.generators: list[torch.Generator] = []  # one per member, set by SpecNet
        # rows of the batch that are really each member's (the rest is padding): a member
        # draws masks for its own rows only, as it would alone; None = all rows
        self.rows: list[int] | None = None

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.rate == 0.0:
            return x
        keep = 1.0 - self.rate
        rows = self.rows or [x.shape[1]] * len(self.generators)
        masks = []
        for generator, count in zip(self.generators, rows, strict=True):
            # uniform < keep is a Bernoulli(keep) mask; torch.rand is 2x faster than bernoulli_
            mask = torch.rand((count, *x.shape[2:]), generator=generator) < keep
            if count < x.shape[1]:
                mask = torch.cat([mask, mask.new_zeros((x.shape[1] - count, *x.shape[2:]))])
            masks.append(mask)
        return x * torch.stack(masks) / keep


class SpecNet(nn.Module):
    """The layers of a spec, for one member per seed in `seeds`."""

    def __init__(
        self, layers: tuple[LayerSpec, ...], window: int, seeds: list[int], n_features: int = 1
    ):
        super().__init__()
        groups = len(seeds)
        blocks: list[nn.Module] = []
        size, steps = n_features, window  # the shape (steps, size) flowing into each layer
        for layer in layers:
            if layer.kind in GATES:
                blocks.append(
                    Recurrent(layer.kind, size, layer.units, layer.return_sequences, groups)
                )
                size, steps = layer.units, (steps if layer.return_sequences else 0)
            elif layer.kind == "dense":
                blocks.append(Dense(size * max(steps, 1), layer.units, layer.activation, groups))
                size, steps = layer.units, 0
            else:
                blocks.append(Dropout(layer.rate))
        self.blocks = nn.Sequential(*blocks)
        self.layers, self.window, self.n_features = layers, window, n_features
        self.outputs = layers[-1].units  # values per window: the last dense layer's width
        self.seeds = list(seeds)
        # Two streams per seed: one for the initial weights, one for dropout masks.
        for member, seed in enumerate(seeds):
            init = torch.Generator().manual_seed(seed)
            for block in blocks:
                if isinstance(block, Recurrent | Dense):
                    block.reset_parameters(member, init)
        for block in blocks:
            if isinstance(block, Dropout):
                block.generators = [torch.Generator().manual_seed(s + 7919) for s in seeds]

    def forward(self, x: Tensor, rows: list[int] | None = None) -> Tensor:
        """(G, B, L, C) -> (G, B, H); `rows`: how many of each member's B rows are real."""
        for block in self.blocks:
            if isinstance(block, Dropout):
                block.rows = rows
        return self.blocks(x)

    def fresh(self, seeds: list[int]) -> SpecNet:
        """A new network of the same layers for `seeds`, initialised from them."""
        return SpecNet(self.layers, self.window, seeds, self.n_features)

    def subset(self, members: list[int]) -> SpecNet:
        """The network of `members` only: a copy of their weights, their dropout streams
        carried on (so they go on as they would have)."""
        smaller = SpecNet(
            self.layers, self.window, [self.seeds[m] for m in members], self.n_features
        )
        smaller.load_state_dict({k: v[members].clone() for k, v in self.state_dict().items()})
        for mine, theirs in zip(self.blocks, smaller.blocks, strict=True):
            if isinstance(mine, Dropout) and isinstance(theirs, Dropout):
                theirs.generators = [mine.generators[m] for m in members]
        return smaller.train(self.training)


Network = SpecNet | GroupedModule  # what train.py trains: a layer list, or any architecture
