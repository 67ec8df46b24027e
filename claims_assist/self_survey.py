"""Motor self-survey eligibility (CLM-13).

After a motor accident the customer may survey the scene alone, by phone: photograph it
with the insurer's e-surveyor app, upload the photos and leave; the loss is assessed
later at an agreed time and place. The outlet offers this only when every condition of
CLM-13 holds (after-sales service rulebook, chapter 5, "协助客户完成自助查勘服务"):

- the car is a private (家庭自用) or non-commercial (非营业用) car;
- nobody is injured (不涉及人伤);
- no third-party property is damaged (不涉及物损);
- the car can still be driven normally (事故车辆可以正常行驶);
- it is not the customer's third or later accident of the policy year.

Counting the accidents. The rulebook says "一个保险年度内发生2次(不含)以上保险事故的，本保险
年度内不再享受此项服务": once more than two accidents (two not included) have happened in a
policy year, the service is no longer offered in that year; DOMAIN.md says "not after two
or more accidents in the policy year". Both say the same if the rulebook's count includes
the accident being reported and DOMAIN.md's counts the earlier ones: the first and second
accidents of a policy year may be self-surveyed, the third and any later one may not.
`accidents_this_policy_year` is therefore the number of EARLIER insured accidents of the
current policy year, NOT counting the accident being reported now; two or more refuse.

The check is a pure function that writes nothing, so every role may run it (auditors
included). A refused case goes the ordinary way: the customer reports to 95518 and the
city claims centre surveys it (outlet staff never survey motor cases on site, CLM-5).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

RULE = "CLM-13"

# CLM-13: this many earlier accidents in the policy year end the service for that year.
EARLIER_ACCIDENTS_LIMIT = 2


class VehicleUse(models.TextChoices):
    """The use class of the insured vehicle, as on the motor policy."""

    PRIVATE = "private", gettext_lazy("Private car (family use)")
    NON_COMMERCIAL = (
        "non_commercial",
        gettext_lazy("Non-commercial car (enterprise, government or institution, not for hire)"),
    )
    COMMERCIAL = "commercial", gettext_lazy("Commercial vehicle (taxi, bus, freight for hire)")
    MOTORCYCLE = "motorcycle", gettext_lazy("Motorcycle")
    TRACTOR = "tractor", gettext_lazy("Tractor")
    SPECIAL = "special", gettext_lazy("Special-purpose vehicle")


# CLM-13: only these uses may be self-surveyed.
ELIGIBLE_USES = frozenset({VehicleUse.PRIVATE, VehicleUse.NON_COMMERCIAL})


class Condition(models.TextChoices):
    """The CLM-13 conditions, in the order the decision lists what failed."""

    VEHICLE_USE = "vehicle_use", gettext_lazy("Private or non-commercial car")
    INJURIES = "injuries", gettext_lazy("Nobody injured")
    THIRD_PARTY_PROPERTY_DAMAGE = (
        "third_party_property_damage",
        gettext_lazy("No third-party property damaged"),
    )
    DRIVABLE = "drivable", gettext_lazy("The car can be driven")
    ACCIDENTS = (
        "accidents_this_policy_year",
        gettext_lazy("Fewer than two earlier accidents this policy year"),
    )


@dataclass(frozen=True)
class SelfSurveyReason:
    """One CLM-13 condition that is not met: which one, and why, for the customer."""

    condition: str
    message: str


@dataclass(frozen=True)
class SelfSurveyDecision:
    """The CLM-13 answer: eligible, or every reason it is not, and what to do next."""

    eligible: bool
    reasons: tuple[SelfSurveyReason, ...]
    next_step: str
    rule: str = RULE


def self_survey_check(
    *,
    vehicle_use: str,
    injuries: bool,
    third_party_property_damage: bool,
    drivable: bool,
    accidents_this_policy_year: int,
) -> SelfSurveyDecision:
    """CLM-13: may the customer survey this motor accident alone, by phone?

    `injuries`: anyone injured (driver, passengers or third parties).
    `third_party_property_damage`: property other than the insured car damaged.
    `accidents_this_policy_year`: earlier insured accidents of the current policy year,
    not counting this one (see the module docstring); two or more refuse.

    Every failed condition is listed, not only the first, so the clerk can explain the
    whole answer. Raises ValidationError on an unknown vehicle use or a negative count.
    """
    if vehicle_use not in VehicleUse.values:
        raise ValidationError(
            {"vehicle_use": _("Unknown vehicle use: %(use)s.") % {"use": vehicle_use}}
        )
    if isinstance(accidents_this_policy_year, bool) or accidents_this_policy_year < 0:
        raise ValidationError(
            {"accidents_this_policy_year": _("The number of earlier accidents cannot be negative.")}
        )

    reasons: list[SelfSurveyReason] = []
    if vehicle_use not in ELIGIBLE_USES:
        reasons.append(
            SelfSurveyReason(
                Condition.VEHICLE_USE,
                _(
                    "CLM-13: self-survey is offered only for private or non-commercial cars; "
                    "this vehicle is: %(use)s."
                )
                % {"use": VehicleUse(vehicle_use).label},
            )
        )
    if injuries:
        reasons.append(
            SelfSurveyReason(
                Condition.INJURIES,
                _("CLM-13: someone was injured; an injury case is never self-surveyed."),
            )
        )
    if third_party_property_damage:
        reasons.append(
            SelfSurveyReason(
                Condition.THIRD_PARTY_PROPERTY_DAMAGE,
                _("CLM-13: third-party property was damaged; such a case is never self-surveyed."),
            )
        )
    if not drivable:
        reasons.append(
            SelfSurveyReason(
                Condition.DRIVABLE,
                _("CLM-13: the car cannot be driven normally, so it cannot leave the scene."),
            )
        )
    if accidents_this_policy_year >= EARLIER_ACCIDENTS_LIMIT:
        reasons.append(
            SelfSurveyReason(
                Condition.ACCIDENTS,
                _(
                    "CLM-13: %(count)s earlier accidents this policy year; after two, "
                    "self-survey is no longer offered until the policy year ends."
                )
                % {"count": accidents_this_policy_year},
            )
        )

    if reasons:
        next_step = _(
            "Guide the customer to report to 95518; the city claims centre arranges the "
            "survey. Do not survey a motor case on site (CLM-5)."
        )
    else:
        next_step = _(
            "Guide the customer to photograph the scene with the e-surveyor app and upload "
            "the photos; the car may then leave the scene. The insurer agrees a time and "
            "place with the customer to assess the loss together."
        )
    return SelfSurveyDecision(eligible=not reasons, reasons=tuple(reasons), next_step=next_step)
