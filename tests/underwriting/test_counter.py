"""Counter issuance of individual policies: UW-1, UW-5, UW-8, UW-9, UW-11 and OUT-13,
the exact premium split at the counter, and the pages of the flow with their refusals."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from core.evidence import evidence_photo_add
from core.models import SlaTimer
from tests.underwriting.factories import OrganisationFactory, PolicyFactory
from underwriting.models import Customer, Inspection, Policy, UnderwritingRules
from underwriting.services.policies import (
    policy_cancel,
    policy_intake_remote,
    policy_issuance_timer,
    policy_issue,
    policy_quote,
    policy_record_explanation,
    policy_take_payment,
)

NOON = dt.datetime(2026, 5, 20, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def english():
    """Refusal messages are compared with their English msgids."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def decimal_products(book):
    """The conftest builds the motor product from strings; read it back as Decimals."""
    book.motor.refresh_from_db()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def quote(clerk, customer, product, **kwargs) -> Policy:
    values = {
        "quantity": Decimal("12.5"),
        "application_date": timezone.localdate(),
        "expected_minutes": None if product.line == "motor" else 20,
    }
    values.update(kwargs)
    return policy_quote(clerk=clerk, product=product, insured=customer, **values)


def explained(clerk, policy) -> Policy:
    return policy_record_explanation(
        clerk=clerk, policy=policy, liability=True, exclusions=True, claim_route=True
    )


def paid(clerk, policy, method="cash", reference="") -> Policy:
    return policy_take_payment(clerk=clerk, policy=policy, method=method, reference=reference)


def jpeg_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (60, 120, 40)).save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile("inspection.jpg", buffer.getvalue(), content_type="image/jpeg")


def english_client(client, user):
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


# --- Quote and the exact split (UW-4 at the counter) -----------------------------------


def test_quote_has_exact_decimal_split_and_a_default_one_year_cover(book, clerk_a):
    policy = quote(clerk_a, book.farmer_a, book.rice)
    policy.refresh_from_db()
    # 12.5 亩 × 1000 × 0.06 = 750.00; 80 % subsidised in the county.
    assert policy.premium == Decimal("750.00")
    assert policy.central == Decimal("337.50")
    assert policy.provincial == Decimal("187.50")
    assert policy.city == Decimal("37.50")
    assert policy.county == Decimal("37.50")
    assert policy.farmer_share == Decimal("150.00")
    assert policy.sum_insured == Decimal("12500.00")
    assert policy.status == Policy.Status.QUOTED
    assert policy.channel == Policy.Channel.COUNTER
    assert policy.org_unit == clerk_a.org_unit
    assert policy.entered_by == clerk_a
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert policy.starts_on == tomorrow
    assert policy.ends_on == tomorrow + dt.timedelta(days=364)


def test_uw_4_rounding_at_the_counter_loses_no_cent(book, clerk_a):
    policy = quote(clerk_a, book.farmer_a, book.rice, quantity=Decimal("3.3337"))
    policy.refresh_from_db()
    # 3.3337 × 1000 × 0.06 = 200.022 → 200.02
    assert policy.premium == Decimal("200.02")
    parts = [policy.farmer_share, policy.central, policy.provincial, policy.city, policy.county]
    assert all(isinstance(part, Decimal) for part in parts)
    assert sum(parts) == policy.premium
    assert policy.central == Decimal("90.01")  # 90.009 rounded half up


def test_quote_refuses_zero_quantity_and_a_product_off_sale(book, clerk_a):
    with pytest.raises(ValidationError) as error:
        quote(clerk_a, book.farmer_a, book.rice, quantity=Decimal("0"))
    assert "more than zero" in str(error.value)
    book.rice.is_active = False
    book.rice.save()
    with pytest.raises(ValidationError) as error:
        quote(clerk_a, book.farmer_a, book.rice)
    assert "no longer on sale" in str(error.value)
    assert not Policy.objects.exists()


def test_quote_for_another_outlets_customer_is_not_found(book, clerk_a):
    from core.access import NotInScope

    with pytest.raises(NotInScope):
        quote(clerk_a, book.farmer_b, book.rice)


