"""Projections: disposable read models built from the event log."""
