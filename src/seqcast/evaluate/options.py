"""Which days are forecast and how they are judged: the evaluation settings."""

from __future__ import annotations

from dataclasses import dataclass

from seqcast.errors import SeqcastError
from seqcast.options import check_choices, level_list, option, seed_list

INTERVALS = (
    "conformal",
    "adaptive",
    "scaled",
    "garch",
    "garch-normal",
    "garch-adaptive",
    "garch-scaled",
    "quantile",
    "cqr",
    "cqr-adaptive",
)
MAX_HORIZON = 90


@dataclass(frozen=True)
class Evaluation:
    """Which days are forecast, how often models are refit, and over which seeds."""

    test_days: int = option(60, "Days at the end that are forecast (the test period).")
    start: str | None = option(None, "First test date (YYYY-MM-DD), instead of --test-days.")
    refit_every: int | None = option(
        None, "Refit every K days of the test period.", shown="never: fit once"
    )
    train_days: int | None = option(
        None, "Train on the last N days before each fit (sliding window).", shown="all of them"
    )
    warm_start: bool = option(
        False,
        "Each refit starts from the one before it (its weights, optimizer state and scales),"
        " for --warm-epochs at most; the first fit is cold. Network models only; not with"
        " --train-days.",
    )
    horizon: int = option(1, f"Days ahead forecast from every origin (1 to {MAX_HORIZON}).")
    levels: tuple[float, ...] = option(
        (), "Prediction-interval levels in percent, e.g. 80,95.", parse=level_list, shown="none"
    )
    intervals: str = option(
        "adaptive",
        "How intervals are made. From past out-of-sample errors: split conformal over a"
        " rolling window, adaptive (conformal whose level the recent misses steer: chosen on"
        " the selection years, README) or scaled (errors over an EWMA volatility). From a"
        " GARCH(1,1) on log returns (the stats extra): garch and garch-normal (its own"
        " Student-t or normal quantiles), garch-adaptive (those at a level the misses steer)"
        " or garch-scaled (adaptive on errors over GARCH's volatility). From quantile heads"
        " (direct deep models; baselines beside them get conformal ones): quantile (the"
        " heads' own) or cqr (conformalised quantile regression on the calibration days).",
        choices=INTERVALS,
    )
    calibration_days: int = option(
        365,
        "Days before the test period forecast out of sample to calibrate intervals; also"
        " the rolling window of errors each interval reads.",
    )
    seeds: int | tuple[int, ...] | None = option(
        None,
        "Seeds per neural model: a count (3 = --seed, --seed + 1, --seed + 2) or a list (1,5,9).",
        parse=seed_list,
        shown="1 for run, 3 for compare",
    )

    def __post_init__(self) -> None:
        if self.refit_every is not None and self.refit_every < 1:
            raise SeqcastError(f"--refit-every {self.refit_every}: use 1 or more, or leave it out")
        if self.train_days is not None and self.train_days < 1:
            raise SeqcastError(f"--train-days {self.train_days}: use 1 or more, or leave it out")
        if self.warm_start and self.train_days is not None:
            raise SeqcastError(
                f"--warm-start with --train-days {self.train_days}: a warm refit carries what"
                " every earlier fit learnt, so a sliding window would not forget the days it"
                " drops; use one or the other"
            )
        if isinstance(self.seeds, int) and self.seeds < 1:
            raise SeqcastError(f"--seeds {self.seeds}: at least 1 seed")
        if isinstance(self.seeds, tuple | list) and not self.seeds:
            raise SeqcastError("--seeds is empty: give a count (3) or a list (1,5,9)")
        if self.test_days < 1:
            raise SeqcastError(f"--test-days {self.test_days}: test on at least 1 day")
        if not 1 <= self.horizon <= MAX_HORIZON:
            raise SeqcastError(f"--horizon {self.horizon}: forecast 1 to {MAX_HORIZON} days ahead")
        for level in self.levels:
            if not 0 < level < 100:
                raise SeqcastError(f"--levels {level:g}: a level is a percentage between 0 and 100")
            if level < 1:
                raise SeqcastError(
                    f"--levels {level:g}: levels are percentages; did you mean {level * 100:g}?"
                )
        if len(set(self.levels)) != len(self.levels):
            raise SeqcastError(f"--levels {','.join(f'{v:g}' for v in self.levels)}: a level twice")
        if self.levels and self.calibration_days < self.horizon:
            raise SeqcastError("--calibration-days must be at least the --horizon")
        check_choices(self)

    def seed_list(self, first: int, default_count: int) -> tuple[int, ...]:
        """The seeds to run: the listed ones, or a count of them starting at `first`."""
        if isinstance(self.seeds, tuple | list):
            return tuple(self.seeds)
        return tuple(range(first, first + (self.seeds or default_count)))
