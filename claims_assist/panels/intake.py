"""The case page's intake panel (filled in by its owner)."""


def panel(*, case, user) -> dict:
    return {}
