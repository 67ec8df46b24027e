"""The complaints admin: scoped like the pages (OUT-1, CMP-1), read-only, the phone
masked (REG-3), nothing ever deleted (CMP-6), the designated receiver of a county set by
its manager (CMP-2)."""

import pytest
from django.contrib import admin

from complaints.models import Complaint, ComplaintCounter, ComplaintSettings, Escalation
from core.audit import save_with_reason
from core.masking import mask
from core.models import Role
from tests.complaints.factories import (
    ComplaintEventFactory,
    ComplaintFactory,
    ComplaintSettingsFactory,
    HandOverFactory,
)
from tests.factories import UserFactory

PHONE = "13912345678"


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def staff(user):
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def manager(county_manager):
    return staff(county_manager)


@pytest.fixture
def far_manager(tree):
    return UserFactory(
        username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER, is_staff=True
    )


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", role="", is_superuser=True, is_staff=True)


@pytest.fixture
def complaint(clerk_a, outlet_head_a) -> Complaint:
    """Outlet A's complaint with a hand-over, an escalation and an event."""
    complaint = ComplaintFactory(first_responder=clerk_a, contact_phone=PHONE)
    HandOverFactory(complaint=complaint, to_user=outlet_head_a, reason="需要负责人处理")
    Escalation.objects.create(
        complaint=complaint,
        step=1,
        role="outlet_head",
        escalated_at=complaint.received_at,
        due_at=complaint.received_at,
    )
    ComplaintEventFactory(complaint=complaint, by=clerk_a, text="已致电投诉人说明进度")
    return complaint


@pytest.fixture
def far_complaint(tree):
    clerk_c = UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)
    return ComplaintFactory(first_responder=clerk_c, contact_phone="13700001111")


def url(complaint, action="change"):
    return f"/admin/complaints/complaint/{complaint.pk}/{action}/"


def test_out_1_complaints_admin_is_scoped_and_the_phone_masked(
    client, complaint, far_complaint, clerk_a
):
    client.force_login(staff(clerk_a))
    listing = client.get("/admin/complaints/complaint/").content.decode()
    assert complaint.number in listing and far_complaint.number not in listing
    assert mask(PHONE, "phone") in listing and PHONE not in listing
    assert client.get(url(far_complaint)).status_code in (302, 404)
    page = client.get(url(complaint))
    assert page.status_code == 200
    html = page.content.decode()
    assert PHONE not in html and mask(PHONE, "phone") in html
    # The hand-over chain, the escalation and the timeline are shown with it.
    assert "需要负责人处理" in html and "outlet_head" in html and "已致电投诉人说明进度" in html


def test_cmp_1_admin_follows_complaint_list_for_the_receiver(
    client, complaint, clerk_a, tree, outlet_head_a
):
    """Handed over to outlet B, the complaint stays visible to clerk_a until closed."""
    Complaint.objects.filter(pk=complaint.pk).update(
        org_unit=tree.outlet_b, first_responder=outlet_head_a
    )
    client.force_login(staff(clerk_a))
    assert client.get(url(complaint)).status_code == 200


def test_cmp_6_complaints_are_read_only_and_never_deleted(client, complaint, superuser):
    client.force_login(superuser)
    response = client.post(url(complaint), {"complainant_name": "改名"})
    assert response.status_code == 403
    assert client.get(url(complaint, "delete")).status_code == 403
    assert client.post(url(complaint, "delete"), {"post": "yes"}).status_code == 403
    listing = client.get("/admin/complaints/complaint/")
    assert "delete_selected" not in listing.content.decode()
    client.post(
        "/admin/complaints/complaint/",
        {"action": "delete_selected", "_selected_action": [complaint.pk], "post": "yes"},
    )
    assert Complaint.objects.filter(pk=complaint.pk).exists()
    assert complaint.handovers.exists() and complaint.escalations.exists()
    assert complaint.events.exists()
    # The inlines offer neither change nor delete.
    model_admin = admin.site._registry[Complaint]
    request = listing.wsgi_request
    for inline in model_admin.get_inline_instances(request, complaint):
        assert not inline.has_delete_permission(request, complaint)
        assert not inline.has_change_permission(request, complaint)
        assert not inline.has_add_permission(request, complaint)


