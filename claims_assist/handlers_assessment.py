"""Breach handlers of claims assist: assessment (filled in by its owner)."""
