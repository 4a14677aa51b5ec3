import numpy as np
import pytest
import torch

from seqcast.errors import SeqcastError
from seqcast.models.networks import SpecNet
from seqcast.models.optim import GroupedOptimizer
from seqcast.models.spec import parse_layers
from seqcast.models.train import TrainConfig, fit_model, predict_model
from seqcast.settings import OPTIMIZERS


def _problem(n: int = 256, window: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Next value of a noiseless sine: any working loop learns it quickly."""
    t = np.arange(n + window, dtype=np.float32) * 0.3
    wave = 0.5 + 0.4 * np.sin(t)
    X = np.stack([wave[i : i + window] for i in range(n)])[..., None]
    return X.astype(np.float32), wave[window:].astype(np.float32)


def _net(layers: str = "gru:16, dense:1", seeds: list[int] | None = None) -> SpecNet:
    return SpecNet(parse_layers(layers), window=8, seeds=seeds or [0])


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_reduces_the_loss(optimizer: str) -> None:
    X, y = _problem()
    lr = 0.05 if optimizer == "sgd" else 0.01
    config = TrainConfig(epochs=15, batch_size=32, optimizer=optimizer, learning_rate=lr)
    [history] = fit_model(_net(), X, y, config)
    assert history[-1].loss < 0.2 * history[0].loss


def test_rmsprop_uses_keras_defaults() -> None:
    optimizer = GroupedOptimizer("rmsprop", _net().parameters(), members=1)
    assert optimizer.settings == {"lr": 1e-3, "alpha": 0.9, "eps": 1e-7}


def test_early_stopping_restores_the_best_weights() -> None:
    X, y = _problem()
    net = _net()
    seen: list[tuple[float, dict]] = []
    config = TrainConfig(epochs=40, batch_size=32, learning_rate=0.05, patience=2)
    validation = (X[-40:], y[-40:] + 0.3)  # shifted: validation loss soon stops improving

    def remember(logs):  # the weights at the end of every epoch
        seen.append((logs[0].val_loss, {k: v.clone() for k, v in net.state_dict().items()}))

    [history] = fit_model(net, X[:-40], y[:-40], config, validation, on_epoch=remember)
    assert len(history) < 40  # it stopped early
    best_loss, best_state = min(seen, key=lambda item: item[0])
    for name, tensor in net.state_dict().items():
        torch.testing.assert_close(tensor, best_state[name])
    val_pred = predict_model(net, validation[0])[0, :, 0]
    assert np.mean((val_pred - validation[1]) ** 2) == pytest.approx(best_loss, rel=1e-4)


def test_same_seed_same_weights_and_losses() -> None:
    X, y = _problem()
    runs = []
    for _ in range(2):
        net = _net("lstm:8:seq, dropout:0.2, lstm:8, dense:1", seeds=[3])
        [history] = fit_model(net, X, y, TrainConfig(epochs=2, batch_size=32))
        runs.append(([log.loss for log in history], predict_model(net, X)))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


@pytest.mark.parametrize("layers", ["gru:8, dropout:0.2, dense:1", "lstm:8:seq, lstm:6, dense:1"])
def test_members_trained_together_match_members_trained_alone(layers: str) -> None:
    """Grouping is a speed-up only: each seed ends where it would end alone, early
    stopping included."""
    X, y = _problem(160)
    config = TrainConfig(epochs=6, batch_size=32, patience=1, learning_rate=0.02)
    validation = (X[-30:], y[-30:] + 0.05)
    group = _net(layers, seeds=[0, 1, 2])
    histories = fit_model(group, X[:-30], y[:-30], config, validation)
    for member, seed in enumerate([0, 1, 2]):
        alone = _net(layers, seeds=[seed])
        [history] = fit_model(alone, X[:-30], y[:-30], config, validation)
        assert len(history) == len(histories[member])
        np.testing.assert_allclose(
            [h.loss for h in history], [h.loss for h in histories[member]], rtol=1e-5
        )
        np.testing.assert_allclose(
            predict_model(alone, X)[0], predict_model(group, X)[member], rtol=1e-4, atol=1e-6
        )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (TrainConfig(optimizer="adagrad"), "unknown optimizer 'adagrad'"),
        (TrainConfig(loss="hinge"), "unknown loss 'hinge'"),
        (TrainConfig(epochs=0), "epochs and batch size must be at least 1"),
        (TrainConfig(patience=0), "patience must be at least 1"),
    ],
)
def test_bad_settings_are_clear_errors(config: TrainConfig, message: str) -> None:
    with pytest.raises(SeqcastError, match=message):
        config.check()
