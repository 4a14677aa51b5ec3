import numpy as np
import pytest
import torch
from torch import nn

from seqcast.models import kernels
from seqcast.models.networks import SpecNet
from seqcast.models.spec import PRESETS, parse_layers, resolve_layers


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("members", [1, 3])
def test_every_family_maps_windows_to_one_value_per_member(preset: str, members: int) -> None:
    net = SpecNet(resolve_layers(preset, None), window=12, seeds=list(range(members)))
    assert net(torch.randn(members, 5, 12, 1)).shape == (members, 5, 1)


def test_dense_after_a_sequence_flattens_it() -> None:
    net = SpecNet(parse_layers("gru:4:seq, dense:1"), window=7, seeds=[0])
    assert net.blocks[1].weight.shape == (1, 7 * 4, 1)
    assert net(torch.randn(1, 3, 7, 1)).shape == (1, 3, 1)


def test_tutorial_network_has_the_keras_parameter_count() -> None:
    net = SpecNet(resolve_layers("tutorial", None), window=60, seeds=[0])
    keras = (4 * (50 * (1 + 50) + 50)) + (4 * (100 * (50 + 100) + 100)) + (100 + 1)
    assert sum(p.numel() for p in net.parameters()) == keras  # one bias per gate, like Keras


def test_lstm_starts_like_keras() -> None:
    lstm = SpecNet(parse_layers("lstm:8, dense:1"), window=5, seeds=[0]).blocks[0]
    assert torch.all(lstm.b_ih[0, 0, 8:16] == 1.0)  # forget gate bias, as unit_forget_bias
    assert torch.all(lstm.b_ih[0, 0, :8] == 0.0) and torch.all(lstm.b_ih[0, 0, 16:] == 0.0)
    w = lstm.w_hh[0]  # (H, 4H) with orthonormal rows
    torch.testing.assert_close(w @ w.T, torch.eye(8), atol=1e-5, rtol=0)
    bound = np.sqrt(6 / (1 + 32))  # Glorot uniform over the (1, 4H) kernel
    assert lstm.w_ih.abs().max() <= bound


def test_members_are_independent_of_their_company() -> None:
    layers = resolve_layers("tutorial", None)
    alone = SpecNet(layers, window=6, seeds=[5])
    grouped = SpecNet(layers, window=6, seeds=[3, 5, 9])
    for (name, a), (_, g) in zip(
        alone.state_dict().items(), grouped.state_dict().items(), strict=True
    ):
        assert torch.equal(a[0], g[1]), name  # the same seed starts from the same weights
    x = torch.randn(1, 4, 6, 1)
    alone.train(), grouped.train()
    torch.testing.assert_close(alone(x)[0], grouped(x.expand(3, -1, -1, -1))[1])  # same dropout


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(
    "layers", ["lstm:6:seq, lstm:5, dense:1", "gru:6, dense:1", "rnn:6, dense:1"]
)
def test_single_member_equals_torch_nn(
    layers: str, compiled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-member network computes what the same layers in torch.nn compute, with the
    compiled time loops and with the fallbacks used where they cannot be built."""
    if not compiled:
        monkeypatch.setattr(kernels, "compiled", lambda: None)
    net = SpecNet(parse_layers(layers), window=9, seeds=[1]).eval()
    x = torch.randn(4, 9, 1)
    h = x
    for block in net.blocks:
        if hasattr(block, "w_ih"):
            module = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[block.kind](
                block.w_ih.shape[1], block.units, batch_first=True
            )
            with torch.no_grad():
                module.weight_ih_l0.copy_(block.w_ih[0].T)
                module.weight_hh_l0.copy_(block.w_hh[0].T)
                module.bias_ih_l0.copy_(block.b_ih[0, 0])
                hh = (
                    block.b_hh[0, 0]
                    if block.b_hh is not None
                    else torch.zeros_like(block.b_ih[0, 0])
                )
                module.bias_hh_l0.copy_(hh)
            out, _ = module(h)
            h = out if block.return_sequences else out[:, -1]
        elif hasattr(block, "weight"):
            h = h.flatten(1) @ block.weight[0] + block.bias[0]
    torch.testing.assert_close(net(x.unsqueeze(0))[0], h, atol=1e-5, rtol=1e-5)


def test_a_subset_of_members_copies_their_weights() -> None:
    net = SpecNet(parse_layers("gru:4, dense:1"), window=5, seeds=[1, 2, 3])
    subset = net.subset([2, 0])
    assert subset.seeds == [3, 1]
    x = torch.randn(1, 3, 5, 1)
    net.eval(), subset.eval()
    whole = net(x.expand(3, -1, -1, -1))
    torch.testing.assert_close(subset(x.expand(2, -1, -1, -1)), whole[[2, 0]])


@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_memory_estimate_counts_the_weights_the_network_has(preset: str) -> None:
    from seqcast.models.spec import footprint

    layers = resolve_layers(preset, None)
    net = SpecNet(layers, window=12, seeds=[0, 1])
    cost = footprint(layers, window=12, n_features=1, batch_size=64, members=2)
    assert cost.parameters * 2 == sum(p.numel() for p in net.parameters())
    assert cost.total_bytes == sum(cost.layer_bytes) > 4 * 4 * 2 * cost.parameters


def test_a_model_too_big_for_the_machine_is_refused_before_anything_is_built() -> None:
    from seqcast.errors import SeqcastError
    from seqcast.models.spec import check_fits_in_memory, footprint

    layers = parse_layers("lstm:8:seq, lstm:5000000, dense:1")
    cost = footprint(layers, window=60, n_features=1, batch_size=64, members=1)
    with pytest.raises(SeqcastError, match=r"layer 2 \(lstm:5000000\) takes the most"):
        check_fits_in_memory(layers, cost, available=8 * 10**9, what="this model")


def test_a_direct_network_has_one_output_per_day_ahead() -> None:
    layers = resolve_layers("gru", None, outputs=7)
    assert str(layers[-1]) == "dense:7"
    assert SpecNet(layers, window=12, seeds=[0, 1])(torch.randn(2, 5, 12, 1)).shape == (2, 5, 7)
    assert resolve_layers("gru", "gru:8, dense:7", outputs=7)[-1].units == 7
    from seqcast.errors import SeqcastError

    with pytest.raises(SeqcastError, match="gives 5 values per window, but the forecast needs 7"):
        resolve_layers("gru", "gru:8, dense:5", outputs=7)
