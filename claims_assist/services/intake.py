"""Claim report intake at the outlet (CLM-1, CLM-2).

- CLM-2: before a report is taken, existing reports and policies are looked up by policy
  number, insured name or ID number; a name shared by people with different ID numbers
  is resolved by asking for the ID. The report records the policy, product and insured,
  the incident (time, place, cause, course, injuries, measures, current state, hospital)
  and the reporter (name, contact, relation to the insured).
- CLM-1: the outlet does not handle the claim itself: it guides the customer to report
  to 95518 and records the 95518 report number, which is due within the CLM-1 timer
  (TimerRule "CLM-1", 24 hours by default, configurable in the admin).

Writers are outlet staff (clerk, claims-assist staff, outlet head) and managers of the
branch; read-only roles get 403 and cases of other branches 404 (core.access).
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import CaseType, ClaimCase
from claims_assist.selectors_cases import case_list
from claims_assist.services.cases import (
    case_lock,
    case_number_next,
    case_stage_set,
    case_timer_meet,
    case_timer_start,
)
from claims_assist.services.fraud import fraud_flags_for
from claims_assist.services.major import case_major_evaluate
from core.access import ReadOnlyRole, in_scope
from core.audit import save_with_reason
from core.masking import mask_id_number
from core.models import MANAGER_ROLES, OrgUnit, Role, User
from underwriting.identity import IdentityError, normalise_identity
from underwriting.models import HouseholdList, HouseholdRow, Policy, Product
from underwriting.premiums import to_cent

HOTLINE_RULE = "CLM-1"
OUTLET_STAFF_ROLES = (Role.CLERK, Role.CLAIMS_ASSIST, Role.OUTLET_HEAD)
WRITER_ROLES = frozenset({*OUTLET_STAFF_ROLES, *MANAGER_ROLES})
# A surrendered policy keeps its number: an incident before the surrender is still
# claimed on it (CLM-3 then checks the period).
CLAIMABLE_STATUSES = (Policy.Status.ISSUED, Policy.Status.SURRENDERED)
# Once approved or paid, the claims centre closes the case; the customer cannot withdraw.
NOT_WITHDRAWABLE = (*ClaimCase.FINAL_STAGES, ClaimCase.Stage.APPROVED, ClaimCase.Stage.PAID)
LOOKUP_LIMIT = 20

# Mainland mobile (11 digits from 13x), landline with area code (0 + 9 to 11 digits) or a
# local landline of 7 or 8 digits; spaces, dashes, brackets and +86 are dropped.
_PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{9,11}|\d{7,8})$")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_HOTLINE_NUMBER = re.compile(r"^[0-9A-Z-]{4,40}$")

# The intake facts of CLM-2, as the report form and the API send them.
TEXT_FIELDS = (
    "policy_number",
    "insured_name",
    "incident_place",
    "cause",
    "course",
    "injuries",
    "measures",
    "current_state",
    "hospital",
    "reporter_name",
)
REQUIRED_TEXT = (
    "policy_number",
    "insured_name",
    "incident_place",
    "cause",
    "course",
    "reporter_name",
)
REPORT_FIELDS = frozenset(
    {
        *TEXT_FIELDS,
        "channel",
        "reported_at",
        "product",
        "insured_id_number",
        "incident_at",
        "deaths",
        "reporter_phone",
        "reporter_relation",
        "estimated_amount",
        "sum_insured",
        "case_type",
        "org_unit",
        "owner",
    }
)
# What a correction may change: not the outlet, the report time (the number and the
# deadlines derive from it) nor the follower.
UPDATE_FIELDS = REPORT_FIELDS - {"org_unit", "reported_at", "owner"}
# CLM-4: a change of these re-evaluates the major case ("at intake or when the estimate
# changes").
MAJOR_INPUTS = ("estimated_amount", "deaths", "sum_insured")


# Roles ------------------------------------------------------------------------------------
def check_case_writer(user: User) -> None:
    """Outlet staff and managers write cases; read-only roles and others get 403."""
    if user.is_read_only:
        raise ReadOnlyRole(_("Your role is read-only."))
    if not (user.is_superuser or user.role in WRITER_ROLES):
        raise PermissionDenied(_("Only outlet staff and managers record claim reports (CLM-1)."))


def may_write_cases(user: User) -> bool:
    try:
        check_case_writer(user)
    except PermissionDenied:
        return False
    return True


# Normalisation ----------------------------------------------------------------------------
def clean_id_number(raw: str) -> str:
    """The canonical ID number (resident ID or credit code), "" when none is given;
    IdentityError with a message the clerk can act on when it is not valid."""
    if not (raw or "").strip():
        return ""
    return normalise_identity(raw)


def clean_phone(raw: str) -> str:
    """A mainland mobile or landline number without separators, or ValidationError."""
    phone = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", str(raw or "")))
    phone = re.sub(r"^(?:\+86|0086)", "", phone)
    if not phone:
        raise ValidationError(_("Enter the reporter's phone number."), code="phone_missing")
    if not _PHONE.match(phone):
        raise ValidationError(
            _(
                "%(phone)s is not a mainland mobile or landline number: enter 11 digits "
                "for a mobile (13812345678) or the area code and number for a landline "
                "(0763-1234567)."
            )
            % {"phone": raw},
            code="phone_invalid",
        )
    return phone


# Lookup (CLM-2) ---------------------------------------------------------------------------
@dataclass
class PolicyMatch:
    """A policy a report could be made on; for a group policy, the household on its
    list that matched the name or ID."""

    policy: Policy
    insured_name: str
    insured_id_number: str
    household_row: HouseholdRow | None = None

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.insured_id_number)


@dataclass
class LookupResult:
    """Existing reports and policies matching the clerk's search (CLM-2). `ambiguous`:
    the name belongs to people with different ID numbers (`masked_ids`); ask for the ID."""

    cases: list[ClaimCase] = field(default_factory=list)
    policies: list[PolicyMatch] = field(default_factory=list)
    ambiguous: bool = False
    masked_ids: list[str] = field(default_factory=list)
    searched: bool = False
    id_number: str = ""


def _claimable_policies(user: User) -> QuerySet[Policy]:
    return in_scope(
        Policy.objects.filter(status__in=CLAIMABLE_STATUSES, number__isnull=False), user
    ).select_related("product", "insured", "applicant", "organiser", "org_unit")


def _current_rows() -> QuerySet[HouseholdRow]:
    """Rows of the accepted (current) household lists of group policies."""
    return HouseholdRow.objects.filter(
        household_list__state=HouseholdList.State.ACCEPTED
    ).select_related("household_list__policy")


def case_lookup(
    *, user: User, policy_number: str = "", name: str = "", id_number: str = ""
) -> LookupResult:
    """CLM-2: the existing reports and the policies in the user's scope matching every
    criterion given (policy number, insured name, ID number). Individual policies match
    on their insured's or applicant's name and ID, group policies on the households of
    their current list. A name shared by several ID numbers is flagged as ambiguous.
    An invalid ID number raises ValidationError."""
    policy_number = (policy_number or "").strip()
    name = (name or "").strip()
    try:
        id_number = clean_id_number(id_number)
    except IdentityError as exc:
        raise ValidationError({"id_number": exc.messages}, code="id_invalid") from None
    result = LookupResult(id_number=id_number)
    if not (policy_number or name or id_number):
        return result
    result.searched = True

    cases = case_list(user=user)
    if policy_number:
        cases = cases.filter(policy_number=policy_number)
    if name:
        cases = cases.filter(insured_name=name)
    if id_number:
        cases = cases.filter(insured_id_number=id_number)
    result.cases = list(cases[:LOOKUP_LIMIT])

    policies = _claimable_policies(user)
    if policy_number:
        policies = policies.filter(number=policy_number)
    matches: dict[tuple[int, int | None], PolicyMatch] = {}
    # The ID numbers of the people whose name matched, for the ambiguity check.
    ids = {case.insured_id_number for case in result.cases}
    individual = policies.filter(kind=Policy.Kind.INDIVIDUAL)
    for role in ("insured", "applicant"):
        found = individual
        if name:
            found = found.filter(**{f"{role}__name": name})
        if id_number:
            found = found.filter(**{f"{role}__id_number": id_number})
        for policy in found[:LOOKUP_LIMIT]:
            ids.add(getattr(policy, role).id_number)
            # The claim is about the insured, whoever of the parties matched.
            matches.setdefault(
                (policy.pk, None),
                PolicyMatch(
                    policy=policy,
                    insured_name=policy.insured.name,
                    insured_id_number=policy.insured.id_number,
                ),
            )
    group = policies.filter(kind=Policy.Kind.GROUP)
    if name or id_number:
        rows = _current_rows().filter(household_list__policy__in=group)
        if name:
            rows = rows.filter(name=name)
        if id_number:
            rows = rows.filter(id_number=id_number)
        for row in rows[:LOOKUP_LIMIT]:
            ids.add(row.id_number)
            policy = row.household_list.policy
            matches.setdefault(
                (policy.pk, row.pk),
                PolicyMatch(
                    policy=policy,
                    insured_name=row.name,
                    insured_id_number=row.id_number,
                    household_row=row,
                ),
            )
    else:
        for policy in group[:LOOKUP_LIMIT]:
            matches.setdefault(
                (policy.pk, None), PolicyMatch(policy=policy, insured_name="", insured_id_number="")
            )
    result.policies = list(matches.values())[:LOOKUP_LIMIT]

    ids.discard("")
    if name and not id_number and len(ids) > 1:
        result.ambiguous = True
        result.masked_ids = sorted(mask_id_number(number) for number in ids)
    return result


# Report (CLM-2) -----------------------------------------------------------------------------
class _Errors:
    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def __contains__(self, name: str) -> bool:
        return name in self.by_field

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field, code="invalid_report")


def _max_length(name: str) -> int | None:
    return ClaimCase._meta.get_field(name).max_length


def _clean_text(values: dict, errors: _Errors, *, required: tuple[str, ...]) -> dict:
    cleaned = {}
    for name in TEXT_FIELDS:
        if name not in values:
            continue
        text = str(values[name] or "").strip()
        limit = _max_length(name)
        if name in required and not text:
            errors.add(name, _("This field is required (CLM-2)."))
        elif limit and len(text) > limit:
            errors.add(name, _("At most %(n)s characters.") % {"n": limit})
        cleaned[name] = text
    return cleaned


def _clean_amount(value, name: str, errors: _Errors) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        errors.add(name, _("Enter an amount in yuan, e.g. 12000.50."))
        return None
    if amount < 0:
        errors.add(name, _("The amount cannot be negative."))
        return None
    if amount != to_cent(amount) or amount >= Decimal("1e12"):
        errors.add(name, _("Enter yuan with at most two decimals."))
        return None
    return amount


def _clean_times(values: dict, errors: _Errors, *, now: dt.datetime) -> dict:
    """CLM-2: the report is not in the future, and neither is the incident, which
    happened before it was reported."""
    cleaned = {}
    if "reported_at" in values:
        reported_at = values["reported_at"] or now
        if timezone.is_naive(reported_at):
            raise ValueError("reported_at must be an aware datetime")
        if reported_at > now:
            errors.add("reported_at", _("A report cannot be dated in the future."))
        cleaned["reported_at"] = reported_at
    incident_at = values.get("incident_at")
    if "incident_at" in values:
        if incident_at is None:
            errors.add("incident_at", _("Enter when the incident happened (CLM-2)."))
        elif timezone.is_naive(incident_at):
            raise ValueError("incident_at must be an aware datetime")
        elif incident_at > now:
            errors.add("incident_at", _("The incident cannot be in the future."))
        cleaned["incident_at"] = incident_at
    return cleaned


def _outlet_staff(outlet: OrgUnit) -> QuerySet[User]:
    return User.objects.filter(org_unit=outlet, role__in=OUTLET_STAFF_ROLES, is_active=True)


def case_outlets(*, user: User) -> QuerySet[OrgUnit]:
    """The outlets a user may record reports for: their own, or those of their branch."""
    outlets = OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET, is_active=True)
    if user.is_superuser:
        return outlets
    if user.org_unit_id is None:
        return outlets.none()
    return outlets.filter(path__startswith=user.org_unit.path)


def case_followers(*, user: User) -> QuerySet[User]:
    """The staff who may follow a case: active outlet staff of the user's branch."""
    return User.objects.filter(
        org_unit__in=case_outlets(user=user), role__in=OUTLET_STAFF_ROLES, is_active=True
    ).select_related("org_unit")