def test_quote_refuses_a_cover_starting_in_the_past(book, clerk_a):
    with pytest.raises(ValidationError) as error:
        quote(clerk_a, book.farmer_a, book.rice, starts_on=timezone.localdate() - dt.timedelta(1))
    assert "cannot start before today" in str(error.value)


# --- UW-1 --------------------------------------------------------------------------------


def test_uw_1_organisation_without_agricultural_type_is_refused_on_policy_based_product(
    book, tree, clerk_a
):
    shop = OrganisationFactory(
        org_unit=tree.outlet_a, created_by=clerk_a, name="某商贸公司", organisation_type=""
    )
    with pytest.raises(ValidationError) as error:
        quote(clerk_a, shop, book.rice)
    assert "UW-1" in str(error.value)
    assert "no agricultural organisation type" in str(error.value)
    assert not Policy.objects.exists()


def test_uw_1_applicant_is_checked_too(book, tree, clerk_a):
    shop = OrganisationFactory(org_unit=tree.outlet_a, created_by=clerk_a, organisation_type="")
    with pytest.raises(ValidationError, match="UW-1"):
        quote(clerk_a, book.farmer_a, book.rice, applicant=shop)


def test_uw_1_agricultural_organisation_and_commercial_lines_are_accepted(book, tree, clerk_a):
    cooperative = OrganisationFactory(
        org_unit=tree.outlet_a,
        created_by=clerk_a,
        organisation_type=Customer.OrganisationType.COOPERATIVE,
    )
    assert quote(clerk_a, cooperative, book.rice).pk
    # Motor is not policy-based insurance: UW-1 does not apply.
    shop = OrganisationFactory(org_unit=tree.outlet_a, created_by=clerk_a, organisation_type="")
    assert quote(clerk_a, shop, book.motor, quantity=Decimal("1")).pk


# --- UW-9 --------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_uw_9_thirty_days_after_application_is_accepted_thirty_one_refused(book, clerk_a):
    today = timezone.localdate()
    assert quote(clerk_a, book.farmer_a, book.rice, application_date=today - dt.timedelta(30))
    with pytest.raises(ValidationError) as error:
        quote(clerk_a, book.farmer_a, book.rice, application_date=today - dt.timedelta(31))
    message = error.value.message_dict["application_date"][0]
    assert "more than 30 days old" in message
    assert "UW-9" in message
    assert Policy.objects.count() == 1


@time_machine.travel(NOON, tick=False)
def test_uw_9_county_override_applies(book, tree, clerk_a):
    UnderwritingRules.objects.create(county=tree.county, backfill_days=10)
    today = timezone.localdate()
    assert quote(clerk_a, book.farmer_a, book.rice, application_date=today - dt.timedelta(10))
    with pytest.raises(ValidationError, match="more than 10 days old"):
        quote(clerk_a, book.farmer_a, book.rice, application_date=today - dt.timedelta(11))


def test_uw_9_a_quote_left_lying_around_is_not_issued_past_the_limit(book, clerk_a):
    with time_machine.travel(NOON, tick=False):
        policy = quote(
            clerk_a,
            book.farmer_a,
            book.rice,
            application_date=timezone.localdate() - dt.timedelta(29),
            starts_on=timezone.localdate() + dt.timedelta(5),
        )
        paid(clerk_a, explained(clerk_a, policy))
    later = time_machine.travel(NOON + dt.timedelta(days=2), tick=False)
    with later, pytest.raises(ValidationError, match="UW-9"):
        policy_issue(clerk=clerk_a, policy=policy)
    policy.refresh_from_db()
    assert policy.status == Policy.Status.QUOTED
    assert policy.number is None


# --- UW-8 --------------------------------------------------------------------------------


def test_uw_8_cannot_issue_without_explanation(book, tree, clerk_a):
    # A paid counter quote with no explanation recorded (e.g. entered before UW-8 checks).
    policy = PolicyFactory(
        product=book.rice,
        insured=book.farmer_a,
        org_unit=tree.outlet_a,
        entered_by=clerk_a,
        paid_at=timezone.now(),
        payment_method="cash",
    )
    with pytest.raises(ValidationError) as error:
        policy_issue(clerk=clerk_a, policy=policy)
    assert "UW-8" in str(error.value)
    policy.refresh_from_db()
    assert policy.status == Policy.Status.QUOTED


