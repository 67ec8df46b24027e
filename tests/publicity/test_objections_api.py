"""PUB-5 objections through the staff API: recorded by phone or in person, late after
the period, resolved with an outcome; a correction changes the household list through
the underwriting services with audit; scoped (OUT-1), read-only roles 403."""

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.audit import history_of
from core.models import SlaTimer
from publicity.models import Objection
from publicity.services.objections import objection_record
from underwriting.models import HouseholdRow

PHONE = "13912340000"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def as_user(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def error_text(response) -> str:
    return json.dumps(response.json()["error"], ensure_ascii=False)


def by_phone(notice, clerk, *, position: int | None = 1, claim="wrong_quantity") -> Objection:
    line = notice.lines.get(position=position) if position else None
    return objection_record(
        clerk=clerk,
        notice=notice,
        line=line,
        raiser_kind=Objection.Raiser.HOUSEHOLD,
        raiser_name="王小明",
        channel=Objection.Channel.PHONE,
        claim=claim,
        details="实际种植10亩",
        contact_phone=PHONE,
    )


def payload(**overrides) -> dict:
    return {
        "line_position": 2,
        "raiser_kind": "household",
        "raiser_name": "李秀英",
        "contact_phone": PHONE,
        "channel": "in_person",
        "claim": "wrong_name",
        "details": "名字写错了，应为李秀瑛",
    } | overrides


def test_pub_5_objection_recorded_during_the_period(posted_notice, clerk_a):
    response = as_user(clerk_a).post(
        f"/api/v1/notices/{posted_notice.pk}/objections/create/", payload(), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["line_position"] == 2 and body["line_name"] == "李秀英"
    assert body["late"] is False and body["state"] == "open"
    assert body["verification_due_at"] is not None
    assert body["recorded_by"]["username"] == "clerk_a"
    # REG-3: the phone is masked in the API.
    assert body["contact_phone"] == "139****0000" and PHONE not in response.content.decode()
    objection = Objection.objects.get()
    assert objection.timer.rule.code == "PUB-5"


def test_pub_5_record_refusals(posted_notice, claim_notice, clerk_a):
    url = f"/api/v1/notices/{posted_notice.pk}/objections/create/"
    online = as_user(clerk_a).post(url, payload(channel="online"), format="json")
    assert online.status_code == 400 and "channel" in online.json()["error"]["fields"]
    no_line = as_user(clerk_a).post(url, payload(line_position=99), format="json")
    assert no_line.status_code == 400 and "line_position" in no_line.json()["error"]["fields"]
    empty = as_user(clerk_a).post(url, payload(details=" "), format="json")
    assert empty.status_code == 400
    # The claim payment notice is still a draft: nothing is posted to object to.
    draft = as_user(clerk_a).post(
        f"/api/v1/notices/{claim_notice.pk}/objections/create/",
        payload(claim="wrong_payment"),
        format="json",
    )
    assert draft.status_code == 400 and "posted" in error_text(draft)
    assert not Objection.objects.exists()


def test_pub_5_late_objection_after_the_period(elapsed_notice, clerk_a):
    response = as_user(clerk_a).post(
        f"/api/v1/notices/{elapsed_notice.pk}/objections/create/", payload(), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["late"] is True and response.json()["verification_due_at"] is None
    objection_id = response.json()["id"]
    refused = as_user(clerk_a).post(
        f"/api/v1/objections/{objection_id}/resolve/",
        {"outcome": "corrected", "corrections": {"name": "李秀瑛"}},
        format="json",
    )
    assert refused.status_code == 400 and "policy change" in error_text(refused)


def test_pub_5_objection_changes_the_list_and_is_audited(posted_notice, group_policy, clerk_a):
    objection = by_phone(posted_notice, clerk_a)
    line = posted_notice.lines.get(position=1)
    row = HouseholdRow.objects.get(pk=line.source_row_id)
    before = row.quantity
    response = as_user(clerk_a).post(
        f"/api/v1/objections/{objection.pk}/resolve/",
        {"outcome": "corrected", "note": "村委会核实为7.5亩", "corrections": {"quantity": "7.5"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "resolved" and body["outcome"] == "corrected"
    assert body["resolved_by"]["username"] == "clerk_a"
    assert "quantity" in body["change"]  # with the premium split that follows (UW-4)
    assert Decimal(str(body["change"]["quantity"][0])) == before
    assert Decimal(str(body["change"]["quantity"][1])) == Decimal("7.5")
    row.refresh_from_db()
    line.refresh_from_db()
    posted_notice.refresh_from_db()
    assert row.quantity == Decimal("7.5") and line.quantity == Decimal("7.5")
    assert line.corrected_at is not None and posted_notice.revision == 2
    assert "PUB-5" in history_of(row)[0].reason and history_of(row)[0].user == clerk_a
    objection.refresh_from_db()
    assert objection.timer.state == SlaTimer.State.MET


def test_pub_5_no_change_needs_a_note(posted_notice, clerk_a):
    objection = by_phone(posted_notice, clerk_a)
    url = f"/api/v1/objections/{objection.pk}/resolve/"
    refused = as_user(clerk_a).post(url, {"outcome": "no_change"}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()["error"]["fields"]
    response = as_user(clerk_a).post(
        url, {"outcome": "no_change", "note": "核对承保清单无误"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["change"] == {} and response.json()["outcome_note"] == "核对承保清单无误"
    again = as_user(clerk_a).post(url, {"outcome": "rejected", "note": "x"}, format="json")
    assert again.status_code == 400 and "already resolved" in error_text(again)


def test_objection_list_is_scoped_and_filtered(posted_notice, clerk_a, clerk_b, county_manager):
    first = by_phone(posted_notice, clerk_a)
    second = by_phone(posted_notice, clerk_a, position=None, claim="missing")
    as_user(clerk_a).post(
        f"/api/v1/objections/{first.pk}/resolve/",
        {"outcome": "rejected", "note": "已核实"},
        format="json",
    )

    def ids(user, **params):
        response = as_user(user).get("/api/v1/objections/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(clerk_a) == [first.pk, second.pk]
    assert ids(county_manager, state="open") == [second.pk]
    assert ids(clerk_a, claim="missing", notice=posted_notice.pk) == [second.pk]
    assert ids(clerk_b) == []


def test_it_validates_ownership(posted_notice, clerk_a, clerk_b, auditor):
    """OUT-1: another outlet's objection or notice is a 404; a read-only role may read
    but gets 403 on every write; anonymous callers are refused."""
    objection = by_phone(posted_notice, clerk_a)
    detail = f"/api/v1/objections/{objection.pk}/"
    resolve = f"/api/v1/objections/{objection.pk}/resolve/"
    create = f"/api/v1/notices/{posted_notice.pk}/objections/create/"
    resolution = {"outcome": "rejected", "note": "x"}
    assert as_user(clerk_b).get(detail).status_code == 404
    assert as_user(auditor).get(detail).status_code == 200
    assert as_user(clerk_b).post(resolve, resolution, format="json").status_code == 404
    assert as_user(auditor).post(resolve, resolution, format="json").status_code == 403
    assert as_user(clerk_b).post(create, payload(), format="json").status_code == 404
    assert as_user(auditor).post(create, payload(), format="json").status_code == 403
    for url in (detail, "/api/v1/objections/"):
        assert APIClient().get(url).status_code in (401, 403)
    assert APIClient().post(resolve, resolution, format="json").status_code in (401, 403)
    objection.refresh_from_db()
    assert objection.state == Objection.State.OPEN and Objection.objects.count() == 1
