"""Village group policies around the household list: creation (UW-2), signatures and
the organiser's seal (UW-7), the audit of changes to a verified list (UW-6), the
public-notice hook (PUB-1) and finalisation.

Life of a group policy:

1. `group_policy_create` makes a draft (status QUOTED, shown as "waiting for the
   household list") with zero premium.
2. The household list import (underwriting.services.imports, UW-10) accepts a list and
   moves the policy to LISTED with its totals and the applicant label "{first}等N户".
3. On the accepted list the clerk records each row's signature and the organiser's seal
   (UW-7) and the on-site inspections of flagged rows (UW-5, services.inspections).
4. The publicity app calls `group_policy_mark_noticed` when the 7-day notice has run
   (PUB-1).
5. `group_policy_finalise` checks all of that and issues the policy with its number.

Group premiums are collected by the organiser, not at the counter, so finalisation
records no payment: the payment fields stay empty.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.utils import bulk_update_with_history

from core.access import check_can_write
from core.audit import save_with_reason
from core.models import User
from underwriting.imports.validation import (
    DAMAGED,
    EPIDEMIC_ZONE,
    LARGE_QUANTITY,
    NO_BANK_ACCOUNT,
    OVER_CAPACITY,
    PHONE_FORMAT,
    PROXY_UNAUTHORISED,
)
from underwriting.models import (
    Customer,
    HouseholdList,
    HouseholdRow,
    Policy,
    Product,
    default_cover_end,
)
from underwriting.selectors import current_household_list, household_rows_inspected, policy_get
from underwriting.services.common import (
    assign_number,
    check_backfill,
    check_org_unit_is_outlet,
    check_parties,
)

# UW-2: who may organise a group policy. Village committees and cooperatives organise
# their members; "other agricultural organisation" covers e.g. a township agricultural
# service centre. Family farms, large growers and leading enterprises insure alone and
# get their own policy (UW-1: 保单到户), so they are not organisers.
ORGANISER_TYPES = frozenset(
    {
        Customer.OrganisationType.VILLAGE_COMMITTEE,
        Customer.OrganisationType.COOPERATIVE,
        Customer.OrganisationType.OTHER,
    }
)
AGRICULTURAL_LINES = frozenset({Product.Line.CROP, Product.Line.LIVESTOCK, Product.Line.FOREST})

# UW-5: the row flags of the import that call for an on-site inspection before the
# policy can be finalised. The other flags (phone format, no bank account, a proxy
# signature without authorisation) are data warnings: the clerk corrects them on the
# list or records the signature (UW-7); nobody has to go and look.
VERIFICATION_FLAGS = frozenset({LARGE_QUANTITY, OVER_CAPACITY, DAMAGED, EPIDEMIC_ZONE})
FLAG_LABELS = {
    LARGE_QUANTITY: gettext_lazy("unusually large quantity"),
    OVER_CAPACITY: gettext_lazy("over the village's recorded capacity"),
    DAMAGED: gettext_lazy("subject already damaged"),
    EPIDEMIC_ZONE: gettext_lazy("in an epidemic zone"),
    PROXY_UNAUTHORISED: gettext_lazy("proxy signature without authorisation"),
    PHONE_FORMAT: gettext_lazy("phone number looks wrong"),
    NO_BANK_ACCOUNT: gettext_lazy("no bank account"),
}

SEAL_CHOICES = dict(Policy._meta.get_field("seal").choices)
SEASON_MAX = Policy._meta.get_field("season").max_length
_NOT_SIGNATURE_FIELDS = [
    field.name
    for field in HouseholdRow._meta.concrete_fields
    if field.name not in {"signature", "proxy_name", "proxy_authorisation"}
]
# Rows are signed in bulk in batches so that memory stays flat on a 50,000-row list.
BULK_BATCH = 2000


# --- Creation (UW-2) -------------------------------------------------------------------
def check_group_policy_create(
    *, clerk: User, organiser: Customer, product: Product, season: str, application_date
) -> None:
    """UW-2, UW-1, UW-9: may `clerk` open a group policy for `organiser`?"""
    check_can_write(clerk, organiser)
    check_org_unit_is_outlet(organiser.org_unit)
    errors: dict[str, list[str]] = {}
    if (
        organiser.kind != Customer.Kind.ORGANISATION
        or organiser.organisation_type not in ORGANISER_TYPES
    ):
        errors.setdefault("organiser", []).append(
            _(
                "%(name)s cannot organise a group policy: the organiser must be a village "
                "committee, a farmers' cooperative or another agricultural organisation "
                "(UW-2). Family farms, large growers and enterprises insure alone."
            )
            % {"name": organiser.name}
        )
    if not product.policy_based or product.line not in AGRICULTURAL_LINES:
        errors.setdefault("product", []).append(
            _(
                "Group policies are for policy-based crop, livestock or forest insurance; "
                "%(product)s is not (UW-2)."
            )
            % {"product": product}
        )
    elif not product.is_active:
        errors.setdefault("product", []).append(_("This product is no longer on sale."))
    if not season.strip():
        errors.setdefault("season", []).append(
            _("Enter the season the list covers, e.g. 2026早稻.")
        )
    elif len(season.strip()) > SEASON_MAX:
        errors.setdefault("season", []).append(
            _("The season is too long (at most %(max)s characters).") % {"max": SEASON_MAX}
        )
    if errors:
        raise ValidationError(errors)
    check_parties(product=product, customers=[organiser])
    check_backfill(org_unit=organiser.org_unit, application_date=application_date)


@transaction.atomic
def group_policy_create(
    *,
    clerk: User,
    organiser: Customer,
    product: Product,
    season: str,
    application_date: dt.date,
    starts_on: dt.date | None = None,
) -> Policy:
    """UW-2: open a group policy at the organiser's outlet, waiting for its household
    list (status QUOTED, premium zero). Cover starts on `starts_on`, by default the day
    after entry, and runs for the product's cover period."""
    check_group_policy_create(
        clerk=clerk,
        organiser=organiser,
        product=product,
        season=season,
        application_date=application_date,
    )
    starts_on = starts_on or timezone.localdate() + dt.timedelta(days=1)
    if starts_on < application_date:
        raise ValidationError({"starts_on": _("Cover cannot start before the application date.")})
    policy = Policy(
        kind=Policy.Kind.GROUP,
        channel=Policy.Channel.COUNTER,
        status=Policy.Status.QUOTED,
        org_unit=organiser.org_unit,
        product=product,
        organiser=organiser,
        season=season.strip(),
        subject=product.name,
        unit=product.unit,
        application_date=application_date,
        starts_on=starts_on,
        ends_on=default_cover_end(starts_on, product.cover_days),
        entered_by=clerk,
    )
    policy.full_clean(exclude=["number", "verification_code"])
    return save_with_reason(policy, by=clerk, reason=_("Group policy opened"))


