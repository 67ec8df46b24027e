"""Customers: farmers and agricultural organisations (UW-1)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.access import check_can_write
from core.audit import save_with_reason
from core.models import OrgUnit, User
from underwriting.identity import normalise_identity
from underwriting.models import Customer
from underwriting.selectors import customer_find_by_id_number

EDITABLE_FIELDS = (
    "name",
    "organisation_type",
    "phone",
    "village_group",
    "address",
    "bank_account",
    "bank_name",
)


def customer_create(
    *,
    by: User,
    org_unit: OrgUnit,
    kind: str,
    name: str,
    id_number: str,
    organisation_type: str = "",
    phone: str = "",
    village_group: str = "",
    address: str = "",
    bank_account: str = "",
    bank_name: str = "",
) -> Customer:
    """Register a customer at `org_unit` (an outlet). A number already registered there,
    however it was typed, is refused with the existing customer's name."""
    check_can_write(by, org_unit)
    if org_unit.kind != OrgUnit.Kind.OUTLET:
        raise ValidationError(_("Customers are registered at an outlet."), code="not_outlet")
    number = normalise_identity(id_number, kind=kind)
    existing = customer_find_by_id_number(org_unit=org_unit, id_number=number)
    if existing is not None:
        raise ValidationError(
            _("This ID number is already registered as customer %(name)s.")
            % {"name": existing.name},
            code="duplicate_customer",
        )
    customer = Customer(
        org_unit=org_unit,
        kind=kind,
        organisation_type=organisation_type if kind == Customer.Kind.ORGANISATION else "",
        name=name.strip(),
        id_number=number,
        phone=phone.strip(),
        village_group=village_group.strip(),
        address=address.strip(),
        bank_account="".join(bank_account.split()),
        bank_name=bank_name.strip(),
        created_by=by,
    )
    customer.full_clean()
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        # A second clerk registered the same number a moment ago.
        raise ValidationError(
            _("This ID number is already registered at this outlet."), code="duplicate_customer"
        ) from None
    return customer


def customer_update(*, by: User, customer: Customer, reason: str, **fields) -> Customer:
    """Change contact or bank details; the ID number and kind never change (a different
    person is a different customer). Audited with the reason."""
    check_can_write(by, customer.org_unit)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    for field, value in fields.items():
        setattr(customer, field, value.strip() if isinstance(value, str) else value)
    customer.full_clean()
    return save_with_reason(customer, by=by, reason=reason, require_reason=True)
