"""Progress reports as PDF with WeasyPrint: the Markdown rendered (headings, lists, emphasis,
tables) inside the practice's letterhead, with patient, period, date and author."""

import markdown
import nh3
from django.template.loader import render_to_string

REPORT_TAGS = {"h1", "h2", "h3", "h4", "h5", "p", "ul", "ol", "li", "strong", "em", "b", "i", "u", "blockquote", "br", "hr",
               "table", "thead", "tbody", "tr", "th", "td", "code", "pre"}


def markdown_to_html(text: str) -> str:
    """Markdown → HTML, then only harmless tags: model output is never trusted as HTML."""
    rendered = markdown.markdown(text or "", extensions=["tables", "sane_lists", "nl2br"])
    return nh3.clean(rendered, tags=REPORT_TAGS, attributes={"th": {"align"}, "td": {"align"}}, url_schemes=set())


def render_report_pdf(*, practice_name: str, patient_name: str, period: str, generated_at, author: str, content: str) -> bytes:
    html = render_to_string("reports/report.html", {
        "practice_name": practice_name, "patient_name": patient_name, "period": period,
        "generated_at": generated_at, "author": author, "body": markdown_to_html(content),
    })
    return html_to_pdf(html)


def html_to_pdf(html: str) -> bytes:
    """Our HTML as PDF. Only resources embedded in the document (`data:` URLs) are loaded: a
    `file://` path or an `http://` address (the metadata service, an internal host) named by a
    template or a stored value is never fetched; WeasyPrint skips it and goes on."""
    from weasyprint import HTML  # imported on first use: it loads Pango, which startup does not need
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=5)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
