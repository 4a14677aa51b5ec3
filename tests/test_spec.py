import pytest

from seqcast.errors import SeqcastError
from seqcast.models.spec import PRESETS, LayerSpec, format_layers, parse_layers, resolve_layers


def test_tutorial_preset_is_exactly_the_tutorial_stack() -> None:
    assert resolve_layers("tutorial", None) == (
        LayerSpec("lstm", units=50, return_sequences=True),
        LayerSpec("dropout", rate=0.2),
        LayerSpec("lstm", units=100),
        LayerSpec("dropout", rate=0.2),
        LayerSpec("dense", units=1),
    )
    assert PRESETS["tutorial"].settings == {
        "transform": "price",
        "loss": "mse",
        "val_days": 0,
        "patience": None,
        "shrink": False,
    }


def test_parse_all_kinds() -> None:
    layers = parse_layers("GRU:32:seq, rnn:16:seq, lstm:8, dense:4:relu, dropout:0.5, dense")
    assert [layer.kind for layer in layers] == ["gru", "rnn", "lstm", "dense", "dropout", "dense"]
    assert layers[3].activation == "relu" and layers[4].rate == 0.5 and layers[5].units == 1


@pytest.mark.parametrize("preset", list(PRESETS))
def test_format_round_trips(preset: str) -> None:
    layers = resolve_layers(preset, None)
    assert parse_layers(format_layers(layers)) == layers


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the layer list is empty"),
        ("lstm, dense:1", "layer 'lstm' is not understood"),
        ("lstm:0, dense:1", "units must be a positive whole number"),
        ("lstm:ten, dense:1", "layer 'lstm:ten'"),
        ("lstm:8:seqs, dense:1", "the third field may only be 'seq'"),
        ("dense:4:swish, dense:1", "activation must be one of"),
        ("lstm:8, dropout:1.5, dense:1", "the rate must be in"),
        ("conv:8, dense:1", "layer 'conv:8' is not understood"),
        ("lstm:8, lstm:4, dense:1", "add ':seq' to the earlier recurrent layer"),
        ("lstm:8", "the last layer must be a linear dense layer"),
        ("lstm:8, dense:1:relu", "the last layer must be a linear dense layer"),
    ],
)
def test_invalid_specs_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(SeqcastError, match=message):
        parse_layers(text)


def test_unknown_preset_lists_the_choices() -> None:
    with pytest.raises(SeqcastError, match="unknown model preset 'transformer'; choose one of"):
        resolve_layers("transformer", None)