def _clean_outlet(by: User, outlet: OrgUnit | None, errors: _Errors) -> OrgUnit | None:
    own = by.org_unit if by.org_unit_id and by.org_unit.kind == OrgUnit.Kind.OUTLET else None
    if outlet is None:
        if own is None:
            errors.add("org_unit", _("Choose the outlet where the report was made (CLM-1)."))
        return own
    if own is not None and outlet.pk != own.pk:
        errors.add("org_unit", _("You record reports for your own outlet only."))
        return None
    if not case_outlets(user=by).filter(pk=outlet.pk).exists():
        errors.add("org_unit", _("Choose an outlet of your branch."))
        return None
    return outlet


def _clean_owner(by: User, outlet: OrgUnit | None, owner: User | None, errors: _Errors):
    owner = owner or by
    if outlet is not None and not _outlet_staff(outlet).filter(pk=owner.pk).exists():
        errors.add(
            "owner",
            _("The case is followed by an active staff member of %(outlet)s (CLM-1): choose one.")
            % {"outlet": outlet},
        )
    return owner


def _link_household(
    policy: Policy, *, name: str, id_number: str, errors: _Errors
) -> HouseholdRow | None:
    """The household of a group policy's current list the report is about: by ID
    number (an ID not on the list is refused: wrong policy or wrong person), else by a
    name only one household has (a shared name needs the ID, CLM-2)."""
    rows = _current_rows().filter(household_list__policy=policy)
    if id_number:
        row = rows.filter(id_number=id_number).first()
        if row is None:
            errors.add(
                "insured_id_number",
                _(
                    "No household on the list of policy %(number)s has this ID number: "
                    "check the policy number or the ID number."
                )
                % {"number": policy.number},
            )
        return row
    named = list(rows.filter(name=name)[:2])
    if len(named) > 1:
        errors.add(
            "insured_id_number",
            _(
                "Several households named %(name)s are on the list of policy %(number)s: "
                "ask for the insured's ID number and enter it (CLM-2)."
            )
            % {"name": name, "number": policy.number},
        )
        return None
    if not named:
        # Names are written in variants; the report is taken, the household left open.
        return None
    return named[0]


