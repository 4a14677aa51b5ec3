"""The hand-written grouped recurrences against torch.nn.LSTM/GRU/RNN: outputs and every
gradient, on random inputs, to 1e-5."""

import pytest
import torch
from torch import nn

from seqcast.cells import GATES, GRUSequence, RNNSequence

G, B, L, C, H = 3, 5, 7, 2, 4


def _reference(kind: str, g: int, params: dict[str, torch.Tensor]) -> nn.RNNBase:
    module = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind](C, H, batch_first=True)
    with torch.no_grad():
        module.weight_ih_l0.copy_(params["w_ih"][g].T)
        module.weight_hh_l0.copy_(params["w_hh"][g].T)
        module.bias_ih_l0.copy_(params["b_ih"][g, 0])
        module.bias_hh_l0.copy_(
            params["b_hh"][g, 0] if kind == "gru" else torch.zeros(GATES[kind] * H)
        )
    return module


@pytest.mark.parametrize("kind", ["gru", "rnn"])
def test_matches_torch_nn_outputs_and_gradients(kind: str) -> None:
    torch.manual_seed(0)
    k = GATES[kind]
    params = {
        "w_ih": torch.randn(G, C, k * H) * 0.5,
        "w_hh": torch.randn(G, H, k * H) * 0.5,
        "b_ih": torch.randn(G, 1, k * H) * 0.5,
        "b_hh": torch.randn(G, 1, k * H) * 0.5,
    }
    for p in params.values():
        p.requires_grad_(True)
    x = torch.randn(G, B, L, C, requires_grad=True)
    weight = torch.randn(G, B, L, H)  # a loss that reaches every step

    if kind == "gru":
        out = GRUSequence.apply(x, params["w_ih"], params["w_hh"], params["b_ih"], params["b_hh"])
    else:
        out = RNNSequence.apply(x, params["w_ih"], params["w_hh"], params["b_ih"])
    (out * weight).sum().backward()

    for g in range(G):
        reference = _reference(kind, g, params)
        x_g = x[g].detach().clone().requires_grad_(True)
        expected, _ = reference(x_g)
        torch.testing.assert_close(out[g], expected, atol=1e-5, rtol=1e-5)
        (expected * weight[g]).sum().backward()
        torch.testing.assert_close(x.grad[g], x_g.grad, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(
            params["w_ih"].grad[g], reference.weight_ih_l0.grad.T, atol=1e-5, rtol=1e-5
        )
        torch.testing.assert_close(
            params["w_hh"].grad[g], reference.weight_hh_l0.grad.T, atol=1e-5, rtol=1e-5
        )
        torch.testing.assert_close(
            params["b_ih"].grad[g, 0], reference.bias_ih_l0.grad, atol=1e-5, rtol=1e-5
        )
        if kind == "gru":
            torch.testing.assert_close(
                params["b_hh"].grad[g, 0], reference.bias_hh_l0.grad, atol=1e-5, rtol=1e-5
            )


@pytest.mark.parametrize(
    ("function", "gates", "biases"), [(RNNSequence, 1, 1), (GRUSequence, 3, 2)]
)
def test_gradcheck_in_double_precision(function, gates: int, biases: int) -> None:
    torch.manual_seed(1)
    shapes = [(2, 3, 4, 2), (2, 2, gates * 3), (2, 3, gates * 3)] + [(2, 1, gates * 3)] * biases
    args = [torch.randn(shape, dtype=torch.float64, requires_grad=True) for shape in shapes]
    assert torch.autograd.gradcheck(function.apply, args)
