"""Declarative model specs: a layer list in text, like the tutorial's Keras stack.

    lstm:50:seq, dropout:0.2, lstm:100, dropout:0.2, dense:1

Kinds: `lstm|gru|rnn:units[:seq]` (`seq` = Keras' return_sequences), `dense[:units[:activation]]`
and `dropout:rate`. A dense layer that receives a sequence sees it flattened (an MLP on the
window). The stack ends in a dense layer: `dense:1`, tomorrow's value, or `dense:H`, the next H
days at once (the direct strategy; a preset's `dense:1` is widened to H for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from seqcast.errors import SeqcastError

RECURRENT = ("lstm", "gru", "rnn")
ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "elu", "gelu")


@dataclass(frozen=True)
class LayerSpec:
    kind: str  # lstm, gru, rnn, dense or dropout
    units: int = 0  # width of recurrent and dense layers
    return_sequences: bool = False  # recurrent only: pass every step on, not just the last
    activation: str = "linear"  # dense only
    rate: float = 0.0  # dropout only

    def __str__(self) -> str:
        if self.kind == "dropout":
            return f"dropout:{self.rate:g}"
        if self.kind == "dense":
            suffix = "" if self.activation == "linear" else f":{self.activation}"
            return f"dense:{self.units}{suffix}"
        return f"{self.kind}:{self.units}{':seq' if self.return_sequences else ''}"


# What the tutorial does; a preset may change any of these (the user, any of them again).
TUTORIAL_SETTINGS: dict[str, Any] = {
    "transform": "price",  # predict the MinMax-scaled price level
    "loss": "mse",
    "val_days": 0,  # no validation tail...
    "patience": None,  # ...and no early stopping: all epochs run
    "shrink": False,  # the model's own forecast, unshrunk
}
# Chosen by the README's protocol ("Choosing the presets") on the three years before the
# last one: predicting log returns with an MAE loss, early stopping on a 180-day validation
# tail, and shrinkage toward naive (w chosen on that tail) kept every family level with the
# naive forecast; without shrinkage mlp was significantly worse than naive in two years.
FAMILY_SETTINGS: dict[str, Any] = {
    "transform": "log_return",
    "loss": "mae",
    "val_days": 180,
    "patience": 5,
    "shrink": True,
}
DEFAULT = "gru"  # the preset `run` trains unless told otherwise: the protocol's best


@dataclass(frozen=True)
class Preset:
    layers: str  # the layer list
    about: str  # one line for --help
    settings: dict[str, Any] = field(default_factory=lambda: dict(FAMILY_SETTINGS))


PRESETS: dict[str, Preset] = {
    "tutorial": Preset(
        "lstm:50:seq, dropout:0.2, lstm:100, dropout:0.2, dense:1",
        "the tutorial's stacked LSTM on scaled prices, exactly",
        TUTORIAL_SETTINGS,
    ),
    "mlp": Preset("dense:64:relu, dense:32:relu, dense:1", "two-layer MLP on the window"),
    "rnn": Preset("rnn:64, dropout:0.2, dense:1", "SimpleRNN (tanh)"),
    "lstm": Preset("lstm:64, dropout:0.2, dense:1", "one LSTM layer"),
    "gru": Preset("gru:64, dropout:0.2, dense:1", "one GRU layer"),
}


def resolve_layers(model: str, layers: str | None, outputs: int = 1) -> tuple[LayerSpec, ...]:
    """The layers of an explicit list, or else of the named preset, ending in `outputs`
    values per window (a final `dense:1` is widened to it)."""
    if not layers and model not in PRESETS:
        raise SeqcastError(f"unknown model preset '{model}'; choose one of {', '.join(PRESETS)}")
    stack = parse_layers(layers or PRESETS[model].layers)
    last = stack[-1]
    if last.units == outputs:
        return stack
    if last.units == 1:
        return (*stack[:-1], replace(last, units=outputs))
    raise SeqcastError(
        f"the last layer '{last}' gives {last.units} values per window, but the forecast needs"
        f" {outputs}; end the layer list in 'dense:1' or 'dense:{outputs}'"
    )


def parse_layers(text: str) -> tuple[LayerSpec, ...]:
    """Parse and check a comma-separated layer list."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise SeqcastError("the layer list is empty; e.g. 'lstm:50, dense:1'")
    layers = tuple(_parse_one(item) for item in items)
    _check_stack(layers)
    return layers


def format_layers(layers: tuple[LayerSpec, ...]) -> str:
    return ", ".join(map(str, layers))