def _link_policy(by: User, cleaned: dict, errors: _Errors) -> None:
    """Link the policy when its number is one of an issued policy in the user's scope:
    its product, sum insured and insured (the household of a group policy). Otherwise
    the product is required and the sum insured is taken as given."""
    number = cleaned.get("policy_number", "")
    policy = _claimable_policies(by).filter(number=number).first() if number else None
    cleaned["policy"] = policy
    cleaned["household_row"] = None
    if policy is None:
        if cleaned.get("product") is None and "policy_number" not in errors:
            errors.add(
                "product",
                _(
                    "No issued policy %(number)s in your branch: check the number, or "
                    "choose the product the policy is of."
                )
                % {"number": number},
            )
        return
    cleaned["product"] = policy.product
    cleaned["sum_insured"] = policy.sum_insured
    name = cleaned.get("insured_name", "")
    id_number = cleaned.get("insured_id_number", "")
    if policy.kind == Policy.Kind.GROUP:
        if "insured_id_number" in errors or not (name or id_number):
            return
        row = _link_household(policy, name=name, id_number=id_number, errors=errors)
        if row is not None:
            cleaned["household_row"] = row
            cleaned["insured_id_number"] = row.id_number
            cleaned["sum_insured"] = to_cent(row.quantity * policy.product.sum_insured_per_unit)
        return
    parties = [party for party in (policy.insured, policy.applicant) if party is not None]
    if id_number and "insured_id_number" not in errors:
        if all(party.id_number != id_number for party in parties):
            errors.add(
                "insured_id_number",
                _(
                    "This ID number is not the insured's of policy %(number)s: check the "
                    "policy number or the ID number."
                )
                % {"number": policy.number},
            )
    elif not id_number and policy.insured is not None and policy.insured.name == name:
        cleaned["insured_id_number"] = policy.insured.id_number


