"""Printed documents: a Django template rendered to PDF by WeasyPrint.

Every printed document extends templates/pdf/base.html. Rendering never touches the
network: photos are inlined as data: URIs (see core.templatetags.pdf_tags) and any other
URL is refused, so a PDF prints the same on an offline intranet server.
"""

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

LOCAL_PROTOCOLS = ("data", "file")


def render_pdf(*, template_name: str, context: dict, base_url: str | None = None) -> bytes:
    """The PDF of `template_name` rendered with `context`.

    `base_url` resolves relative file references (e.g. a logo under static/); without
    it only absolute data: and file: URLs load.
    """
    html = render_to_string(template_name, context)
    fetcher = URLFetcher(allowed_protocols=LOCAL_PROTOCOLS, allow_redirects=False)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