def test_uw_8_the_premium_is_not_taken_before_the_explanation(book, clerk_a):
    policy = quote(clerk_a, book.farmer_a, book.rice)
    with pytest.raises(ValidationError, match="UW-8"):
        paid(clerk_a, policy)
    policy.refresh_from_db()
    assert policy.paid_at is None


def test_uw_8_all_three_points_must_be_confirmed(book, clerk_a):
    policy = quote(clerk_a, book.farmer_a, book.rice)
    with pytest.raises(ValidationError) as error:
        policy_record_explanation(
            clerk=clerk_a, policy=policy, liability=True, exclusions=False, claim_route=False
        )
    assert "the exclusions, how to report a claim" in str(error.value)
    policy.refresh_from_db()
    assert policy.explained_at is None

    policy = explained(clerk_a, policy)
    assert policy.explained_by == clerk_a
    assert policy.explained_at is not None


# --- Payment and issue ------------------------------------------------------------------


def test_card_and_pos_need_a_reference_and_the_customer_pays_only_the_own_share(book, clerk_a):
    policy = explained(clerk_a, quote(clerk_a, book.farmer_a, book.rice))
    with pytest.raises(ValidationError) as error:
        paid(clerk_a, policy, method="pos")
    assert "payment_reference" in error.value.message_dict
    policy = paid(clerk_a, policy, method="pos", reference=" 000123 ")
    assert policy.payment_reference == "000123"
    with pytest.raises(ValidationError, match="already been paid"):
        paid(clerk_a, policy)
    history = policy.history.first()
    assert history.history_change_reason == "Premium 150.00 paid"


def test_issue_assigns_number_and_verification_code(book, clerk_a):
    policy = paid(clerk_a, explained(clerk_a, quote(clerk_a, book.farmer_a, book.rice)))
    policy = policy_issue(clerk=clerk_a, policy=policy)
    policy.refresh_from_db()
    assert policy.status == Policy.Status.ISSUED
    assert policy.number.startswith(f"P{clerk_a.org_unit.code}")
    assert len(policy.verification_code) == 12
    assert policy.issued_at is not None
    with pytest.raises(ValidationError, match="no longer possible"):
        policy_issue(clerk=clerk_a, policy=policy)


def test_issue_needs_payment(book, clerk_a):
    policy = explained(clerk_a, quote(clerk_a, book.farmer_a, book.rice))
    with pytest.raises(ValidationError, match="premium before issuing"):
        policy_issue(clerk=clerk_a, policy=policy)


def test_cancel_needs_a_reason_and_keeps_it_in_the_history(book, clerk_a):
    policy = quote(clerk_a, book.farmer_a, book.rice)
    with pytest.raises(ValidationError):
        policy_cancel(clerk=clerk_a, policy=policy, reason=" ")
    policy = policy_cancel(clerk=clerk_a, policy=policy, reason="客户改变主意")
    assert policy.status == Policy.Status.CANCELLED
    assert policy.history.first().history_change_reason == "客户改变主意"
    with pytest.raises(ValidationError):
        explained(clerk_a, policy)


# --- UW-5 --------------------------------------------------------------------------------


@pytest.fixture
def large_rice(book):
    book.rice.inspection_quantity = Decimal("50")
    book.rice.save()
    return book.rice


def test_uw_5_large_individual_policy_needs_a_photographed_inspection(
    book, large_rice, tree, clerk_a, media_root
):
    policy = quote(clerk_a, book.farmer_a, large_rice, quantity=Decimal("50"))
    policy = paid(clerk_a, explained(clerk_a, policy))
    with pytest.raises(ValidationError) as error:
        policy_issue(clerk=clerk_a, policy=policy)
    assert "UW-5" in str(error.value)

    # An inspection without a photo is not enough.
    inspection = Inspection.objects.create(
        policy=policy,
        inspector=clerk_a,
        inspected_on=timezone.localdate(),
        findings="标的与申报一致",
    )
    with pytest.raises(ValidationError, match="UW-5"):
        policy_issue(clerk=clerk_a, policy=policy)

    evidence_photo_add(
        subject=inspection, org_unit=tree.outlet_a, upload=jpeg_upload(), uploaded_by=clerk_a
    )
    assert policy_issue(clerk=clerk_a, policy=policy).status == Policy.Status.ISSUED


