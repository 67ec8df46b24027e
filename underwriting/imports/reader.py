"""Streaming the rows of an uploaded household list, whatever the clerk saved it as.

xlsx is read with openpyxl in read-only mode (rows are parsed as they are reached, so
memory does not grow with the sheet) and `data_only`, so formula cells give the value
Excel last computed. csv is read with the csv module: UTF-8 (with or without BOM), or
GB18030 (a superset of GBK) because Excel on a Chinese Windows saves csv in GBK.

Rows come as (sheet row number, tuple of cell values); empty csv cells are None like
empty Excel cells. The first sheet of a workbook is the list.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

XLSX = "xlsx"
CSV = "csv"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# What the parts of a workbook may add up to once inflated. A real list of 20 MB inflates
# to a few times that; a zip bomb (a few hundred kB of deflated repetition) claims far
# more. Reading stops at each part's declared size (zipfile checks it), so the sum of
# the declared sizes bounds what the import can ever parse.
MAX_XLSX_EXPANDED_BYTES = 200 * 1024 * 1024
_SNIFF_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}


class UnreadableFile(ValidationError):
    """The file is not a household list we can read; the message tells the clerk why."""


@dataclass
class Sheet:
    rows: Iterator[tuple[int, tuple]]
    # Rows in the sheet including title and header, when the file says (0 if unknown).
    row_count: int


def sniff(fileobj) -> str:
    """XLSX or CSV by content (never by the file name), or UnreadableFile."""
    fileobj.seek(0)
    head = fileobj.read(_SNIFF_BYTES)
    fileobj.seek(0)
    if not head:
        raise UnreadableFile(_("The file is empty."), code="empty_file")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            _(
                "This is an old Excel 97-2003 (.xls) file. Open it in Excel and save it as "
                "an Excel workbook (.xlsx), then upload it again."
            ),
            code="old_xls",
        )
    if head.startswith(b"%PDF-"):
        # A PDF's header and structure are plain ASCII and would pass for csv text.
        raise UnreadableFile(
            _(
                "This is a PDF document, not a household list. Upload the Excel workbook "
                "(.xlsx) or a CSV file."
            ),
            code="pdf",
        )
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(fileobj) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
            members = []
        finally:
            fileobj.seek(0)
        if "xl/workbook.xml" not in {member.filename for member in members}:
            raise UnreadableFile(
                _("The file is damaged or is not an Excel workbook (.xlsx)."), code="not_xlsx"
            )
        if sum(member.file_size for member in members) > MAX_XLSX_EXPANDED_BYTES:
            raise UnreadableFile(
                _(
                    "The workbook would expand to more than %(limit)s MB when opened; it is "
                    "not a household list we can read. Save the list again in Excel and "
                    "upload the new file."
                )
                % {"limit": MAX_XLSX_EXPANDED_BYTES // 2**20},
                code="xlsx_too_large_expanded",
            )
        return XLSX
    if b"\x00" in head or _decode_head(head) is None:
        raise UnreadableFile(
            _("The file is neither an Excel workbook (.xlsx) nor a CSV text file."),
            code="not_a_list",
        )
    return CSV


def _decode_head(head: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # The head may end inside a character: decode incrementally, not final.
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if not _CONTROL.intersection(text):
            return text
    return None


@contextmanager
def open_sheet(fileobj, kind: str):
    """A Sheet over `fileobj` (a seekable binary file), closed on exit."""
    fileobj.seek(0)
    if kind == XLSX:
        try:
            workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ParseError, ValueError):
            raise _damaged() from None
        try:
            if not workbook.worksheets:
                raise UnreadableFile(_("The workbook has no sheet."), code="no_sheet")
            sheet = workbook.worksheets[0]
            yield Sheet(rows=_xlsx_rows(sheet), row_count=sheet.max_row or 0)
        finally:
            workbook.close()
    else:
        encoding, lines = _csv_encoding_and_lines(fileobj)
        text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
        try:
            yield Sheet(rows=_csv_rows(text), row_count=lines)
        finally:
            # The wrapper would close the caller's file; hand it back open.
            text.detach()


def _damaged() -> UnreadableFile:
    return UnreadableFile(
        _(
            "The Excel file is damaged and cannot be read. Open it in Excel, save it again "
            "and upload the new file."
        ),
        code="damaged_xlsx",
    )


def _xlsx_rows(sheet) -> Iterator[tuple[int, tuple]]:
    try:
        # Read-only mode fills gaps between stored rows with empty rows, so the count
        # is the sheet's own row number.
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    except (KeyError, ParseError, ValueError, zipfile.BadZipFile):
        raise _damaged() from None


def _csv_encoding_and_lines(fileobj) -> tuple[str, int]:
    """UTF-8 if the whole file decodes as UTF-8, else GB18030; and its line count.
    One streaming pass over the bytes."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, lines = True, 0
    while chunk := fileobj.read(_CHUNK):
        lines += chunk.count(b"\n")
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    fileobj.seek(0)
    return ("utf-8-sig" if utf8 else "gb18030"), lines


def _csv_rows(text) -> Iterator[tuple[int, tuple]]:
    try:
        sample = text.read(_SNIFF_BYTES)
        text.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        for number, record in enumerate(csv.reader(text, dialect), start=1):
            yield number, tuple(value if value.strip() else None for value in record)
    except (UnicodeDecodeError, csv.Error):
        raise UnreadableFile(
            _(
                "The CSV file is not valid text in UTF-8 or GBK. Save it from Excel again "
                "as CSV, or upload the Excel workbook instead."
            ),
            code="bad_csv",
        ) from None
