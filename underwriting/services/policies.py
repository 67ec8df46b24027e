"""Individual policies: quoted and issued at the counter, or landed from telesales and
online sales (UW-11) and paid and issued at the counter.

Rules enforced here: UW-1 (parties of policy-based insurance), UW-5 (on-site inspection
of large individual policies), UW-8 (terms explained before the customer signs and
pays), UW-9 (entry at most N days after the application), UW-11 (remote policies wait
for payment at the counter) and OUT-13 (the motor issuance clock; for other lines the
clerk states the expected time).

The flow of a counter policy: quote → explain → pay → issue → print (printing is
underwriting.services.printing). Every step locks the policy row, so two clerks
clicking at once cannot pay or issue twice.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import timers
from core.access import check_can_write
from core.audit import save_with_reason
from core.models import EvidencePhoto, OrgUnit, SlaTimer, User
from underwriting import premiums
from underwriting.models import Customer, Inspection, Policy, Product, default_cover_end
from underwriting.selectors import subsidy_rates_for
from underwriting.services.common import (
    assign_number,
    check_backfill,
    check_org_unit_is_outlet,
    check_parties,
)

ISSUANCE_RULE = "OUT-13"
REMOTE_CHANNELS = (Policy.Channel.TELESALES, Policy.Channel.ONLINE)
OPEN_STATUSES = (Policy.Status.QUOTED, Policy.Status.PENDING_PAYMENT)
# Card and POS payments are traced by the terminal's reference; cash has none.
REFERENCE_METHODS = (Policy.PaymentMethod.CARD, Policy.PaymentMethod.POS)


@dataclass(frozen=True)
class QuoteFigures:
    """What a quote costs and covers, shown before it is saved."""

    quantity: Decimal
    unit: str
    sum_insured: Decimal
    split: premiums.Split
    starts_on: dt.date
    ends_on: dt.date
    subsidised: bool

    @property
    def farmer_share(self) -> Decimal:
        return self.split.farmer_share


# Checks shared by the counter and the remote intake -----------------------------------
def check_policy_parties(*, product: Product, customers: list[Customer]) -> None:
    """UW-1: on top of the shared check, an organisation may be a party of policy-based
    (subsidised) insurance only when its agricultural type is recorded: Customer.kind
    cannot tell a farmers' cooperative from a shop, the organisation type can, and every
    type on the list is agricultural ("other" reads "other agricultural organisation")."""
    check_parties(product=product, customers=customers)
    if not product.policy_based:
        return
    for customer in customers:
        if customer.kind == Customer.Kind.ORGANISATION and not customer.organisation_type:
            raise ValidationError(
                _(
                    "%(name)s has no agricultural organisation type recorded, so it cannot "
                    "take part in policy-based insurance (UW-1). Record its type first."
                )
                % {"name": customer.name},
                code="party_not_agricultural",
            )


def _check_product_on_sale(product: Product) -> None:
    if not product.is_active:
        raise ValidationError(
            {"product": _("The product %(product)s is no longer on sale.") % {"product": product}},
            code="product_not_on_sale",
        )


def _check_quantity(quantity: Decimal) -> None:
    if quantity is None or quantity <= 0:
        raise ValidationError(
            {"quantity": _("The insured quantity must be more than zero.")}, code="quantity"
        )


def _check_start(starts_on: dt.date) -> None:
    # Cover never starts in the past: a backdated start would insure known losses.
    if starts_on < timezone.localdate():
        raise ValidationError(
            {"starts_on": _("The cover cannot start before today.")}, code="start_in_past"
        )


def _check_customer_of(org_unit: OrgUnit, customer: Customer, field: str) -> None:
    if customer.org_unit_id != org_unit.pk:
        raise ValidationError(
            {
                field: _("%(name)s is not a customer of %(outlet)s.")
                % {"name": customer.name, "outlet": org_unit}
            },
            code="customer_of_other_outlet",
        )


def _clerk_outlet(clerk: User) -> OrgUnit:
    if clerk.org_unit_id is None:
        raise ValidationError(_("Policies are entered at an outlet."), code="not_outlet")
    check_org_unit_is_outlet(clerk.org_unit)
    return clerk.org_unit


def quote_figures(
    *,
    product: Product,
    org_unit: OrgUnit,
    quantity: Decimal,
    application_date: dt.date,
    starts_on: dt.date | None = None,
) -> QuoteFigures:
    """UW-4: premium, split, sum insured and cover period of a quote. The subsidy rates
    are those of the application's year in the outlet's region. Reads only."""
    rates = subsidy_rates_for(product=product, org_unit=org_unit, year=application_date.year)
    premium = premiums.premium_for(
        quantity=quantity, sum_insured_per_unit=product.sum_insured_per_unit, rate=product.rate
    )
    start = starts_on or timezone.localdate() + dt.timedelta(days=1)
    return QuoteFigures(
        quantity=quantity,
        unit=product.unit,
        sum_insured=premiums.to_cent(quantity * product.sum_insured_per_unit),
        split=premiums.split_premium(premium=premium, rates=rates),
        starts_on=start,
        ends_on=default_cover_end(start, product.cover_days),
        subsidised=any(rates.values()),
    )


def _new_policy(
    *,
    figures: QuoteFigures,
    product: Product,
    org_unit: OrgUnit,
    insured: Customer,
    applicant: Customer | None,
    application_date: dt.date,
    channel: str,
    status: str,
    by: User,
    subject: str = "",
    expected_minutes: int | None = None,
    external_reference: str = "",
) -> Policy:
    return Policy(
        kind=Policy.Kind.INDIVIDUAL,
        channel=channel,
        status=status,
        org_unit=org_unit,
        product=product,
        applicant=applicant,
        insured=insured,
        subject=subject.strip(),
        quantity=figures.quantity,
        unit=figures.unit,
        sum_insured=figures.sum_insured,
        application_date=application_date,
        starts_on=figures.starts_on,
        ends_on=figures.ends_on,
        expected_minutes=expected_minutes,
        external_reference=external_reference,
        entered_by=by,
        **figures.split.as_dict(),
    )


def _is_motor(product: Product) -> bool:
    return product.line == Product.Line.MOTOR


# Quote at the counter -------------------------------------------------------------------
def check_quote(
    *,
    clerk: User,
    product: Product,
    insured: Customer,
    quantity: Decimal,
    application_date: dt.date,
    starts_on: dt.date | None = None,
    applicant: Customer | None = None,
    expected_minutes: int | None = None,
) -> OrgUnit:
    """Validate and authorise a counter quote; returns the outlet it will hang off."""
    check_can_write(clerk, insured)
    if applicant is not None:
        check_can_write(clerk, applicant)
    outlet = _clerk_outlet(clerk)
    _check_customer_of(outlet, insured, "insured")
    if applicant is not None:
        _check_customer_of(outlet, applicant, "applicant")
    _check_product_on_sale(product)
    _check_quantity(quantity)
    check_policy_parties(product=product, customers=[c for c in (applicant, insured) if c])
    check_backfill(org_unit=outlet, application_date=application_date)
    if starts_on is not None:
        _check_start(starts_on)
    # OUT-13: motor runs on the 15-minute clock; every other line gets a stated time.
    if not _is_motor(product) and not expected_minutes:
        raise ValidationError(
            {
                "expected_minutes": _(
                    "Tell the customer how long issuance will take and enter it in minutes "
                    "(OUT-13, non-motor lines)."
                )
            },
            code="expected_time_missing",
        )
    return outlet


def do_quote(
    *,
    clerk: User,
    outlet: OrgUnit,
    product: Product,
    insured: Customer,
    quantity: Decimal,
    application_date: dt.date,
    starts_on: dt.date | None = None,
    subject: str = "",
    applicant: Customer | None = None,
    expected_minutes: int | None = None,
) -> Policy:
    figures = quote_figures(
        product=product,
        org_unit=outlet,
        quantity=quantity,
        application_date=application_date,
        starts_on=starts_on,
    )
    motor = _is_motor(product)
    policy = _new_policy(
        figures=figures,
        product=product,
        org_unit=outlet,
        insured=insured,
        applicant=applicant,
        application_date=application_date,
        channel=Policy.Channel.COUNTER,
        status=Policy.Status.QUOTED,
        by=clerk,
        subject=subject,
        expected_minutes=None if motor else expected_minutes,
    )
    save_with_reason(policy, by=clerk)
    if motor:
        # OUT-13: entry of a motor policy starts the 15-minute clock to the printout.
        timers.timer_start(
            subject=policy, rule_code=ISSUANCE_RULE, org_unit=outlet, owner=clerk, by=clerk
        )
    return policy


@transaction.atomic
def policy_quote(
    *,
    clerk: User,
    product: Product,
    insured: Customer,
    quantity: Decimal,
    application_date: dt.date,
    starts_on: dt.date | None = None,
    subject: str = "",
    applicant: Customer | None = None,
    expected_minutes: int | None = None,
) -> Policy:
    """Quote an individual policy at the clerk's outlet (status QUOTED, channel counter).

    UW-1, UW-9 and OUT-13 are checked; no rows are locked (the quote is new)."""
    outlet = check_quote(
        clerk=clerk,
        product=product,
        insured=insured,
        quantity=quantity,
        application_date=application_date,
        starts_on=starts_on,
        applicant=applicant,
        expected_minutes=expected_minutes,
    )
    return do_quote(
        clerk=clerk,
        outlet=outlet,
        product=product,
        insured=insured,
        quantity=quantity,
        application_date=application_date,
        starts_on=starts_on,
        subject=subject,
        applicant=applicant,
        expected_minutes=expected_minutes,
    )


# Remote intake (UW-11) ------------------------------------------------------------------
def check_intake_remote(
    *,
    by: User,
    org_unit: OrgUnit,
    channel: str,
    product: Product,
    insured: Customer,
    quantity: Decimal,
    application_date: dt.date,
    external_reference: str,
    starts_on: dt.date | None = None,
) -> str:
    """Validate a remote policy; returns the cleaned external reference."""
    check_can_write(by, org_unit)
    check_org_unit_is_outlet(org_unit)
    if channel not in REMOTE_CHANNELS:
        raise ValidationError(
            {"channel": _("Only telesales and online policies arrive this way (UW-11).")},
            code="not_remote",
        )
    _check_customer_of(org_unit, insured, "insured")
    _check_product_on_sale(product)
    _check_quantity(quantity)
    check_policy_parties(product=product, customers=[insured])
    check_backfill(org_unit=org_unit, application_date=application_date)
    if starts_on is not None:
        _check_start(starts_on)
    reference = (external_reference or "").strip()
    if not reference:
        raise ValidationError(
            {"external_reference": _("The order number of the sales channel is required.")},
            code="reference_missing",
        )
    existing = Policy.objects.filter(channel=channel, external_reference=reference).first()
    if existing is not None:
        raise ValidationError(
            {
                "external_reference": _(
                    "Order %(reference)s of this channel has already arrived as %(policy)s; "
                    "it is not entered twice (UW-11)."
                )
                % {"reference": reference, "policy": existing}
            },
            code="duplicate_reference",
        )
    return reference


@transaction.atomic
def policy_intake_remote(
    *,
    by: User,
    org_unit: OrgUnit,
    channel: str,
    product: Product,
    insured: Customer,
    quantity: Decimal,
    application_date: dt.date,
    external_reference: str,
    starts_on: dt.date | None = None,
) -> Policy:
    """UW-11: a telesales or online policy lands at `org_unit` as PENDING_PAYMENT; the
    customer pays and gets the printout at the counter. UW-1 and UW-9 apply as at the
    counter; one order number per channel. No rows are locked."""
    reference = check_intake_remote(
        by=by,
        org_unit=org_unit,
        channel=channel,
        product=product,
        insured=insured,
        quantity=quantity,
        application_date=application_date,
        external_reference=external_reference,
        starts_on=starts_on,
    )
    figures = quote_figures(
        product=product,
        org_unit=org_unit,
        quantity=quantity,
        application_date=application_date,
        starts_on=starts_on,
    )
    policy = _new_policy(
        figures=figures,
        product=product,
        org_unit=org_unit,
        insured=insured,
        applicant=None,
        application_date=application_date,
        channel=channel,
        status=Policy.Status.PENDING_PAYMENT,
        by=by,
        external_reference=reference,
    )
    try:
        with transaction.atomic():
            save_with_reason(policy, by=by)
    except IntegrityError:
        # Only reachable with a unique constraint on (channel, reference) and two
        # deliveries of the same order at the same moment.
        raise ValidationError(
            {"external_reference": _("This order has already arrived (UW-11).")},
            code="duplicate_reference",
        ) from None
    return policy


# Explanation, payment, issue, cancel ----------------------------------------------------
def _locked(policy: Policy) -> Policy:
    return (
        Policy.objects.select_for_update(of=("self",))
        .select_related("product", "org_unit", "insured")
        .get(pk=policy.pk)
    )


def _check_open(policy: Policy) -> None:
    if policy.kind != Policy.Kind.INDIVIDUAL or policy.status not in OPEN_STATUSES:
        raise ValidationError(
            _("Policy %(policy)s is %(status)s; this step is no longer possible.")
            % {"policy": policy, "status": policy.get_status_display()},
            code="policy_not_open",
        )


def _needs_explanation(policy: Policy) -> bool:
    # UW-8: telesales and online customers heard the terms from the sales channel.
    return policy.channel == Policy.Channel.COUNTER


@transaction.atomic
def policy_record_explanation(
    *,
    clerk: User,
    policy: Policy,
    liability: bool,
    exclusions: bool,
    claim_route: bool,
) -> Policy:
    """UW-8: record that the clerk explained the liability, the exclusions and how to
    report a claim; all three must be confirmed. Locks the policy row."""
    check_can_write(clerk, policy)
    policy = _locked(policy)
    _check_open(policy)
    missing = [
        label
        for confirmed, label in (
            (liability, _("the liability")),
            (exclusions, _("the exclusions")),
            (claim_route, _("how to report a claim")),
        )
        if not confirmed
    ]
    if missing:
        raise ValidationError(
            _("Explain %(items)s to the customer and confirm each point (UW-8).")
            % {"items": pgettext("list separator", ", ").join(str(item) for item in missing)},
            code="explanation_incomplete",
        )
    policy.explained_at = timezone.now()
    policy.explained_by = clerk
    return save_with_reason(policy, by=clerk, reason=_("Terms explained (UW-8)"))


def check_payment(*, policy: Policy, method: str, reference: str) -> str:
    """Validate a payment on a locked policy; returns the cleaned reference."""
    _check_open(policy)
    if policy.paid_at is not None:
        raise ValidationError(_("This policy has already been paid."), code="already_paid")
    if policy.channel == Policy.Channel.COUNTER and policy.status != Policy.Status.QUOTED:
        raise ValidationError(_("Only a quote can be paid."), code="policy_not_open")
    if _needs_explanation(policy) and policy.explained_at is None:
        raise ValidationError(
            _("Explain the terms and record it before taking the premium (UW-8)."),
            code="not_explained",
        )
    # UW-9: money is not taken for a quote that could no longer be issued.
    check_backfill(org_unit=policy.org_unit, application_date=policy.application_date)
    if method not in Policy.PaymentMethod.values:
        raise ValidationError(
            {"payment_method": _("Choose cash, bank card or POS.")}, code="method"
        )
    reference = (reference or "").strip()
    if method in REFERENCE_METHODS and not reference:
        raise ValidationError(
            {"payment_reference": _("Enter the reference of the card or POS payment.")},
            code="reference_missing",
        )
    return reference


@transaction.atomic
def policy_take_payment(*, clerk: User, policy: Policy, method: str, reference: str = "") -> Policy:
    """Take the customer's own share (farmer_share); the subsidies are settled with the
    finance departments, never at the counter. A remote motor policy starts its OUT-13
    clock here: this is when the customer stands at the counter with the materials.
    Locks the policy row."""
    check_can_write(clerk, policy)
    policy = _locked(policy)
    reference = check_payment(policy=policy, method=method, reference=reference)
    policy.payment_method = method
    policy.payment_reference = reference
    policy.paid_at = timezone.now()
    save_with_reason(
        policy,
        by=clerk,
        reason=_("Premium %(amount)s paid") % {"amount": policy.farmer_share},
    )
    remote_motor = policy.channel in REMOTE_CHANNELS and _is_motor(policy.product)
    if remote_motor and policy_issuance_timer(policy=policy) is None:
        timers.timer_start(
            subject=policy, rule_code=ISSUANCE_RULE, org_unit=policy.org_unit, owner=clerk, by=clerk
        )
    return policy


def needs_inspection(policy: Policy) -> bool:
    """UW-5: an individual policy of at least the product's inspection quantity."""
    threshold = policy.product.inspection_quantity
    return (
        policy.kind == Policy.Kind.INDIVIDUAL
        and threshold is not None
        and policy.quantity >= threshold
    )


