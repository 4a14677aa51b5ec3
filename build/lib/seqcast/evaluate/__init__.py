"""Evaluation: walk-forward backtests as one long table, metrics and significance tests."""
