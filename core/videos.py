"""Video ingestion for evidence (PUB-6: a notice posting filmed in the village).

An upload is accepted only when its content is an MP4, a QuickTime MOV or a WebM (the
`filetype` signature, whatever the file is called) and its structure holds together:
for MP4/MOV the top-level boxes follow each other to the exact end of the file and
one of them is the movie header (`moov`); for WebM the EBML header names the "webm" document
type and a Segment follows. Nothing is decoded or re-encoded: the bytes are kept as
received, with their SHA-256. Large files are read in chunks, never whole.
"""

import hashlib
import struct
from dataclasses import dataclass
from typing import BinaryIO

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# filetype's MIME type → our container name.
CONTAINERS = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}
CONTENT_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}
_SIGNATURE_BYTES = 262  # what filetype reads
_CHUNK = 1024 * 1024
_EBML_HEADER = 0x1A45DFA3
_EBML_DOCTYPE = 0x4282
_MATROSKA_SEGMENT = 0x18538067


class VideoRejected(ValidationError):
    """The upload is not acceptable as an evidence video."""


@dataclass(frozen=True)
class InspectedVideo:
    sha256: str
    container: str
    size: int


def video_check_size(*, size: int, filename: str) -> None:
    """Refuse an empty file or one over settings.VIDEO_MAX_BYTES (callable before
    reading the upload)."""
    if size > settings.VIDEO_MAX_BYTES:
        raise VideoRejected(
            _("“%(name)s” is too large (%(size)s; at most %(max)s)."),
            code="too_large",
            params={
                "name": filename,
                "size": filesizeformat(size),
                "max": filesizeformat(settings.VIDEO_MAX_BYTES),
            },
        )
    if size == 0:
        raise VideoRejected(_("“%(name)s” is empty."), code="empty", params={"name": filename})


def _not_a_video(filename: str) -> VideoRejected:
    return VideoRejected(
        _("“%(name)s” is not an MP4, MOV or WebM video."),
        code="not_a_video",
        params={"name": filename},
    )


def _damaged(filename: str) -> VideoRejected:
    return VideoRejected(
        _("“%(name)s” is damaged or incomplete; record or export the video again."),
        code="damaged",
        params={"name": filename},
    )


def _read_exactly(stream: BinaryIO, count: int) -> bytes | None:
    data = stream.read(count)
    return data if len(data) == count else None


def _is_box_type(value: bytes) -> bool:
    """Box types are four printable characters (© = 0xA9 in QuickTime's own types).
    Vendors add their own top-level boxes (a phone's trailer), so no list is kept."""
    return all(0x20 <= byte <= 0x7E or byte == 0xA9 for byte in value)


def _iso_boxes_hold(stream: BinaryIO, size: int) -> bool:
    """MP4/MOV: the top-level boxes tile the file exactly and one of them is `moov`."""
    offset, seen_moov = 0, False
    while offset < size:
        stream.seek(offset)
        header = _read_exactly(stream, 8)
        if header is None:
            return False
        box_size, box_type = struct.unpack(">I4s", header)
        if not _is_box_type(box_type):
            return False
        if box_size == 1:  # a 64-bit size follows the type
            large = _read_exactly(stream, 8)
            if large is None:
                return False
            (box_size,) = struct.unpack(">Q", large)
            header_size = 16
        elif box_size == 0:  # the box runs to the end of the file
            box_size, header_size = size - offset, 8
        else:
            header_size = 8
        if box_size < header_size or offset + box_size > size:
            return False
        seen_moov = seen_moov or box_type == b"moov"
        offset += box_size
    return seen_moov and offset == size


def _ebml_vint(stream: BinaryIO, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer: (value, length in bytes). IDs keep their length
    marker bit; sizes do not. An all-ones size (unknown) is returned as -1."""
    first = stream.read(1)
    if not first:
        return None
    length = 1
    mask = 0x80
    while length <= 8 and not first[0] & mask:
        length += 1
        mask >>= 1
    if length > 8:
        return None
    rest = _read_exactly(stream, length - 1)
    if rest is None:
        return None
    value = first[0] if keep_marker else first[0] & (mask - 1)
    for byte in rest:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return -1, length
    return value, length


def _webm_holds(stream: BinaryIO, size: int) -> bool:
    """WebM: an EBML header whose DocType is "webm", followed by a Segment."""
    stream.seek(0)
    element = _ebml_vint(stream, keep_marker=True)
    header_size = _ebml_vint(stream, keep_marker=False)
    if element is None or header_size is None or element[0] != _EBML_HEADER:
        return False
    body_start = stream.tell()
    body_size = header_size[0]
    if body_size < 0 or body_start + body_size > size:
        return False
    doctype = None
    while stream.tell() < body_start + body_size:
        child = _ebml_vint(stream, keep_marker=True)
        child_size = _ebml_vint(stream, keep_marker=False)
        if child is None or child_size is None or child_size[0] < 0:
            return False
        if stream.tell() + child_size[0] > body_start + body_size:
            return False
        data = _read_exactly(stream, child_size[0])
        if data is None:
            return False
        if child[0] == _EBML_DOCTYPE:
            doctype = data.rstrip(b"\0")
    if doctype != b"webm":
        return False
    segment = _ebml_vint(stream, keep_marker=True)
    segment_size = _ebml_vint(stream, keep_marker=False)
    if segment is None or segment_size is None or segment[0] != _MATROSKA_SEGMENT:
        return False
    # A live recording may leave the Segment's size unknown (-1): it runs to the end.
    return segment_size[0] == -1 or stream.tell() + segment_size[0] <= size


def _sha256(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def video_inspect(*, stream: BinaryIO, size: int, filename: str) -> InspectedVideo:
    """Check that `stream` (seekable, `size` bytes) is a sound MP4, MOV or WebM video;
    VideoRejected otherwise."""
    video_check_size(size=size, filename=filename)
    stream.seek(0)
    kind = filetype.guess(stream.read(_SIGNATURE_BYTES))
    container = CONTAINERS.get(kind.mime) if kind else None
    if container is None:
        raise _not_a_video(filename)
    holds = _webm_holds(stream, size) if container == "webm" else _iso_boxes_hold(stream, size)
    if not holds:
        raise _damaged(filename)
    sha256 = _sha256(stream)
    stream.seek(0)
    return InspectedVideo(sha256=sha256, container=container, size=size)
