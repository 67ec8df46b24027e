"""UW-13: the printed policy and its public verification.

An individual policy is rendered in the request (well under a second). A group policy
prints with its household annex, which for a whole village takes long enough that it is
rendered in Celery into a PolicyDocument while the clerk watches its progress.

The first print records `printed_at` and meets the policy's OUT-13 issuance clock.
A printed policy is always Chinese, whatever language the clerk's screen is in.
"""

import datetime as dt
import gc
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import segno
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from core.access import check_can_write
from core.formats import plain_decimal
from core.masking import mask
from core.models import SlaTimer, User
from core.pdf import render_pdf
from core.timers import timer_meet
from underwriting.models import (
    HouseholdList,
    HouseholdRow,
    Policy,
    PolicyDocument,
    SubsidyLevel,
)
from underwriting.selectors import current_household_list

logger = logging.getLogger(__name__)

PRINT_LANGUAGE = "zh-hans"
POLICY_TEMPLATE = "pdf/underwriting/policy.html"
PRINTABLE_STATUSES = (Policy.Status.ISSUED, Policy.Status.SURRENDERED)
IN_PROGRESS_STATES = (PolicyDocument.State.QUEUED, PolicyDocument.State.RENDERING)
ISSUANCE_CLOCK = "OUT-13"
# Annex rows are read as plain tuples, this many per round trip, never as model instances.
# (WeasyPrint itself keeps the whole laid-out document in memory: about 1.1 GB peak for
# 5,000 rows, see bench/policy_pdf_bench.py.)
ANNEX_CHUNK = 2000
# A render still unfinished after this was lost with its worker (killed for memory, say:
# Celery does not redeliver the task of a worker that died). A new request replaces it.
STALLED_AFTER = dt.timedelta(minutes=10)

_ANNEX_FIELDS = (
    "row_number",
    "name",
    "id_number",
    "village_group",
    "subject_type",
    "quantity",
    "unit",
    "premium",
    "farmer_share",
    "central",
    "provincial",
    "city",
    "county",
    "signature",
    "proxy_name",
)


# Formatting ----------------------------------------------------------------------------
def money(value: Decimal) -> str:
    """12345.6 → "12,345.60": yuan to the cent, never through float."""
    return f"{value:,.2f}"


def quantity_text(value: Decimal, unit: str) -> str:
    """Decimal("12.5000"), "亩" → "12.5亩"."""
    return f"{plain_decimal(value)}{unit}"


