"""Breach handlers of claims assist: intake (filled in by its owner)."""
