"""Builders for the group policy tests: a group policy with an accepted household list
made directly (the import itself is tested with the import service), and real photos."""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from tests.underwriting.factories import resident_id
from underwriting.models import HouseholdList, HouseholdRow, Policy
from underwriting.services.group import group_policy_create

# One household of 10 亩 of rice at 60 yuan per 亩, 80% subsidised (see the `book`).
ROW_SPLIT = {
    "premium": Decimal("600.00"),
    "farmer_share": Decimal("120.00"),
    "central": Decimal("270.00"),
    "provincial": Decimal("150.00"),
    "city": Decimal("30.00"),
    "county": Decimal("30.00"),
}
FIRST_ROW = 3  # the sheet's title and header take rows 1-2


def draft_policy(book, clerk) -> Policy:
    return group_policy_create(
        clerk=clerk,
        organiser=book.committee_a,
        product=book.rice,
        season="2026早稻",
        application_date=timezone.localdate() - dt.timedelta(days=3),
    )


def listed_policy(book, clerk, *, households: int = 3, flags: dict | None = None) -> Policy:
    """A group policy whose list was accepted: LISTED with totals that add up.
    `flags` maps a row index to its flag codes."""
    flags = flags or {}
    policy = draft_policy(book, clerk)
    household_list = HouseholdList.objects.create(
        policy=policy,
        state=HouseholdList.State.ACCEPTED,
        source="household-lists/2026/03/dongcun.xlsx",
        source_name="东村分户清单.xlsx",
        rows_total=households,
        rows_done=households,
        household_count=households,
        quantity=Decimal(10 * households),
        premium=ROW_SPLIT["premium"] * households,
        uploaded_by=clerk,
        finished_at=timezone.now() - dt.timedelta(days=8),
    )
    HouseholdRow.objects.bulk_create(
        HouseholdRow(
            household_list=household_list,
            row_number=FIRST_ROW + index,
            name=f"农户{index}号",
            id_kind=HouseholdRow.IdKind.RESIDENT,
            id_number=resident_id(200 + index),
            phone="13800138000",
            subject_type="水稻",
            quantity=Decimal("10"),
            unit="亩",
            village_group="东村一组",
            flags=flags.get(index, []),
            **ROW_SPLIT,
        )
        for index in range(households)
    )
    Policy.objects.filter(pk=policy.pk).update(
        status=Policy.Status.LISTED,
        quantity=Decimal(10 * households),
        applicant_label=f"农户0号等{households}户",
        **{field: amount * households for field, amount in ROW_SPLIT.items()},
    )
    policy.refresh_from_db()
    return policy


def rows_of(policy: Policy) -> list[HouseholdRow]:
    return list(policy.lists.get(state=HouseholdList.State.ACCEPTED).rows.order_by("row_number"))


def jpeg_bytes(size=(640, 480), *, orientation: int | None = None, taken: str | None = None):
    """A real JPEG; a red block marks its top-left corner, EXIF as a phone writes it."""
    image = Image.new("RGB", size, (40, 120, 60))
    image.paste((220, 0, 0), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if taken:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def photo(name: str = "site.jpg", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or jpeg_bytes(), content_type="image/jpeg")


def make_ready(policy: Policy, clerk) -> Policy:
    """Everything finalisation needs, except for flagged rows' inspections."""
    HouseholdRow.objects.filter(household_list__policy=policy).update(
        signature=HouseholdRow.Signature.SIGNED
    )
    Policy.objects.filter(pk=policy.pk).update(
        seal="official", notice_completed_at=timezone.now() - dt.timedelta(hours=1)
    )
    policy.refresh_from_db()
    return policy
