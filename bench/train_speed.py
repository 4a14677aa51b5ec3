"""Training speed of seqcast against a textbook PyTorch loop, measured in one process.

    python bench/train_speed.py --data ../shared/data/btc-usd-daily.csv   (or: make bench)

For the tutorial's problem (BTC closes before the last 60 days, MinMax-scaled, 60-day
windows, batch 64, RMSprop, MSE) and the layers of the presets tutorial, mlp, rnn, lstm, gru:
- seconds per epoch (median after a warm-up epoch), windows/s, GFLOP/s from an explicit count
  of the matrix products (forward + backward = 3x forward; element-wise work not counted),
  and that rate as a share of this machine's float32 matrix-multiply rate measured here;
- the same model as a textbook `nn.LSTM`/`nn.GRU`/`nn.RNN` module fed by a `DataLoader`,
  and the ratio textbook time / seqcast time;
- the `compare` workload (mlp, rnn, lstm, gru x 3 seeds): textbook trainings one after
  another vs seqcast the way `compare` trains them (each preset's seeds as one network);
- final training losses of both, to show the same problem was solved.
Every textbook run comes first, so none of seqcast's process settings (runtime.py) help it.
Results are printed and written to bench/results/train_speed.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from seqcast import runtime
from seqcast.data.load import load_prices
from seqcast.models import kernels
from seqcast.models.networks import SpecNet
from seqcast.models.neural import NeuralForecaster
from seqcast.models.spec import LayerSpec, resolve_layers
from seqcast.models.train import MemberData, fit_members
from seqcast.models.transforms import TargetTransform
from seqcast.models.windows import make_windows

WINDOW, BATCH = 60, 64
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def tutorial_windows(path: str, test_days: int = 60) -> tuple[np.ndarray, np.ndarray]:
    prices = load_prices(path).to_numpy()[:-test_days]
    z = TargetTransform("price").fit(prices).transform(prices)
    X, y = make_windows(z, WINDOW, np.arange(WINDOW, len(z)))  # (N, 60, 1), (N, 1)
    return X, y[:, 0]


def gemm_gflops(size: int = 1024, repeats: int = 30) -> float:
    """This machine's float32 matrix-multiply rate (best of several timed runs)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def flops_per_window(layers: tuple[LayerSpec, ...]) -> float:
    """Multiply-adds x 2 of one window's forward pass, times 3 for forward + backward."""
    total, size, steps = 0.0, 1, WINDOW
    for layer in layers:
        if layer.kind in GATES:
            total += WINDOW * 2 * GATES[layer.kind] * layer.units * (size + layer.units)
            size, steps = layer.units, (WINDOW if layer.return_sequences else 0)
        elif layer.kind == "dense":
            total += 2 * size * max(steps, 1) * layer.units
            size, steps = layer.units, 0
    return 3 * total


class Textbook(nn.Module):
    """The same layers written the usual way: nn.LSTM/GRU/RNN, nn.Linear, nn.Dropout."""

    def __init__(self, layers: tuple[LayerSpec, ...]):
        super().__init__()
        self.layers = nn.ModuleList()
        self.keep_sequence: list[bool] = []
        size, steps = 1, WINDOW
        for layer in layers:
            if layer.kind in GATES:
                cell = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[layer.kind]
                self.layers.append(cell(size, layer.units, batch_first=True))
                size, steps = layer.units, (steps if layer.return_sequences else 0)
            elif layer.kind == "dense":
                linear = nn.Linear(size * max(steps, 1), layer.units)
                activation = nn.ReLU() if layer.activation == "relu" else nn.Identity()
                self.layers.append(nn.Sequential(nn.Flatten(), linear, activation))
                size, steps = layer.units, 0
            else:
                self.layers.append(nn.Dropout(layer.rate))
            self.keep_sequence.append(layer.return_sequences)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer, keep in zip(self.layers, self.keep_sequence, strict=True):
            if isinstance(layer, nn.RNNBase):
                x, _ = layer(x)
                x = x if keep else x[:, -1]
            else:
                x = layer(x)
        return x.squeeze(-1)


def train_textbook(
    layers: tuple[LayerSpec, ...], X: np.ndarray, y: np.ndarray, epochs: int, seed: int
) -> tuple[list[float], float]:
    torch.manual_seed(seed)
    model = Textbook(layers)
    data = TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    loader = DataLoader(data, batch_size=BATCH, shuffle=True)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.MSELoss()
    seconds, loss_sum = [], 0.0
    for _ in range(epochs):
        start, loss_sum = time.perf_counter(), 0.0
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(yb)
        seconds.append(time.perf_counter() - start)
    return seconds, loss_sum / len(data)


