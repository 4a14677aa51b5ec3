"""The grouped recurrences against torch.nn.LSTM/GRU/RNN: outputs and every gradient, on
random inputs, to 1e-5, for both the compiled time loops and the Python ones."""

import pytest
import torch
from torch import nn

from seqcast.models import kernels
from seqcast.models.cells import GATES, GRUSequence, LSTMSequence, RNNSequence

G, B, L, C, H = 3, 5, 7, 2, 4
# The compiled loops split each batch into one block of rows per thread: 1 and 3 threads
# give no split and an uneven one (5 rows as 1 + 2 + 2).
CASES = [(kind, "compiled", n) for kind in ("lstm", "gru", "rnn") for n in (1, 3)]
CASES += [("gru", "python", 1), ("rnn", "python", 1)]


@pytest.fixture
def python_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "compiled", lambda: None)  # as where no build works


def test_the_compiled_kernels_build_here() -> None:
    # CI must exercise the fast path, not silently fall back to the Python loops.
    assert kernels.compiled() is not None


def test_without_a_compiler_a_note_says_so_and_the_fallbacks_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    import torch.utils.cpp_extension

    def no_compiler(*args, **kwargs):
        raise RuntimeError("Ninja is required to load C++ extensions")

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(torch.utils.cpp_extension, "load", no_compiler)
    kernels.compiled.cache_clear()
    try:
        with pytest.warns(kernels.KernelNote) as notes:
            assert kernels.compiled() is None
        assert isinstance(kernels.loops(), kernels.PythonLoops)
    finally:
        kernels.compiled.cache_clear()
    said = [str(note.message) for note in notes]
    assert said[0] == "compiling the recurrent kernels for this machine (once)"
    assert said[1] == (
        "compiled kernels unavailable (Ninja is required to load C++ extensions);"
        " training uses slower Python loops"
    )


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


def _apply(kind: str, x: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
    args = [x, params["w_ih"], params["w_hh"], params["b_ih"]]
    if kind == "gru":
        return GRUSequence.apply(*args, params["b_hh"])
    return (LSTMSequence if kind == "lstm" else RNNSequence).apply(*args)


@pytest.fixture
def threads(request: pytest.FixtureRequest):
    before = torch.get_num_threads()
    torch.set_num_threads(request.param)
    yield request.param
    torch.set_num_threads(before)


@pytest.mark.parametrize(("kind", "loops", "threads"), CASES, indirect=["threads"])
def test_matches_torch_nn_outputs_and_gradients(
    kind: str, loops: str, threads: int, request: pytest.FixtureRequest
) -> None:
    if loops == "python":
        request.getfixturevalue("python_loops")
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

    out = _apply(kind, x, params)
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
def test_python_loops_pass_gradcheck_in_double_precision(
    function, gates: int, biases: int, python_loops: None
) -> None:
    torch.manual_seed(1)
    shapes = [(2, 3, 4, 2), (2, 2, gates * 3), (2, 3, gates * 3)] + [(2, 1, gates * 3)] * biases
    args = [torch.randn(shape, dtype=torch.float64, requires_grad=True) for shape in shapes]
    assert torch.autograd.gradcheck(function.apply, args)


def test_compiled_loops_refuse_other_dtypes_with_a_message() -> None:
    loops = kernels.compiled()
    assert loops is not None
    with pytest.raises(RuntimeError, match="contiguous 4-d float32"):
        loops.rnn_forward(torch.zeros(1, 2, 3, 4, dtype=torch.float64), torch.zeros(1, 4, 4))