def test_uw_5_below_the_threshold_no_inspection_is_needed(book, large_rice, clerk_a):
    policy = quote(clerk_a, book.farmer_a, large_rice, quantity=Decimal("49.9999"))
    policy = paid(clerk_a, explained(clerk_a, policy))
    assert policy_issue(clerk=clerk_a, policy=policy).status == Policy.Status.ISSUED


# --- OUT-13 ------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_out_13_motor_entry_starts_the_fifteen_minute_clock(book, clerk_a):
    policy = quote(clerk_a, book.farmer_a, book.motor, quantity=Decimal("1"))
    timer = policy_issuance_timer(policy=policy)
    assert timer.rule.code == "OUT-13"
    assert timer.state == SlaTimer.State.RUNNING
    assert timer.owner == clerk_a
    assert timer.org_unit == clerk_a.org_unit
    assert timer.started_at == NOON
    assert timer.due_at == NOON + dt.timedelta(minutes=15)
    assert policy.expected_minutes is None


def test_out_13_cancelling_a_motor_quote_cancels_its_clock(book, clerk_a):
    policy = quote(clerk_a, book.farmer_a, book.motor, quantity=Decimal("1"))
    policy_cancel(clerk=clerk_a, policy=policy, reason="材料不全")
    assert policy_issuance_timer(policy=policy).state == SlaTimer.State.CANCELLED


def test_out_13_non_motor_line_needs_the_stated_expected_time(book, clerk_a):
    with pytest.raises(ValidationError) as error:
        quote(clerk_a, book.farmer_a, book.rice, expected_minutes=None)
    assert "OUT-13" in error.value.message_dict["expected_minutes"][0]
    policy = quote(clerk_a, book.farmer_a, book.rice, expected_minutes=30)
    assert policy.expected_minutes == 30
    assert policy_issuance_timer(policy=policy) is None


# --- UW-11 -------------------------------------------------------------------------------


def remote(user, tree, book, reference="TS-0001", **kwargs) -> Policy:
    values = {
        "by": user,
        "org_unit": tree.outlet_a,
        "channel": Policy.Channel.TELESALES,
        "product": book.rice,
        "insured": book.farmer_a,
        "quantity": Decimal("10"),
        "application_date": timezone.localdate(),
        "external_reference": reference,
    }
    values.update(kwargs)
    return policy_intake_remote(**values)


def test_uw_11_remote_policy_is_paid_and_issued_at_the_counter(
    book, tree, clerk_a, api_client_user
):
    policy = remote(api_client_user, tree, book)
    assert policy.status == Policy.Status.PENDING_PAYMENT
    assert policy.farmer_share == Decimal("120.00")
    # No explanation at the counter: the sales channel gave it (UW-8 applies to counter).
    policy = paid(clerk_a, policy, method="card", reference="CARD-77")
    policy = policy_issue(clerk=clerk_a, policy=policy)
    assert policy.status == Policy.Status.ISSUED
    assert policy.number


def test_uw_11_duplicate_order_of_a_channel_is_refused(book, tree, api_client_user):
    remote(api_client_user, tree, book, reference="ORDER-9")
    with pytest.raises(ValidationError) as error:
        remote(api_client_user, tree, book, reference=" ORDER-9 ")
    assert "already arrived" in error.value.message_dict["external_reference"][0]
    # The same number from the other channel is another order.
    assert remote(api_client_user, tree, book, reference="ORDER-9", channel="online").pk


def test_uw_11_remote_intake_applies_uw_1_and_uw_9(book, tree, clerk_a, api_client_user):
    shop = OrganisationFactory(org_unit=tree.outlet_a, created_by=clerk_a, organisation_type="")
    with pytest.raises(ValidationError, match="UW-1"):
        remote(api_client_user, tree, book, insured=shop)
    with pytest.raises(ValidationError, match="UW-9"):
        remote(
            api_client_user,
            tree,
            book,
            application_date=timezone.localdate() - dt.timedelta(days=31),
        )


