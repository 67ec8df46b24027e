"""Evidence videos (PUB-6): content checks, stored bytes, scoping of the service and the
serving view. The videos are built box by box (MP4, MOV) or element by element (WebM)
as the container specifications lay them out."""

import hashlib
import io
import os
import struct

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from core.access import NotInScope, ReadOnlyRole
from core.evidence import evidence_video_add
from core.models import EvidenceVideo
from core.videos import VideoRejected, video_inspect
from tests.underwriting.group_support import jpeg_bytes


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english():
    """Refusal messages are compared with their English msgids."""
    with translation.override("en"):
        yield


# --- Building real files ------------------------------------------------------------
def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    return box(b"ftyp", major + struct.pack(">I", 0x200) + b"".join(compatible))


def moov() -> bytes:
    # A movie header (mvhd, version 0): times, time scale 1000, duration 2 s, rate 1.0,
    # volume 1.0, the unity matrix, next track 2.
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = (
        struct.pack(">I", 0)
        + struct.pack(">IIII", 0, 0, 1000, 2000)
        + struct.pack(">IH", 0x10000, 0x100)
        + bytes(10)
        + matrix
        + bytes(24)
        + struct.pack(">I", 2)
    )
    return box(b"moov", box(b"mvhd", mvhd))


def mp4_bytes(media: bytes = b"\x00\x00\x00\x10frame-data-1234") -> bytes:
    """An MP4 as a phone writes it: ftyp, moov, then the media data."""
    return ftyp(b"isom", b"isom", b"iso2", b"mp41") + moov() + box(b"mdat", media)


def mov_bytes() -> bytes:
    """A QuickTime movie (iPhone): ftyp "qt  ", the media data first, a wide box."""
    return ftyp(b"qt  ", b"qt  ") + box(b"wide") + box(b"mdat", b"frames") + moov()


def ebml(element_id: int, payload: bytes) -> bytes:
    """An EBML element: its ID bytes, a one-byte size (payloads here are short)."""
    size = len(payload)
    assert size < 127
    return (
        element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
        + bytes([0x80 | size])
        + payload
    )


def webm_bytes(doctype: bytes = b"webm", *, unknown_segment_size: bool = False) -> bytes:
    header = ebml(0x1A45DFA3, ebml(0x4286, b"\x01") + ebml(0x4282, doctype) + ebml(0x4287, b"\x04"))
    info = ebml(0x1549A966, ebml(0x2AD7B1, b"\x0f\x42\x40"))
    if unknown_segment_size:
        return header + bytes.fromhex("18538067") + b"\x01\xff\xff\xff\xff\xff\xff\xff" + info
    return header + ebml(0x18538067, info)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="video/mp4")


def inspect(data: bytes, name: str = "clip.mp4"):
    return video_inspect(stream=io.BytesIO(data), size=len(data), filename=name)


# --- What is accepted ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "container"),
    [
        (mp4_bytes(), "mp4"),
        (mov_bytes(), "mov"),
        (webm_bytes(), "webm"),
        (webm_bytes(unknown_segment_size=True), "webm"),
    ],
)
def test_pub_6_mp4_mov_and_webm_are_accepted(data, container):
    inspected = inspect(data)
    assert inspected.container == container
    assert inspected.size == len(data)
    assert inspected.sha256 == hashlib.sha256(data).hexdigest()


def test_pub_6_a_64_bit_box_size_and_a_vendor_trailer_box_are_accepted():
    media = b"x" * 40
    large_mdat = struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + len(media)) + media
    data = ftyp(b"mp42", b"mp42") + moov() + large_mdat + box(b"sefd", b"samsung")
    assert inspect(data).container == "mp4"


# --- What is refused ----------------------------------------------------------------
def refusal_code(data: bytes, name: str = "clip.mp4") -> str:
    with pytest.raises(VideoRejected) as exc:
        inspect(data, name)
    return exc.value.code


def test_pub_6_a_jpeg_renamed_mp4_is_refused():
    assert refusal_code(jpeg_bytes(), "board.mp4") == "not_a_video"


def test_pub_6_random_bytes_are_refused():
    assert refusal_code(os.urandom(4096)) == "not_a_video"


@pytest.mark.parametrize(
    "data",
    [
        # Matroska but not WebM, AVI, 3GP: containers that are not accepted.
        webm_bytes(b"matroska"),
        b"RIFF\x00\x10\x00\x00AVI LIST" + bytes(300),
        ftyp(b"3gp5", b"3gp5") + moov(),
    ],
    ids=["mkv", "avi", "3gp"],
)
def test_pub_6_other_video_containers_are_refused(data):
    assert refusal_code(data) == "not_a_video"