def has_photographed_inspection(policy: Policy) -> bool:
    """UW-5: an inspection of this policy exists with at least one photo."""
    inspection_ids = Inspection.objects.filter(policy=policy).values("pk")
    return EvidencePhoto.objects.filter(
        subject_type=ContentType.objects.get_for_model(Inspection),
        subject_id__in=inspection_ids,
    ).exists()


def check_issue(*, policy: Policy) -> None:
    """Validate the issue of a locked policy."""
    _check_open(policy)
    if policy.paid_at is None:
        raise ValidationError(
            _("Take the customer's premium before issuing the policy."), code="not_paid"
        )
    if _needs_explanation(policy) and policy.explained_at is None:
        raise ValidationError(
            _(
                "The terms have not been explained to the customer; record the explanation "
                "before issuing (UW-8)."
            ),
            code="not_explained",
        )
    # UW-9 again at issue: a quote left lying around must not be issued past the limit.
    check_backfill(org_unit=policy.org_unit, application_date=policy.application_date)
    if policy.starts_on < timezone.localdate():
        raise ValidationError(
            _(
                "The cover of this quote was to start on %(date)s, which has passed; cancel it "
                "and quote again."
            )
            % {"date": policy.starts_on.isoformat()},
            code="start_in_past",
        )
    if needs_inspection(policy) and not has_photographed_inspection(policy):
        raise ValidationError(
            _(
                "A policy of %(quantity)s %(unit)s needs an on-site inspection with photos "
                "before it is issued (UW-5, from %(threshold)s %(unit)s)."
            )
            % {
                "quantity": policy.quantity.normalize(),
                "unit": policy.unit,
                "threshold": policy.product.inspection_quantity.normalize(),
            },
            code="inspection_missing",
        )


