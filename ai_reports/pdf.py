"""Progress reports as PDF with WeasyPrint: the Markdown rendered (headings, lists, emphasis,
tables) inside the practice's letterhead, with patient, period, date and author."""

import markdown
import nh3
from django.template.loader import render_to_string

from scheduling import instruments
from scheduling.outcomes import patient_outcomes
from sessai.charts import score_lines
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


def score_chart(*, patient, start=None, end=None) -> str:
    """The patient's PHQ-9 and GAD-7 over the report's period, as a small inline SVG ("" when no
    questionnaire has two points in it)."""
    series = {}
    for outcome in patient_outcomes(patient=patient, tz=patient.practice.timezone):
        points = [
            (p["date"], p["score"])
            for p in outcome["series"]
            if (start is None or p["date"] >= start) and (end is None or p["date"] <= end)
        ]
        series[instruments.instrument(outcome["instrument"]).name] = points
    return score_lines(series, maximum=27)


def render_report_pdf(
    *, practice_name: str, patient_name: str, period: str, generated_at, author: str, content: str, chart: str = ""
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
            "chart": chart,
        },
    )
    return html_to_pdf(html)
