"""GRU and SimpleRNN layers over whole sequences, for G independent networks at once.

Why not `nn.GRU`/`nn.RNN`: on the CPU they run step by step through autograd anyway, and
training several seeds of one model as a single batched model turns G small matrix products
into one grouped product (`torch.bmm`); a hand-written backward pass removes autograd's
per-step bookkeeping and forms every weight gradient in one product over all steps. The
arithmetic is that of `torch.nn.GRU`/`RNN` (gate order r, z, n; tests compare them to 1e-5).
LSTMs keep PyTorch's fused oneDNN kernel, which measured faster (models.py).

Shapes: x (G, B, L, C) -> hidden states (G, B, L, H); weights (G, C, k*H) and (G, H, k*H).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor


def _input_projection(x: Tensor, w_ih: Tensor, bias: Tensor) -> Tensor:
    G, B, L, C = x.shape
    return torch.baddbmm(bias, x.reshape(G, B * L, C), w_ih).view(G, B, L, -1)  # (G, B, L, kH)


def _weight_grads(
    x: Tensor, h_prev: Tensor, d_x_side: Tensor, d_h_side: Tensor
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Gradients of w_ih, w_hh and the two bias sides, summed over batch and time at once."""
    G, B, L, C = x.shape
    flat_dx = d_x_side.reshape(G, B * L, -1)
    flat_dh = d_h_side.reshape(G, B * L, -1)
    d_w_ih = torch.bmm(x.reshape(G, B * L, C).transpose(1, 2), flat_dx)
    d_w_hh = torch.bmm(h_prev.reshape(G, B * L, -1).transpose(1, 2), flat_dh)
    return d_w_ih, d_w_hh, flat_dx.sum(1, keepdim=True), flat_dh.sum(1, keepdim=True)


def _previous(hs: Tensor) -> Tensor:
    """h_{t-1} for every t, with zeros before the first step: (G, B, L, H)."""
    return torch.cat([torch.zeros_like(hs[:, :, :1]), hs[:, :, :-1]], dim=2)


class GRUSequence(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor
    ) -> Tensor:
        G, B, L, _ = x.shape
        H = w_hh.shape[1]
        xw = _input_projection(x, w_ih, b_ih)
        gates = x.new_empty(G, B, L, 3 * H)  # r, z, n after activation
        hw_n = x.new_empty(G, B, L, H)  # W_hn h + b_hn, kept for the backward pass
        hs = x.new_empty(G, B, L, H)
        h = x.new_zeros(G, B, H)
        for t in range(L):
            hw = torch.baddbmm(b_hh, h, w_hh)  # (G, B, 3H)
            a = gates[:, :, t]
            torch.sigmoid(xw[:, :, t, : 2 * H] + hw[..., : 2 * H], out=a[..., : 2 * H])
            hw_n[:, :, t] = hw[..., 2 * H :]
            n = torch.tanh(torch.addcmul(xw[:, :, t, 2 * H :], a[..., :H], hw[..., 2 * H :]))
            a[..., 2 * H :] = n
            h = torch.addcmul(n, a[..., H : 2 * H], h - n, out=hs[:, :, t])  # (1-z) n + z h
        ctx.save_for_backward(x, w_ih, w_hh, gates, hw_n, hs)
        return hs

    @staticmethod
    def backward(ctx: Any, d_hs: Tensor) -> tuple[Tensor, ...]:
        x, w_ih, w_hh, gates, hw_n, hs = ctx.saved_tensors
        G, B, L, H = hs.shape
        r, z, n = gates.split(H, dim=-1)
        h_prev = _previous(hs)
        dn_pre_factor = (1 - z) * (1 - n * n)  # dn_pre / dh
        d_x_side = torch.empty_like(gates)  # gradient of the input projection
        d_h_side = torch.empty_like(gates)  # gradient of the recurrent projection
        w_hh_t = w_hh.transpose(1, 2)
        dh_next = hs.new_zeros(G, B, H)
        for t in range(L - 1, -1, -1):
            dh = d_hs[:, :, t] + dh_next
            dn_pre = dh * dn_pre_factor[:, :, t]
            dr_pre = dn_pre * hw_n[:, :, t] * r[:, :, t] * (1 - r[:, :, t])
            dz_pre = dh * (h_prev[:, :, t] - n[:, :, t]) * z[:, :, t] * (1 - z[:, :, t])
            d_x_side[:, :, t] = torch.cat([dr_pre, dz_pre, dn_pre], dim=-1)
            d_h_side[:, :, t] = torch.cat([dr_pre, dz_pre, dn_pre * r[:, :, t]], dim=-1)
            dh_next = torch.baddbmm(dh * z[:, :, t], d_h_side[:, :, t], w_hh_t)
        d_w_ih, d_w_hh, d_b_ih, d_b_hh = _weight_grads(x, h_prev, d_x_side, d_h_side)
        d_x = torch.bmm(d_x_side.reshape(G, B * L, -1), w_ih.transpose(1, 2)).view_as(x)
        return d_x, d_w_ih, d_w_hh, d_b_ih, d_b_hh


class RNNSequence(torch.autograd.Function):
    """Elman RNN with tanh (Keras' SimpleRNN)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, w_ih: Tensor, w_hh: Tensor, bias: Tensor) -> Tensor:
        G, B, L, _ = x.shape
        xw = _input_projection(x, w_ih, bias)
        hs = torch.empty_like(xw)
        h = x.new_zeros(G, B, w_hh.shape[1])
        for t in range(L):
            h = torch.tanh(torch.baddbmm(xw[:, :, t], h, w_hh), out=hs[:, :, t])
        ctx.save_for_backward(x, w_ih, w_hh, hs)
        return hs

    @staticmethod
    def backward(ctx: Any, d_hs: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        x, w_ih, w_hh, hs = ctx.saved_tensors
        G, B, L, H = hs.shape
        slope = 1 - hs * hs
        d_pre = torch.empty_like(hs)
        w_hh_t = w_hh.transpose(1, 2)
        dh_next = hs.new_zeros(G, B, H)
        for t in range(L - 1, -1, -1):
            torch.mul(d_hs[:, :, t] + dh_next, slope[:, :, t], out=d_pre[:, :, t])
            dh_next = torch.bmm(d_pre[:, :, t], w_hh_t)
        d_w_ih, d_w_hh, d_bias, _ = _weight_grads(x, _previous(hs), d_pre, d_pre)
        d_x = torch.bmm(d_pre.reshape(G, B * L, -1), w_ih.transpose(1, 2)).view_as(x)
        return d_x, d_w_ih, d_w_hh, d_bias


GATES = {"lstm": 4, "gru": 3, "rnn": 1}
