"""The sequential step loops of the recurrent layers, compiled on first use.

`csrc/recurrent.cpp` runs each layer's time loop in C++ (one small matrix product and one
fused element-wise pass per step, the batch split over PyTorch's threads); Python's
per-operation cost is what dominates small recurrent models on a CPU. It is built once per
machine with PyTorch's extension builder (a C++ compiler and ninja) and cached under
~/.cache/seqcast. Where it cannot be built, the GRU and SimpleRNN loops below (same
functions, same layout) and PyTorch's own LSTM kernel are used instead: slower, same model.

Layout (group-major): gate inputs xw (G, L, B, kH), recurrent weights w_hh (G, H, kH),
states (G, L, B, H).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import Tensor

from seqcast.cache import cache_dir
from seqcast.errors import Note

SOURCE = Path(__file__).with_name("csrc") / "recurrent.cpp"


def _flag_sets() -> list[list[str]]:
    """Compiler flags to try, best first: with OpenMP (each layer's batch split over the
    threads PyTorch uses), then without it (compilers lacking OpenMP, e.g. Apple's)."""
    # -fno-trapping-math: lets the clamp in exp_ become vector min/max (no FP traps are used)
    base = ["-O3", "-fno-trapping-math"]
    # 8-wide vectors where this CPU has them (each flag set has its own build directory)
    if torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512"):
        base += ["-mavx2", "-mfma"]
    return [[*base, "-fopenmp"], [*base, "-fopenmp-simd"]]


class KernelNote(Note):
    """Said once: the kernels are being compiled, or could not be."""


def _build_dir(flags: list[str]) -> Path:
    key = "|".join([SOURCE.read_text(), torch.__version__, sys.version, platform.machine(), *flags])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / f"kernels-{digest}"


class Loops(Protocol):
    """The time loops a recurrent layer runs (cells.py): compiled, or PythonLoops."""

    def lstm_forward(self, xw: Tensor, w_hh: Tensor) -> list[Tensor]: ...
    def lstm_backward(
        self, d_hs: Tensor, gates: Tensor, cs: Tensor, tcs: Tensor, w_hh: Tensor
    ) -> Tensor: ...
    def gru_forward(self, xw: Tensor, w_hh: Tensor, b_hh: Tensor) -> list[Tensor]: ...
    def gru_backward(
        self, d_hs: Tensor, rz: Tensor, ns: Tensor, hw_n: Tensor, hs: Tensor, w_hh: Tensor
    ) -> list[Tensor]: ...
    def rnn_forward(self, xw: Tensor, w_hh: Tensor) -> Tensor: ...
    def rnn_backward(self, d_hs: Tensor, hs: Tensor, w_hh: Tensor) -> Tensor: ...


@functools.cache
def compiled() -> Any:
    """The compiled loops, or None where they cannot be built (or SEQCAST_COMPILED=0)."""
    if os.environ.get("SEQCAST_COMPILED", "1") == "0":
        return None
    attempts = _flag_sets()
    built = [flags for flags in attempts if any(_build_dir(flags).glob("*.so"))]
    if not built:
        warnings.warn("compiling the recurrent kernels for this machine (once)", KernelNote, 2)
    for flags in built:  # built before: load the library without the builder (0.5 s less)
        try:
            return _load_built(flags)
        except Exception:  # stale or damaged: the builder below rebuilds it
            pass
    reasons = []
    for flags in built or attempts:
        try:
            return _build(flags)
        except Exception as exc:  # no compiler, ninja or OpenMP: try the next flags
            text = str(exc).strip()
            reasons.append(text.splitlines()[0] if text else type(exc).__name__)
    warnings.warn(
        f"compiled kernels unavailable ({reasons[0]}); training uses slower Python loops",
        KernelNote,
        2,
    )
    return None


def _load_built(flags: list[str]) -> Any:
    [library] = _build_dir(flags).glob("*.so")
    loader = importlib.machinery.ExtensionFileLoader("seqcast_recurrent", str(library))
    spec = importlib.util.spec_from_file_location("seqcast_recurrent", library, loader=loader)
    assert spec is not None  # a file location always gives a spec
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _build(flags: list[str]) -> Any:
    from torch.utils.cpp_extension import load

    build = _build_dir(flags)
    build.mkdir(parents=True, exist_ok=True)
    with _ninja_on_path():
        return load(
            "seqcast_recurrent",
            [str(SOURCE)],
            extra_cflags=flags,
            extra_ldflags=[f for f in flags if f == "-fopenmp"],
            build_directory=str(build),
        )


@contextlib.contextmanager
def _ninja_on_path() -> Iterator[None]:
    """PyTorch's builder runs `ninja` from PATH (it takes no environment of its own); the
    pip package's copy sits in the environment's bin directory, which is not on PATH unless
    the environment is activated. Put it there for the build only, and restore PATH after."""
    if shutil.which("ninja") is not None:
        yield
        return
    import ninja

    before = os.environ.get("PATH")
    os.environ["PATH"] = os.pathsep.join([ninja.BIN_DIR, before or ""])
    try:
        yield
    finally:
        if before is None:
            del os.environ["PATH"]
        else:
            os.environ["PATH"] = before


def loops() -> Loops:
    """The compiled loops where they could be built, else the Python ones."""
    built: Loops | None = compiled()
    return built or PythonLoops()


class PythonLoops:
    """The GRU and SimpleRNN loops in Python: the same functions and layout as the compiled
    ones, for machines without a C++ compiler. LSTMs then use PyTorch's own kernel
    (networks.py), so there is no Python LSTM loop."""

    @staticmethod
    def lstm_forward(xw: Tensor, w_hh: Tensor) -> list[Tensor]:
        raise RuntimeError("no Python LSTM loop: networks.py uses PyTorch's LSTM kernel instead")

    @staticmethod
    def lstm_backward(d_hs: Tensor, gates: Tensor, cs: Tensor, tcs: Tensor, w_hh: Tensor) -> Tensor:
        raise RuntimeError("no Python LSTM loop: networks.py uses PyTorch's LSTM kernel instead")

    @staticmethod
    def gru_forward(xw: Tensor, w_hh: Tensor, b_hh: Tensor) -> list[Tensor]:
        G, L, B, _ = xw.shape
        H = w_hh.shape[1]
        rz, ns = xw.new_empty(G, L, B, 2 * H), xw.new_empty(G, L, B, H)
        hw_n, hs = torch.empty_like(ns), torch.empty_like(ns)
        for t in range(L):
            h_prev = hs[:, t - 1] if t else xw.new_zeros(G, B, H)
            hw = torch.baddbmm(b_hh, h_prev, w_hh)  # (G, B, 3H)
            x = xw[:, t]
            torch.sigmoid(x[..., : 2 * H] + hw[..., : 2 * H], out=rz[:, t])
            hw_n[:, t] = hw[..., 2 * H :]
            gate_n = torch.addcmul(x[..., 2 * H :], rz[:, t, :, :H], hw_n[:, t])
            n = torch.tanh(gate_n, out=ns[:, t])
            torch.addcmul(n, rz[:, t, :, H:], h_prev - n, out=hs[:, t])  # (1 - z) n + z h
        return [rz, ns, hw_n, hs]

    @staticmethod
    def gru_backward(
        d_hs: Tensor, rz: Tensor, ns: Tensor, hw_n: Tensor, hs: Tensor, w_hh: Tensor
    ) -> list[Tensor]:
        G, L, B, H = hs.shape
        d_x_side, d_h_side = hs.new_empty(G, L, B, 3 * H), hs.new_empty(G, L, B, 3 * H)
        dh_next = hs.new_zeros(G, B, H)
        for t in range(L - 1, -1, -1):
            dh = d_hs[:, t] + dh_next
            reset, update, n = rz[:, t, :, :H], rz[:, t, :, H:], ns[:, t]
            h_prev = hs[:, t - 1] if t else torch.zeros_like(n)
            dn = dh * (1 - update) * (1 - n * n)
            d_x_side[:, t, :, :H] = d_h_side[:, t, :, :H] = dn * hw_n[:, t] * reset * (1 - reset)
            d_x_side[:, t, :, H : 2 * H] = d_h_side[:, t, :, H : 2 * H] = (
                dh * (h_prev - n) * update * (1 - update)
            )
            d_x_side[:, t, :, 2 * H :] = dn
            d_h_side[:, t, :, 2 * H :] = dn * reset
            dh_next = torch.baddbmm(dh * update, d_h_side[:, t], w_hh.transpose(1, 2))
        return [d_x_side, d_h_side]

    @staticmethod
    def rnn_forward(xw: Tensor, w_hh: Tensor) -> Tensor:
        hs = torch.empty_like(xw)
        for t in range(xw.shape[1]):
            h_prev = hs[:, t - 1] if t else torch.zeros_like(xw[:, 0])
            torch.tanh(torch.baddbmm(xw[:, t], h_prev, w_hh), out=hs[:, t])
        return hs

    @staticmethod
    def rnn_backward(d_hs: Tensor, hs: Tensor, w_hh: Tensor) -> Tensor:
        d_pre = torch.empty_like(hs)
        dh_next = torch.zeros_like(hs[:, 0])
        for t in range(hs.shape[1] - 1, -1, -1):
            torch.mul(d_hs[:, t] + dh_next, 1 - hs[:, t] * hs[:, t], out=d_pre[:, t])
            dh_next = torch.bmm(d_pre[:, t], w_hh.transpose(1, 2))
        return d_pre
