"""Timer handlers of the hours area; written by its helper."""