def test_uw_11_remote_policy_lands_only_at_an_outlet_with_its_own_customer(
    book, tree, api_client_user
):
    with pytest.raises(ValidationError, match="at an outlet"):
        remote(api_client_user, tree, book, org_unit=tree.county)
    with pytest.raises(ValidationError, match="not a customer of"):
        remote(api_client_user, tree, book, org_unit=tree.outlet_b)


def test_uw_11_remote_motor_policy_starts_the_clock_when_paid_at_the_counter(
    book, tree, clerk_a, api_client_user
):
    policy = remote(api_client_user, tree, book, product=book.motor, quantity=Decimal("1"))
    assert policy_issuance_timer(policy=policy) is None
    paid(clerk_a, policy)
    timer = policy_issuance_timer(policy=policy)
    assert timer.state == SlaTimer.State.RUNNING
    assert timer.owner == clerk_a


def test_out_13_printing_meets_the_clock(book, clerk_a):
    """OUT-13 ends at the printout; the printing service is underwriting.services.printing."""
    printing = pytest.importorskip("underwriting.services.printing")
    policy = quote(clerk_a, book.farmer_a, book.motor, quantity=Decimal("1"))
    policy = policy_issue(clerk=clerk_a, policy=paid(clerk_a, explained(clerk_a, policy)))
    printing.policy_print(clerk=clerk_a, policy=policy)
    policy.refresh_from_db()
    assert policy.printed_at is not None
    assert policy_issuance_timer(policy=policy).state == SlaTimer.State.MET


# --- Pages -------------------------------------------------------------------------------


