"""Reads of underwriting data, always through the user's scope (OUT-1).

One access helper per model family: `*_list` narrows a queryset to what the user may
see, `*_get` returns one record or raises NotInScope (a 404 that reveals nothing).
"""

import contextlib
import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import NotInScope, get_in_scope, in_scope
from core.models import OrgUnit, User
from core.selectors import county_override
from underwriting.identity import IdentityError, normalise_identity
from underwriting.models import (
    Customer,
    HouseholdList,
    HouseholdRow,
    ImportIssue,
    Inspection,
    Policy,
    PolicyChange,
    PolicyDocument,
    Product,
    SubsidyRate,
    UnderwritingRules,
)


# Customers -----------------------------------------------------------------------------
def customer_list(*, user: User, query: str = "") -> QuerySet[Customer]:
    """The user's customers; `query` matches a name or, normalised, an ID number."""
    customers = in_scope(Customer.objects.select_related("org_unit"), user)
    query = query.strip()
    if query:
        condition = Q(name__icontains=query)
        with contextlib.suppress(IdentityError):
            condition |= Q(id_number=normalise_identity(query))
        customers = customers.filter(condition)
    return customers


def customer_get(*, user: User, pk) -> Customer:
    return get_in_scope(Customer.objects.select_related("org_unit"), user, pk=pk)


def customer_find_by_id_number(*, org_unit: OrgUnit, id_number: str) -> Customer | None:
    """The outlet's customer with this (normalised) ID number, if any."""
    return Customer.objects.filter(org_unit=org_unit, id_number=id_number).first()


# Products (reference data, readable by all staff) --------------------------------------
def product_list(*, on_sale_only: bool = True) -> QuerySet[Product]:
    products = Product.objects.prefetch_related("exclusions")
    return products.filter(is_active=True) if on_sale_only else products


def product_get(*, pk, on_sale_only: bool = False) -> Product:
    return product_list(on_sale_only=on_sale_only).get(pk=pk)


def subsidy_rates_for(*, product: Product, org_unit: OrgUnit, year: int) -> dict[str, Decimal]:
    """UW-4: the subsidy rates of the most specific region above `org_unit` for `year`;
    none at all (the farmer pays everything) when no region has any."""
    ancestors = [int(pk) for pk in org_unit.path.strip("/").split("/")]
    rates = SubsidyRate.objects.filter(product=product, year=year, region_id__in=ancestors)
    best = max(rates, key=lambda r: ancestors.index(r.region_id), default=None)
    return best.as_dict() if best else {}


def underwriting_rules_for(*, org_unit: OrgUnit) -> UnderwritingRules:
    """The county's override of the configurable numbers, else the default row."""
    found = county_override(UnderwritingRules.objects.all(), county=org_unit.county)
    return found or UnderwritingRules.objects.get_or_create(county=None)[0]


# Policies ------------------------------------------------------------------------------
def _start_of(day: dt.date) -> dt.datetime:
    """The first instant of a Beijing date (the server's time zone)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _listed_filters(
    policies: QuerySet[Policy],
    *,
    unit: OrgUnit | None,
    product: Product | None,
    issued_from: dt.date | None,
    issued_to: dt.date | None,
) -> QuerySet[Policy]:
    """The filters both policy lists share (the dashboards link to them): the unit's
    subtree, one product, issued between two Beijing dates (inclusive; a policy with an
    issue date is issued or, since, surrendered)."""
    if unit is not None:
        policies = policies.filter(org_unit__path__startswith=unit.path)
    if product is not None:
        policies = policies.filter(product=product)
    if issued_from is not None:
        policies = policies.filter(issued_at__gte=_start_of(issued_from))
    if issued_to is not None:
        policies = policies.filter(issued_at__lt=_start_of(issued_to + dt.timedelta(days=1)))
    return policies


def policy_list(
    *,
    user: User,
    kind: str | None = None,
    status: str | None = None,
    unit: OrgUnit | None = None,
    product: Product | None = None,
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
):
    """The user's policies; `unit` narrows to a unit of the user's branch and
    everything below it (the caller reached it in scope)."""
    policies = in_scope(
        Policy.objects.select_related("product", "insured", "organiser", "org_unit"), user
    )
    if kind:
        policies = policies.filter(kind=kind)
    if status:
        policies = policies.filter(status=status)
    return _listed_filters(
        policies, unit=unit, product=product, issued_from=issued_from, issued_to=issued_to
    )


def policy_get(*, user: User, pk, for_update: bool = False) -> Policy:
    policies = Policy.objects.select_related(
        "product", "insured", "applicant", "organiser", "org_unit"
    )
    if for_update:
        policies = policies.select_for_update(of=("self",))
    return get_in_scope(policies, user, pk=pk)


def policy_by_verification_code(*, code: str) -> Policy | None:
    """UW-13: the public verification page; no user, only issued policies."""
    code = code.strip().upper()
    return (
        Policy.objects.select_related("product", "org_unit")
        .filter(
            verification_code=code,
            status__in=[Policy.Status.ISSUED, Policy.Status.SURRENDERED],
        )
        .first()
    )


def pending_remote_policies(*, user: User) -> QuerySet[Policy]:
    """UW-11: telesales and online policies waiting at the user's counters for payment."""
    return policy_list(user=user, status=Policy.Status.PENDING_PAYMENT).exclude(
        channel=Policy.Channel.COUNTER
    )


# Group policies ------------------------------------------------------------------------
# The state of a group policy's latest underwriting notice (PUB-1), "none" without one.
NOTICE_NONE = "none"


