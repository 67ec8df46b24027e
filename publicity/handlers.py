"""Breach and period handlers of the publicity timers (PUB-4, PUB-4-close); written by
the lifecycle helper."""
