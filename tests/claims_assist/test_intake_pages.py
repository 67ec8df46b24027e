"""Claim report pages (CLM-1, CLM-2): the report form with its lookup, the case page
with its panels and flags, the correction, the 95518 number and the withdrawal, with
their refusals (another outlet or county 404, auditors 403 on writes, anonymous to the
login page). Pages are zh-hans: tests assert status, context, structure and DB state."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims_assist.models import ClaimCase
from claims_assist.services.intake import case_report
from core.models import OutboxMessage, Role
from tests.claims_assist.intake_support import ID_A, group_policy, report_values
from tests.factories import UserFactory
from tests.underwriting.factories import resident_id


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(book, **overrides) -> dict:
    incident = timezone.localtime() - dt.timedelta(hours=6)
    data = {
        "channel": "walk_in",
        "policy_number": book.rice_a.number,
        "insured_name": "张三",
        "insured_id_number": "",
        "incident_at": incident.strftime("%Y-%m-%dT%H:%M"),
        "incident_place": "东村一组",
        "cause": "暴雨",
        "course": "连日暴雨，稻田被淹。",
        "deaths": "0",
        "reporter_name": "张三",
        "reporter_phone": "13800138000",
        "reporter_relation": "self",
        "estimated_amount": "3000",
    }
    return data | overrides


@pytest.fixture
def case(claims_book, clerk_a) -> ClaimCase:
    return case_report(by=clerk_a, **report_values(claims_book))


def _manager_c(tree):
    return UserFactory(username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER)


# Report form and lookup -------------------------------------------------------------------
def test_clm_2_new_report_page_posts_and_redirects(claims_book, clerk_a):
    client = login(clerk_a)
    page = client.get(reverse("claims_assist:case_new"))
    assert page.status_code == 200
    assert "org_unit" not in page.context["form"].fields  # an outlet clerk reports for it
    assert 'id="case-lookup-form"' in page.content.decode()

    response = client.post(reverse("claims_assist:case_new"), form_data(claims_book))
    case = ClaimCase.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("claims_assist:case_detail", args=[case.pk])
    assert case.policy == claims_book.rice_a and case.created_by == clerk_a
    assert OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS).count() == 1


def test_clm_2_new_report_errors_rerender_and_save_nothing(claims_book, clerk_a):
    future = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = login(clerk_a).post(
        reverse("claims_assist:case_new"),
        form_data(
            claims_book,
            incident_at=future,
            insured_id_number="110105194912310021",
            reporter_phone="999",
        ),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"incident_at", "insured_id_number", "reporter_phone"} <= set(errors)
    assert not ClaimCase.objects.exists()


def test_clm_2_manager_chooses_outlet_and_follower(claims_book, county_manager, clerk_a, tree):
    client = login(county_manager)
    page = client.get(reverse("claims_assist:case_new"))
    outlets = set(page.context["form"].fields["org_unit"].queryset)
    assert tree.outlet_a in outlets and tree.outlet_c not in outlets
    response = client.post(
        reverse("claims_assist:case_new"),
        form_data(claims_book, org_unit=tree.outlet_a.pk, owner=clerk_a.pk),
    )
    assert response.status_code == 302
    assert ClaimCase.objects.get().owner == clerk_a


def test_clm_2_lookup_partial_and_prefill(claims_book, clerk_a, case):
    client = login(clerk_a)
    response = client.get(
        reverse("claims_assist:case_lookup"), {"name": "张三"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.templates[0].name == "claims_assist/cases/_lookup.html"
    assert response.context["lookup"].cases == [case]
    html = response.content.decode()
    assert case.number in html and ID_A not in html  # masked (REG-3)
    assert "110105********002X" in html
    assert 'class="button button-small choose-policy"' in html

    # Choosing a policy fills the report form.
    page = client.get(
        reverse("claims_assist:case_new"),
        {"policy_number": claims_book.rice_a.number, "product": claims_book.rice.pk},
    )
    form = page.context["form"]
    assert form["policy_number"].value() == claims_book.rice_a.number
    assert str(form["product"].value()) == str(claims_book.rice.pk)


def test_clm_2_lookup_without_javascript_renders_the_report_page(claims_book, clerk_a):
    response = login(clerk_a).get(
        reverse("claims_assist:case_lookup"), {"policy_number": claims_book.rice_a.number}
    )
    assert response.status_code == 200
    assert "claims_assist/cases/new.html" in [t.name for t in response.templates]
    assert [m.policy for m in response.context["lookup"].policies] == [claims_book.rice_a]


def test_clm_2_lookup_ambiguity_and_invalid_id(claims_book, clerk_a, tree):
    group_policy(claims_book, tree, clerk_a, rows=[("张三", resident_id(5))])
    client = login(clerk_a)
    response = client.get(
        reverse("claims_assist:case_lookup"), {"name": "张三"}, HTTP_HX_REQUEST="true"
    )
    assert response.context["lookup"].ambiguous
    assert 'id="lookup-ambiguous"' in response.content.decode()
    bad = client.get(
        reverse("claims_assist:case_lookup"), {"id_number": "123"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400 and "id_number" in bad.context["lookup_form"].errors


def test_clm_2_lookup_is_scoped(claims_book, clerk_b, case):
    response = login(clerk_b).get(
        reverse("claims_assist:case_lookup"), {"name": "张三"}, HTTP_HX_REQUEST="true"
    )
    assert response.context["lookup"].cases == []
    assert response.context["lookup"].policies == []


def test_clm_2_new_and_lookup_refusals(claims_book, auditor):
    assert login(auditor).get(reverse("claims_assist:case_new")).status_code == 403
    assert login(auditor).post(reverse("claims_assist:case_new"), {}).status_code == 403
    anonymous = Client()
    for url in (reverse("claims_assist:case_new"), reverse("claims_assist:case_lookup")):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/")


# Case page ---------------------------------------------------------------------------------
def test_clm_1_case_page_shows_header_flags_and_panels(claims_book, clerk_a, case):
    ClaimCase.objects.filter(pk=case.pk).update(
        fraud_flags=[{"code": "repeat_claimant", "label": "多次索赔", "detail": "一年内3次"}]
    )
    response = login(clerk_a).get(reverse("claims_assist:case_detail", args=[case.pk]))
    assert response.status_code == 200
    names = [panel["name"] for panel in response.context["panels"]]
    assert names[0] == "intake" and len(names) >= 5
    html = response.content.decode()
    assert 'data-flag="hotline_missing"' in html
    assert 'data-flag="fraud-repeat_claimant"' in html
    assert 'id="hotline-form"' in html
    assert "110105********002X" in html and ID_A not in html
    assert response.context["may_write"] and response.context["may_withdraw"]
    assert not re.search(r"\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+=", html)  # strict CSP


def test_clm_1_case_page_read_only_for_auditor(claims_book, auditor, case):
    response = login(auditor).get(reverse("claims_assist:case_detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="hotline-form"' not in html and "13800138000" not in html
    assert not response.context["may_write"]


def test_clm_1_case_page_refusals(tree, claims_book, clerk_b, case):
    url = reverse("claims_assist:case_detail", args=[case.pk])
    assert login(clerk_b).get(url).status_code == 404
    assert login(_manager_c(tree)).get(url).status_code == 404
    assert Client().get(url).status_code == 302


# 95518 number --------------------------------------------------------------------------------
def test_clm_1_hotline_form_records_and_redirects(claims_book, clerk_a, case):
    url = reverse("claims_assist:case_hotline", args=[case.pk])
    response = login(clerk_a).post(url, {"number": "RP20260001"})
    assert response.status_code == 302
    assert response.url == reverse("claims_assist:case_detail", args=[case.pk])
    case.refresh_from_db()
    assert case.hotline_number == "RP20260001" and case.stage == ClaimCase.Stage.FORWARDED


def test_clm_1_hotline_form_errors_rerender_the_case_page(claims_book, clerk_a, case):
    other = case_report(by=clerk_a, **report_values(claims_book))
    client = login(clerk_a)
    client.post(reverse("claims_assist:case_hotline", args=[other.pk]), {"number": "RP0001"})
    response = client.post(
        reverse("claims_assist:case_hotline", args=[case.pk]), {"number": "RP0001"}
    )
    assert response.status_code == 400
    intake = next(p for p in response.context["panels"] if p["name"] == "intake")
    assert "number" in intake["hotline_form"].errors
    case.refresh_from_db()
    assert case.hotline_number == ""


def test_clm_1_hotline_refusals(tree, claims_book, clerk_b, auditor, case):
    url = reverse("claims_assist:case_hotline", args=[case.pk])
    assert login(clerk_b).post(url, {"number": "RP1234"}).status_code == 404
    assert login(_manager_c(tree)).post(url, {"number": "RP1234"}).status_code == 404
    assert login(auditor).post(url, {"number": "RP1234"}).status_code == 403
    assert login(auditor).post(url, {}).status_code == 403
    assert Client().post(url, {"number": "RP1234"}).status_code == 302
    assert login(clerk_b).get(url).status_code in (404, 405)
    case.refresh_from_db()
    assert case.hotline_number == ""


# Correction and withdrawal ---------------------------------------------------------------------
def test_clm_2_edit_form_corrects_the_report(claims_book, clerk_a, case):
    url = reverse("claims_assist:case_edit", args=[case.pk])
    client = login(clerk_a)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["policy_number"].value() == claims_book.rice_a.number
    incident = timezone.localtime(case.incident_at).strftime("%Y-%m-%dT%H:%M")
    data = form_data(claims_book, incident_at=incident, cause="洪水", product=claims_book.rice.pk)
    response = client.post(url, data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.cause == "洪水"


def test_clm_2_edit_errors_rerender(claims_book, clerk_a, case):
    response = login(clerk_a).post(
        reverse("claims_assist:case_edit", args=[case.pk]),
        form_data(claims_book, reporter_phone="12"),
    )
    assert response.status_code == 400
    assert "reporter_phone" in response.context["form"].errors


def test_clm_2_edit_refusals(tree, claims_book, clerk_b, auditor, case):
    url = reverse("claims_assist:case_edit", args=[case.pk])
    assert login(clerk_b).get(url).status_code == 404
    assert login(_manager_c(tree)).post(url, form_data(claims_book)).status_code == 404
    assert login(auditor).get(url).status_code == 403
    assert login(auditor).post(url, form_data(claims_book, cause="x")).status_code == 403
    assert Client().get(url).status_code == 302
    case.refresh_from_db()
    assert case.cause == "暴雨"


def test_clm_1_withdraw_form(claims_book, clerk_a, case):
    url = reverse("claims_assist:case_withdraw", args=[case.pk])
    client = login(clerk_a)
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "客户撤案"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.WITHDRAWN
    page = client.get(reverse("claims_assist:case_detail", args=[case.pk]))
    assert not page.context["may_withdraw"] and 'id="hotline-form"' not in page.content.decode()
    late = client.post(reverse("claims_assist:case_hotline", args=[case.pk]), {"number": "RP0001"})
    assert late.status_code == 400
    intake = next(p for p in late.context["panels"] if p["name"] == "intake")
    assert intake["hotline_form"].non_field_errors()


def test_clm_1_withdraw_refusals(tree, claims_book, clerk_b, auditor, case):
    url = reverse("claims_assist:case_withdraw", args=[case.pk])
    assert login(clerk_b).post(url, {"reason": "x"}).status_code == 404
    assert login(_manager_c(tree)).post(url, {"reason": "x"}).status_code == 404
    assert login(auditor).post(url, {"reason": "x"}).status_code == 403
    assert Client().post(url, {"reason": "x"}).status_code == 302
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.REPORTED


def test_clm_12_case_page_lists_the_complaints_about_it(claims_book, clerk_a, clerk_b, case):
    from complaints.models import Topic
    from tests.complaints.factories import receive_complaint

    # Given a claim complaint naming the case, received at outlet A, and one at outlet B.
    mine = receive_complaint(clerk_a, topic=Topic.CLAIMS, claim_reference=case.number)
    other = receive_complaint(clerk_b, topic=Topic.CLAIMS, claim_reference=case.number)
    # When outlet A's clerk opens the case page.
    response = login(clerk_a).get(reverse("claims_assist:case_detail", args=[case.pk]))
    # Then it links the complaint the clerk may see, not outlet B's.
    html = response.content.decode()
    assert reverse("complaints:complaint_detail", args=[mine.pk]) in html
    assert other.number not in html