# Verification --------------------------------------------------------------------------
def verification_url(code: str) -> str:
    """The public page a printed policy's QR code opens (UW-13)."""
    return settings.PUBLIC_BASE_URL + reverse("underwriting:verify", args=[code])


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as a PNG data URI, one pixel per module with the standard
    four-module quiet zone; the PDF scales it up without smoothing (image-rendering)."""
    return segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=4)


@dataclass(frozen=True)
class VerificationFacts:
    """What the public verification page may show: facts about the contract, nothing
    about a person (no names, ID numbers, phones, bank accounts or personal premiums)."""

    number: str
    product: str
    line: str
    kind: str
    outlet: str
    issued_on: dt.date
    starts_on: dt.date | None
    ends_on: dt.date | None
    status: str
    households: int | None
    sum_insured: Decimal


class CoverStatus:
    IN_FORCE = "in_force"
    NOT_STARTED = "not_started"
    EXPIRED = "expired"
    SURRENDERED = "surrendered"


def cover_status(*, policy: Policy, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    if policy.status == Policy.Status.SURRENDERED:
        return CoverStatus.SURRENDERED
    if policy.ends_on and policy.ends_on < today:
        return CoverStatus.EXPIRED
    if policy.starts_on and policy.starts_on > today:
        return CoverStatus.NOT_STARTED
    return CoverStatus.IN_FORCE


def verification_facts(*, policy: Policy) -> VerificationFacts:
    """UW-13: the non-personal facts of an issued or surrendered policy."""
    households = None
    if policy.kind == Policy.Kind.GROUP:
        household_list = current_household_list(policy=policy)
        households = household_list.rows.count() if household_list else 0
    return VerificationFacts(
        number=policy.number,
        product=policy.product.name,
        line=policy.product.get_line_display(),
        kind=policy.get_kind_display(),
        outlet=policy.org_unit.name,
        issued_on=timezone.localdate(policy.issued_at),
        starts_on=policy.starts_on,
        ends_on=policy.ends_on,
        status=cover_status(policy=policy),
        households=households,
        sum_insured=policy.sum_insured,
    )


# Document state ------------------------------------------------------------------------
def document_stalled(document: PolicyDocument) -> bool:
    return (
        document.state in IN_PROGRESS_STATES
        and document.requested_at < timezone.now() - STALLED_AFTER
    )


# Checks --------------------------------------------------------------------------------
def check_can_print(*, user: User, policy: Policy) -> None:
    """UW-13: staff of the policy's outlet (or above it) print issued policies, and
    surrendered ones, which print stamped. Read-only roles never print."""
    check_can_write(user, policy)
    if policy.status not in PRINTABLE_STATUSES:
        raise ValidationError(
            _("Only an issued or surrendered policy can be printed; this one is %(status)s.")
            % {"status": policy.get_status_display()},
            code="not_printable",
        )


# Rendering -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderedPolicy:
    pdf: bytes
    pages: int
    annex_rows: int


def _signature_labels() -> dict[str, str]:
    return {value: str(label) for value, label in HouseholdRow.Signature.choices}


def _annex_rows(household_list: HouseholdList) -> Iterator[tuple[str, ...]]:
    """UW-13: the household annex row by row, ID numbers masked (REG-3); `.values_list`
    with a chunked iterator keeps memory flat however long the list is."""
    signatures = _signature_labels()
    rows = (
        household_list.rows.order_by("row_number")
        .values_list(*_ANNEX_FIELDS)
        .iterator(chunk_size=ANNEX_CHUNK)
    )
    for (
        row_number,
        name,
        id_number,
        village_group,
        subject_type,
        quantity,
        unit,
        premium,
        farmer_share,
        central,
        provincial,
        city,
        county,
        signature,
        proxy_name,
    ) in rows:
        # UW-7: a proxy signature shows as "{name}代" (HouseholdRow.signature_display).
        signed = (
            f"{proxy_name}代"
            if signature == HouseholdRow.Signature.PROXY
            else signatures[signature]
        )
        yield (
            row_number,
            name,
            mask(id_number, "id_number"),
            village_group,
            subject_type,
            quantity_text(quantity, unit),
            money(premium),
            money(farmer_share),
            money(central + provincial + city + county),
            signed,
        )


def _annex_totals(household_list: HouseholdList) -> dict:
    totals = household_list.rows.aggregate(
        households=Count("pk"),
        premium=Sum("premium"),
        farmer_share=Sum("farmer_share"),
        central=Sum("central"),
        provincial=Sum("provincial"),
        city=Sum("city"),
        county=Sum("county"),
    )
    zero = Decimal("0.00")
    subsidies = sum((totals[level] or zero for level in SubsidyLevel.values), zero)
    quantities = (
        household_list.rows.order_by("unit").values_list("unit").annotate(total=Sum("quantity"))
    )
    return {
        "households": totals["households"],
        "quantity": " + ".join(quantity_text(total, unit) for unit, total in quantities),
        "premium": money(totals["premium"] or zero),
        "farmer_share": money(totals["farmer_share"] or zero),
        "subsidies": money(subsidies),
    }


def _party(customer) -> dict | None:
    if customer is None:
        return None
    return {
        "name": customer.name,
        "kind": customer.get_kind_display(),
        # REG-3: the printed policy never shows a full ID number or phone.
        "id_number": mask(customer.id_number, "id_number"),
        "phone": mask(customer.phone, "phone") if customer.phone else "",
        "village_group": customer.village_group,
        "address": customer.address,
    }


def _split_rows(policy: Policy) -> list[tuple[str, str]]:
    """UW-4: the premium split as printed, each line to the cent."""
    return [
        (_("Farmer's own share"), money(policy.farmer_share)),
        (_("Central finance subsidy"), money(policy.central)),
        (_("Provincial finance subsidy"), money(policy.provincial)),
        (_("City finance subsidy"), money(policy.city)),
        (_("County finance subsidy"), money(policy.county)),
    ]


def policy_context(*, policy: Policy) -> dict:
    """Everything the policy template prints; call inside the print language."""
    product = policy.product
    code = policy.verification_code or ""
    household_list = (
        current_household_list(policy=policy) if policy.kind == Policy.Kind.GROUP else None
    )
    url = verification_url(code) if code else ""
    context = {
        "title": _("Insurance policy"),
        "policy": policy,
        "product": product,
        "outlet": policy.org_unit.name,
        "surrendered": policy.status == Policy.Status.SURRENDERED,
        "is_group": policy.kind == Policy.Kind.GROUP,
        "applicant": _party(policy.applicant),
        "insured": _party(policy.insured),
        "organiser": _party(policy.organiser),
        "quantity": quantity_text(policy.quantity, policy.unit),
        "sum_insured": money(policy.sum_insured),
        "split": _split_rows(policy),
        "subsidy_total": money(policy.subsidy_total),
        "premium": money(policy.premium),
        "exclusions": [exclusion.text for exclusion in product.exclusions.all()],
        "issued_at": timezone.localtime(policy.issued_at) if policy.issued_at else None,
        "paid_at": timezone.localtime(policy.paid_at) if policy.paid_at else None,
        "verification_code": code,
        "verification_url": url,
        "qr": qr_data_uri(url) if url else "",
        "annex": None,
    }
    if household_list is not None:
        context["annex"] = {
            "rows": _annex_rows(household_list),
            "totals": _annex_totals(household_list),
        }
    return context


def render_policy(*, policy: Policy) -> RenderedPolicy:
    """UW-13: the policy's PDF (A4, Chinese), with the household annex for a group."""
    with translation.override(PRINT_LANGUAGE):
        context = policy_context(policy=policy)
        annex_rows = context["annex"]["totals"]["households"] if context["annex"] else 0
        pdf = render_pdf(template_name=POLICY_TEMPLATE, context=context)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return RenderedPolicy(pdf=pdf, pages=pages, annex_rows=annex_rows)