# --- Signatures and seal (UW-7), audited changes to the verified list (UW-6) ----------
def _check_list_editable(policy: Policy) -> HouseholdList:
    """The signatures of a list are recorded while the policy is LISTED; once issued,
    the list changes only through an endorsement (UW-12)."""
    if policy.kind != Policy.Kind.GROUP:
        raise ValidationError(_("Only group policies have a household list."))
    household_list = current_household_list(policy=policy)
    if policy.status != Policy.Status.LISTED or household_list is None:
        raise ValidationError(
            _(
                "Signatures and the seal are recorded on an accepted household list before "
                "the policy is finalised; this policy is %(status)s."
            )
            % {"status": policy.get_status_display()},
            code="list_not_editable",
        )
    return household_list


def _apply_signature(
    row: HouseholdRow, *, signature: str, proxy_name: str, proxy_authorisation: str
) -> None:
    """UW-7: a proxy signature needs the proxy's name and the insured's authorisation."""
    if signature not in HouseholdRow.Signature.values:
        raise ValidationError({"signature": _("Choose signed, proxy-signed or unsigned.")})
    proxy_name = proxy_name.strip()
    proxy_authorisation = proxy_authorisation.strip()
    if signature == HouseholdRow.Signature.PROXY:
        errors = {}
        if not proxy_name:
            errors["proxy_name"] = [_("Enter who signed on the insured's behalf.")]
        if not proxy_authorisation:
            errors["proxy_authorisation"] = [
                _(
                    "A proxy signature needs the insured's authorisation (UW-7), "
                    "e.g. 委托书 2026-03-01."
                )
            ]
        if errors:
            raise ValidationError(errors)
    else:
        proxy_name = proxy_authorisation = ""
    row.signature = signature
    row.proxy_name = proxy_name
    row.proxy_authorisation = proxy_authorisation
    row.clean_fields(exclude=_NOT_SIGNATURE_FIELDS)


