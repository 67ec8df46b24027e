"""Photo ingestion for evidence (UW-5, PUB-6, CLM-5).

An upload is refused unless it is a sound JPEG, PNG or WebP of reasonable size. From an
accepted one we read when and where it was taken and make the two JPEG copies that are
the only ones ever shown: upright, RGB and free of every piece of metadata (the EXIF of a
phone photo carries the GPS position of a farmer's home).
"""

import hashlib
import io
import struct
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
# Cameras record local wall-clock time with no zone; every outlet is in China.
EXIF_TIMEZONE = ZoneInfo("Asia/Shanghai")
JPEG_QUALITY = 85
_DEGREES = Decimal("0.000001")
# What Pillow's decoders raise on malformed input; the list is long because each plugin
# parses its own headers.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
)
_strict_decoding_lock = threading.Lock()


class PhotoRejected(ValidationError):
    """The upload is not acceptable as an evidence photo."""


@dataclass(frozen=True)
class InspectedPhoto:
    sha256: str
    image_format: str
    # Dimensions of the upright picture, as people see it.
    width: int
    height: int
    taken_at: datetime | None
    gps_latitude: Decimal | None
    gps_longitude: Decimal | None
    display: bytes
    thumbnail: bytes


def photo_check_size(*, size: int, filename: str) -> None:
    """Refuse a file over settings.PHOTO_MAX_BYTES (callable before reading the upload)."""
    if size > settings.PHOTO_MAX_BYTES:
        raise PhotoRejected(
            _("“%(name)s” is too large (%(size)s; at most %(max)s)."),
            code="too_large",
            params={
                "name": filename,
                "size": filesizeformat(size),
                "max": filesizeformat(settings.PHOTO_MAX_BYTES),
            },
        )


def photo_inspect(*, data: bytes, filename: str) -> InspectedPhoto:
    """Check an uploaded photo and derive its display copy and thumbnail."""
    photo_check_size(size=len(data), filename=filename)
    with _strict_decoding(), warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that; a warning is a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = _open_sound_image(data=data, filename=filename)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(filename) from None
    try:
        exif = image.getexif()
        upright = ImageOps.exif_transpose(image)
        taken_at = _capture_time(exif)
        latitude, longitude = _gps_position(exif)
    except _DECODE_ERRORS:
        # A mangled EXIF block: the pixels may be fine, but the photo cannot be shown
        # the right way up nor dated, so it is no use as evidence.
        raise _damaged(filename) from None
    display = _flatten_to_rgb(upright)
    display.thumbnail((settings.PHOTO_DISPLAY_SIZE, settings.PHOTO_DISPLAY_SIZE))
    thumbnail = display.copy()
    thumbnail.thumbnail((settings.PHOTO_THUMB_SIZE, settings.PHOTO_THUMB_SIZE))
    return InspectedPhoto(
        sha256=hashlib.sha256(data).hexdigest(),
        image_format=image.format,
        width=upright.width,
        height=upright.height,
        taken_at=taken_at,
        gps_latitude=latitude,
        gps_longitude=longitude,
        display=_bare_jpeg(display),
        thumbnail=_bare_jpeg(thumbnail),
    )


@contextmanager
def _strict_decoding():
    """Make Pillow fail on truncated files for the duration of the block.

    Importing WeasyPrint sets the process-wide ImageFile.LOAD_TRUNCATED_IMAGES to True,
    after which Pillow silently pads a cut-off upload with grey. The lock keeps two
    uploads from restoring each other's saved value (and serialises the equally global
    warnings filter set up inside the block).
    """
    with _strict_decoding_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _open_sound_image(*, data: bytes, filename: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except UnidentifiedImageError:
        raise PhotoRejected(
            _("“%(name)s” is not a JPEG, PNG or WebP image."),
            code="not_an_image",
            params={"name": filename},
        ) from None
    except _DECODE_ERRORS:
        raise _damaged(filename) from None
    # The header alone gives the size: refuse before decoding a single pixel.
    if image.width * image.height > settings.PHOTO_MAX_PIXELS:
        raise _too_many_pixels(filename)
    try:
        image.verify()
        # verify() leaves the image unusable; decode a fresh one, in full, so that a
        # truncated file fails here rather than later in a printout.
        image = Image.open(io.BytesIO(data), formats=(image.format,))
        image.load()
    except _DECODE_ERRORS:
        raise _damaged(filename) from None
    return image


def _damaged(filename: str) -> PhotoRejected:
    return PhotoRejected(
        _("“%(name)s” is damaged or incomplete; please upload it again."),
        code="damaged",
        params={"name": filename},
    )


def _too_many_pixels(filename: str) -> PhotoRejected:
    return PhotoRejected(
        _("“%(name)s” has too many pixels (at most %(max)s million)."),
        code="too_many_pixels",
        params={"name": filename, "max": f"{settings.PHOTO_MAX_PIXELS / 1_000_000:g}"},
    )


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB on a white background: JPEG has no transparency and PDFs print on white."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _bare_jpeg(image: Image.Image) -> bytes:
    # A new image built from the raw pixels carries no info dict at all: no EXIF, ICC
    # profile or XMP can ride along into the saved file.
    bare = Image.frombytes("RGB", image.size, image.tobytes())
    buffer = io.BytesIO()
    bare.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _capture_time(exif: Image.Exif) -> datetime | None:
    raw = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal) or exif.get(
        ExifTags.Base.DateTime
    )
    if not isinstance(raw, str):
        return None
    try:
        naive = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        # Blank ("0000:00:00 00:00:00") or garbled clocks are common; no time is better
        # than a wrong one.
        return None
    return naive.replace(tzinfo=EXIF_TIMEZONE)


def _gps_position(exif: Image.Exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None, None
    return latitude, longitude


def _degrees(dms, ref) -> Decimal | None:
    """Degrees, minutes and seconds as EXIF rationals plus an N/S/E/W reference."""
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if not isinstance(ref, str) or not isinstance(dms, tuple) or len(dms) != 3:
        return None
    ref = ref.strip("\x00 ").upper()
    if ref not in ("N", "S", "E", "W"):
        return None
    try:
        # Fractions keep the sum exact; rounding happens once, at the end.
        parts = [Fraction(part.numerator, part.denominator) for part in dms]
    except (AttributeError, TypeError, ZeroDivisionError):
        return None
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    degrees = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        _DEGREES, rounding=ROUND_HALF_UP
    )
    return -degrees if ref in ("S", "W") else degrees
