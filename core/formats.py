"""Numbers as people write them on forms and lists."""

from decimal import Decimal


def plain_decimal(value: Decimal) -> str:
    """12.5000 → "12.5", 260.0000 → "260" (never "2.6E+2", which normalize() alone gives)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
