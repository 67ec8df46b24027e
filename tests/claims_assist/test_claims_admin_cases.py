"""The claims admin for cases: CLM-8 checklists are data a manager edits (case type
with its document lines) and the completeness gate follows them; claims settings per
county; claim cases and the watch list read-only and scoped (OUT-1, REG-3)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from claims_assist.models import (
    CaseType,
    ClaimCase,
    ClaimsSettings,
    DocumentKind,
    DocumentRequirement,
    WatchListEntry,
)
from claims_assist.services import documents as documents_service
from tests.claims_assist.authority_support import manager_c
from tests.claims_assist.timeline_support import AGRICULTURE, add_documents, reported_case


def staff(user):
    user.is_staff = True
    user.save()
    return user


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_form_data(response) -> dict:
    """What the admin change page would post back unchanged, inlines included."""
    data = {}

    def put(form, name):
        value = form[name].value()
        if value is None or value is False:
            return
        data[form.add_prefix(name)] = "on" if value is True else value

    form = response.context["adminform"].form
    for name in form.fields:
        put(form, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(formset.management_form, name)
        for line in formset.forms:
            for name in line.fields:
                put(line, name)
    return data


def line_prefix(response, code: str) -> str:
    formset = response.context["inline_admin_formsets"][0].formset
    kind = DocumentKind.objects.get(code=code)
    line = next(f for f in formset.forms if f.instance.pk and f.instance.kind_id == kind.pk)
    return line.prefix


def test_clm_8_manager_edits_a_checklist_in_the_admin_and_the_gate_follows(
    claims_book, clerk_a, county_manager
):
    agriculture = CaseType.objects.get(code="agriculture")
    case = reported_case(claims_book, clerk_a)
    add_documents(case, clerk_a, kinds=AGRICULTURE[:-1])  # no accident proof
    with pytest.raises(ValidationError):
        documents_service.case_file_accept(by=clerk_a, case_pk=case.pk)

    client = login(staff(county_manager))
    url = f"/admin/claims_assist/casetype/{agriculture.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    # The accident proof becomes optional for this case type.
    data.pop(f"{line_prefix(page, 'accident_proof')}-required")
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    requirement = DocumentRequirement.objects.get(
        case_type=agriculture, kind__code="accident_proof"
    )
    assert not requirement.required
    documents_service.case_file_accept(by=clerk_a, case_pk=case.pk)
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.FILE_COMPLETE


def test_clm_8_line_added_in_the_admin_is_required_by_the_gate(
    claims_book, clerk_a, county_manager
):
    agriculture = CaseType.objects.get(code="agriculture")
    case = reported_case(claims_book, clerk_a)
    add_documents(case, clerk_a)
    client = login(staff(county_manager))
    url = f"/admin/claims_assist/casetype/{agriculture.pk}/change/"
    page = client.get(url)
    data = change_form_data(page)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-kind"] = DocumentKind.objects.get(code="repair_invoices").pk
    data[f"{prefix}-{total}-required"] = "on"
    data[f"{prefix}-{total}-position"] = "9"
    data[f"{prefix}-{total}-note"] = "农机具损失"
    assert client.post(url, data).status_code == 302
    with pytest.raises(ValidationError) as refused:
        documents_service.case_file_accept(by=clerk_a, case_pk=case.pk)
    assert "修理或财产损失发票" in refused.value.messages[0]


def test_clm_8_only_managers_edit_checklists(claims_book, clerk_a, auditor):
    agriculture = CaseType.objects.get(code="agriculture")
    url = f"/admin/claims_assist/casetype/{agriculture.pk}/change/"
    for user in (clerk_a, auditor):
        client = login(staff(user))
        assert client.get(url).status_code == 200
        assert client.post(url, {"code": "x", "name": "x"}).status_code == 403
        assert client.get("/admin/claims_assist/documentkind/add/").status_code == 403
    agriculture.refresh_from_db()
    assert agriculture.code == "agriculture"


def test_clm_10_claims_settings_county_override(tree, county_manager):
    client = login(staff(county_manager))
    default = ClaimsSettings.objects.get(county=None)
    listed = client.get("/admin/claims_assist/claimssettings/").context["cl"].queryset
    assert default in listed
    url = f"/admin/claims_assist/claimssettings/{default.pk}/change/"
    assert client.post(url, {"small_payment_below": "1"}).status_code == 403
    response = client.post(
        "/admin/claims_assist/claimssettings/add/",
        {
            "county": tree.county.pk,
            "claim_time_limit_days": 730,
            "major_amount": "500000.00",
            "small_payment_below": "3000.00",
            "repeat_claims": 3,
            "repeat_window_days": 365,
            "high_loss_ratio": "1.000",
        },
    )
    assert response.status_code == 302
    assert ClaimsSettings.objects.get(county=tree.county).small_payment_below == Decimal("3000.00")
    other = ClaimsSettings.objects.create(county=tree.other_county)
    listed = client.get("/admin/claims_assist/claimssettings/").context["cl"].queryset
    assert other not in listed


def test_claim_cases_admin_is_read_only_scoped_and_searchable(
    claims_book, tree, clerk_a, clerk_b, county_manager
):
    mine = reported_case(claims_book, clerk_a)
    theirs = reported_case(claims_book, clerk_b, policy=claims_book.rice_b)
    client = login(staff(county_manager))
    listed = client.get("/admin/claims_assist/claimcase/").context["cl"].queryset
    assert {mine, theirs} <= set(listed)
    found = client.get("/admin/claims_assist/claimcase/", {"q": mine.number}).context["cl"]
    assert list(found.queryset) == [mine]
    by_policy = client.get("/admin/claims_assist/claimcase/", {"q": claims_book.rice_b.number})
    assert list(by_policy.context["cl"].queryset) == [theirs]
    page = client.get(f"/admin/claims_assist/claimcase/{mine.pk}/change/")
    assert page.status_code == 200
    assert "11010519491231002X" not in page.content.decode()  # masked (REG-3)
    assert client.post(f"/admin/claims_assist/claimcase/{mine.pk}/change/", {}).status_code == 403
    far = login(staff(manager_c(tree)))
    assert mine not in far.get("/admin/claims_assist/claimcase/").context["cl"].queryset
    history = far.get(f"/admin/claims_assist/claimcase/{mine.pk}/history/")
    assert history.status_code == 404


def test_clm_16_watch_list_admin_read_only_and_scoped(tree, county_manager):
    own = WatchListEntry.objects.create(
        county=tree.county,
        name="王五",
        id_number="11010519491231002X",
        reason="伪造",
        added_by=county_manager,
    )
    far = WatchListEntry.objects.create(
        county=tree.other_county,
        name="赵六",
        id_number="11010519491231002X",
        reason="伪造",
        added_by=county_manager,
    )
    client = login(staff(county_manager))
    listed = client.get("/admin/claims_assist/watchlistentry/").context["cl"].queryset
    assert own in listed and far not in listed
    page = client.get(f"/admin/claims_assist/watchlistentry/{own.pk}/change/")
    assert "11010519491231002X" not in page.content.decode()
    assert client.get("/admin/claims_assist/watchlistentry/add/").status_code == 403