@transaction.atomic
def household_signature_record(
    *,
    clerk: User,
    row: HouseholdRow,
    signature: str,
    proxy_name: str = "",
    proxy_authorisation: str = "",
    reason: str = "",
) -> HouseholdRow:
    """UW-7: record how household `row` signed the list. UW-6: the list has been
    verified by the import, so every change is saved in the row's history with the
    clerk and the reason, which is required.

    Locks the policy row (so a finalisation cannot run meanwhile), then the household row.
    """
    policy = policy_get(user=clerk, pk=row.household_list.policy_id, for_update=True)
    check_can_write(clerk, policy)
    household_list = _check_list_editable(policy)
    row = (
        HouseholdRow.objects.select_for_update()
        .select_related("household_list__policy")
        .get(pk=row.pk)
    )
    if row.household_list_id != household_list.pk:
        raise ValidationError(_("This row belongs to a list that has been replaced."))
    before = (row.signature, row.proxy_name, row.proxy_authorisation)
    _apply_signature(
        row,
        signature=signature,
        proxy_name=proxy_name,
        proxy_authorisation=proxy_authorisation,
    )
    if (row.signature, row.proxy_name, row.proxy_authorisation) == before:
        return row
    return save_with_reason(row, by=clerk, reason=reason, require_reason=True)


@transaction.atomic
def household_signatures_mark_signed(*, clerk: User, policy: Policy, reason: str) -> int:
    """UW-7: mark every still-unsigned row signed, as the signed paper list shows.

    Proxy-signed rows keep their proxy. Each changed row gets a history record with the
    clerk and the reason (UW-6). Returns how many rows changed. Locks the policy row.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required for this change.")})
    policy = policy_get(user=clerk, pk=policy.pk, for_update=True)
    check_can_write(clerk, policy)
    household_list = _check_list_editable(policy)
    unsigned = household_list.rows.filter(signature=HouseholdRow.Signature.UNSIGNED)
    changed = 0
    while True:
        batch = list(unsigned.order_by("pk")[:BULK_BATCH])
        if not batch:
            return changed
        for row in batch:
            row.signature = HouseholdRow.Signature.SIGNED
        bulk_update_with_history(
            batch,
            HouseholdRow,
            ["signature"],
            default_user=clerk,
            default_change_reason=reason,
        )
        changed += len(batch)


@transaction.atomic
def group_policy_record_seal(*, clerk: User, policy: Policy, seal: str) -> Policy:
    """UW-7: the organiser stamped the list with its official seal or a seam seal.
    Locks the policy row."""
    if seal not in SEAL_CHOICES:
        raise ValidationError({"seal": _("Choose the official seal or a seam seal.")})
    policy = policy_get(user=clerk, pk=policy.pk, for_update=True)
    check_can_write(clerk, policy)
    _check_list_editable(policy)
    if policy.seal == seal:
        return policy
    policy.seal = seal
    reason = _("Organiser's seal recorded: %(seal)s") % {"seal": SEAL_CHOICES[seal]}
    return save_with_reason(policy, by=clerk, reason=reason)


# --- PUB-1 hook ------------------------------------------------------------------------
@transaction.atomic
def group_policy_mark_noticed(*, policy: Policy, completed_at: dt.datetime) -> Policy:
    """PUB-1 HOOK for the publicity app: call this when the public notice (承保公示) of
    `policy`'s current household list has run its full period (PUB-4), e.g. from the
    breach handler or the step that closes the notice.

    Sets `notice_completed_at`; finalisation is refused until it is set. A notice that
    ended before the current list was accepted was about an older list and is refused.
    Idempotent for the same moment. Locks the policy row. No user: the system records it.
    """
    if timezone.is_naive(completed_at):
        raise ValueError("completed_at must be an aware datetime")
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.kind != Policy.Kind.GROUP or policy.status != Policy.Status.LISTED:
        raise ValidationError(
            _("Only a group policy with an accepted household list is publicly noticed."),
            code="not_noticeable",
        )
    if completed_at > timezone.now():
        raise ValidationError(_("The notice cannot complete in the future."))
    household_list = current_household_list(policy=policy)
    if household_list is None:
        raise ValidationError(_("This policy has no accepted household list."))
    if household_list.finished_at and completed_at < household_list.finished_at:
        raise ValidationError(
            _("This notice ended before the current household list was accepted."),
            code="notice_of_older_list",
        )
    if policy.notice_completed_at == completed_at:
        return policy
    policy.notice_completed_at = completed_at
    return save_with_reason(policy, by=None, reason=_("Public notice completed (PUB-1)"))


# --- Finalisation ---------------------------------------------------------------------
@dataclass(frozen=True)
class ChecklistItem:
    """One condition of finalisation, for the page's checklist and the API."""

    code: str
    label: str
    done: bool
    problem: str = ""


def _flagged_rows_without_inspection(household_list: HouseholdList) -> list[int]:
    """UW-5: sheet row numbers of rows with a verification flag and no inspection that
    confirmed the subject. Filtered in Python: only flagged rows are read, and JSON
    array containment is not portable to SQLite."""
    rows = (
        household_rows_inspected(rows=household_list.rows.exclude(flags=[]))
        .values_list("row_number", "flags", "inspected")
        .order_by("row_number")
    )
    return [
        number
        for number, flags, inspected in rows.iterator(chunk_size=BULK_BATCH)
        if not inspected and VERIFICATION_FLAGS.intersection(flags or [])
    ]


