"""Evidence photos: ingestion checks, stored files, scoping of the selector and the view.

Every photo here is a real file made with Pillow.
"""

import hashlib
import io
import os
import struct
import zlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image, ImageFile
from PIL.TiffImagePlugin import IFDRational

from core.access import NotInScope, ReadOnlyRole
from core.evidence import evidence_photo_add
from core.models import EvidencePhoto
from core.photos import PhotoRejected, photo_inspect
from core.selectors import evidence_for


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english():
    """Refusal messages are compared with their English msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def weasyprint_loaded(monkeypatch):
    """The process state once WeasyPrint has been imported (as it is in a web worker)."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)


# --- Building real files ------------------------------------------------------------


def _rational(value: float | int) -> IFDRational:
    return IFDRational(round(value * 100), 100)


def phone_exif(
    *,
    taken: str | None = "2026:04:30 09:15:30",
    modified: str | None = "2026:05:02 18:00:00",
    lat: tuple = (24, 28, 34.56),
    lat_ref: str = "N",
    lon: tuple = (113, 12, 5.4),
    lon_ref: str = "E",
    orientation: int | None = None,
) -> Image.Exif:
    """EXIF as a phone writes it: capture time in the Exif IFD, position in the GPS IFD."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if modified:
        exif[ExifTags.Base.DateTime] = modified
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if taken:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    if lat:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = lat_ref
        gps[ExifTags.GPS.GPSLatitude] = tuple(_rational(part) for part in lat)
        gps[ExifTags.GPS.GPSLongitudeRef] = lon_ref
        gps[ExifTags.GPS.GPSLongitude] = tuple(_rational(part) for part in lon)
    return exif


def make_jpeg(size=(640, 480), *, exif: Image.Exif | None = None, noise: bool = False) -> bytes:
    if noise:
        # Random pixels do not compress: half the file is really half the picture.
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (40, 120, 60))
        # A red block in the top-left corner tells which way up the picture is.
        image.paste((220, 0, 0), (0, 0, size[0] // 4, size[1] // 4))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, exif=exif or Image.Exif())
    return buffer.getvalue()


def make_image(fmt: str, size=(64, 48), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=fmt)
    return buffer.getvalue()


def png_bomb(side: int) -> bytes:
    """A valid black 1-bit PNG of side x side pixels that zlib squeezes into a small file."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def upload(data: bytes, name: str = "IMG_20260430_091530.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def rejection(data: bytes, name: str = "photo.jpg") -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        photo_inspect(data=data, filename=name)
    return caught.value


# --- photo_inspect -------------------------------------------------------------------


def test_reads_capture_time_as_china_local_time_and_gps_position():
    inspected = photo_inspect(data=make_jpeg(exif=phone_exif()), filename="a.jpg")

    assert inspected.taken_at == datetime(2026, 4, 30, 1, 15, 30, tzinfo=UTC)
    assert str(inspected.taken_at.tzinfo) == "Asia/Shanghai"
    # 24°28'34.56" N, 113°12'5.4" E
    assert inspected.gps_latitude == Decimal("24.476267")
    assert inspected.gps_longitude == Decimal("113.201500")
    assert inspected.image_format == "JPEG"
    assert (inspected.width, inspected.height) == (640, 480)


def test_south_and_west_references_give_negative_degrees():
    exif = phone_exif(lat=(33, 51, 54), lat_ref="S", lon=(70, 39, 0), lon_ref="W")
    inspected = photo_inspect(data=make_jpeg(exif=exif), filename="a.jpg")

    assert inspected.gps_latitude == Decimal("-33.865000")
    assert inspected.gps_longitude == Decimal("-70.650000")


def test_capture_time_falls_back_to_datetime_and_missing_metadata_is_none():
    fallback = photo_inspect(data=make_jpeg(exif=phone_exif(taken=None)), filename="a.jpg")
    bare = photo_inspect(data=make_jpeg(), filename="b.jpg")
    blank_clock = photo_inspect(
        data=make_jpeg(exif=phone_exif(taken="0000:00:00 00:00:00", modified=None)),
        filename="c.jpg",
    )

    assert fallback.taken_at == datetime(2026, 5, 2, 10, 0, tzinfo=UTC)
    assert (bare.taken_at, bare.gps_latitude, bare.gps_longitude) == (None, None, None)
    assert blank_clock.taken_at is None


def test_rotated_phone_photo_is_turned_upright_in_the_derived_copies():
    data = make_jpeg((400, 200), exif=phone_exif(orientation=6))
    inspected = photo_inspect(data=data, filename="portrait.jpg")
    display = reopen(inspected.display)

    assert (inspected.width, inspected.height) == (200, 400)
    # Orientation 6 means "rotate 90° clockwise to view": the red corner goes top-right.
    assert display.size == (200, 400)
    red, green, _blue = display.getpixel((190, 10))
    assert red > 180 and green < 60