@transaction.atomic
def policy_issue(*, clerk: User, policy: Policy) -> Policy:
    """Issue a paid policy: number and verification code, status ISSUED. Checks UW-5,
    UW-8 and UW-9 again on the locked row. Locks the policy row."""
    check_can_write(clerk, policy)
    policy = _locked(policy)
    check_issue(policy=policy)
    assign_number(policy)
    policy.status = Policy.Status.ISSUED
    policy.issued_at = timezone.now()
    return save_with_reason(policy, by=clerk, reason=_("Issued"))


@transaction.atomic
def policy_cancel(*, clerk: User, policy: Policy, reason: str) -> Policy:
    """Cancel an unissued quote or remote policy with a reason; its OUT-13 clock stops
    as cancelled. The reason goes into the policy's history. Locks the policy row."""
    check_can_write(clerk, policy)
    policy = _locked(policy)
    _check_open(policy)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the cancellation.")})
    policy.status = Policy.Status.CANCELLED
    save_with_reason(policy, by=clerk, reason=reason, require_reason=True)
    timer = policy_issuance_timer(policy=policy)
    if timer is not None:
        timers.timer_cancel(timer=timer, by=clerk, detail=reason)
    return policy


def policy_issuance_timer(*, policy: Policy) -> SlaTimer | None:
    """The policy's OUT-13 clock, open or ended, if it has one (the latest)."""
    return (
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(Policy),
            subject_id=policy.pk,
            rule__code=ISSUANCE_RULE,
        )
        .select_related("rule", "org_unit", "owner")
        .order_by("-started_at", "-pk")
        .first()
    )
