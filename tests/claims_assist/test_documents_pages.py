"""CLM-8, CLM-9 pages: the documents panel on the case page (checklist with received
and missing marks, upload per kind, the gate listing what is missing), the POST
endpoints and the scoped download, with their refusals (other outlet or county 404,
auditor 403, anonymous to the login page)."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from claims_assist.models import CaseDocument, CaseType, ClaimCase
from tests.claims_assist.authority_support import manager_c
from tests.claims_assist.timeline_support import (
    AGRICULTURE,
    add_documents,
    complete_file,
    image_bytes,
    pdf_bytes,
    reported_case,
    scan,
)


def login(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def case(claims_book, clerk_a):
    return reported_case(claims_book, clerk_a)


def panel(response, name: str) -> dict:
    return next(p for p in response.context["panels"] if p["name"] == name)


def notes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_clm_8_panel_shows_checklist_with_received_and_missing(case, clerk_a):
    add_documents(case, clerk_a, kinds=["policy"])
    response = login(clerk_a).get(f"/claims/cases/{case.pk}/")
    assert response.status_code == 200
    documents = panel(response, "documents")
    assert [line.kind.code for line in documents["checklist"]] == AGRICULTURE
    assert [kind.code for kind in documents["missing"]] == AGRICULTURE[1:]
    assert documents["may_upload"] and documents["may_accept"] and not documents["may_transfer"]
    html = response.content.decode()
    assert 'id="document-checklist"' in html and 'enctype="multipart/form-data"' in html
    assert html.count('class="checklist-line missing"') == len(AGRICULTURE) - 1
    assert 'id="missing-documents"' in html


def test_clm_8_upload_set_type_remove_accept_transfer_through_the_pages(case, clerk_a):
    client = login(clerk_a)
    url = f"/claims/cases/{case.pk}/"
    medical = CaseType.objects.get(code="medical")
    response = client.post(f"{url}case-type/", {"case_type": medical.pk})
    assert response.status_code == 302 and response["Location"].startswith(url)
    case.refresh_from_db()
    assert case.case_type == medical
    client.post(f"{url}case-type/", {"case_type": CaseType.objects.get(code="agriculture").pk})
    kind = CaseType.objects.get(code="agriculture").documents.get(code="policy")
    response = client.post(
        f"{url}documents/", {"kind": kind.pk, "file": scan(image_bytes("JPEG"), "a.pdf")}
    )
    assert response.status_code == 302
    document = CaseDocument.objects.get()
    assert document.content_type == "image/jpeg"
    response = client.post(f"/claims/documents/{document.pk}/remove/", {"reason": "拍歪了"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.removed_reason == "拍歪了"
    response = client.post(f"{url}accept-file/")
    assert response.status_code == 302
    assert any("CLM-8" in note for note in notes(response))
    add_documents(case, clerk_a)
    client.post(f"{url}accept-file/")
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.FILE_COMPLETE
    page = client.get(url)
    assert panel(page, "documents")["may_transfer"]
    client.post(f"{url}transfer/", {"note": "已交"})
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.TRANSFERRED


def test_clm_8_refused_upload_reports_and_saves_nothing(case, clerk_a):
    kind = case.case_type.documents.get(code="policy")
    response = login(clerk_a).post(
        f"/claims/cases/{case.pk}/documents/",
        {"kind": kind.pk, "file": scan(pdf_bytes(password="pw"), "locked.pdf")},
    )
    assert response.status_code == 302
    assert not CaseDocument.objects.exists()
    assert notes(response)


def test_clm_8_download_is_scoped_and_an_attachment(case, clerk_a, clerk_b, tree, auditor):
    add_documents(case, clerk_a, kinds=["policy"])
    document = CaseDocument.objects.get()
    url = f"/claims/documents/{document.pk}/file/"
    response = login(clerk_a).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert login(auditor).get(url).status_code == 200
    assert login(clerk_b).get(url).status_code == 404
    assert login(manager_c(tree)).get(url).status_code == 404
    anonymous = login(None).get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("case-type/", {"case_type": 1}),
        ("documents/", {}),
        ("accept-file/", {}),
        ("transfer/", {}),
        ("special/", {"reason": "复杂"}),
    ],
)
def test_clm_8_case_posts_validate_ownership(case, clerk_b, tree, auditor, path, data):
    url = f"/claims/cases/{case.pk}/{path}"
    assert login(clerk_b).post(url, data).status_code == 404
    assert login(manager_c(tree)).post(url, data).status_code == 404
    assert login(auditor).post(url, data).status_code == 403
    anonymous = login(None).post(url, data)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.REPORTED and not case.special


def test_clm_8_remove_validates_ownership(case, clerk_a, clerk_b, auditor):
    add_documents(case, clerk_a, kinds=["policy"])
    url = f"/claims/documents/{CaseDocument.objects.get().pk}/remove/"
    assert login(clerk_b).post(url, {"reason": "x"}).status_code == 404
    assert login(auditor).post(url, {"reason": "x"}).status_code == 403
    assert login(None).post(url, {"reason": "x"}).status_code == 302
    assert not CaseDocument.objects.filter(removed_at__isnull=False).exists()


def test_clm_10_special_by_the_wrong_role_is_403(case, clerk_a, claims_centre):
    url = f"/claims/cases/{case.pk}/special/"
    assert login(clerk_a).post(url, {"reason": "复杂"}).status_code == 403
    assert login(claims_centre).post(url, {"reason": "复杂"}).status_code == 302
    case.refresh_from_db()
    assert case.special


def test_clm_8_accepted_file_panel_hides_removal(case, clerk_a):
    complete_file(case, clerk_a)
    documents = panel(login(clerk_a).get(f"/claims/cases/{case.pk}/"), "documents")
    assert not documents["may_remove"] and not documents["may_accept"]
    assert documents["missing"] == []
