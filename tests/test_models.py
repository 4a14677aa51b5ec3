import pytest
import torch

from seqcast.models import SpecNet
from seqcast.spec import PRESETS, parse_layers, resolve_layers


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_family_maps_batch_of_windows_to_one_value(preset: str) -> None:
    net = SpecNet(resolve_layers(preset, None), window=12)
    assert net(torch.randn(5, 12, 1)).shape == (5, 1)


def test_dense_after_a_sequence_flattens_it() -> None:
    net = SpecNet(parse_layers("gru:4:seq, dense:1"), window=7)
    assert net.blocks[1].linear.in_features == 7 * 4
    assert net(torch.randn(3, 7, 1)).shape == (3, 1)


def test_tutorial_network_has_the_tutorial_parameter_count() -> None:
    net = SpecNet(resolve_layers("tutorial", None), window=60)
    # Keras counts one bias per gate; PyTorch keeps two (b_ih, b_hh), 4*units more per LSTM.
    keras = (4 * (50 * (1 + 50) + 50)) + (4 * (100 * (50 + 100) + 100)) + (100 + 1)
    extra = 4 * 50 + 4 * 100
    assert sum(p.numel() for p in net.parameters()) == keras + extra


def test_lstm_starts_like_keras() -> None:
    lstm = SpecNet(parse_layers("lstm:8, dense:1"), window=5).blocks[0].rnn
    assert torch.all(lstm.bias_ih_l0[8:16] == 1.0)  # forget gate bias, as unit_forget_bias
    assert torch.all(lstm.bias_ih_l0[:8] == 0.0) and torch.all(lstm.bias_hh_l0 == 0.0)
    w = lstm.weight_hh_l0  # (4H, H) with orthonormal columns
    torch.testing.assert_close(w.T @ w, torch.eye(8), atol=1e-5, rtol=0)
