"""Timer handlers of the queue area; written by its helper."""