def group_policy_list(
    *,
    user: User,
    status: str = "",
    season: str = "",
    query: str = "",
    unit: OrgUnit | None = None,
    product: Product | None = None,
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
    applied_from: dt.date | None = None,
    applied_to: dt.date | None = None,
    notice: str = "",
    hide_cancelled: bool = False,
) -> QuerySet[Policy]:
    """The user's group policies with their current household count, newest first.
    `notice` keeps those whose latest underwriting notice is in that state (NOTICE_NONE:
    without any), as the dashboard's notice section counts them."""
    households = HouseholdList.objects.filter(
        policy=OuterRef("pk"), state=HouseholdList.State.ACCEPTED
    ).values("household_count")[:1]
    policies = in_scope(
        Policy.objects.filter(kind=Policy.Kind.GROUP).select_related(
            "product", "organiser", "org_unit"
        ),
        user,
    ).annotate(households=Subquery(households))
    if status:
        policies = policies.filter(status=status)
    if hide_cancelled:
        policies = policies.exclude(status=Policy.Status.CANCELLED)
    if season.strip():
        policies = policies.filter(season__icontains=season.strip())
    if query.strip():
        query = query.strip()
        policies = policies.filter(
            Q(organiser__name__icontains=query)
            | Q(number__icontains=query)
            | Q(applicant_label__icontains=query)
        )
    if applied_from is not None:
        policies = policies.filter(application_date__gte=applied_from)
    if applied_to is not None:
        policies = policies.filter(application_date__lte=applied_to)
    if notice:
        policies = _with_notice_state(policies, notice)
    return _listed_filters(
        policies, unit=unit, product=product, issued_from=issued_from, issued_to=issued_to
    )


def _with_notice_state(policies: QuerySet[Policy], state: str) -> QuerySet[Policy]:
    from publicity.models import Notice  # publicity builds on underwriting, not back

    latest = (
        Notice.objects.filter(
            kind=Notice.Kind.UNDERWRITING,
            source_type=ContentType.objects.get_for_model(Policy),
            source_id=OuterRef("pk"),
        )
        .order_by("-created_at", "-pk")
        .values("state")[:1]
    )
    policies = policies.annotate(latest_notice_state=Subquery(latest))
    if state == NOTICE_NONE:
        return policies.filter(latest_notice_state__isnull=True)
    return policies.filter(latest_notice_state=state)


def group_policy_get(*, user: User, pk) -> Policy:
    """A group policy in the user's scope; an individual policy is not found here."""
    policy = policy_get(user=user, pk=pk)
    if policy.kind != Policy.Kind.GROUP:
        raise NotInScope(_("Not found."))
    return policy


# Household lists -----------------------------------------------------------------------
def household_list_get(*, user: User, pk) -> HouseholdList:
    return get_in_scope(HouseholdList.objects.select_related("policy"), user, pk=pk)


def current_household_list(*, policy: Policy) -> HouseholdList | None:
    return policy.lists.filter(state=HouseholdList.State.ACCEPTED).first()


def household_rows(*, household_list: HouseholdList) -> QuerySet[HouseholdRow]:
    return household_list.rows.order_by("row_number")


def group_rows(
    *,
    household_list: HouseholdList,
    flagged: bool = False,
    unsigned: bool = False,
    query: str = "",
) -> QuerySet[HouseholdRow]:
    """Rows of a list, filtered: flagged (any import flag), unsigned, name contains."""
    rows = household_rows(household_list=household_list)
    if flagged:
        rows = rows.exclude(flags=[])
    if unsigned:
        rows = rows.filter(signature=HouseholdRow.Signature.UNSIGNED)
    if query.strip():
        rows = rows.filter(name__icontains=query.strip())
    return rows


def household_rows_inspected(*, rows: QuerySet[HouseholdRow]) -> QuerySet[HouseholdRow]:
    """`rows` annotated with `inspected`: a confirmed on-site inspection covers the row
    (UW-5). The row table, the API and the finalisation check all read it this way."""
    confirmed = Inspection.objects.filter(household=OuterRef("pk"), confirmed=True)
    return rows.annotate(inspected=Exists(confirmed))


def household_row_get(*, user: User, pk) -> HouseholdRow:
    return get_in_scope(HouseholdRow.objects.select_related("household_list__policy"), user, pk=pk)


def import_issues(*, household_list: HouseholdList) -> QuerySet[ImportIssue]:
    return household_list.issues.order_by("row_number", "pk")


# Inspections and changes ---------------------------------------------------------------
def inspection_list(*, user: User, policy: Policy) -> QuerySet[Inspection]:
    return in_scope(Inspection.objects.filter(policy=policy), user)


def inspection_get(*, user: User, pk) -> Inspection:
    return get_in_scope(
        Inspection.objects.select_related("policy", "household", "inspector"), user, pk=pk
    )


def policy_change_get(*, user: User, pk) -> PolicyChange:
    return get_in_scope(PolicyChange.objects.select_related("policy"), user, pk=pk)


def policy_change_list(*, user: User, policy: Policy | None = None) -> QuerySet[PolicyChange]:
    changes = in_scope(PolicyChange.objects.select_related("policy", "requested_by"), user)
    return changes.filter(policy=policy) if policy else changes


# Printed documents (UW-13) -------------------------------------------------------------
def policy_document_get(*, user: User, pk) -> PolicyDocument:
    """One printed document in the user's scope (OUT-1), or NotInScope."""
    return get_in_scope(
        PolicyDocument.objects.select_related("policy", "requested_by"), user, pk=pk
    )


def policy_documents(*, policy: Policy) -> QuerySet[PolicyDocument]:
    """The documents rendered for `policy` (the caller has already reached the policy
    through the scoped selectors)."""
    return policy.documents.select_related("requested_by")
