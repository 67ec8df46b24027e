"""Breach handlers of claims assist: major (filled in by its owner)."""
