"""Builders for the survey, assessment and one-stop tests (CLM-5..CLM-7, CLM-15): real
photos made with Pillow (with a phone's EXIF time and GPS), cases on the claims book's
policies, and one-stop authorities granted through the services."""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from claims_assist.models import ClaimCase, SurveyAssignment
from claims_assist.services import survey as survey_service
from tests.claims_assist.authority_support import evaluate, grant, today
from tests.claims_assist.factories import ClaimCaseFactory

# The phone's capture time (Beijing) and position written into the test photos.
TAKEN = "2026:04:30 09:15:30"
TAKEN_UTC = dt.datetime(2026, 4, 30, 1, 15, 30, tzinfo=dt.UTC)


def _rational(value) -> IFDRational:
    return IFDRational(round(value * 100), 100)


def jpeg(*, exif: bool = True) -> bytes:
    image = Image.new("RGB", (320, 240), (40, 120, 60))
    tags = Image.Exif()
    if exif:
        tags[ExifTags.Base.Make] = "TestPhone"
        tags.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = TAKEN
        gps = tags.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = tuple(_rational(part) for part in (24, 28, 34.56))
        gps[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps[ExifTags.GPS.GPSLongitude] = tuple(_rational(part) for part in (113, 12, 5.4))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, exif=tags)
    return buffer.getvalue()


def photo(name: str = "IMG_20260430_091530.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


def fake_photo(name: str = "fake.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"GIF89a? no, plain text", content_type="image/jpeg")


def rice_case(book, *, by, **values) -> ClaimCase:
    """A reported crop case at outlet A (rice_a, 张三)."""
    values.setdefault("estimated_amount", Decimal("1500.00"))
    return ClaimCaseFactory(
        policy=book.rice_a, org_unit=book.rice_a.org_unit, created_by=by, **values
    )


def motor_case(book, *, by, **values) -> ClaimCase:
    """A reported motor case at outlet A (no policy on file, the product only)."""
    return ClaimCaseFactory(
        policy=None,
        product=book.motor,
        policy_number="PDAA202644182301000009",
        org_unit=book.rice_a.org_unit,
        created_by=by,
        cause="追尾",
        **values,
    )


def one_stop_approvals(claims_centre) -> dict:
    return {
        "one_stop": True,
        "city_approved_by": claims_centre,
        "city_approved_on": today() - dt.timedelta(days=20),
        "province_approval": "粤理赔〔2026〕12号",
        "province_approved_on": today() - dt.timedelta(days=15),
    }


def grant_one_stop(*, by, holder, claims_centre, **values):
    """A one-stop authority on a good evaluation (CLM-6)."""
    evaluation = evaluate(by=by, staff=holder, grade="good")
    return grant(
        by=by,
        holder=holder,
        evaluation=evaluation,
        **{**one_stop_approvals(claims_centre), **values},
    )


def surveyed_by(case: ClaimCase, *, assigner, adjuster) -> SurveyAssignment:
    """CLM-5: the adjuster's own on-site survey of the case, assigned and reported."""
    assignment = survey_service.assignment_create(
        by=assigner, case_pk=case.pk, kind=SurveyAssignment.Kind.SURVEY, assignee=adjuster
    )
    case.refresh_from_db()
    return survey_service.assignment_report(
        by=adjuster,
        assignment_pk=assignment.pk,
        findings="稻田受淹约3亩，秧苗倒伏。",
        surveyed_at=max(case.incident_at, assignment.assigned_at),
    )