def _clean_report(
    *, by: User, values: dict, now: dt.datetime, required_text: tuple[str, ...]
) -> dict:
    unknown = set(values) - REPORT_FIELDS
    if unknown:
        raise TypeError(f"unknown report fields: {', '.join(sorted(unknown))}")
    errors = _Errors()
    cleaned = _clean_text(values, errors, required=required_text)
    cleaned |= _clean_times(values, errors, now=now)
    if "channel" in values:
        if values["channel"] not in ClaimCase.Channel.values:
            errors.add("channel", _("Choose how the report was made: phone or walk-in."))
        cleaned["channel"] = values["channel"]
    if "reporter_relation" in values:
        if values["reporter_relation"] not in ClaimCase.Relation.values:
            errors.add("reporter_relation", _("Choose the reporter's relation to the insured."))
        cleaned["reporter_relation"] = values["reporter_relation"]
    if "reporter_phone" in values:
        try:
            cleaned["reporter_phone"] = clean_phone(values["reporter_phone"])
        except ValidationError as exc:
            errors.add("reporter_phone", exc.messages[0])
    if "insured_id_number" in values:
        try:
            cleaned["insured_id_number"] = clean_id_number(values["insured_id_number"])
        except IdentityError as exc:
            errors.add("insured_id_number", exc.messages[0])
            cleaned["insured_id_number"] = ""
    if "deaths" in values:
        deaths = values["deaths"] or 0
        if not isinstance(deaths, int) or deaths < 0 or deaths > 32767:
            errors.add("deaths", _("Enter the number of deaths (0 if none)."))
        cleaned["deaths"] = deaths
    for name in ("estimated_amount", "sum_insured"):
        if name in values:
            cleaned[name] = _clean_amount(values[name], name, errors)
    if "product" in values:
        product = values["product"]
        if product is not None and not isinstance(product, Product):
            raise TypeError("product must be a Product")
        cleaned["product"] = product
    if "case_type" in values:
        case_type = values["case_type"]
        if case_type is not None and not case_type.is_active:
            errors.add("case_type", _("This case type is no longer in use."))
        cleaned["case_type"] = case_type
    cleaned["_errors"] = errors
    return cleaned


