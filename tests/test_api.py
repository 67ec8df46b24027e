"""The REST API base: token auth, one error format, scoping refusals (OUT-1), timers."""

import datetime as dt
import os

import pytest
from rest_framework.test import APIClient

from core import timers
from core.api.tokens import api_token_create, api_token_revoke
from core.models import SlaTimer


@pytest.fixture
def api():
    return APIClient()


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def timer_a(tree, clerk_a):
    return timers.timer_start(
        subject=tree.outlet_a, rule_code="OUT-12", org_unit=tree.outlet_a, owner=clerk_a
    )


def test_anonymous_is_refused_with_the_error_format(api, db):
    response = api.get("/api/v1/timers/")
    assert response.status_code in (401, 403)
    assert set(response.json()["error"]) >= {"code", "message"}


def test_token_auth_works_and_revocation_is_immediate(api, api_client_user):
    token, key = api_token_create(user=api_client_user, name="ERP")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == api_client_user.username
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Only the hash is stored.
    assert key not in (token.key_hash, token.prefix)

    api_token_revoke(token=token)
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_bad_token_is_refused(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert api.get("/api/v1/me/").status_code == 401


def test_out_1_org_units_are_the_callers_subtree(tree, clerk_a, county_manager):
    codes = {u["code"] for u in as_user(clerk_a).get("/api/v1/org-units/").json()["results"]}
    assert codes == {tree.outlet_a.code}
    codes = {u["code"] for u in as_user(county_manager).get("/api/v1/org-units/").json()["results"]}
    assert codes == {tree.county.code, tree.outlet_a.code, tree.outlet_b.code}


def test_out_1_it_validates_ownership_of_org_units(tree, clerk_a):
    response = as_user(clerk_a).get(f"/api/v1/org-units/{tree.outlet_b.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_sla_6_timer_list_shows_owner_time_left_and_breach_action(clerk_a, timer_a):
    body = as_user(clerk_a).get("/api/v1/timers/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["rule_code"] == "OUT-12"
    assert row["owner"]["username"] == clerk_a.username
    assert 0 < row["seconds_left"] <= 30 * 60
    assert row["on_breach"]
    assert row["provisional"] is False


def test_out_1_it_validates_ownership_of_timers(clerk_b, timer_a, tree):
    client = as_user(clerk_b)
    assert client.get("/api/v1/timers/").json()["count"] == 0
    assert client.get(f"/api/v1/timers/{timer_a.pk}/").status_code == 404
    response = client.post(f"/api/v1/timers/{timer_a.pk}/pause/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    timer_a.refresh_from_db()
    assert timer_a.state == SlaTimer.State.RUNNING


def test_out_1_other_county_sees_nothing_of_this_county(tree, timer_a):
    from core.models import Role
    from tests.factories import UserFactory

    other_manager = UserFactory(org_unit=tree.other_county, role=Role.COUNTY_MANAGER)
    client = as_user(other_manager)
    assert client.get("/api/v1/timers/").json()["count"] == 0
    assert client.get(f"/api/v1/timers/{timer_a.pk}/").status_code == 404


def test_managers_and_claims_centre_see_timers_below_them(county_manager, claims_centre, timer_a):
    for user in (county_manager, claims_centre):
        assert as_user(user).get(f"/api/v1/timers/{timer_a.pk}/").status_code == 200


def test_sla_5_pause_and_resume_through_the_api(clerk_a, timer_a):
    client = as_user(clerk_a)
    response = client.post(
        f"/api/v1/timers/{timer_a.pk}/pause/", {"reason": "customer fetching ID"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "paused"
    assert response.json()["pauses"][0]["reason"] == "customer fetching ID"
    response = client.post(f"/api/v1/timers/{timer_a.pk}/resume/")
    assert response.json()["state"] == "running"
    # Resuming twice is a clear error, not a crash.
    response = client.post(f"/api/v1/timers/{timer_a.pk}/resume/")
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_pause_without_reason_is_a_field_error(clerk_a, timer_a):
    response = as_user(clerk_a).post(f"/api/v1/timers/{timer_a.pk}/pause/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]


def test_auditor_reads_but_cannot_change(auditor, timer_a):
    client = as_user(auditor)
    assert client.get(f"/api/v1/timers/{timer_a.pk}/").status_code == 200
    response = client.post(f"/api/v1/timers/{timer_a.pk}/pause/", {"reason": "x"}, format="json")
    assert response.status_code == 403


def test_timer_filters(clerk_a, county_manager, timer_a, tree):
    timers.timer_start(subject=tree.outlet_b, rule_code="CLM-9", org_unit=tree.outlet_b)
    client = as_user(county_manager)
    assert client.get("/api/v1/timers/").json()["count"] == 2
    assert client.get("/api/v1/timers/?rule=CLM-9").json()["count"] == 1
    assert client.get("/api/v1/timers/?overdue=true").json()["count"] == 0
    assert as_user(clerk_a).get("/api/v1/timers/?mine=true").json()["count"] == 1


def test_sla_4_provisional_deadline_is_flagged_in_the_api(tree, clerk_a):
    timers.timer_start(
        subject=tree.outlet_a,
        rule_code="CLM-10-special",
        org_unit=tree.outlet_a,
        owner=clerk_a,
        started_at=dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC),
    )
    row = as_user(clerk_a).get("/api/v1/timers/").json()["results"][0]
    assert row["provisional"] is True


def test_openapi_schema_is_served_offline(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/timers/" in paths and "/api/v1/org-units/" in paths
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower()


def test_notifications_are_private_to_their_recipient(tree, clerk_a, county_manager):
    from core.notifications import notify_staff, outbox_deliver

    notify_staff(
        org_unit=tree.outlet_a, subject="超时提醒", body="…", dedup_key="t1", recipients=[clerk_a]
    )
    outbox_deliver()
    rows = as_user(clerk_a).get("/api/v1/notifications/?read_at__isnull=true").json()["results"]
    assert [row["title"] for row in rows] == ["超时提醒"]
    # Even the county manager above the clerk cannot read or mark it.
    assert as_user(county_manager).get("/api/v1/notifications/").json()["count"] == 0
    url = f"/api/v1/notifications/{rows[0]['id']}/read/"
    assert as_user(county_manager).post(url).status_code == 404
    assert as_user(clerk_a).post(url).json()["read_at"] is not None


def test_reg_3_masked_field_never_outputs_the_full_value():
    from core.api.serializers import MaskedCharField

    field = MaskedCharField(kind="id_number")
    assert field.to_representation("44182319800101123X") == "441823********123X"
    assert field.read_only


def test_openapi_schema_has_no_warnings(db):
    """Every endpoint is described: a warning means a missing or clashing component."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", file=os.devnull)
