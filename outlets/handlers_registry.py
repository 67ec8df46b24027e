"""Timer handlers of the registry area; written by its helper."""
