"""Synthetic data, deterministic by seed, calibrated to published totals where there are any."""
