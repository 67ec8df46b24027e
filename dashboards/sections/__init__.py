"""The dashboard's sections in page order; each module has `build(*, scope) -> Section`.

A section is registered by its module name in SECTION_NAMES (one line); a name whose
module does not exist (yet) is skipped, so the page shows the sections that are there.
"""

import importlib
from types import ModuleType

SECTION_NAMES = [
    "sla",
    "queue",
    "underwriting",
    "publicity",
    "claims",
    "complaints",
    "compliance",
]


def _load(names: list[str]) -> list[ModuleType]:
    modules = []
    for name in names:
        qualified = f"{__name__}.{name}"
        try:
            modules.append(importlib.import_module(qualified))
        except ModuleNotFoundError as error:
            # Only the section's own module may be missing; a broken import inside it
            # must still fail loudly.
            if error.name != qualified:
                raise
    return modules


SECTIONS: list[ModuleType] = _load(SECTION_NAMES)


def section_name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]
