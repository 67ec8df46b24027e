"""Printed documents: Chinese text, page footer, embedded photos, no network."""

import copy
import io
import socket

import pytest
from pypdf import PdfReader

from core.evidence import evidence_photo_add
from core.pdf import render_pdf
from tests.test_photos import make_jpeg, phone_exif, upload

LIST_TEMPLATE = """{% extends "pdf/base.html" %}
{% block page_size %}{{ page_size|default:"A4" }}{% endblock %}
{% block header_org %}阳城镇三农营销服务部{% endblock %}
{% block content %}
<table>
  <thead><tr><th>序号</th><th>被保险人</th><th class="num">数量（头）</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr><td>{{ row }}</td><td>农户{{ row }}</td><td class="num">{{ row }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}
"""

PHOTO_TEMPLATE = """{% extends "pdf/base.html" %}
{% load pdf_tags %}
{% block content %}
{% for photo in photos %}
<figure class="evidence">
  {% evidence_img photo %}<figcaption>{{ photo.caption }}</figcaption>
</figure>
{% endfor %}
<img src="{{ remote }}" alt="">
{% endblock %}
"""


@pytest.fixture(autouse=True)
def test_templates(settings, tmp_path):
    """Document templates written for the test, found before the product's own."""
    directory = tmp_path / "templates"
    directory.mkdir()
    (directory / "list.html").write_text(LIST_TEMPLATE, encoding="utf-8")
    (directory / "photos.html").write_text(PHOTO_TEMPLATE, encoding="utf-8")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [directory, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    settings.MEDIA_ROOT = tmp_path / "media"


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_chinese_title_table_and_page_footer_over_several_pages():
    pdf = render_pdf(
        template_name="list.html",
        context={"title": "分户投保清单", "rows": range(1, 121)},
    )
    texts = pages_text(pdf)
    total = len(texts)

    assert pdf.startswith(b"%PDF-")
    assert total >= 2
    assert "分户投保清单" in texts[0]
    assert "农户1" in texts[0] and "农户120" in texts[-1]
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页 / 共 {total} 页" in text
        # The running header repeats the title and organisation on every page, and the
        # table header row repeats too.
        assert text.count("分户投保清单") >= 1
        assert "阳城镇三农营销服务部" in text
        assert "被保险人" in text


def test_chinese_is_set_in_a_cjk_font():
    pdf = render_pdf(template_name="list.html", context={"title": "分户投保清单", "rows": [1]})
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = {str(font.get_object()["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}

    assert any("WenQuanYi" in font for font in fonts), fonts


def test_page_size_is_a4_portrait_unless_a_document_asks_for_landscape():
    portrait = render_pdf(template_name="list.html", context={"title": "清单", "rows": [1]})
    landscape = render_pdf(
        template_name="list.html",
        context={"title": "清单", "rows": [1], "page_size": "A4 landscape"},
    )

    width, height = PdfReader(io.BytesIO(portrait)).pages[0].mediabox[2:]
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)
    width, height = PdfReader(io.BytesIO(landscape)).pages[0].mediabox[2:]
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (297, 210)


def test_evidence_photo_is_embedded_inline_and_nothing_is_fetched(tree, clerk_a, monkeypatch):
    photo = evidence_photo_add(
        subject=tree.outlet_a,
        org_unit=tree.outlet_a,
        upload=upload(make_jpeg((400, 200), exif=phone_exif(orientation=6))),
        uploaded_by=clerk_a,
        caption="验标现场照片",
    )
    connections = []

    def no_network(self, address):
        connections.append(address)
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)

    pdf = render_pdf(
        template_name="photos.html",
        context={
            "title": "验标照片",
            "photos": [photo],
            "remote": "http://127.0.0.1:9/tracker.png",
        },
    )

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    images = [
        xobject.get_object()
        for xobject in page["/Resources"]["/XObject"].values()
        if xobject.get_object()["/Subtype"] == "/Image"
    ]
    assert len(images) == 1  # the photo; the remote image was refused
    # The upright display copy, not the sideways original.
    assert (images[0]["/Width"], images[0]["/Height"]) == (200, 400)
    assert "验标现场照片" in page.extract_text()
    assert connections == []