def check_case_report(*, by: User, values: dict) -> dict:
    """CLM-2: authorise and validate a report; returns the ClaimCase fields to save
    (policy, product, household and sum insured linked) or raises one ValidationError
    listing every problem by field. Reads only; locks nothing."""
    check_case_writer(by)
    now = timezone.now()
    values = {"reported_at": None, "deaths": 0, **values}
    for name in (*REQUIRED_TEXT, "channel", "reporter_phone", "reporter_relation", "incident_at"):
        values.setdefault(name, "" if name != "incident_at" else None)
    cleaned = _clean_report(by=by, values=values, now=now, required_text=REQUIRED_TEXT)
    errors: _Errors = cleaned.pop("_errors")
    incident_at, reported_at = cleaned.get("incident_at"), cleaned["reported_at"]
    if incident_at and incident_at <= now and reported_at <= now and incident_at > reported_at:
        errors.add("incident_at", _("The incident cannot be after the report."))
    outlet = _clean_outlet(by, values.get("org_unit"), errors)
    cleaned["org_unit"] = outlet
    cleaned["owner"] = _clean_owner(by, outlet, values.get("owner"), errors)
    cleaned.setdefault("product", None)
    cleaned.setdefault("case_type", None)
    cleaned.setdefault("sum_insured", None)
    cleaned.setdefault("insured_id_number", "")
    _link_policy(by, cleaned, errors)
    errors.raise_any()
    for name in ("injuries", "measures", "current_state", "hospital"):
        cleaned.setdefault(name, "")
    cleaned.setdefault("estimated_amount", None)
    return cleaned