def test_cmp_6_complaint_history_masks_the_phone_and_cannot_revert(
    client, complaint, clerk_a, manager, far_manager
):
    complaint.contact_phone = "13600002222"
    save_with_reason(complaint, by=clerk_a, reason="投诉人换了号码")
    client.force_login(manager)
    html = client.get(url(complaint, "history")).content.decode()
    assert "投诉人换了号码" in html
    record = complaint.history.first()
    version = f"{url(complaint, 'history')}{record.history_id}/"
    assert client.post(version, {"contact_phone": PHONE}).status_code == 403
    client.force_login(far_manager)
    assert client.get(url(complaint, "history")).status_code == 404
    assert client.get(version).status_code == 404


def test_cmp_7_counters_are_not_in_the_admin(client, superuser):
    assert ComplaintCounter not in admin.site._registry
    client.force_login(superuser)
    assert client.get("/admin/complaints/complaintcounter/").status_code == 404


def test_cmp_2_county_manager_sets_their_own_countys_receiver(
    client, tree, manager, clerk_b, superuser
):
    default = ComplaintSettings.objects.get_or_create(county=None)[0]
    far_clerk = UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)
    other = ComplaintSettingsFactory(county=tree.other_county, designated_receiver=far_clerk)
    client.force_login(manager)
    # A receiver from another county is refused.
    response = client.post(
        "/admin/complaints/complaintsettings/add/",
        {"county": tree.county.pk, "designated_receiver": far_clerk.pk},
    )
    assert response.status_code == 200
    assert not ComplaintSettings.objects.filter(county=tree.county).exists()
    response = client.post(
        "/admin/complaints/complaintsettings/add/",
        {"county": tree.county.pk, "designated_receiver": clerk_b.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    own = ComplaintSettings.objects.get(county=tree.county)
    assert own.designated_receiver == clerk_b
    assert own.history.first().history_user == manager
    # Not the default row, not another county's row, not a row for another county.
    change = "/admin/complaints/complaintsettings/{}/change/"
    response = client.post(change.format(default.pk), {"designated_receiver": clerk_b.pk})
    assert response.status_code == 403
    assert client.get(change.format(other.pk)).status_code in (302, 404)
    response = client.post(
        "/admin/complaints/complaintsettings/add/",
        {"county": tree.other_county.pk, "designated_receiver": clerk_b.pk},
    )
    assert response.status_code == 200
    # Never deleted, even their own row.
    assert client.get(f"/admin/complaints/complaintsettings/{own.pk}/delete/").status_code == 403
    default.refresh_from_db()
    other.refresh_from_db()
    assert (default.designated_receiver, other.designated_receiver) == (None, far_clerk)
    # The superuser names the default receiver.
    client.force_login(superuser)
    response = client.post(change.format(default.pk), {"designated_receiver": clerk_b.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    default.refresh_from_db()
    assert default.designated_receiver == clerk_b
    assert client.get(f"/admin/complaints/complaintsettings/{own.pk}/delete/").status_code == 403


def test_cmp_2_receiver_choices_are_staff_of_the_county(client, tree, manager, clerk_b, auditor):
    settings_row = ComplaintSettingsFactory(county=tree.county, designated_receiver=clerk_b)
    far_clerk = UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)
    client.force_login(manager)
    response = client.get(f"/admin/complaints/complaintsettings/{settings_row.pk}/change/")
    choices = response.context["adminform"].form.fields["designated_receiver"].queryset
    assert clerk_b in choices and manager in choices
    assert far_clerk not in choices and auditor not in choices


def test_cmp_2_receiver_must_work_in_the_county(client, tree, superuser):
    """Even a superuser, who may pick anyone, cannot name another county's clerk."""
    far_clerk = UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)
    client.force_login(superuser)
    response = client.post(
        "/admin/complaints/complaintsettings/add/",
        {"county": tree.county.pk, "designated_receiver": far_clerk.pk},
    )
    assert response.status_code == 200
    assert "The designated receiver must work in this county." in response.content.decode()
    assert not ComplaintSettings.objects.filter(county=tree.county).exists()


def test_clerks_cannot_change_complaint_settings(client, tree, clerk_a, clerk_b):
    row = ComplaintSettingsFactory(county=tree.county, designated_receiver=clerk_b)
    client.force_login(staff(clerk_a))
    response = client.post(
        f"/admin/complaints/complaintsettings/{row.pk}/change/",
        {"county": tree.county.pk, "designated_receiver": clerk_a.pk},
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.designated_receiver == clerk_b
