"""The catalogue of the outlet standards (OUT-3..OUT-9) from the standardisation guide.

Two lists live here:

- `FACILITY_ITEMS`: the items of the OUT-6 signage, OUT-7 interior and OUT-8 equipment
  catalogues, each with its code (`FacilityItem.code`), category and whether the guide
  requires it. An outlet records the items it has as `FacilityItem` rows.
- `STANDARDS`: every standard an inspector checks, with a code such as
  "OUT-3-storefront", the rule it comes from, whether it is required, and how the
  registry answers it (`answer(facts)`: True met, False not met, None the registry does
  not know). A facility item's standard is "<rule>-<item code>", e.g. "OUT-8-pos".

The compliance score (OUT-16) and the inspection form read both; nothing here writes.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from outlets.models import FacilityItem, Lease, OutletProfile, OutletSettings

Category = FacilityItem.Category

# OUT-6: the nameplate (门牌) as the guide draws it. It may be scaled, the ratio kept.
NAMEPLATE_WIDTH_MM = 600
NAMEPLATE_HEIGHT_MM = 400
NAMEPLATE_DEPTH_MM = 20
NAMEPLATE_BOARD_MM = 5
NAMEPLATE_BOARD = _("aluminium-plastic board, screen printed")
# OUT-6 fonts, each followed by CJK fallbacks for machines without the Hanyi fonts.
FONT_PLACE = (
    "'HYZhongSongJ', '汉仪中宋简', 'Noto Serif CJK SC', 'Source Han Serif SC', 'SimSun', serif"
)
FONT_TITLE = (
    "'HYDaHeiJ', '汉仪大黑简', 'Noto Sans CJK SC', 'Source Han Sans SC', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"
)
NAME_SUFFIX = "三农营销服务部"
BRAND = "PICC中国人民保险"


# --- Facility items (OUT-6, OUT-7, OUT-8) ------------------------------------------------
@dataclass(frozen=True)
class FacilitySpec:
    code: str
    category: str
    rule: str
    label: Promise
    required: bool

    @property
    def standard_code(self) -> str:
        return f"{self.rule}-{self.code}"


def _items(category: str, rule: str, *rows: tuple[str, Promise, bool]) -> tuple[FacilitySpec, ...]:
    return tuple(FacilitySpec(code, category, rule, label, req) for code, label, req in rows)


SIGNAGE = _items(
    Category.SIGNAGE,
    "OUT-6",
    ("nameplate", _("Nameplate 600×400×20 mm (ratio kept when scaled)"), True),
    ("door-head", _("Door-head sign"), True),
    ("image-wall", _("Image wall"), True),
    ("vertical", _("Vertical sign"), False),
    ("projecting", _("Projecting sign"), False),
)
INTERIOR = _items(
    Category.INTERIOR,
    "OUT-7",
    ("acceptance-area", _("Business-acceptance area"), True),
    ("rest-area", _("Customer rest area"), True),
    ("self-service", _("Self-service area"), False),
    ("form-filling", _("Form-filling area"), False),
    ("vip-room", _("VIP room"), False),
    ("post-signs", _("Counter post signs"), True),
    ("pens", _("Pens at the counter"), True),
    ("customer-seats", _("Customer seats at the counter"), True),
    ("service-process", _("Service process displayed"), True),
    ("service-promises", _("Service promises displayed"), True),
    ("complaint-phone", _("Complaint phone displayed"), True),
)
EQUIPMENT = _items(
    Category.EQUIPMENT,
    "OUT-8",
    ("network", _("Network connection"), True),
    ("telephone", _("Telephone"), True),
    ("desks-chairs", _("Desks and chairs"), True),
    ("computer", _("Computer"), True),
    ("printer", _("Printer"), True),
    ("pos", _("POS terminal"), True),
    ("water-dispenser", _("Water dispenser"), False),
    ("copier", _("Copier"), False),
    ("document-camera", _("Document camera"), False),
)
FACILITY_ITEMS: tuple[FacilitySpec, ...] = (*SIGNAGE, *INTERIOR, *EQUIPMENT)
FACILITY_BY_CODE: dict[str, FacilitySpec] = {item.code: item for item in FACILITY_ITEMS}


def facility_items_of(category: str) -> tuple[FacilitySpec, ...]:
    return tuple(item for item in FACILITY_ITEMS if item.category == category)


# --- What the registry knows about an outlet ---------------------------------------------
@dataclass(frozen=True)
class RegistryFacts:
    """One outlet's registry as the standards read it (built by
    `outlets.selectors.registry_facts`)."""

    profile: OutletProfile | None
    lease: Lease | None
    facilities: dict[str, FacilityItem]
    settings: OutletSettings
    today: dt.date


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def lease_term_ok(lease: Lease, *, min_years: int) -> bool:
    """OUT-5: at least `min_years` per contract, unless the exception has a reason."""
    return lease.ends_on >= add_years(lease.starts_on, min_years) or bool(
        lease.short_term_reason.strip()
    )


def nameplate_size_ok(item: FacilityItem) -> bool:
    """OUT-6: the plate may be scaled, the 600:400 ratio kept; unmeasured counts as ok
    (the inspector checks it on site)."""
    if not item.width_mm or not item.height_mm:
        return True
    return item.width_mm * NAMEPLATE_HEIGHT_MM == item.height_mm * NAMEPLATE_WIDTH_MM


def _profile(test: Callable[[OutletProfile], bool]) -> Callable[[RegistryFacts], bool | None]:
    def answer(facts: RegistryFacts) -> bool | None:
        return None if facts.profile is None else bool(test(facts.profile))

    return answer


def _area(facts: RegistryFacts) -> bool | None:
    if facts.profile is None:
        return None
    return facts.profile.usable_area >= Decimal(facts.settings.min_area)


def _lease(facts: RegistryFacts) -> bool | None:
    lease = facts.lease
    if lease is None or lease.ends_on < facts.today:
        return False
    return lease_term_ok(lease, min_years=facts.settings.min_lease_years)


def _facility(spec: FacilitySpec) -> Callable[[RegistryFacts], bool | None]:
    def answer(facts: RegistryFacts) -> bool | None:
        item = facts.facilities.get(spec.code)
        if item is None or not item.present:
            return False
        if spec.code == "nameplate":
            return nameplate_size_ok(item)
        return True

    return answer


def _head(profile: OutletProfile) -> bool:
    return bool(profile.head_name.strip()) and profile.head_type in OutletProfile.HeadType.values


# --- The standards ------------------------------------------------------------------------
@dataclass(frozen=True)
class Standard:
    code: str
    rule: str
    label: Promise
    required: bool
    answer: Callable[[RegistryFacts], bool | None] = field(repr=False)
    # What in the registry answers it, for the pages.
    source: Promise
    # OUT-3: site standards are recorded with evidence photos.
    needs_photo: bool = False


_SITE = _("Site facts")
_CATEGORY_LABELS = dict(Category.choices)
STANDARDS: tuple[Standard, ...] = (
    Standard(
        "OUT-3-storefront",
        "OUT-3",
        _("Independent ground-floor storefront"),
        True,
        _profile(lambda p: p.ground_floor_storefront),
        _SITE,
        needs_photo=True,
    ),
    Standard(
        "OUT-3-main-street",
        "OUT-3",
        _("On a township main street, not in an alley, back street or residential block"),
        True,
        _profile(lambda p: p.on_main_street and not p.in_back_street),
        _SITE,
        needs_photo=True,
    ),
    Standard(
        "OUT-3-own-premises",
        "OUT-3",
        _(
            "Not inside a partner's premises (property office, village committee, car wash, "
            "repair shop)"
        ),
        True,
        _profile(lambda p: not p.inside_partner_premises),
        _SITE,
        needs_photo=True,
    ),
    Standard(
        "OUT-3-frontage",
        "OUT-3",
        _("Unobstructed frontage"),
        True,
        _profile(lambda p: p.frontage_unobstructed),
        _SITE,
        needs_photo=True,
    ),
    Standard(
        "OUT-3-surroundings",
        "OUT-3",
        _("Safe surroundings (no explosion, strong-magnetic, flood or fire hazard)"),
        True,
        _profile(lambda p: p.surroundings_safe),
        _SITE,
        needs_photo=True,
    ),
    Standard(
        "OUT-3-building",
        "OUT-3",
        _("Building passed quality and fire inspection"),
        True,
        _profile(lambda p: p.building_inspected),
        _SITE,
        needs_photo=True,
    ),
    Standard(
        "OUT-4-area",
        "OUT-4",
        _("Usable floor area at least the minimum (30 m²)"),
        True,
        _area,
        _("Usable floor area"),
    ),
    Standard(
        "OUT-5-lease",
        "OUT-5",
        _("A current lease of at least the minimum term (3 years), or an exception with reason"),
        True,
        _lease,
        _("Lease"),
    ),
    *(
        Standard(
            spec.standard_code,
            spec.rule,
            spec.label,
            spec.required,
            _facility(spec),
            _CATEGORY_LABELS[spec.category],
        )
        for spec in FACILITY_ITEMS
    ),
    Standard(
        "OUT-9-head",
        "OUT-9",
        _(
            "A head of outlet recorded: an employee appointed by the county branch or an "
            "entrusted head"
        ),
        True,
        _profile(_head),
        _("Head of outlet"),
    ),
)
STANDARD_BY_CODE: dict[str, Standard] = {standard.code: standard for standard in STANDARDS}
REQUIRED_STANDARDS: tuple[str, ...] = tuple(s.code for s in STANDARDS if s.required)
RULES: tuple[str, ...] = ("OUT-3", "OUT-4", "OUT-5", "OUT-6", "OUT-7", "OUT-8", "OUT-9")


def standard_get(code: str) -> Standard:
    """The standard with `code`; KeyError for an unknown one."""
    return STANDARD_BY_CODE[code]


def standards_of(rule: str) -> tuple[Standard, ...]:
    return tuple(s for s in STANDARDS if s.rule == rule)


def standard_label(code: str) -> str:
    """The label of a catalogue standard, else the code itself (system findings such as
    "OUT-10-staffing" are named by their code)."""
    standard = STANDARD_BY_CODE.get(code)
    return str(standard.label) if standard else code


def registry_answers(facts: RegistryFacts) -> list[tuple[Standard, bool | None]]:
    """Every standard with the registry's answer, in catalogue order."""
    return [(standard, standard.answer(facts)) for standard in STANDARDS]
