"""Breach handlers of claims assist: timeline (filled in by its owner)."""
