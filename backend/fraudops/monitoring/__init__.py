"""Watching the model: reference profile, drift, reasons for a score, decision bands."""
