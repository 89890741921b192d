"""Progress reports as PDF with WeasyPrint: the Markdown rendered (headings, lists, emphasis,
tables) inside the practice's letterhead, with patient, period, date and author."""

import markdown
import nh3
from django.template.loader import render_to_string

from sessai.pdf import html_to_pdf

__all__ = ["html_to_pdf", "markdown_to_html", "render_report_pdf"]

REPORT_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "blockquote",
    "br",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
}


def markdown_to_html(text: str) -> str:
    """Markdown → HTML, then only harmless tags: model output is never trusted as HTML."""
    rendered = markdown.markdown(text or "", extensions=["tables", "sane_lists", "nl2br"])
    return nh3.clean(rendered, tags=REPORT_TAGS, attributes={"th": {"align"}, "td": {"align"}}, url_schemes=set())


def render_report_pdf(
    *, practice_name: str, patient_name: str, period: str, generated_at, author: str, content: str
) -> bytes:
    html = render_to_string(
        "reports/report.html",
        {
            "practice_name": practice_name,
            "patient_name": patient_name,
            "period": period,
            "generated_at": generated_at,
            "author": author,
            "body": markdown_to_html(content),
        },
    )
    return html_to_pdf(html)
