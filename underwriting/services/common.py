"""Checks and steps shared by individual, remote and group policies."""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import OrgUnit
from underwriting.models import Customer, Policy, Product
from underwriting.selectors import underwriting_rules_for

# No 0/O, 1/I/L: the code is read off paper and typed in.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def check_backfill(*, org_unit: OrgUnit, application_date: dt.date) -> None:
    """UW-9: an application is entered at most N days (default 30, per county) after
    its application date, and never before it is made."""
    today = timezone.localdate()
    if application_date > today:
        raise ValidationError(
            {"application_date": _("The application date cannot be in the future.")},
            code="application_in_future",
        )
    limit = underwriting_rules_for(org_unit=org_unit).backfill_days
    if (today - application_date).days > limit:
        raise ValidationError(
            {
                "application_date": _(
                    "The application of %(date)s is more than %(days)s days old and can no "
                    "longer be entered (UW-9). Ask the county branch how to proceed."
                )
                % {"date": application_date.isoformat(), "days": limit}
            },
            code="backfill_limit",
        )


def check_parties(*, product: Product, customers: list[Customer]) -> None:
    """UW-1: policy-based agricultural insurance is for farmers and agricultural
    organisations only; every party of it must be registered as one of those."""
    if not product.policy_based:
        return
    for customer in customers:
        if customer.kind not in {Customer.Kind.FARMER, Customer.Kind.ORGANISATION}:
            raise ValidationError(
                _("%(name)s is not a farmer or agricultural organisation (UW-1).")
                % {"name": customer.name},
                code="party_not_agricultural",
            )


def check_org_unit_is_outlet(org_unit: OrgUnit) -> None:
    if org_unit.kind != OrgUnit.Kind.OUTLET:
        raise ValidationError(_("Policies are entered at an outlet."), code="not_outlet")


def new_verification_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def assign_number(policy: Policy) -> None:
    """Give `policy` its number and public verification code (UW-13). The number is
    G (group) or P, the outlet code, the year and the row id, so it is unique without
    a counter table and readable at the counter."""
    prefix = "G" if policy.kind == Policy.Kind.GROUP else "P"
    year = timezone.localdate().year
    policy.number = f"{prefix}{policy.org_unit.code}{year}{policy.pk:08d}"
    policy.verification_code = new_verification_code()