def _parse_one(item: str) -> LayerSpec:
    kind, *args = [part.strip().lower() for part in item.split(":")]
    try:
        if kind in RECURRENT and len(args) in (1, 2):
            if len(args) == 2 and args[1] != "seq":
                raise ValueError(f"the third field may only be 'seq', not '{args[1]}'")
            return LayerSpec(kind, units=_units(args[0]), return_sequences=len(args) == 2)
        if kind == "dense" and len(args) <= 2:
            activation = args[1] if len(args) == 2 else "linear"
            if activation not in ACTIVATIONS:
                raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}")
            return LayerSpec(kind, units=_units(args[0]) if args else 1, activation=activation)
        if kind == "dropout" and len(args) == 1:
            rate = float(args[0])
            if not 0.0 <= rate < 1.0:
                raise ValueError("the rate must be in [0, 1)")
            return LayerSpec(kind, rate=rate)
    except ValueError as exc:
        raise SeqcastError(f"layer '{item}': {exc}") from None
    raise SeqcastError(
        f"layer '{item}' is not understood; use lstm|gru|rnn:UNITS[:seq],"
        " dense[:UNITS[:ACTIVATION]] or dropout:RATE"
    )


def _units(text: str) -> int:
    units = int(text)
    if units < 1:
        raise ValueError("units must be a positive whole number")
    return units


def _check_stack(layers: tuple[LayerSpec, ...]) -> None:
    sequence = True  # the input window is a sequence
    for i, layer in enumerate(layers):
        if layer.kind in RECURRENT:
            if not sequence:
                raise SeqcastError(
                    f"layer {i + 1} ({layer}) needs a sequence, but the layer before returns"
                    f" only its last step; add ':seq' to the earlier recurrent layer"
                )
            sequence = layer.return_sequences
        elif layer.kind == "dense":
            sequence = False
    last = layers[-1]
    if last.kind != "dense" or last.activation != "linear":
        raise SeqcastError(
            f"the last layer must be a linear dense layer ('dense:1': the forecast), not '{last}'"
        )


@dataclass(frozen=True)
class Footprint:
    """What training a layer list costs in memory, estimated before anything is built."""

    parameters: int  # weights of one member
    layer_bytes: tuple[int, ...]  # per layer: weights, gradients, optimizer state, activations
    total_bytes: int  # all members, all layers
    largest_buffer: int  # one member's largest single activation buffer (a layer's gates)


def footprint(
    layers: tuple[LayerSpec, ...], window: int, n_features: int, batch_size: int, members: int
) -> Footprint:
    """Float32 bytes: each weight is held 4 times (value, gradient, two optimizer moments);
    a recurrent layer keeps about 5 gate-sized and 3 state-sized buffers per step and row
    for its backward pass (cells.py)."""
    gates = {"lstm": 4, "gru": 3, "rnn": 1}
    size, steps, params, per_layer, largest = n_features, window, 0, [], 0
    for layer in layers:
        weights, activations = 0, 0
        if layer.kind in gates:
            width = gates[layer.kind] * layer.units
            largest = max(largest, 4 * window * batch_size * width)
            biases = 2 if layer.kind == "gru" else 1  # GRU keeps its recurrent bias apart
            weights = (size + layer.units + biases) * width
            activations = steps * batch_size * (5 * width + 3 * layer.units)
            size, steps = layer.units, (steps if layer.return_sequences else 0)
        elif layer.kind == "dense":
            weights = (size * max(steps, 1) + 1) * layer.units
            activations = 2 * batch_size * layer.units
            size, steps = layer.units, 0
        params += weights
        per_layer.append(4 * members * (4 * weights + activations))
    return Footprint(params, tuple(per_layer), sum(per_layer), largest)


def check_fits_in_memory(
    layers: tuple[LayerSpec, ...], cost: Footprint, available: int, what: str
) -> None:
    """Refuse, naming the heaviest layer, a model that cannot fit in `available` bytes."""
    if cost.total_bytes <= available:
        return
    heaviest = max(range(len(layers)), key=lambda i: cost.layer_bytes[i])
    raise SeqcastError(
        f"{what} needs about {_bytes(cost.total_bytes)} to train ({cost.parameters:,} weights"
        f" per network), more than the {_bytes(available)} this machine has free; layer"
        f" {heaviest + 1} ({layers[heaviest]}) takes the most: use fewer units or a shorter"
        " --window"
    )


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")