@transaction.atomic
def case_report(*, by: User, **values) -> ClaimCase:
    """Record a claim report made at the outlet (CLM-1, CLM-2), all or nothing: the case
    with its number (the county's counter row of the report's day is locked until the
    transaction ends), the first stage event and the customer's SMS (case_stage_set),
    the CLM-1 timer for the 95518 number, the CLM-16 flags and the CLM-4 evaluation."""
    fields = check_case_report(by=by, values=values)
    outlet: OrgUnit = fields["org_unit"]
    county = outlet.county
    reported_at = fields["reported_at"]
    case = ClaimCase(
        number=case_number_next(county=county, day=timezone.localdate(reported_at)),
        created_by=by,
        stage=ClaimCase.Stage.REPORTED,
        stage_changed_at=reported_at,
        **fields,
    )
    save_with_reason(case, by=by, reason=_("Report taken at the outlet (CLM-2)."))
    case_stage_set(
        case=case, stage=ClaimCase.Stage.REPORTED, by=by, at=reported_at, tell_customer=True
    )
    case_timer_start(case=case, rule_code=HOTLINE_RULE, by=by, at=reported_at)
    _flag_fraud(case, county=county)
    case_major_evaluate(case=case, by=by, at=reported_at)
    return case


def _flag_fraud(case: ClaimCase, *, county: OrgUnit) -> None:
    """CLM-16: what the watch list and the insured's claims history say at intake."""
    case.fraud_flags = fraud_flags_for(
        county=county,
        insured_id_number=case.insured_id_number,
        insured_name=case.insured_name,
        at=case.reported_at,
        exclude_case=case,
    )
    case.save(update_fields=["fraud_flags"])


# 95518 (CLM-1) ------------------------------------------------------------------------------
def clean_hotline_number(raw: str) -> str:
    number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(raw or ""))).upper()
    if not number:
        raise ValidationError(
            {"number": _("Enter the report number the customer got from 95518 (CLM-1).")},
            code="hotline_missing",
        )
    if not _HOTLINE_NUMBER.match(number):
        raise ValidationError(
            {
                "number": _(
                    "A 95518 report number has 4 to 40 letters, digits or dashes; check it "
                    "with the customer."
                )
            },
            code="hotline_invalid",
        )
    return number


def _check_hotline_unused(*, by: User, case: ClaimCase, number: str) -> None:
    other = ClaimCase.objects.filter(hotline_number=number).exclude(pk=case.pk).first()
    if other is None:
        return
    if case_list(user=by).filter(pk=other.pk).exists():
        message = _(
            "95518 report number %(number)s is recorded on case %(case)s already: check "
            "the number, or follow that case."
        ) % {"number": number, "case": other.number}
    else:
        message = _(
            "95518 report number %(number)s is recorded on another case already: check "
            "the number with the customer."
        ) % {"number": number}
    raise ValidationError({"number": message}, code="hotline_used")


