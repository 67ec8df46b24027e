"""REG-3: the one masking helper for personal data. Every list, PDF and API
representation that does not need the full value shows it through here."""

import re

MASK = "*"


def _keep(value: str, head: int, tail: int) -> str:
    value = re.sub(r"\s+", "", value or "")
    if len(value) <= head + tail:
        return MASK * len(value)
    return value[:head] + MASK * (len(value) - head - tail) + value[-tail:]


def mask_id_number(value: str) -> str:
    """Resident ID or social credit code: region prefix and last four kept
    (441823********123X); the birth date never shows."""
    return _keep(value, 6, 4)


def mask_phone(value: str) -> str:
    """138****5678."""
    return _keep(value, 3, 4)


def mask_bank_account(value: str) -> str:
    """Card or passbook number: first four and last four kept."""
    return _keep(value, 4, 4)


def mask_name(value: str) -> str:
    """A person's name as public notices show it: 张三 → 张*, 张三丰 → 张*丰."""
    value = (value or "").strip()
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + MASK
    return value[0] + MASK * (len(value) - 2) + value[-1]


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
    "name": mask_name,
}


def mask(value: str, kind: str) -> str:
    return MASKERS[kind](value)
