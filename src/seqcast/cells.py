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


def _time_major_projection(x: Tensor, w_ih: Tensor, bias: Tensor) -> Tensor:
    """x @ w_ih + bias for every step at once, laid out (L, G, B, kH) so that each step's
    slice is contiguous in the loop."""
    G, B, L, C = x.shape
    xw = torch.baddbmm(bias, x.reshape(G, B * L, C), w_ih).view(G, B, L, -1)
    return xw.permute(2, 0, 1, 3).contiguous()


def _grads(
    x: Tensor, h_prev: Tensor, d_x_side: Tensor, d_h_side: Tensor, w_ih: Tensor
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """From time-major per-step gradients (L, G, B, kH): the input gradient and the
    gradients of w_ih, w_hh and both biases, each as one product over all steps."""
    G, B, L, C = x.shape
    flat_dx = d_x_side.permute(1, 0, 2, 3).reshape(G, L * B, -1)  # rows ordered (t, b)
    flat_dh = d_h_side.permute(1, 0, 2, 3).reshape(G, L * B, -1)
    x_rows = x.permute(0, 2, 1, 3).reshape(G, L * B, C)
    h_rows = h_prev.permute(1, 0, 2, 3).reshape(G, L * B, -1)
    d_w_ih = torch.bmm(x_rows.transpose(1, 2), flat_dx)
    d_w_hh = torch.bmm(h_rows.transpose(1, 2), flat_dh)
    d_x = torch.bmm(flat_dx, w_ih.transpose(1, 2)).view(G, L, B, C).permute(0, 2, 1, 3)
    return d_x, d_w_ih, d_w_hh, flat_dx.sum(1, keepdim=True), flat_dh.sum(1, keepdim=True)


def _previous(hs: Tensor) -> Tensor:
    """h_{t-1} for every t of time-major states (L, G, B, H), zeros before the first step."""
    return torch.cat([torch.zeros_like(hs[:1]), hs[:-1]], dim=0)


def _batch_major(hs: Tensor) -> Tensor:
    return hs.permute(1, 2, 0, 3)  # (L, G, B, H) -> (G, B, L, H)


class GRUSequence(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor
    ) -> Tensor:
        G, B, L, _ = x.shape
        H = w_hh.shape[1]
        xw = _time_major_projection(x, w_ih, b_ih)  # (L, G, B, 3H)
        rz = x.new_empty(L, G, B, 2 * H)  # reset and update gates
        ns = x.new_empty(L, G, B, H)  # candidate states
        hw_n = x.new_empty(L, G, B, H)  # W_hn h + b_hn, kept for the backward pass
        hs = x.new_empty(L, G, B, H)
        h = x.new_zeros(G, B, H)
        for t in range(L):
            hw = torch.baddbmm(b_hh, h, w_hh)  # (G, B, 3H)
            torch.sigmoid(xw[t, ..., : 2 * H] + hw[..., : 2 * H], out=rz[t])
            hw_n[t] = hw[..., 2 * H :]
            n = torch.tanh(torch.addcmul(xw[t, ..., 2 * H :], rz[t, ..., :H], hw_n[t]), out=ns[t])
            h = torch.addcmul(n, rz[t, ..., H:], h - n, out=hs[t])  # (1 - z) n + z h
        ctx.save_for_backward(x, w_ih, w_hh, rz, ns, hw_n, hs)
        return _batch_major(hs)

    @staticmethod
    def backward(ctx: Any, d_out: Tensor) -> tuple[Tensor, ...]:
        x, w_ih, w_hh, rz, ns, hw_n, hs = ctx.saved_tensors
        L, G, B, H = hs.shape
        d_hs = d_out.permute(2, 0, 1, 3).contiguous()  # (L, G, B, H)
        r, z = rz[..., :H], rz[..., H:]
        h_prev = _previous(hs)
        # Everything but dh is known for all steps: the loop only carries dh back in time.
        dn_per_dh = (1 - z) * (1 - ns * ns)
        dr_per_dn = hw_n * r * (1 - r)
        dz_per_dh = (h_prev - ns) * z * (1 - z)
        d_h_side = x.new_empty(L, G, B, 3 * H)  # gradient of W_hh h + b_hh: dr, dz, dn * r
        dn_all = x.new_empty(L, G, B, H)
        w_hh_t = w_hh.transpose(1, 2)
        dh_next = x.new_zeros(G, B, H)
        for t in range(L - 1, -1, -1):
            dh = d_hs[t] + dh_next
            dn = torch.mul(dh, dn_per_dh[t], out=dn_all[t])
            side = d_h_side[t]
            torch.mul(dn, dr_per_dn[t], out=side[..., :H])
            torch.mul(dh, dz_per_dh[t], out=side[..., H : 2 * H])
            torch.mul(dn, r[t], out=side[..., 2 * H :])
            dh_next = torch.baddbmm(dh * z[t], side, w_hh_t)
        d_x_side = torch.cat([d_h_side[..., : 2 * H], dn_all], dim=-1)
        d_x, d_w_ih, d_w_hh, d_b_ih, d_b_hh = _grads(x, h_prev, d_x_side, d_h_side, w_ih)
        return d_x, d_w_ih, d_w_hh, d_b_ih, d_b_hh


class RNNSequence(torch.autograd.Function):
    """Elman RNN with tanh (Keras' SimpleRNN)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, w_ih: Tensor, w_hh: Tensor, bias: Tensor) -> Tensor:
        xw = _time_major_projection(x, w_ih, bias)  # (L, G, B, H)
        hs = torch.empty_like(xw)
        h = x.new_zeros(xw.shape[1:])
        for t in range(xw.shape[0]):
            h = torch.tanh(torch.baddbmm(xw[t], h, w_hh), out=hs[t])
        ctx.save_for_backward(x, w_ih, w_hh, hs)
        return _batch_major(hs)

    @staticmethod
    def backward(ctx: Any, d_out: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        x, w_ih, w_hh, hs = ctx.saved_tensors
        d_hs = d_out.permute(2, 0, 1, 3).contiguous()  # (L, G, B, H)
        slope = 1 - hs * hs
        d_pre = torch.empty_like(hs)
        w_hh_t = w_hh.transpose(1, 2)
        dh_next = torch.zeros_like(hs[0])
        for t in range(hs.shape[0] - 1, -1, -1):
            torch.mul(d_hs[t] + dh_next, slope[t], out=d_pre[t])
            dh_next = torch.bmm(d_pre[t], w_hh_t)
        d_x, d_w_ih, d_w_hh, d_bias, _ = _grads(x, _previous(hs), d_pre, d_pre, w_ih)
        return d_x, d_w_ih, d_w_hh, d_bias


GATES = {"lstm": 4, "gru": 3, "rnn": 1}