@contextmanager
def _collector_paused():
    """WeasyPrint builds millions of small objects for a long annex; the cyclic garbage
    collector rescanning them while they grow cost a third of the render time in
    bench/policy_pdf_bench.py. It resumes afterwards. Used in the worker only: it pauses
    collection for the whole process."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Writes --------------------------------------------------------------------------------
@transaction.atomic
def do_mark_printed(*, policy: Policy, by: User) -> None:
    """Record the first print and meet the policy's OUT-13 issuance clock (entry to
    printed policy). Locks the policy row, so two prints at once record one first print."""
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if locked.printed_at is None:
        locked.printed_at = timezone.now()
        locked.save(update_fields=["printed_at"])
    policy.printed_at = locked.printed_at
    timers = SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(Policy),
        subject_id=policy.pk,
        rule__code=ISSUANCE_CLOCK,
        state__in=SlaTimer.OPEN_STATES,
    )
    for timer in timers:
        timer_meet(timer=timer, by=by, detail=_("Policy printed"))


def policy_print(*, clerk: User, policy: Policy) -> bytes:
    """UW-13: print an individual policy now and return the PDF.

    Renders outside any transaction; then `do_mark_printed` locks the policy row to
    record the first print. A group policy prints through `policy_document_request`.
    """
    check_can_print(user=clerk, policy=policy)
    if policy.kind == Policy.Kind.GROUP:
        raise ValidationError(
            _(
                "A group policy prints with its household list in the background: "
                "request a printed document instead."
            ),
            code="group_prints_in_background",
        )
    rendered = render_policy(policy=policy)
    do_mark_printed(policy=policy, by=clerk)
    return rendered.pdf


@transaction.atomic
def policy_document_request(*, clerk: User, policy: Policy) -> PolicyDocument:
    """UW-13: queue the printed policy (with its annex for a group) for the worker.

    Locks the policy row, so a double click queues one document: while one is queued
    or rendering, that one is returned, unless it has stalled (then it is marked failed).
    """
    locked = (
        Policy.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=policy.pk)
    )
    check_can_print(user=clerk, policy=locked)
    for pending in locked.documents.filter(state__in=IN_PROGRESS_STATES):
        if not document_stalled(pending):
            return pending
        pending.state = PolicyDocument.State.FAILED
        pending.failure = _("The worker did not finish this document.")
        pending.finished_at = timezone.now()
        pending.save(update_fields=["state", "failure", "finished_at"])
    document = PolicyDocument.objects.create(policy=locked, requested_by=clerk)
    # Imported here: the task module imports this one.
    from underwriting.tasks import render_policy_document

    render_policy_document.delay_on_commit(document.pk)
    return document


def policy_document_render(*, document_id: int) -> PolicyDocument | None:
    """The worker's part of `policy_document_request`: render, store, record the print.

    The document row is locked only while it is claimed (QUEUED → RENDERING) and while
    the result is stored, so the progress page sees RENDERING during the long render.
    A document left RENDERING by a worker that died is claimed again when the broker
    redelivers the task. Returns None when there is nothing to do.
    """
    with transaction.atomic():
        document = (
            PolicyDocument.objects.select_for_update()
            .filter(pk=document_id, state__in=IN_PROGRESS_STATES)
            .first()
        )
        if document is None:
            return None
        document.state = PolicyDocument.State.RENDERING
        document.save(update_fields=["state"])
    policy = Policy.objects.select_related(
        "product", "org_unit", "applicant", "insured", "organiser"
    ).get(pk=document.policy_id)
    try:
        with _collector_paused():
            rendered = render_policy(policy=policy)
    except Exception as exc:
        logger.exception("printed policy document %s failed", document.pk)
        document.state = PolicyDocument.State.FAILED
        document.failure = f"{type(exc).__name__}: {exc}"
        document.finished_at = timezone.now()
        document.save(update_fields=["state", "failure", "finished_at"])
        return document
    with transaction.atomic():
        document.file.save(f"{policy.number}.pdf", ContentFile(rendered.pdf), save=False)
        document.state = PolicyDocument.State.READY
        document.pages = rendered.pages
        document.annex_rows = rendered.annex_rows
        document.finished_at = timezone.now()
        document.save(update_fields=["file", "state", "pages", "annex_rows", "finished_at"])
        do_mark_printed(policy=policy, by=document.requested_by)
    return document
