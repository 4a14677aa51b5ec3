"""LSTM, GRU and SimpleRNN layers over whole sequences, for G independent networks at once.

Why not `nn.LSTM`/`nn.GRU`/`nn.RNN`: on a CPU, GRU and RNN training steps through autograd
one time step at a time, and the LSTM kernel serves one network per call. Here only the time
loops are sequential, and they run in kernels.py (compiled C++, or Python where no compiler
is available); the input projections and a hand-written backward pass form every weight
gradient as one product over all steps, and several seeds of a model run as one grouped
network. The arithmetic is that of torch.nn (gate order LSTM i f g o, GRU r z n); tests
compare outputs and all gradients to 1e-5.

Shapes: x (G, B, L, C) -> hidden states (G, B, L, H); weights (G, C, kH) and (G, H, kH).
Internally steps are group-major (G, L, B, .), so that a layer's output, seen as (G, B, L, H),
is already the next layer's input in the layout its projection needs.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from seqcast.models import kernels

GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def _project(x: Tensor, w_ih: Tensor, bias: Tensor) -> Tensor:
    """x @ w_ih + bias for every step at once: (G, B, L, C) -> (G, L, B, kH)."""
    G, B, L, _ = x.shape
    return torch.baddbmm(bias, _step_rows(x), w_ih).view(G, L, B, -1)


def _step_rows(x: Tensor) -> Tensor:
    """(G, B, L, C) as (G, L*B, C), rows ordered by step (no copy for a layer's output)."""
    G, B, L, C = x.shape
    return x.transpose(1, 2).reshape(G, L * B, C)


def _grads(
    x: Tensor, hs: Tensor, d_x_side: Tensor, d_h_side: Tensor, w_ih: Tensor
) -> tuple[Tensor, Tensor, Tensor]:
    """From per-step gradients of x @ w_ih (d_x_side) and of h_{t-1} @ w_hh (d_h_side), both
    (G, L, B, kH): the gradients of the input, w_ih and w_hh, each one product over all steps."""
    G, B, L, C = x.shape
    H, K = hs.shape[-1], d_x_side.shape[-1]
    dx_rows = d_x_side.view(G, L * B, K)
    d_w_ih = torch.bmm(_step_rows(x).transpose(1, 2), dx_rows)
    # h_{t-1} is zero at the first step, which therefore adds nothing to w_hh's gradient.
    h_prev = hs[:, :-1].reshape(G, (L - 1) * B, H)
    d_w_hh = torch.bmm(h_prev.transpose(1, 2), d_h_side[:, 1:].reshape(G, (L - 1) * B, K))
    d_x = torch.bmm(dx_rows, w_ih.transpose(1, 2)).view(G, L, B, C).transpose(1, 2)
    return d_x, d_w_ih, d_w_hh


def _bias_grad(d_side: Tensor) -> Tensor:
    return d_side.sum((1, 2)).unsqueeze(1)  # (G, L, B, kH) -> (G, 1, kH)


def _group_major(d_out: Tensor) -> Tensor:
    return d_out.transpose(1, 2).contiguous()  # (G, B, L, H) -> (G, L, B, H)


class LSTMSequence(torch.autograd.Function):
    """Needs the compiled kernels (networks.py uses PyTorch's LSTM kernel otherwise)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, w_ih: Tensor, w_hh: Tensor, bias: Tensor) -> Tensor:
        gates, cs, tcs, hs = kernels.loops().lstm_forward(_project(x, w_ih, bias), w_hh)
        ctx.save_for_backward(x, w_ih, w_hh, gates, cs, tcs, hs)
        return hs.transpose(1, 2)

    @staticmethod
    def backward(ctx: Any, d_out: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        x, w_ih, w_hh, gates, cs, tcs, hs = ctx.saved_tensors
        d_gates = kernels.loops().lstm_backward(_group_major(d_out), gates, cs, tcs, w_hh)
        return (*_grads(x, hs, d_gates, d_gates, w_ih), _bias_grad(d_gates))


class GRUSequence(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor
    ) -> Tensor:
        rz, ns, hw_n, hs = kernels.loops().gru_forward(_project(x, w_ih, b_ih), w_hh, b_hh)
        ctx.save_for_backward(x, w_ih, w_hh, rz, ns, hw_n, hs)
        return hs.transpose(1, 2)

    @staticmethod
    def backward(ctx: Any, d_out: Tensor) -> tuple[Tensor, ...]:
        x, w_ih, w_hh, rz, ns, hw_n, hs = ctx.saved_tensors
        d_x_side, d_h_side = kernels.loops().gru_backward(
            _group_major(d_out), rz, ns, hw_n, hs, w_hh
        )
        grads = _grads(x, hs, d_x_side, d_h_side, w_ih)
        return (*grads, _bias_grad(d_x_side), _bias_grad(d_h_side))


class RNNSequence(torch.autograd.Function):
    """Elman RNN with tanh (Keras' SimpleRNN)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, w_ih: Tensor, w_hh: Tensor, bias: Tensor) -> Tensor:
        hs = kernels.loops().rnn_forward(_project(x, w_ih, bias), w_hh)
        ctx.save_for_backward(x, w_ih, w_hh, hs)
        return hs.transpose(1, 2)

    @staticmethod
    def backward(ctx: Any, d_out: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        x, w_ih, w_hh, hs = ctx.saved_tensors
        d_pre = kernels.loops().rnn_backward(_group_major(d_out), hs, w_hh)
        return (*_grads(x, hs, d_pre, d_pre, w_ih), _bias_grad(d_pre))
