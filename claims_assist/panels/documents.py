"""The case page's documents panel (filled in by its owner)."""


def panel(*, case, user) -> dict:
    return {}
