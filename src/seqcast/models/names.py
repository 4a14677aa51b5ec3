"""The names of what the neural models implement (optimizers, losses, target transforms),
declared here once: the options' choices (settings.py), the tuning space and the code that
implements them all read these. Imports nothing: `seqcast --help` reads it without torch.
"""

from __future__ import annotations

# Each optimizer with Keras' defaults (optim.py applies them); its keys are the choices.
KERAS_DEFAULTS: dict[str, dict[str, float]] = {
    "rmsprop": {"lr": 1e-3, "alpha": 0.9, "eps": 1e-7},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7, "weight_decay": 0.0},
    "adamw": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7, "weight_decay": 0.004},
    "sgd": {"lr": 1e-2, "momentum": 0.9},  # Keras' momentum is 0; seqcast has used 0.9
}
OPTIMIZERS = tuple(KERAS_DEFAULTS)

# Each training loss and the torch.nn module that computes it (train.py builds it).
LOSS_MODULES = {"mse": "MSELoss", "mae": "L1Loss", "huber": "HuberLoss"}
LOSSES = tuple(LOSS_MODULES)

# What the network predicts (transforms.py): the scaled price level, or the scaled change.
TRANSFORMS = ("price", "log_return", "pct_change")
