"""Group policies around the household list: creation (UW-2), signatures and seal
(UW-7), audited changes to the verified list (UW-6), the notice hook (PUB-1) and
finalisation; and the pages, each with its refusals (OUT-1)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from core.access import NotInScope, ReadOnlyRole
from core.masking import mask
from core.selectors import evidence_for
from tests.underwriting.factories import OrganisationFactory
from tests.underwriting.group_support import (
    draft_policy,
    listed_policy,
    make_ready,
    photo,
    rows_of,
)
from underwriting.models import Customer, HouseholdList, HouseholdRow, Inspection, Policy
from underwriting.services import group as group_service
from underwriting.services.inspections import inspection_record


@pytest.fixture(autouse=True)
def english():
    """Refusal messages are compared with their English msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    """Pages in English, so that they can be compared with the msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


# --- UW-2 creation -----------------------------------------------------------------------
def test_uw_2_group_policy_opens_as_a_draft_waiting_for_its_list(book, clerk_a):
    policy = draft_policy(book, clerk_a)
    assert policy.kind == Policy.Kind.GROUP
    assert policy.status == Policy.Status.QUOTED
    assert policy.organiser == book.committee_a and policy.insured is None
    assert policy.season == "2026早稻"
    assert policy.premium == 0 and policy.split_adds_up()
    assert policy.starts_on == timezone.localdate() + dt.timedelta(days=1)
    assert policy.ends_on == policy.starts_on + dt.timedelta(days=book.rice.cover_days - 1)
    assert policy.history.first().history_user == clerk_a


@pytest.mark.parametrize(
    "organisation_type",
    [
        Customer.OrganisationType.VILLAGE_COMMITTEE,
        Customer.OrganisationType.COOPERATIVE,
        Customer.OrganisationType.OTHER,
    ],
)
def test_uw_2_village_committees_and_agricultural_organisations_organise(
    book, clerk_a, tree, organisation_type
):
    organiser = OrganisationFactory(
        org_unit=tree.outlet_a, created_by=clerk_a, organisation_type=organisation_type
    )
    policy = group_service.group_policy_create(
        clerk=clerk_a,
        organiser=organiser,
        product=book.rice,
        season="2026晚稻",
        application_date=timezone.localdate(),
    )
    assert policy.organiser == organiser


@pytest.mark.parametrize(
    "organisation_type",
    [Customer.OrganisationType.FAMILY_FARM, Customer.OrganisationType.LARGE_GROWER],
)
def test_uw_2_those_who_insure_alone_cannot_organise(book, clerk_a, tree, organisation_type):
    organiser = OrganisationFactory(
        org_unit=tree.outlet_a, created_by=clerk_a, organisation_type=organisation_type
    )
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_create(
            clerk=clerk_a,
            organiser=organiser,
            product=book.rice,
            season="2026早稻",
            application_date=timezone.localdate(),
        )
    assert "cannot organise a group policy" in messages_of(exc)
    assert not Policy.objects.exists()


def test_uw_2_a_farmer_cannot_organise(book, clerk_a):
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_create(
            clerk=clerk_a,
            organiser=book.farmer_a,
            product=book.rice,
            season="2026早稻",
            application_date=timezone.localdate(),
        )
    assert "organiser" in exc.value.message_dict


def test_uw_2_group_policies_are_for_policy_based_agricultural_products(book, clerk_a):
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_create(
            clerk=clerk_a,
            organiser=book.committee_a,
            product=book.motor,
            season="2026",
            application_date=timezone.localdate(),
        )
    assert "policy-based crop, livestock or forest" in messages_of(exc)


def test_uw_2_season_is_required(book, clerk_a):
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_create(
            clerk=clerk_a,
            organiser=book.committee_a,
            product=book.rice,
            season="  ",
            application_date=timezone.localdate(),
        )
    assert "season" in exc.value.message_dict


def test_uw_9_group_policy_entered_too_late_is_refused(book, clerk_a):
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_create(
            clerk=clerk_a,
            organiser=book.committee_a,
            product=book.rice,
            season="2026早稻",
            application_date=timezone.localdate() - dt.timedelta(days=31),
        )
    assert "UW-9" in messages_of(exc)


def test_out_1_clerk_cannot_open_a_policy_for_another_outlets_organiser(book, clerk_b):
    with pytest.raises(NotInScope):
        draft_policy(book, clerk_b)


def test_auditor_cannot_open_a_group_policy(book, auditor):
    with pytest.raises(ReadOnlyRole):
        draft_policy(book, auditor)


# --- UW-7 signatures, UW-6 audit ----------------------------------------------------------
def test_uw_7_proxy_signature_needs_the_authorisation_and_shows_as_name_dai(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    with pytest.raises(ValidationError) as exc:
        group_service.household_signature_record(
            clerk=clerk_a, row=row, signature="proxy", proxy_name="王五", reason="代签"
        )
    assert "proxy_authorisation" in exc.value.message_dict
    row.refresh_from_db()
    assert row.signature == HouseholdRow.Signature.UNSIGNED

    row = group_service.household_signature_record(
        clerk=clerk_a,
        row=row,
        signature="proxy",
        proxy_name="王五",
        proxy_authorisation="委托书 2026-03-01",
        reason="按纸质清单录入",
    )
    row.refresh_from_db()
    assert row.signature_display == "王五代"
    assert row.proxy_authorisation == "委托书 2026-03-01"


def test_uw_6_signature_change_on_a_verified_list_is_audited_with_who_and_why(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[1]
    group_service.household_signature_record(
        clerk=clerk_a, row=row, signature="signed", reason="本人已在清单签字"
    )
    record = row.history.order_by("-history_date").first()
    assert record.signature == "signed"
    assert record.history_user == clerk_a
    assert record.history_change_reason == "本人已在清单签字"


def test_uw_6_signature_change_without_a_reason_is_refused(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    with pytest.raises(ValidationError) as exc:
        group_service.household_signature_record(clerk=clerk_a, row=row, signature="signed")
    assert "reason" in exc.value.message_dict
    row.refresh_from_db()
    assert row.signature == HouseholdRow.Signature.UNSIGNED
    assert not row.history.exists()


def test_uw_7_switching_from_proxy_to_signed_clears_the_proxy(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    group_service.household_signature_record(
        clerk=clerk_a,
        row=row,
        signature="proxy",
        proxy_name="王五",
        proxy_authorisation="委托书",
        reason="代签",
    )
    row = group_service.household_signature_record(
        clerk=clerk_a, row=row, signature="signed", reason="本人补签"
    )
    assert (row.proxy_name, row.proxy_authorisation) == ("", "")


def test_uw_7_mark_all_signed_keeps_proxies_and_audits_each_row(book, clerk_a):
    policy = listed_policy(book, clerk_a, households=4)
    proxy_row = rows_of(policy)[0]
    group_service.household_signature_record(
        clerk=clerk_a,
        row=proxy_row,
        signature="proxy",
        proxy_name="王五",
        proxy_authorisation="委托书",
        reason="代签",
    )
    with pytest.raises(ValidationError):
        group_service.household_signatures_mark_signed(clerk=clerk_a, policy=policy, reason="")
    changed = group_service.household_signatures_mark_signed(
        clerk=clerk_a, policy=policy, reason="纸质清单已全部签字"
    )
    assert changed == 3
    rows = rows_of(policy)
    assert [row.signature for row in rows] == ["proxy", "signed", "signed", "signed"]
    record = rows[2].history.order_by("-history_date").first()
    assert record.history_user == clerk_a
    assert record.history_change_reason == "纸质清单已全部签字"


def test_uw_7_signatures_are_recorded_only_on_an_accepted_list(book, clerk_a):
    policy = draft_policy(book, clerk_a)
    with pytest.raises(ValidationError):
        group_service.group_policy_record_seal(clerk=clerk_a, policy=policy, seal="official")


def test_uw_7_seal_is_recorded_and_must_be_official_or_seam(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    with pytest.raises(ValidationError):
        group_service.group_policy_record_seal(clerk=clerk_a, policy=policy, seal="stamp")
    policy = group_service.group_policy_record_seal(clerk=clerk_a, policy=policy, seal="seam")
    assert policy.seal == "seam"
    assert policy.history.first().history_user == clerk_a


def test_out_1_other_outlet_cannot_sign_or_seal(book, clerk_a, clerk_b, auditor):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    with pytest.raises(NotInScope):
        group_service.household_signature_record(
            clerk=clerk_b, row=row, signature="signed", reason="x"
        )
    with pytest.raises(NotInScope):
        group_service.group_policy_record_seal(clerk=clerk_b, policy=policy, seal="official")
    with pytest.raises(ReadOnlyRole):
        group_service.group_policy_record_seal(clerk=auditor, policy=policy, seal="official")


# --- PUB-1 hook ---------------------------------------------------------------------------
def test_pub_1_hook_records_that_the_notice_completed(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    completed = timezone.now() - dt.timedelta(minutes=5)
    policy = group_service.group_policy_mark_noticed(policy=policy, completed_at=completed)
    assert policy.notice_completed_at == completed
    assert "PUB-1" in policy.history.first().history_change_reason


def test_pub_1_a_notice_of_an_older_list_does_not_count(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    with pytest.raises(ValidationError):
        group_service.group_policy_mark_noticed(
            policy=policy, completed_at=timezone.now() - dt.timedelta(days=30)
        )


def test_pub_1_only_listed_group_policies_are_noticed(book, clerk_a):
    with pytest.raises(ValidationError):
        group_service.group_policy_mark_noticed(
            policy=draft_policy(book, clerk_a), completed_at=timezone.now()
        )


# --- Finalisation -------------------------------------------------------------------------
def test_pub_1_uw_7_finalise_lists_every_missing_condition(book, clerk_a):
    policy = listed_policy(book, clerk_a)
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_finalise(clerk=clerk_a, policy=policy)
    text = messages_of(exc)
    assert "public notice has not completed yet (PUB-1)" in text
    assert "3 households have not signed the list (UW-7)" in text
    assert "seal on the list is not recorded (UW-7)" in text
    policy.refresh_from_db()
    assert policy.status == Policy.Status.LISTED and policy.number is None


@pytest.mark.parametrize(
    ("undo", "message"),
    [
        ({"notice_completed_at": None}, "The public notice has not completed yet (PUB-1)."),
        ({"seal": ""}, "The organiser's seal on the list is not recorded (UW-7)."),
    ],
)
def test_pub_1_uw_7_finalise_refused_when_one_condition_is_missing(book, clerk_a, undo, message):
    policy = make_ready(listed_policy(book, clerk_a), clerk_a)
    Policy.objects.filter(pk=policy.pk).update(**undo)
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_finalise(clerk=clerk_a, policy=policy)
    assert exc.value.messages == [message]


def test_pub_1_a_list_accepted_after_the_notice_needs_a_new_notice(book, clerk_a):
    policy = make_ready(listed_policy(book, clerk_a), clerk_a)
    # A corrected list (e.g. after an objection, PUB-5) was accepted after the notice ended.
    HouseholdList.objects.filter(policy=policy).update(finished_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_finalise(clerk=clerk_a, policy=policy)
    assert exc.value.messages == ["The public notice has not completed yet (PUB-1)."]


def test_uw_7_finalise_refused_while_one_household_is_unsigned(book, clerk_a):
    policy = make_ready(listed_policy(book, clerk_a), clerk_a)
    HouseholdRow.objects.filter(pk=rows_of(policy)[2].pk).update(signature="unsigned")
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_finalise(clerk=clerk_a, policy=policy)
    assert exc.value.messages == ["1 household has not signed the list (UW-7)."]


def test_finalise_refused_before_the_list_is_accepted(book, clerk_a):
    policy = draft_policy(book, clerk_a)
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_finalise(clerk=clerk_a, policy=policy)
    assert exc.value.messages == ["No household list has been accepted yet (UW-10)."]


def test_uw_5_finalise_refused_while_a_flagged_row_is_not_inspected(book, clerk_a):
    policy = listed_policy(
        book, clerk_a, flags={0: ["large_quantity"], 1: ["epidemic_zone", "phone_format"]}
    )
    make_ready(policy, clerk_a)
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_finalise(clerk=clerk_a, policy=policy)
    assert exc.value.messages == [
        "2 flagged households have no on-site inspection confirming the subject (UW-5): rows 3、4."
    ]


def test_uw_5_an_inspection_that_did_not_confirm_the_subject_does_not_count(book, clerk_a):
    policy = make_ready(listed_policy(book, clerk_a, flags={0: ["over_capacity"]}), clerk_a)
    inspection_record(
        clerk=clerk_a,
        policy=policy,
        household=rows_of(policy)[0],
        inspected_on=timezone.localdate(),
        findings="实际种植5亩，与清单不符",
        photos=[photo()],
        confirmed=False,
    )
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_finalise(clerk=clerk_a, policy=policy)
    assert "row 3." in messages_of(exc)


def test_uw_5_data_warnings_need_no_inspection(book, clerk_a):
    policy = listed_policy(book, clerk_a, flags={0: ["phone_format", "no_bank_account"]})
    policy = group_service.group_policy_finalise(clerk=clerk_a, policy=make_ready(policy, clerk_a))
    assert policy.status == Policy.Status.ISSUED


def test_finalise_issues_the_policy_when_everything_is_in_place(book, clerk_a):
    policy = listed_policy(book, clerk_a, flags={1: ["damaged"]})
    make_ready(policy, clerk_a)
    inspection_record(
        clerk=clerk_a,
        policy=policy,
        household=rows_of(policy)[1],
        inspected_on=timezone.localdate(),
        findings="标的正常，受损已核实为轻微",
        photos=[photo()],
    )
    assert all(item.done for item in group_service.group_policy_checklist(policy=policy))
    policy = group_service.group_policy_finalise(clerk=clerk_a, policy=policy)
    policy.refresh_from_db()
    assert policy.status == Policy.Status.ISSUED
    assert policy.number.startswith(f"G{policy.org_unit.code}")
    assert len(policy.verification_code) == 12
    assert policy.issued_at is not None
    # The organiser collects the shares: no payment is recorded for a group policy.
    assert policy.paid_at is None and policy.payment_method == ""
    record = policy.history.first()
    assert record.history_user == clerk_a and record.history_change_reason
    # Once issued, the list changes only through an endorsement (UW-12).
    with pytest.raises(ValidationError):
        group_service.household_signature_record(
            clerk=clerk_a, row=rows_of(policy)[0], signature="unsigned", reason="x"
        )
    with pytest.raises(ValidationError) as exc:
        group_service.group_policy_finalise(clerk=clerk_a, policy=policy)
    assert exc.value.messages == ["The policy is already finalised."]


def test_out_1_finalise_refusals(book, clerk_a, clerk_b, auditor):
    policy = make_ready(listed_policy(book, clerk_a), clerk_a)
    with pytest.raises(NotInScope):
        group_service.group_policy_finalise(clerk=clerk_b, policy=policy)
    with pytest.raises(ReadOnlyRole):
        group_service.group_policy_finalise(clerk=auditor, policy=policy)


# --- Pages --------------------------------------------------------------------------------
def test_group_list_shows_the_outlets_policies_only(client, book, clerk_a, clerk_b):
    policy = listed_policy(book, clerk_a)
    client.force_login(clerk_a)
    response = client.get(reverse("underwriting:group_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "农户0号等3户" in html and "2026早稻" in html
    response = client.get(reverse("underwriting:group_list"), {"status": "issued"})
    assert "农户0号等3户" not in response.content.decode()
    client.force_login(clerk_b)
    assert "农户0号等3户" not in client.get(reverse("underwriting:group_list")).content.decode()
    assert policy.pk


def test_uw_2_group_create_page(client, book, clerk_a):
    client.force_login(clerk_a)
    url = reverse("underwriting:group_create")
    html = client.get(url).content.decode()
    assert book.committee_a.name in html and book.farmer_a.name not in html
    response = client.post(
        url,
        {
            "organiser": book.committee_a.pk,
            "product": book.rice.pk,
            "season": "2026早稻",
            "application_date": timezone.localdate().isoformat(),
        },
    )
    policy = Policy.objects.get(kind=Policy.Kind.GROUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("underwriting:group_detail", args=[policy.pk])
    # A refusal of the service comes back on the form.
    response = client.post(
        url,
        {
            "organiser": book.committee_a.pk,
            "product": book.rice.pk,
            "season": "2026早稻",
            "application_date": (timezone.localdate() - dt.timedelta(days=40)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "UW-9" in response.content.decode()


def test_group_create_refusals(client, book, clerk_b, auditor):
    client.force_login(auditor)
    assert client.get(reverse("underwriting:group_create")).status_code == 403
    client.force_login(clerk_b)
    response = client.post(
        reverse("underwriting:group_create"),
        {
            "organiser": book.committee_a.pk,
            "product": book.rice.pk,
            "season": "2026早稻",
            "application_date": timezone.localdate().isoformat(),
        },
    )
    # Outlet A's organiser is not a choice for outlet B's clerk.
    assert response.status_code == 200 and not Policy.objects.exists()


def test_group_detail_shows_checklist_rows_masked_and_filters(client, book, clerk_a):
    policy = listed_policy(book, clerk_a, flags={2: ["large_quantity"]})
    row = rows_of(policy)[0]
    client.force_login(clerk_a)
    url = reverse("underwriting:group_detail", args=[policy.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert mask(row.id_number, "id_number") in html and row.id_number not in html
    assert "The public notice has not completed yet (PUB-1)." in html
    assert "3 households have not signed the list (UW-7)." in html
    assert "unusually large quantity" in html
    assert reverse("underwriting:inspection_create", args=[policy.pk]) in html
    flagged = client.get(url, {"flagged": "1"}).content.decode()
    assert "农户2号" in flagged and "农户0号</td>" not in flagged
    searched = client.get(url, {"q": "农户1"}).content.decode()
    assert "农户1号" in searched and "农户2号</td>" not in searched
    # No inline script or style attribute (strict CSP).
    assert "<script>" not in html and "style=" not in html


def test_group_detail_refusals(client, book, clerk_a, clerk_b, auditor):
    policy = listed_policy(book, clerk_a)
    url = reverse("underwriting:group_detail", args=[policy.pk])
    client.force_login(clerk_b)
    assert client.get(url).status_code == 404
    client.force_login(auditor)
    html = client.get(url).content.decode()
    assert "Finalise" not in html and "Record the seal" not in html


def test_uw_7_signature_edited_inline_with_htmx(client, book, clerk_a):
    policy = listed_policy(book, clerk_a)
    row = rows_of(policy)[0]
    url = reverse("underwriting:household_row_signature", args=[row.pk])
    client.force_login(clerk_a)
    form = client.get(url, headers={"HX-Request": "true"})
    assert form.status_code == 200
    assert f'id="row-{row.pk}"' in form.content.decode() and "<form" in form.content.decode()
    refused = client.post(
        url,
        {"signature": "proxy", "proxy_name": "王五", "reason": "代签"},
        headers={"HX-Request": "true"},
    )
    assert "authorisation" in refused.content.decode()
    saved = client.post(
        url,
        {
            "signature": "proxy",
            "proxy_name": "王五",
            "proxy_authorisation": "委托书 2026-03-01",
            "reason": "按纸质清单",
        },
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    assert "王五代" in saved.content.decode() and "<form" not in saved.content.decode()
    cancel = client.get(
        reverse("underwriting:household_row", args=[row.pk]), headers={"HX-Request": "true"}
    )
    assert "王五代" in cancel.content.decode()
    # Without htmx: a page, then back to the policy.
    assert "<html" in client.get(url).content.decode()
    response = client.post(url, {"signature": "signed", "reason": "本人补签"})
    assert response.status_code == 302


def test_signature_page_refusals(client, book, clerk_a, clerk_b, auditor):
    row = rows_of(listed_policy(book, clerk_a))[0]
    url = reverse("underwriting:household_row_signature", args=[row.pk])
    client.force_login(clerk_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {"signature": "signed", "reason": "x"}).status_code == 404
    assert client.get(reverse("underwriting:household_row", args=[row.pk])).status_code == 404
    client.force_login(auditor)
    assert client.post(url, {"signature": "signed", "reason": "x"}).status_code == 403
    row.refresh_from_db()
    assert row.signature == "unsigned"


def test_seal_sign_all_and_finalise_pages(client, book, clerk_a):
    policy = listed_policy(book, clerk_a)
    Policy.objects.filter(pk=policy.pk).update(notice_completed_at=timezone.now())
    client.force_login(clerk_a)
    detail = reverse("underwriting:group_detail", args=[policy.pk])
    finalise = reverse("underwriting:group_finalise", args=[policy.pk])
    response = client.post(finalise, follow=True)
    assert "seal on the list is not recorded" in response.content.decode()
    assert (
        client.post(reverse("underwriting:group_seal", args=[policy.pk]), {"seal": "official"})[
            "Location"
        ]
        == detail
    )
    response = client.post(
        reverse("underwriting:group_sign_all", args=[policy.pk]), {"reason": ""}, follow=True
    )
    assert "This field is required." in response.content.decode()
    client.post(reverse("underwriting:group_sign_all", args=[policy.pk]), {"reason": "纸质清单"})
    response = client.post(finalise, follow=True)
    policy.refresh_from_db()
    assert policy.status == Policy.Status.ISSUED
    assert policy.number in response.content.decode()


@pytest.mark.parametrize("name", ["group_seal", "group_sign_all", "group_finalise"])
def test_group_post_refusals(client, book, clerk_a, clerk_b, auditor, name):
    policy = make_ready(listed_policy(book, clerk_a), clerk_a)
    url = reverse(f"underwriting:{name}", args=[policy.pk])
    data = {"seal": "seam", "reason": "x"}
    client.force_login(clerk_b)
    assert client.post(url, data).status_code == 404
    client.force_login(auditor)
    assert client.post(url, data).status_code == 403
    policy.refresh_from_db()
    assert policy.status == Policy.Status.LISTED and policy.seal == "official"


def test_inspection_pages(client, book, clerk_a):
    policy = listed_policy(book, clerk_a, flags={0: ["large_quantity"]})
    row = rows_of(policy)[0]
    client.force_login(clerk_a)
    url = reverse("underwriting:inspection_create", args=[policy.pk])
    page = client.get(url, {"row": row.pk}).content.decode()
    assert row.name in page and 'enctype="multipart/form-data"' in page
    response = client.post(
        url,
        {
            "row": row.pk,
            "inspected_on": timezone.localdate().isoformat(),
            "findings": "实地核实10亩",
            "confirmed": "on",
            "photos": [photo("a.jpg"), photo("b.jpg")],
        },
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert inspection.household == row
    detail = client.get(response["Location"]).content.decode()
    photos = list(evidence_for(user=clerk_a, subject=inspection))
    assert len(photos) == 2
    assert reverse("evidence_file", args=[photos[0].pk, "thumb"]) in detail
    # A refused photo comes back on the form, nothing saved.
    response = client.post(
        url,
        {
            "inspected_on": timezone.localdate().isoformat(),
            "findings": "x",
            "photos": [photo("fake.jpg", b"not an image at all")],
        },
    )
    assert response.status_code == 200
    assert "is not a JPEG, PNG or WebP image" in response.content.decode()
    assert Inspection.objects.count() == 1


def test_inspection_page_refusals(client, book, clerk_a, clerk_b, auditor):
    policy = listed_policy(book, clerk_a)
    inspection = inspection_record(
        clerk=clerk_a,
        policy=policy,
        inspected_on=timezone.localdate(),
        findings="x",
        photos=[photo()],
    )
    create = reverse("underwriting:inspection_create", args=[policy.pk])
    detail = reverse("underwriting:inspection_detail", args=[inspection.pk])
    client.force_login(clerk_b)
    assert client.get(create).status_code == 404
    assert client.get(detail).status_code == 404
    client.force_login(auditor)
    assert client.get(detail).status_code == 200
    assert client.get(create).status_code == 403
    assert client.post(create, {"findings": "x"}).status_code == 403
    # A row of another policy is not found.
    other = listed_policy(book, clerk_a)
    client.force_login(clerk_a)
    assert client.get(create, {"row": rows_of(other)[0].pk}).status_code == 404