@transaction.atomic
def case_hotline_record(
    *, by: User, case_pk: int, number: str, at: dt.datetime | None = None
) -> ClaimCase:
    """CLM-1: record the 95518 report number of the case (locked FOR UPDATE). The CLM-1
    timer is met and a case still at REPORTED moves to FORWARDED (the customer is told).
    A wrong number may be corrected later; the change is kept in the case's history.
    A number already on another case is refused."""
    case = case_lock(user=by, pk=case_pk)
    check_case_writer(by)
    if not case.is_open:
        raise ValidationError(
            _("The case is %(stage)s: nothing more is recorded on it.")
            % {"stage": case.get_stage_display()},
            code="case_final",
        )
    number = clean_hotline_number(number)
    now = timezone.now()
    at = at or now
    if at > now:
        raise ValidationError({"at": _("The number cannot be recorded in the future.")})
    if number == case.hotline_number:
        return case
    _check_hotline_unused(by=by, case=case, number=number)
    correcting = bool(case.hotline_number)
    case.hotline_number = number
    case.hotline_recorded_at = at
    reason = (
        _("95518 report number corrected (CLM-1).")
        if correcting
        else _("95518 report number recorded (CLM-1).")
    )
    try:
        with transaction.atomic():
            save_with_reason(case, by=by, reason=reason)
    except IntegrityError:  # the same number recorded on another case meanwhile
        _check_hotline_unused(by=by, case=case, number=number)
        raise
    case_timer_meet(case=case, rule_code=HOTLINE_RULE, by=by, detail=number)
    if case.stage == ClaimCase.Stage.REPORTED:
        case_stage_set(case=case, stage=ClaimCase.Stage.FORWARDED, by=by, at=at, note=number)
    return case


# Corrections and withdrawal -----------------------------------------------------------------
def _check_open(case: ClaimCase) -> None:
    if not case.is_open:
        raise ValidationError(
            _("The case is %(stage)s: its report can no longer be changed.")
            % {"stage": case.get_stage_display()},
            code="case_final",
        )


@transaction.atomic
def case_report_update(*, by: User, case_pk: int, reason: str = "", **values) -> ClaimCase:
    """Correct the intake facts of an open case (CLM-2), locked FOR UPDATE; the outlet,
    the report time and the follower stay. The policy is linked again from its number.
    A changed estimate, number of deaths or sum insured re-evaluates CLM-4; a changed
    insured recomputes the CLM-16 flags. The change and its reason go to the history."""
    case = case_lock(user=by, pk=case_pk)
    check_case_writer(by)
    _check_open(case)
    unknown = set(values) - UPDATE_FIELDS
    if unknown:
        raise TypeError(f"fields that cannot be corrected: {', '.join(sorted(unknown))}")
    now = timezone.now()
    current = {name: getattr(case, name) for name in UPDATE_FIELDS}
    merged = {**current, **values}
    cleaned = _clean_report(by=by, values=merged, now=now, required_text=REQUIRED_TEXT)
    errors = cleaned.pop("_errors")
    if cleaned["incident_at"] and cleaned["incident_at"] > case.reported_at:
        errors.add("incident_at", _("The incident cannot be after the report."))
    if "sum_insured" not in values:
        cleaned["sum_insured"] = None if case.policy_id else case.sum_insured
    _link_policy(by, cleaned, errors)
    errors.raise_any()
    before = {name: getattr(case, name) for name in (*MAJOR_INPUTS, "insured_id_number")}
    before_name = case.insured_name
    for name, value in cleaned.items():
        setattr(case, name, value)
    save_with_reason(case, by=by, reason=reason or _("Report corrected (CLM-2)."))
    if (case.insured_id_number, case.insured_name) != (before["insured_id_number"], before_name):
        _flag_fraud(case, county=case.org_unit.county)
    if any(getattr(case, name) != before[name] for name in MAJOR_INPUTS):
        case_major_evaluate(case=case, by=by, at=now)
    return case


@transaction.atomic
def case_withdraw(*, by: User, case_pk: int, reason: str) -> ClaimCase:
    """The customer withdraws the claim: the case (locked FOR UPDATE) ends WITHDRAWN with
    the reason, its open timers are cancelled and the customer is told."""
    case = case_lock(user=by, pk=case_pk)
    check_case_writer(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the customer withdraws the claim.")}, code="reason_missing"
        )
    if case.stage in NOT_WITHDRAWABLE:
        raise ValidationError(
            _("The case is %(stage)s: it can no longer be withdrawn.")
            % {"stage": case.get_stage_display()},
            code="not_withdrawable",
        )
    case._history_user = by
    case._change_reason = reason
    case_stage_set(case=case, stage=ClaimCase.Stage.WITHDRAWN, by=by, note=reason)
    return case


def case_types() -> QuerySet[CaseType]:
    return CaseType.objects.filter(is_active=True)
