"""Tuning: Optuna studies over a preset's settings, scored on folds before the test period;
on one machine's processes, or on a Ray cluster."""
