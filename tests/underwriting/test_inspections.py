"""UW-5 on-site inspections: real photos only, all or nothing, scoped (OUT-1)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.access import NotInScope, ReadOnlyRole
from core.models import EvidencePhoto
from core.selectors import evidence_for
from tests.underwriting.factories import PolicyFactory
from tests.underwriting.group_support import jpeg_bytes, listed_policy, photo, rows_of
from underwriting.models import Inspection, Policy
from underwriting.services.inspections import inspection_record
from underwriting.services.policies import has_photographed_inspection


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def individual(book, clerk_a, tree):
    return PolicyFactory(
        org_unit=tree.outlet_a,
        product=book.rice,
        insured=book.farmer_a,
        entered_by=clerk_a,
        quantity="500",
    )


def record(clerk, policy, photos, **kwargs):
    return inspection_record(
        clerk=clerk,
        policy=policy,
        inspected_on=kwargs.pop("inspected_on", timezone.localdate()),
        findings=kwargs.pop("findings", "标的与投保一致"),
        photos=photos,
        **kwargs,
    )


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def assert_nothing_saved(media_root):
    assert not Inspection.objects.exists()
    assert not EvidencePhoto.objects.exists()
    assert stored_files(media_root) == []


def test_uw_5_rotated_phone_photo_is_accepted_upright_with_its_capture_time(
    book, clerk_a, individual
):
    data = jpeg_bytes((400, 200), orientation=6, taken="2026:03:02 09:15:30")
    inspection = record(clerk_a, individual, [photo("site.jpg", data)], location="东村三组")
    (stored,) = evidence_for(user=clerk_a, subject=inspection)
    assert (stored.width, stored.height) == (200, 400)
    assert stored.taken_at == dt.datetime(2026, 3, 2, 9, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert stored.org_unit == individual.org_unit
    assert inspection.inspector == clerk_a and inspection.location == "东村三组"
    assert inspection.history.first().history_user == clerk_a
    # The counter's issue step sees it (UW-5 for individual policies).
    assert has_photographed_inspection(individual)


def test_uw_5_a_file_that_is_not_an_image_refuses_everything(book, clerk_a, individual, media_root):
    with pytest.raises(ValidationError) as exc:
        record(
            clerk_a,
            individual,
            [photo("good.jpg"), photo("fake.jpg", b"GIF89a but not really an image")],
        )
    assert "“fake.jpg” is not a JPEG, PNG or WebP image." in exc.value.messages
    # The first photo's files were written before the second was refused: gone too.
    assert_nothing_saved(media_root)


def test_uw_5_an_oversized_photo_is_refused_before_anything_is_stored(
    book, clerk_a, individual, media_root, settings
):
    settings.PHOTO_MAX_BYTES = 2000
    with pytest.raises(ValidationError) as exc:
        record(clerk_a, individual, [photo("small.jpg", jpeg_bytes((8, 8))), photo("big.jpg")])
    assert "is too large" in exc.value.messages[0]
    assert_nothing_saved(media_root)


def test_uw_5_a_photo_with_too_many_pixels_is_refused(
    book, clerk_a, individual, media_root, settings
):
    settings.PHOTO_MAX_PIXELS = 10_000
    with pytest.raises(ValidationError) as exc:
        record(clerk_a, individual, [photo("huge.jpg", jpeg_bytes((200, 100)))])
    assert "has too many pixels" in exc.value.messages[0]
    assert_nothing_saved(media_root)


def test_uw_5_an_inspection_needs_a_photo_findings_and_a_past_date(
    book, clerk_a, individual, media_root
):
    with pytest.raises(ValidationError) as exc:
        record(
            clerk_a,
            individual,
            [],
            findings=" ",
            inspected_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"photos", "findings", "inspected_on"}
    assert_nothing_saved(media_root)


def test_uw_5_household_rows_belong_to_the_group_policys_current_list(book, clerk_a, individual):
    group = listed_policy(book, clerk_a, flags={0: ["large_quantity"]})
    other = listed_policy(book, clerk_a)
    row = rows_of(group)[0]
    with pytest.raises(ValidationError) as exc:
        record(clerk_a, other, [photo()], household=row)
    assert "household" in exc.value.message_dict
    with pytest.raises(ValidationError):
        record(clerk_a, individual, [photo()], household=row)
    inspection = record(clerk_a, group, [photo()], household=row)
    assert inspection.household == row


def test_uw_5_no_inspection_on_a_cancelled_policy(book, clerk_a, individual):
    Policy.objects.filter(pk=individual.pk).update(status=Policy.Status.CANCELLED)
    individual.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        record(clerk_a, individual, [photo()])
    assert "policy" in exc.value.message_dict


def test_out_1_inspection_refusals(book, clerk_a, clerk_b, auditor, individual, media_root):
    with pytest.raises(NotInScope):
        record(clerk_b, individual, [photo()])
    with pytest.raises(ReadOnlyRole):
        record(auditor, individual, [photo()])
    assert_nothing_saved(media_root)
