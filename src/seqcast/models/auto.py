"""`auto`: naive, unless a candidate has proven itself on this series' own past.

The forecaster holds no model of its own. An experiment backtests its candidates beside it
(as the columns `auto/<candidate>`), over a validation period before every fit, and the
selection stage (evaluate/select.py) chooses, at each fit and horizon, naive or the candidate
that beat it there (one-sided Diebold-Mariano, Holm-corrected over the candidates, below the
gate). `use` then hands the forecaster its candidates' fitted models and its last choices,
so the next days are forecast the way the last fit chose; naive's own floats otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from seqcast.errors import NotFittedError, SeqcastError
from seqcast.models.auto_settings import DEFAULT_CANDIDATES, Gate
from seqcast.models.base import SELECTS, Forecaster

SEPARATOR = "/"  # a candidate's column: auto/drift


class AutoForecaster(Forecaster):
    """Naive unless a candidate beat naive significantly on the validation period."""

    TAGS = frozenset({SELECTS})

    def __init__(
        self,
        candidates: tuple[str, ...] = DEFAULT_CANDIDATES,  # the README's protocol
        gate: float = 0.01,
        validation_days: int = 90,
    ):
        self.candidates = candidates
        self.gate = gate
        self.validation_days = validation_days

    @property
    def name(self) -> str:
        return "auto"

    def gate_(self) -> Gate:
        """The gate these settings make (evaluate/select.py; checked on construction)."""
        return Gate(self.gate, self.validation_days)

    def check(self) -> None:
        from seqcast.models import registry

        self.gate_()
        if not self.candidates:
            raise SeqcastError("--candidates: name at least one candidate (e.g. drift)")
        for name in self.candidates:
            try:
                candidate = registry.make(name)
            except SeqcastError as exc:
                raise SeqcastError(f"--candidates: {exc}") from None
            if name == "naive" or SELECTS in candidate.tags():
                raise SeqcastError(f"--candidates: {name} cannot be a candidate of auto")

    def candidate_models(self) -> dict[str, Forecaster]:
        """candidate name -> a new forecaster for it (its family's defaults)."""
        from seqcast.models import registry

        return {name: registry.make(name) for name in self.candidates}

    def use(self, members: dict[str, Forecaster], choices: dict[int, str]) -> None:
        """The fitted candidates (by column) and the last fit's choice per horizon."""
        self.members_, self.choices_ = members, choices
        self.is_fitted_ = True

    def learn(self, y: pd.Series, X: pd.DataFrame | None) -> None:
        self.members_, self.choices_ = {}, {}
        self.is_fitted_ = True

    def paths(
        self, values: np.ndarray, positions: np.ndarray, horizon: int, features: pd.DataFrame
    ) -> np.ndarray:
        out = np.repeat(values[positions - 1, None], horizon, axis=1)  # naive, to the bit
        for h in range(1, horizon + 1):
            chosen = self.choices_.get(h, "naive")
            if chosen != "naive":
                if chosen not in self.members_:
                    raise NotFittedError(f"auto chose {chosen}, whose fitted model is missing")
                member = self.members_[chosen].paths(values, positions, horizon, features)
                out[:, h - 1] = member[:, h - 1]
        return out

    def fit_info(self) -> dict[str, Any]:
        return {"choices": {str(h): c for h, c in getattr(self, "choices_", {}).items()}}

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = super().state()
        return meta | {"choices": self.fit_info()["choices"]}, arrays

    def restore(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """The choices; the candidates' models are linked by the run that loads them."""
        self.choices_ = {int(h): c for h, c in meta.get("choices", {}).items()}
        self.members_ = {}
        self.is_fitted_ = True


def build(name: str, settings: dict[str, Any]) -> AutoForecaster:
    if "candidates" in settings:
        settings = {**settings, "candidates": tuple(settings["candidates"])}
    return AutoForecaster(**settings)