def train_seqcast(
    layers: tuple[LayerSpec, ...], X: np.ndarray, y: np.ndarray, epochs: int, seeds: list[int]
) -> tuple[list[float], list[float]]:
    network = SpecNet(layers, WINDOW, seeds)
    config = NeuralForecaster(model="tutorial", epochs=epochs).train_config()  # RMSprop, MSE
    data = MemberData(X, y.reshape(len(X), -1))
    histories, _ = fit_members(network, [data] * len(seeds), config)
    return [log.seconds for log in histories[0]], [h[-1].loss for h in histories]


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def per_epoch(seconds: list[float]) -> float:
    return statistics.median(seconds[1:] if len(seconds) > 1 else seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=6, help="per model (first is warm-up)")
    parser.add_argument("--compare-epochs", type=int, default=3)
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "train_speed.json")
    )
    args = parser.parse_args()

    X, y = tutorial_windows(args.data)
    compiled = kernels.compiled() is not None  # a first build is not training time
    peak = gemm_gflops()
    print(
        f"{len(X)} windows of {WINDOW} days, batch {BATCH}, {torch.get_num_threads()} threads;"
        f" float32 GEMM rate {peak:.1f} GFLOP/s"
    )
    presets = ["tutorial", "mlp", "rnn", "lstm", "gru"]
    families, seeds = ["mlp", "rnn", "lstm", "gru"], [0, 1, 2]
    # The textbook runs first: seqcast's training tunes the process's memory reuse.
    textbook = {p: train_textbook(resolve_layers(p, None), X, y, args.epochs, 0) for p in presets}
    start = time.perf_counter()
    textbook_losses = [
        train_textbook(resolve_layers(f, None), X, y, args.compare_epochs, seed)[1]
        for f in families
        for seed in seeds
    ]
    textbook_total = time.perf_counter() - start

    runtime.prepare()  # seqcast's process settings, as its CLI applies them
    rows = []
    for preset in presets:
        layers = resolve_layers(preset, None)
        ref_seconds, ref_loss = textbook[preset]
        our_seconds, our_loss = train_seqcast(layers, X, y, args.epochs, seeds=[0])
        ours, ref = per_epoch(our_seconds), per_epoch(ref_seconds)
        gflop = flops_per_window(layers) * len(X) / 1e9
        rows.append(
            {
                "preset": preset,
                "seqcast_s_per_epoch": ours,
                "textbook_s_per_epoch": ref,
                "speedup": ref / ours,
                "windows_per_s": len(X) / ours,
                "gflop_per_epoch": gflop,
                "gflops": gflop / ours,
                "share_of_gemm_rate": gflop / ours / peak,
                "arithmetic_limit_s": gflop / peak,
                "final_loss_seqcast": our_loss[0],
                "final_loss_textbook": ref_loss,
            }
        )
        r = rows[-1]
        print(
            f"{preset:9s} seqcast {ours:6.3f} s/epoch  textbook {ref:6.3f}  x{r['speedup']:.2f}"
            f"  {r['windows_per_s']:8.0f} windows/s  {r['gflops']:6.1f} GFLOP/s"
            f" ({100 * r['share_of_gemm_rate']:4.1f}% of GEMM)  loss {our_loss[0]:.2e}"
            f" vs {ref_loss:.2e}"
        )

    start = time.perf_counter()
    grouped_losses = [
        loss
        for f in families
        for loss in train_seqcast(resolve_layers(f, None), X, y, args.compare_epochs, seeds)[1]
    ]
    grouped_total = time.perf_counter() - start
    workload = {
        "families": families,
        "seeds": len(seeds),
        "epochs": args.compare_epochs,
        "textbook_one_after_another_s": textbook_total,
        "seqcast_grouped_s": grouped_total,
        "speedup": textbook_total / grouped_total,
        "mean_final_loss_textbook": float(np.mean(textbook_losses)),
        "mean_final_loss_seqcast": float(np.mean(grouped_losses)),
    }
    print(
        f"compare workload ({len(families)} families x {len(seeds)} seeds, "
        f"{args.compare_epochs} epochs): textbook {textbook_total:.1f} s, seqcast "
        f"{grouped_total:.1f} s, x{workload['speedup']:.2f}"
    )
    result = {
        "machine": {
            "cpu_threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "gemm_gflops": peak,
            "compiled_kernels": compiled,
        },
        "windows": len(X),
        "epochs": args.epochs,
        "presets": rows,
        "compare_workload": workload,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(out)  # atomic
    print(f"written to {out}")


if __name__ == "__main__":
    main()