def test_counter_page_flow_quote_explain_pay_issue(client, book, clerk_a):
    english_client(client, clerk_a)
    html = client.get(reverse("underwriting:counter"), {"q": "110105 19491231 002x"}).content
    assert "张三".encode() in html
    assert b"110105********002X" in html

    url = reverse("underwriting:quote_create", args=[book.farmer_a.pk])
    form = {
        "product": book.rice.pk,
        "quantity": "12.5",
        "application_date": timezone.localdate().isoformat(),
        "starts_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "expected_minutes": "20",
    }
    response = client.post(url, form)
    policy = Policy.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("underwriting:policy_detail", args=[policy.pk])

    html = client.get(response["Location"]).content.decode()
    assert "1. Explain the terms (UW-8)" in html
    assert "投保人及其家庭成员的故意行为" in html  # an exclusion of the product
    assert "95518" in html  # the claim route
    assert "150.00" in html and "750.00" in html

    # Two of three boxes: refused with the reason on the page.
    response = client.post(
        reverse("underwriting:policy_explain", args=[policy.pk]),
        {"liability": "on", "exclusions": "on"},
    )
    assert response.status_code == 400
    assert "how to report a claim" in response.content.decode()

    detail = reverse("underwriting:policy_detail", args=[policy.pk])
    steps = [
        ("policy_explain", {"liability": "on", "exclusions": "on", "claim_route": "on"}),
        ("policy_pay", {"payment_method": "cash"}),
        ("policy_issue", {}),
    ]
    for name, data in steps:
        response = client.post(reverse(f"underwriting:{name}", args=[policy.pk]), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == detail
    policy.refresh_from_db()
    assert policy.status == Policy.Status.ISSUED
    html = client.get(detail).content.decode()
    assert policy.number in html
    assert f"/audit/underwriting.policy/{policy.pk}/" in html


def test_quote_page_shows_service_errors_on_the_form(client, book, clerk_a):
    english_client(client, clerk_a)
    url = reverse("underwriting:quote_create", args=[book.farmer_a.pk])
    form = {
        "product": book.rice.pk,
        "quantity": "2",
        "application_date": (timezone.localdate() - dt.timedelta(days=45)).isoformat(),
        "starts_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "expected_minutes": "15",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "UW-9" in response.context["form"].errors["application_date"][0]
    assert "UW-9" in response.content.decode()

    form.update(application_date=timezone.localdate().isoformat(), expected_minutes="")
    response = client.post(url, form)
    assert "OUT-13" in response.context["form"].errors["expected_minutes"][0]
    assert not Policy.objects.exists()


def test_quote_preview_shows_the_split_and_the_customers_share(client, book, clerk_a):
    english_client(client, clerk_a)
    response = client.get(
        reverse("underwriting:quote_preview"),
        {
            "product": book.rice.pk,
            "quantity": "12.5",
            "application_date": timezone.localdate().isoformat(),
            "starts_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "The customer pays only the own share: 150.00 yuan." in html
    assert "337.50" in html


def test_counter_lists_remote_policies_waiting_for_payment(
    client, book, tree, clerk_a, clerk_b, api_client_user
):
    policy = remote(api_client_user, tree, book, reference="ONLINE-1")
    client.force_login(clerk_a)
    html = client.get(reverse("underwriting:counter")).content.decode()
    assert "ONLINE-1" in html
    assert reverse("underwriting:policy_detail", args=[policy.pk]) in html
    client.force_login(clerk_b)
    assert "ONLINE-1" not in client.get(reverse("underwriting:counter")).content.decode()


def test_policy_list_filters_by_status(client, book, clerk_a):
    kept = quote(clerk_a, book.farmer_a, book.rice)
    cancelled = policy_cancel(
        clerk=clerk_a, policy=quote(clerk_a, book.farmer_a, book.rice), reason="重复"
    )
    client.force_login(clerk_a)
    response = client.get(reverse("underwriting:policy_list"), {"status": "cancelled"})
    assert [p.pk for p in response.context["page"].object_list] == [cancelled.pk]
    response = client.get(reverse("underwriting:policy_list"))
    assert {p.pk for p in response.context["page"].object_list} == {kept.pk, cancelled.pk}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("policy_detail", None),
        ("policy_explain", {"liability": "on", "exclusions": "on", "claim_route": "on"}),
        ("policy_pay", {"payment_method": "cash"}),
        ("policy_issue", {}),
        ("policy_cancel", {"reason": "x"}),
    ],
)
def test_other_outlets_clerk_gets_404_on_policy_pages(client, book, clerk_a, clerk_b, name, data):
    policy = quote(clerk_a, book.farmer_a, book.rice)
    client.force_login(clerk_b)
    url = reverse(f"underwriting:{name}", args=[policy.pk])
    response = client.get(url) if data is None else client.post(url, data)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("policy_explain", {"liability": "on", "exclusions": "on", "claim_route": "on"}),
        ("policy_pay", {"payment_method": "cash"}),
        ("policy_issue", {}),
        ("policy_cancel", {"reason": "x"}),
    ],
)
def test_auditor_reads_but_gets_403_on_policy_writes(client, book, clerk_a, auditor, name, data):
    policy = quote(clerk_a, book.farmer_a, book.rice)
    client.force_login(auditor)
    assert client.get(reverse("underwriting:policy_detail", args=[policy.pk])).status_code == 200
    response = client.post(reverse(f"underwriting:{name}", args=[policy.pk]), data)
    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.explained_at is None and policy.status == Policy.Status.QUOTED


def test_auditor_gets_403_on_the_quote_form_and_clerk_b_404(client, book, clerk_b, auditor):
    url = reverse("underwriting:quote_create", args=[book.farmer_a.pk])
    client.force_login(auditor)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    client.force_login(clerk_b)
    assert client.get(url).status_code == 404


def test_step_views_are_post_only(client, book, clerk_a):
    policy = quote(clerk_a, book.farmer_a, book.rice)
    client.force_login(clerk_a)
    for name in ("policy_explain", "policy_pay", "policy_issue", "policy_cancel"):
        assert client.get(reverse(f"underwriting:{name}", args=[policy.pk])).status_code == 405


def test_group_policy_is_not_shown_on_the_individual_page(client, book, tree, clerk_a):
    group = PolicyFactory(
        kind=Policy.Kind.GROUP,
        product=book.rice,
        organiser=book.committee_a,
        org_unit=tree.outlet_a,
        entered_by=clerk_a,
    )
    client.force_login(clerk_a)
    response = client.get(reverse("underwriting:policy_detail", args=[group.pk]))
    assert response.status_code == 404


def test_pages_need_login(client, book):
    for url in (reverse("underwriting:counter"), reverse("underwriting:policy_list")):
        assert client.get(url).status_code == 302
