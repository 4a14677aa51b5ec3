"""Forecasters: the contract, the baselines, and neural networks from a layer spec."""