def test_derived_copies_are_downscaled_never_upscaled(settings):
    large = photo_inspect(data=make_jpeg((3200, 1600)), filename="large.jpg")
    small = photo_inspect(data=make_jpeg((300, 200)), filename="small.jpg")

    assert reopen(large.display).size == (settings.PHOTO_DISPLAY_SIZE, 800)
    assert reopen(large.thumbnail).size == (settings.PHOTO_THUMB_SIZE, 160)
    assert reopen(small.display).size == (300, 200)
    assert reopen(small.thumbnail).size == (300, 200)


def test_derived_copies_are_rgb_jpegs_without_any_metadata():
    data = make_jpeg(exif=phone_exif())
    assert reopen(data).getexif()  # the original does carry EXIF

    inspected = photo_inspect(data=data, filename="a.jpg")
    for copy in (inspected.display, inspected.thumbnail):
        image = reopen(copy)
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert not image.getexif()
        assert not {"exif", "icc_profile", "xmp"} & set(image.info)
        assert b"Exif" not in copy and b"TestPhone" not in copy


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(fmt):
    inspected = photo_inspect(data=make_image(fmt), filename=f"scan.{fmt.lower()}")

    assert inspected.image_format == fmt
    assert reopen(inspected.display).format == "JPEG"


def test_transparent_png_is_flattened_on_white():
    data = make_image("PNG", mode="RGBA")  # fully transparent
    display = reopen(photo_inspect(data=data, filename="logo.png").display)

    assert display.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=2)


def test_text_named_jpg_is_refused():
    error = rejection(b"Not a photo, just a note.\n" * 20, "receipt.jpg")

    assert error.code == "not_an_image"
    assert error.messages == ["“receipt.jpg” is not a JPEG, PNG or WebP image."]


def test_other_image_formats_are_refused():
    assert rejection(make_image("GIF"), "anim.gif").code == "not_an_image"
    assert rejection(make_image("BMP"), "scan.bmp").code == "not_an_image"


