"""The training loop: every optimizer learns, early stopping keeps the best weights, a seed
repeats itself, grouped members end where they would alone, and divergence is an error."""

import numpy as np
import pytest
import torch

from seqcast.errors import SeqcastError
from seqcast.models.names import OPTIMIZERS
from seqcast.models.networks import SpecNet
from seqcast.models.neural import NeuralForecaster
from seqcast.models.optim import GroupedOptimizer
from seqcast.models.spec import parse_layers
from seqcast.models.train import EpochLog, MemberData, TrainConfig, fit_members, predict_model


def _problem(n: int = 256, window: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Next value of a noiseless sine: any working loop learns it quickly."""
    t = np.arange(n + window, dtype=np.float32) * 0.3
    wave = 0.5 + 0.4 * np.sin(t)
    X = np.stack([wave[i : i + window] for i in range(n)])[..., None]
    return X.astype(np.float32), wave[window:].astype(np.float32)


def _net(layers: str = "gru:16, dense:1", seeds: list[int] | None = None) -> SpecNet:
    return SpecNet(parse_layers(layers), window=8, seeds=seeds or [0])


def _config(**settings) -> TrainConfig:
    """A training config as the forecaster builds one (the tutorial's: MSE, no early
    stopping unless `patience` is given)."""
    return NeuralForecaster(model="tutorial", **settings).train_config()


def _train(
    net: SpecNet, X: np.ndarray, y: np.ndarray, config: TrainConfig, validation=None, **kw
) -> tuple[list[list[EpochLog]], list[SpecNet]]:
    """Every member of `net` trained on the same windows: the logs and trained members."""
    data = MemberData(X, y.reshape(len(X), -1), validation)
    return fit_members(net, [data] * len(net.seeds), config, **kw)


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_reduces_the_loss(optimizer: str) -> None:
    X, y = _problem()
    lr = 0.05 if optimizer == "sgd" else 0.01
    config = _config(epochs=15, batch_size=32, optimizer=optimizer, learning_rate=lr)
    [history], _ = _train(_net(), X, y, config)
    assert history[-1].loss < 0.2 * history[0].loss


def test_rmsprop_uses_keras_defaults() -> None:
    optimizer = GroupedOptimizer("rmsprop", _net().parameters(), members=1)
    assert optimizer.settings == {"lr": 1e-3, "alpha": 0.9, "eps": 1e-7}


def test_early_stopping_restores_the_best_weights() -> None:
    X, y = _problem()
    net = _net()
    seen: list[tuple[float, dict]] = []
    config = _config(epochs=40, batch_size=32, learning_rate=0.05, patience=2)
    validation = (X[-40:], y[-40:] + 0.3)  # shifted: validation loss soon stops improving

    def remember(logs):  # the weights at the end of every epoch
        seen.append((logs[0].val_loss, {k: v.clone() for k, v in net.state_dict().items()}))

    [history], [final] = _train(net, X[:-40], y[:-40], config, validation, on_epoch=remember)
    assert len(history) < 40  # it stopped early
    best_loss, best_state = min(seen, key=lambda item: item[0])
    for name, tensor in final.state_dict().items():
        torch.testing.assert_close(tensor, best_state[name])
    val_pred = predict_model(final, validation[0])[0, :, 0]
    assert np.mean((val_pred - validation[1]) ** 2) == pytest.approx(best_loss, rel=1e-4)


def test_same_seed_same_weights_and_losses() -> None:
    X, y = _problem()
    runs = []
    for _ in range(2):
        net = _net("lstm:8:seq, dropout:0.2, lstm:8, dense:1", seeds=[3])
        [history], [final] = _train(net, X, y, _config(epochs=2, batch_size=32))
        runs.append(([log.loss for log in history], predict_model(final, X)))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


@pytest.mark.parametrize("layers", ["gru:8, dropout:0.2, dense:1", "lstm:8:seq, lstm:6, dense:1"])
def test_members_trained_together_match_members_trained_alone(layers: str) -> None:
    """Grouping is a speed-up only: each seed ends where it would end alone, early
    stopping included."""
    X, y = _problem(160)
    config = _config(epochs=6, batch_size=32, patience=1, learning_rate=0.02)
    validation = (X[-30:], y[-30:] + 0.05)
    histories, finals = _train(_net(layers, seeds=[0, 1, 2]), X[:-30], y[:-30], config, validation)
    for member, seed in enumerate([0, 1, 2]):
        [history], [alone] = _train(
            _net(layers, seeds=[seed]), X[:-30], y[:-30], config, validation
        )
        assert len(history) == len(histories[member])
        np.testing.assert_allclose(
            [h.loss for h in history], [h.loss for h in histories[member]], rtol=1e-5
        )
        np.testing.assert_allclose(
            predict_model(alone, X)[0], predict_model(finals[member], X)[0], rtol=1e-4, atol=1e-6
        )


def test_a_diverging_fit_stops_at_its_first_non_finite_loss() -> None:
    X, y = _problem()
    seen: list[list[EpochLog]] = []
    config = _config(epochs=5, batch_size=32, optimizer="sgd", learning_rate=1e6)
    with pytest.raises(
        SeqcastError, match=r"^training diverged at epoch 1 .*; lower --lr \(it is 1e\+06\)$"
    ):
        _train(_net(), X, y, config, on_epoch=seen.append)
    assert seen == []  # no epoch went by with a non-finite loss


def test_one_diverging_member_fails_the_whole_group() -> None:
    """A grouped fit (seeds, refits, series) is refused as a whole: the one member's
    forecast would be a wrong number."""
    X, y = _problem()
    good = MemberData(X, y[:, None])
    overflowing = MemberData(X.copy(), 1e30 * y[:, None])  # its squared error overflows
    config = _config(epochs=3, batch_size=32)
    with pytest.raises(SeqcastError, match="training diverged at epoch 1"):
        fit_members(_net(seeds=[0, 1, 2]), [good, overflowing, good], config)
    [history], _ = fit_members(_net(seeds=[0]), [good], config)  # the same, alone: fine
    assert len(history) == 3 and np.isfinite([log.loss for log in history]).all()