def _numbers(numbers: list[int], limit: int = 10) -> str:
    shown = "、".join(str(n) for n in numbers[:limit])
    return shown + ("…" if len(numbers) > limit else "")


def group_policy_checklist(*, policy: Policy) -> list[ChecklistItem]:
    """What a group policy still needs before it can be finalised, in the clerk's order."""
    household_list = current_household_list(policy=policy)
    listed = policy.status == Policy.Status.LISTED and household_list is not None
    if policy.status == Policy.Status.ISSUED:
        list_problem = _("The policy is already finalised.")
    elif policy.status in {Policy.Status.CANCELLED, Policy.Status.SURRENDERED}:
        list_problem = _("The policy is %(status)s.") % {"status": policy.get_status_display()}
    else:
        list_problem = _("No household list has been accepted yet (UW-10).")
    items = [
        ChecklistItem("list", _("Household list accepted"), listed, "" if listed else list_problem)
    ]
    if not listed:
        return items
    # A notice that ended before the current list was accepted was of an earlier list.
    noticed = policy.notice_completed_at is not None and (
        household_list.finished_at is None
        or policy.notice_completed_at >= household_list.finished_at
    )
    items.append(
        ChecklistItem(
            "notice",
            _("Public notice completed (PUB-1)"),
            noticed,
            "" if noticed else _("The public notice has not completed yet (PUB-1)."),
        )
    )
    unsigned = household_list.rows.filter(
        Q(signature=HouseholdRow.Signature.UNSIGNED)
        | Q(signature=HouseholdRow.Signature.PROXY, proxy_name="")
        | Q(signature=HouseholdRow.Signature.PROXY, proxy_authorisation="")
    ).count()
    items.append(
        ChecklistItem(
            "signatures",
            _("Every household signed (UW-7)"),
            unsigned == 0,
            ngettext(
                "%(count)s household has not signed the list (UW-7).",
                "%(count)s households have not signed the list (UW-7).",
                unsigned,
            )
            % {"count": unsigned}
            if unsigned
            else "",
        )
    )
    items.append(
        ChecklistItem(
            "seal",
            _("Organiser's seal recorded (UW-7)"),
            bool(policy.seal),
            "" if policy.seal else _("The organiser's seal on the list is not recorded (UW-7)."),
        )
    )
    missing = _flagged_rows_without_inspection(household_list)
    items.append(
        ChecklistItem(
            "inspections",
            _("Flagged households inspected on site (UW-5)"),
            not missing,
            ngettext(
                "%(count)s flagged household has no on-site inspection confirming the "
                "subject (UW-5): row %(rows)s.",
                "%(count)s flagged households have no on-site inspection confirming the "
                "subject (UW-5): rows %(rows)s.",
                len(missing),
            )
            % {"count": len(missing), "rows": _numbers(missing)}
            if missing
            else "",
        )
    )
    return items


def check_group_policy_finalise(*, clerk: User, policy: Policy) -> None:
    """May `clerk` finalise `policy`? Raises a ValidationError listing every missing
    condition (list accepted, PUB-1 notice, UW-7 signatures and seal, UW-5 inspections)."""
    check_can_write(clerk, policy)
    if policy.kind != Policy.Kind.GROUP:
        raise ValidationError(_("Only group policies are finalised here."))
    problems = [item.problem for item in group_policy_checklist(policy=policy) if not item.done]
    if problems:
        raise ValidationError(problems, code="not_ready")


@transaction.atomic
def group_policy_finalise(*, clerk: User, policy: Policy) -> Policy:
    """Issue a listed, noticed, signed, sealed and inspected group policy: number and
    verification code (UW-13), status ISSUED. No payment is recorded (the organiser
    collects the farmers' shares). Locks the policy row for the check and the write."""
    policy = policy_get(user=clerk, pk=policy.pk, for_update=True)
    check_group_policy_finalise(clerk=clerk, policy=policy)
    assign_number(policy)
    policy.status = Policy.Status.ISSUED
    policy.issued_at = timezone.now()
    return save_with_reason(policy, by=clerk, reason=_("Group policy finalised"))


# --- Flag labels for the row table -----------------------------------------------------
def row_flag_labels(row: HouseholdRow) -> list[tuple[str, str, bool]]:
    """(code, label, needs inspection) for each flag of a row."""
    return [
        (code, str(FLAG_LABELS.get(code, code)), code in VERIFICATION_FLAGS)
        for code in row.flags or []
    ]