def test_truncated_jpeg_is_refused():
    data = make_jpeg(noise=True)
    error = rejection(data[: len(data) // 2], "cut.jpg")

    assert error.code == "damaged"
    assert error.messages == ["“cut.jpg” is damaged or incomplete; please upload it again."]


def test_truncated_jpeg_is_refused_even_after_weasyprint_relaxed_pillow(weasyprint_loaded):
    data = make_jpeg(noise=True)

    assert rejection(data[: len(data) // 2], "cut.jpg").code == "damaged"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for WeasyPrint


def test_corrupted_png_is_refused_by_verify():
    data = bytearray(make_image("PNG"))
    data[-20] ^= 0xFF  # flips a byte in the last chunk: its CRC no longer matches

    assert rejection(bytes(data), "scan.png").code == "damaged"


def test_oversized_file_is_refused(settings):
    settings.PHOTO_MAX_BYTES = 2000
    error = rejection(make_jpeg(noise=True), "big.jpg")

    assert error.code == "too_large"
    assert error.messages[0].startswith("“big.jpg” is too large (")
    assert "at most 2.0\xa0KB)" in error.messages[0]


def test_pixel_count_over_the_setting_is_refused_from_the_header(settings):
    settings.PHOTO_MAX_PIXELS = 10_000
    error = rejection(make_image("PNG", size=(200, 200)), "wide.png")

    assert error.code == "too_many_pixels"
    assert error.messages == ["“wide.png” has too many pixels (at most 0.01 million)."]


def test_decompression_bomb_png_is_refused_before_decoding():
    bomb = png_bomb(20_000)  # 400 megapixels in a small file
    assert len(bomb) < 200_000

    assert rejection(bomb, "bomb.png").code == "too_many_pixels"


def test_pillow_bomb_warning_is_a_refusal(settings, monkeypatch):
    # Between Pillow's own limit and twice that, Pillow only warns.
    settings.PHOTO_MAX_PIXELS = 10**9
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)

    assert rejection(make_image("PNG", size=(40, 40)), "b.png").code == "too_many_pixels"


# --- evidence_photo_add ----------------------------------------------------------------


def test_pub_6_original_is_kept_byte_for_byte_with_its_sha256(tree, clerk_a):
    data = make_jpeg(exif=phone_exif())
    photo = evidence_photo_add(
        subject=tree.outlet_a,
        org_unit=tree.outlet_a,
        upload=upload(data),
        uploaded_by=clerk_a,
        caption="公示栏张贴照片",
    )
    photo.refresh_from_db()

    with photo.original.open("rb") as stored:
        kept = stored.read()
    assert kept == data
    assert photo.sha256 == hashlib.sha256(data).hexdigest() == hashlib.sha256(kept).hexdigest()
    assert photo.original.name.startswith(f"evidence/{photo.sha256[:2]}/{photo.sha256}/")
    assert photo.subject == tree.outlet_a
    assert photo.original_name == "IMG_20260430_091530.jpg"
    assert photo.caption == "公示栏张贴照片"
    assert photo.uploaded_by == clerk_a
    assert photo.taken_at == datetime(2026, 4, 30, 1, 15, 30, tzinfo=UTC)
    assert (photo.gps_latitude, photo.gps_longitude) == (
        Decimal("24.476267"),
        Decimal("113.201500"),
    )


def test_stored_derived_copies_carry_no_exif(tree, clerk_a):
    photo = evidence_photo_add(
        subject=tree.outlet_a,
        org_unit=tree.outlet_a,
        upload=upload(make_jpeg((400, 200), exif=phone_exif(orientation=6))),
        uploaded_by=clerk_a,
    )

    sizes = []
    for stored in (photo.display, photo.thumbnail):
        with stored.open("rb") as file:
            image = reopen(file.read())
        assert not image.getexif()
        sizes.append(image.size)
    assert sizes == [(200, 400), (160, 320)]
    assert (photo.width, photo.height) == (200, 400)


@pytest.mark.parametrize(
    ("data_of", "name", "code"),
    [
        (lambda: b"GIF89a? no, plain text", "fake.jpg", "not_an_image"),
        (lambda: make_jpeg(noise=True)[:5000], "cut.jpg", "damaged"),
        (lambda: png_bomb(20_000), "bomb.png", "too_many_pixels"),
    ],
)
def test_refused_upload_saves_nothing(tree, clerk_a, media_root, data_of, name, code):
    with pytest.raises(PhotoRejected) as caught:
        evidence_photo_add(
            subject=tree.outlet_a,
            org_unit=tree.outlet_a,
            upload=upload(data_of(), name),
            uploaded_by=clerk_a,
        )

    assert caught.value.code == code
    assert EvidencePhoto.objects.count() == 0
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_oversized_upload_is_refused_from_its_declared_size(tree, clerk_a, settings):
    settings.PHOTO_MAX_BYTES = 2000
    with pytest.raises(PhotoRejected) as caught:
        evidence_photo_add(
            subject=tree.outlet_a,
            org_unit=tree.outlet_a,
            upload=upload(make_jpeg(noise=True)),
            uploaded_by=clerk_a,
        )

    assert caught.value.code == "too_large"
    assert EvidencePhoto.objects.count() == 0


def test_clerk_cannot_file_evidence_under_another_outlet(tree, clerk_b):
    with pytest.raises(NotInScope):
        evidence_photo_add(
            subject=tree.outlet_a,
            org_unit=tree.outlet_a,
            upload=upload(make_jpeg()),
            uploaded_by=clerk_b,
        )
    assert EvidencePhoto.objects.count() == 0


def test_auditor_cannot_add_evidence(tree, auditor):
    with pytest.raises(ReadOnlyRole):
        evidence_photo_add(
            subject=tree.outlet_a,
            org_unit=tree.outlet_a,
            upload=upload(make_jpeg()),
            uploaded_by=auditor,
        )
    assert EvidencePhoto.objects.count() == 0


def test_county_manager_may_file_evidence_under_an_outlet_of_the_county(tree, county_manager):
    photo = evidence_photo_add(
        subject=tree.outlet_b,
        org_unit=tree.outlet_b,
        upload=upload(make_jpeg()),
        uploaded_by=county_manager,
    )

    assert photo.org_unit == tree.outlet_b


# --- evidence_for and the view ---------------------------------------------------------


@pytest.fixture
def photo_a(tree, clerk_a) -> EvidencePhoto:
    return evidence_photo_add(
        subject=tree.outlet_a,
        org_unit=tree.outlet_a,
        upload=upload(make_jpeg(exif=phone_exif())),
        uploaded_by=clerk_a,
    )


def test_evidence_for_is_scoped(tree, photo_a, clerk_a, clerk_b, auditor, county_manager):
    assert list(evidence_for(user=clerk_a, subject=tree.outlet_a)) == [photo_a]
    assert list(evidence_for(user=auditor, subject=tree.outlet_a)) == [photo_a]
    assert list(evidence_for(user=county_manager, subject=tree.outlet_a)) == [photo_a]
    assert list(evidence_for(user=clerk_b, subject=tree.outlet_a)) == []
    assert list(evidence_for(user=clerk_a, subject=tree.outlet_b)) == []


def _url(photo: EvidencePhoto, variant: str) -> str:
    return reverse("evidence_file", kwargs={"pk": photo.pk, "variant": variant})


def test_uploader_gets_the_display_copy(client, photo_a, clerk_a):
    client.force_login(clerk_a)
    response = client.get(_url(photo_a, "display"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    with photo_a.display.open("rb") as stored:
        assert body == stored.read()
    assert not reopen(body).getexif()


def test_clerk_of_another_outlet_gets_404(client, photo_a, clerk_b):
    client.force_login(clerk_b)

    assert client.get(_url(photo_a, "display")).status_code == 404
    assert client.get(_url(photo_a, "thumb")).status_code == 404


def test_auditor_in_scope_gets_the_thumbnail(client, photo_a, auditor, settings):
    client.force_login(auditor)
    response = client.get(_url(photo_a, "thumb"))

    assert response.status_code == 200
    image = reopen(b"".join(response.streaming_content))
    assert max(image.size) == settings.PHOTO_THUMB_SIZE


def test_original_and_unknown_variants_are_not_served(client, photo_a, clerk_a):
    client.force_login(clerk_a)

    assert client.get(_url(photo_a, "original")).status_code == 404
    assert client.get(_url(photo_a, "thumbnail")).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, photo_a):
    response = client.get(_url(photo_a, "display"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
