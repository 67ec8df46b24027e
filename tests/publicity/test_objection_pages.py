"""Staff pages of objections (PUB-5): recorded at the counter, listed for the branch,
resolved on the objection page (a correction changes the notice and the household list,
with audit; a late objection becomes a policy change), the contact phone masked unless
the outlet's own staff ask for it (REG-3), and every page refused outside the branch
(404) or to a read-only role (403)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audit import history_of
from core.models import PersonalDataAccess, SlaTimer
from publicity.models import Objection
from publicity.services.objections import objection_record
from tests.publicity.conftest import HOUSEHOLDS, make_notice
from underwriting.models import HouseholdRow

pytestmark = pytest.mark.django_db


def record(notice, clerk, *, position: int = 1, **overrides) -> Objection:
    fields = {
        "line": notice.lines.get(position=position),
        "raiser_kind": Objection.Raiser.HOUSEHOLD,
        "raiser_name": "王小明",
        "channel": Objection.Channel.IN_PERSON,
        "claim": Objection.Claim.WRONG_QUANTITY,
        "details": "实际种植12亩，不是清单上的亩数。",
        "contact_phone": "13912345678",
        **overrides,
    }
    return objection_record(clerk=clerk, notice=notice, **fields)


def form_data(notice, **overrides) -> dict:
    return {
        "line": notice.lines.get(position=1).pk,
        "raiser_kind": Objection.Raiser.HOUSEHOLD,
        "raiser_name": "王小明",
        "contact_phone": "13912345678",
        "channel": Objection.Channel.PHONE,
        "claim": Objection.Claim.WRONG_QUANTITY,
        "details": "实际种植12亩。",
        "raised_at": "",
        **overrides,
    }


# --- Recording ------------------------------------------------------------------------------
def test_pub_5_objection_recorded_by_phone_starts_its_timer(client, clerk_a, posted_notice):
    client.force_login(clerk_a)
    url = reverse("publicity:objection_record", args=[posted_notice.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(posted_notice))
    objection = Objection.objects.get()
    assert response.url == reverse("publicity:objection_detail", args=[objection.pk])
    assert (objection.channel, objection.late, objection.recorded_by) == ("phone", False, clerk_a)
    assert objection.line.position == 1
    assert objection.timer.rule.code == "PUB-5"
    assert objection.timer.state == SlaTimer.State.RUNNING
    page = client.get(reverse("publicity:notice_detail", args=[posted_notice.pk]))
    assert reverse("publicity:objection_detail", args=[objection.pk]) in page.content.decode()


def test_pub_5_record_form_refuses_invalid_input(client, clerk_a, posted_notice):
    client.force_login(clerk_a)
    url = reverse("publicity:objection_record", args=[posted_notice.pk])
    response = client.post(
        url, form_data(posted_notice, raiser_name="", details="", channel="online")
    )
    assert response.status_code == 400
    assert {"raiser_name", "details", "channel"} <= set(response.context["form"].errors)
    future = timezone.localtime() + dt.timedelta(days=1)
    response = client.post(
        url, form_data(posted_notice, raised_at=future.strftime("%Y-%m-%dT%H:%M"))
    )
    assert response.status_code == 400
    assert not Objection.objects.exists()


def test_pub_7_claim_notice_offers_claim_payment_claims_only(client, clerk_a, claim_notice):
    client.force_login(clerk_a)
    response = client.get(reverse("publicity:objection_record", args=[claim_notice.pk]))
    claims = {value for value, _label in response.context["form"].fields["claim"].choices}
    assert "wrong_payment" in claims and "wrong_premium" not in claims


def test_pub_5_late_objection_is_recorded_as_late(client, clerk_a, elapsed_notice):
    client.force_login(clerk_a)
    client.post(
        reverse("publicity:objection_record", args=[elapsed_notice.pk]),
        form_data(elapsed_notice),
    )
    objection = Objection.objects.get()
    assert objection.late and objection.timer is None
    response = client.get(reverse("publicity:objection_detail", args=[objection.pk]))
    form = response.context["form"]
    outcomes = {value for value, _label in form.fields["outcome"].choices}
    assert outcomes == {"policy_change", "no_change", "rejected"}
    assert "quantity" not in form.fields and "policy_change" in form.fields


# --- Resolution -------------------------------------------------------------------------
def test_pub_5_objection_changes_the_list_and_is_audited(client, clerk_a, posted_notice):
    """PUB-5: an upheld objection corrects the notice line and the household row through
    the underwriting service; the row's history keeps who and why; the notice gets a new
    revision; the objection keeps the change made."""
    objection = record(posted_notice, clerk_a)
    line = objection.line
    row = HouseholdRow.objects.get(pk=line.source_row_id)
    before = row.quantity
    client.force_login(clerk_a)
    page = client.get(reverse("publicity:objection_detail", args=[objection.pk]))
    form = page.context["form"]
    assert "policy_change" not in form.fields and "amount" not in form.fields
    assert form.fields["quantity"].widget.attrs["placeholder"]

    response = client.post(
        reverse("publicity:objection_resolve", args=[objection.pk]),
        {"outcome": "corrected", "note": "村组长现场核实为12亩", "quantity": "12"},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    line.refresh_from_db()
    row.refresh_from_db()
    posted_notice.refresh_from_db()
    assert (objection.state, objection.outcome, objection.resolved_by) == (
        "resolved",
        "corrected",
        clerk_a,
    )
    assert line.quantity == row.quantity == Decimal("12")
    assert line.corrected_at is not None
    assert posted_notice.revision == 2
    assert "quantity" in objection.change
    assert Decimal(objection.change["quantity"][0]) == before
    assert objection.timer.state == SlaTimer.State.MET
    last = history_of(row)[0]
    assert last.user == clerk_a
    assert "村组长现场核实为12亩" in last.reason
    assert "quantity" in {field for field, _old, _new in last.changes}
    html = client.get(reverse("publicity:objection_detail", args=[objection.pk])).content
    assert 'id="objection-changes"' in html.decode()


def test_pub_5_no_change_needs_a_note(client, clerk_a, posted_notice):
    objection = record(posted_notice, clerk_a)
    client.force_login(clerk_a)
    url = reverse("publicity:objection_resolve", args=[objection.pk])
    response = client.post(url, {"outcome": "no_change", "note": ""})
    assert response.status_code == 400
    assert "note" in response.context["form"].errors
    objection.refresh_from_db()
    assert objection.state == Objection.State.OPEN
    response = client.post(url, {"outcome": "no_change", "note": "核实清单无误"})
    objection.refresh_from_db()
    assert (objection.state, objection.outcome, objection.change) == ("resolved", "no_change", {})


def test_pub_5_corrected_without_values_refused(client, clerk_a, posted_notice):
    objection = record(posted_notice, clerk_a)
    client.force_login(clerk_a)
    response = client.post(
        reverse("publicity:objection_resolve", args=[objection.pk]),
        {"outcome": "corrected", "note": "x"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors
    objection.refresh_from_db()
    assert objection.state == Objection.State.OPEN and posted_notice.revision == 1


def test_resolved_objection_has_no_form(client, clerk_a, posted_notice):
    objection = record(posted_notice, clerk_a)
    client.force_login(clerk_a)
    url = reverse("publicity:objection_resolve", args=[objection.pk])
    client.post(url, {"outcome": "rejected", "note": "非本户"})
    response = client.get(reverse("publicity:objection_detail", args=[objection.pk]))
    assert response.context["form"] is None
    response = client.post(url, {"outcome": "rejected", "note": "again"})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.outcome_note == "非本户"


# --- List and REG-3 ---------------------------------------------------------------------------
def test_objection_list_of_the_branch_with_masked_phones(
    client, clerk_a, clerk_b, county_manager, posted_notice
):
    objection = record(posted_notice, clerk_a)
    url = reverse("publicity:objection_list")
    client.force_login(county_manager)
    response = client.get(url)
    assert list(response.context["page"].object_list) == [objection]
    html = response.content.decode()
    assert "13912345678" not in html
    assert client.get(url, {"state": "resolved"}).context["page"].paginator.count == 0
    assert client.get(url, {"late": "0"}).context["page"].paginator.count == 1
    client.force_login(clerk_b)
    assert client.get(url).context["page"].paginator.count == 0


def test_reg_3_full_contact_phone_for_the_outlet_only_and_logged(
    client, clerk_a, county_manager, posted_notice
):
    objection = record(posted_notice, clerk_a)
    url = reverse("publicity:objection_detail", args=[objection.pk])
    client.force_login(clerk_a)
    assert HOUSEHOLDS[0][1] not in client.get(url).content.decode()
    assert not PersonalDataAccess.objects.exists()
    assert HOUSEHOLDS[0][1] in client.get(url, {"full": "1"}).content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.fields) == (clerk_a, "contact_phone")
    # A manager above the outlet reads the objection, not the full number.
    client.force_login(county_manager)
    assert HOUSEHOLDS[0][1] not in client.get(url, {"full": "1"}).content.decode()
    assert PersonalDataAccess.objects.count() == 1


def test_objection_pages_validate_ownership(client, clerk_a, clerk_b, auditor, group_policy):
    notice = make_notice(group_policy, clerk_a, posted_days_ago=1)
    objection = record(notice, clerk_a)
    detail = reverse("publicity:objection_detail", args=[objection.pk])
    record_url = reverse("publicity:objection_record", args=[notice.pk])
    resolve = reverse("publicity:objection_resolve", args=[objection.pk])
    resolution = {"outcome": "rejected", "note": "x"}

    client.force_login(clerk_b)
    assert client.get(detail).status_code == 404
    assert client.get(record_url).status_code == 404
    assert client.post(record_url, form_data(notice)).status_code == 404
    assert client.post(resolve, resolution).status_code == 404

    client.force_login(auditor)
    response = client.get(detail)
    assert response.status_code == 200 and response.context["form"] is None
    assert client.get(record_url).status_code == 403
    assert client.post(record_url, form_data(notice)).status_code == 403
    assert client.post(resolve, resolution).status_code == 403

    client.logout()
    for url in (detail, record_url, reverse("publicity:objection_list")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url
    assert Objection.objects.count() == 1
    objection.refresh_from_db()
    assert objection.state == Objection.State.OPEN