@pytest.mark.parametrize(
    "data",
    [
        mp4_bytes()[:-5],  # cut off mid-box
        ftyp(b"isom", b"isom") + box(b"mdat", b"frames"),  # no movie header
        mp4_bytes() + b"\x00\x00",  # bytes after the last box
        ftyp(b"isom", b"isom") + moov() + b"\x00\x00\x00\x10\x00\x01\x02\x03" + bytes(8),
        webm_bytes()[:-3],  # the Segment runs past the end
    ],
    ids=["truncated", "no-moov", "trailing", "binary-box-type", "truncated-webm"],
)
def test_pub_6_a_damaged_video_is_refused(data):
    assert refusal_code(data) == "damaged"


def test_pub_6_an_empty_file_is_refused():
    assert refusal_code(b"") == "empty"


def test_pub_6_oversized_video_is_refused(settings):
    settings.VIDEO_MAX_BYTES = 100
    with pytest.raises(VideoRejected) as exc:
        inspect(mp4_bytes(b"x" * 200))
    assert exc.value.code == "too_large"
    assert "is too large" in exc.value.messages[0]


# --- The service --------------------------------------------------------------------
def test_pub_6_video_is_kept_byte_for_byte_with_its_sha256(tree, clerk_a):
    data = mp4_bytes()
    video = evidence_video_add(
        subject=tree.outlet_a,
        org_unit=tree.outlet_a,
        upload=upload("公告栏.mp4", data),
        uploaded_by=clerk_a,
        caption=" 东村公告栏 ",
    )
    video.refresh_from_db()
    assert video.subject == tree.outlet_a
    assert (video.caption, video.original_name) == ("东村公告栏", "公告栏.mp4")
    assert (video.container, video.size) == ("mp4", len(data))
    assert video.sha256 == hashlib.sha256(data).hexdigest()
    with video.file.open("rb") as stored:
        assert stored.read() == data
    assert video.file.name.endswith(".mp4") and video.sha256 in video.file.name


def test_pub_6_refused_video_saves_nothing(tree, clerk_a, media_root):
    with pytest.raises(VideoRejected):
        evidence_video_add(
            subject=tree.outlet_a,
            org_unit=tree.outlet_a,
            upload=upload("clip.mp4", jpeg_bytes()),
            uploaded_by=clerk_a,
        )
    assert not EvidenceVideo.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_oversized_upload_is_refused_from_its_declared_size(tree, clerk_a, settings):
    settings.VIDEO_MAX_BYTES = 50
    declared = upload("clip.mp4", mp4_bytes())
    declared.size = 10**9  # as the browser announced it; reading it would find less
    with pytest.raises(VideoRejected) as exc:
        evidence_video_add(
            subject=tree.outlet_a, org_unit=tree.outlet_a, upload=declared, uploaded_by=clerk_a
        )
    assert exc.value.code == "too_large"
    assert not EvidenceVideo.objects.exists()


def test_caption_over_the_limit_is_refused(tree, clerk_a):
    with pytest.raises(ValidationError) as exc:
        evidence_video_add(
            subject=tree.outlet_a,
            org_unit=tree.outlet_a,
            upload=upload("clip.mp4", mp4_bytes()),
            uploaded_by=clerk_a,
            caption="长" * 201,
        )
    assert exc.value.code == "caption_too_long"


def test_it_validates_ownership_of_video_evidence(tree, clerk_b, auditor):
    with pytest.raises(NotInScope):
        evidence_video_add(
            subject=tree.outlet_a,
            org_unit=tree.outlet_a,
            upload=upload("clip.mp4", mp4_bytes()),
            uploaded_by=clerk_b,
        )
    with pytest.raises(ReadOnlyRole):
        evidence_video_add(
            subject=tree.outlet_a,
            org_unit=tree.outlet_a,
            upload=upload("clip.mp4", mp4_bytes()),
            uploaded_by=auditor,
        )
    assert not EvidenceVideo.objects.exists()


# --- The serving view ---------------------------------------------------------------
@pytest.fixture
def video_a(tree, clerk_a) -> EvidenceVideo:
    return evidence_video_add(
        subject=tree.outlet_a,
        org_unit=tree.outlet_a,
        upload=upload("clip.webm", webm_bytes()),
        uploaded_by=clerk_a,
    )


def test_pub_6_uploader_gets_the_video(client, video_a, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("evidence_video", args=[video_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "video/webm"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == webm_bytes()


def test_auditor_in_scope_gets_the_video(client, video_a, auditor, county_manager):
    for user in (auditor, county_manager):
        client.force_login(user)
        assert client.get(reverse("evidence_video", args=[video_a.pk])).status_code == 200


def test_it_validates_ownership_of_the_video_view(client, video_a, clerk_b):
    client.force_login(clerk_b)
    assert client.get(reverse("evidence_video", args=[video_a.pk])).status_code == 404
    assert client.get(reverse("evidence_video", args=[video_a.pk + 999])).status_code == 404


def test_video_view_is_read_only(client, video_a, clerk_a):
    client.force_login(clerk_a)
    assert client.post(reverse("evidence_video", args=[video_a.pk])).status_code == 405


def test_anonymous_visitor_is_sent_to_login_for_a_video(client, video_a):
    response = client.get(reverse("evidence_video", args=[video_a.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]
