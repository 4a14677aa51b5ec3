"""Build a plain `nn.Module` from a layer spec: forward(x: (B, L, C)) -> (B, 1)."""

from __future__ import annotations

import torch
from torch import nn

from seqcast.spec import LayerSpec

_CELLS: dict[str, type[nn.LSTM] | type[nn.GRU] | type[nn.RNN]] = {
    "lstm": nn.LSTM,
    "gru": nn.GRU,
    "rnn": nn.RNN,
}
_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "linear": nn.Identity,
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": nn.GELU,
}


class Recurrent(nn.Module):
    """One recurrent layer; returns every step (B, L, H) or only the last one (B, H)."""

    def __init__(self, kind: str, input_size: int, units: int, return_sequences: bool):
        super().__init__()
        self.rnn = _CELLS[kind](input_size, units, batch_first=True)
        self.return_sequences = return_sequences
        _keras_init(self.rnn, forget_bias=kind == "lstm")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (B, L, H)
        return out if self.return_sequences else out[:, -1]


class Dense(nn.Module):
    """Keras' Dense; a sequence input is flattened first, so `dense` alone makes an MLP."""

    def __init__(self, input_size: int, units: int, activation: str):
        super().__init__()
        self.linear = nn.Linear(input_size, units)
        self.activation = _ACTIVATIONS[activation]()
        nn.init.xavier_uniform_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.linear(x.flatten(1)))  # (B, L*C) or (B, C) -> (B, units)


class SpecNet(nn.Module):
    """The layers of a spec applied in order."""

    def __init__(self, layers: tuple[LayerSpec, ...], window: int, n_features: int = 1):
        super().__init__()
        blocks: list[nn.Module] = []
        size, steps = n_features, window  # the shape (steps, size) flowing into each layer
        for layer in layers:
            if layer.kind in _CELLS:
                blocks.append(Recurrent(layer.kind, size, layer.units, layer.return_sequences))
                size, steps = layer.units, (steps if layer.return_sequences else 0)
            elif layer.kind == "dense":
                blocks.append(Dense(size * max(steps, 1), layer.units, layer.activation))
                size, steps = layer.units, 0
            else:
                blocks.append(nn.Dropout(layer.rate))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)  # (B, L, C) -> (B, 1)


def _keras_init(rnn: nn.RNNBase, forget_bias: bool) -> None:
    """Keras' defaults (glorot input weights, orthogonal recurrent weights, zero bias, LSTM
    forget bias 1), so the tutorial's model starts where Keras would start it."""
    for name, param in rnn.named_parameters():
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(param)  # (gates*H, C): Keras' (C, gates*H) kernel, transposed
        elif name.startswith("weight_hh"):
            nn.init.orthogonal_(param)
        else:
            nn.init.zeros_(param)
            if forget_bias and name.startswith("bias_ih"):
                param.data[rnn.hidden_size : 2 * rnn.hidden_size] = 1.0  # gates: i, f, g, o
