"""HTML from the rich-text editor, reduced to the tags of the contract with nh3 (ammonia)."""

import html
import re

import nh3

CLINICAL_TAGS = {"p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "u", "blockquote", "br"}
_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!]")


def clean_clinical_html(value: str) -> str:
    """Only the allowed tags survive, with no attributes at all: no scripts, event handlers,
    `javascript:` URLs or styles. Plain text (the edit page's textarea) becomes paragraphs."""
    value = value or ""
    if not _LOOKS_LIKE_HTML.search(value):
        paragraphs = [p for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
        value = "".join("<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs)
    return nh3.clean(
        value, tags=CLINICAL_TAGS, attributes={}, url_schemes=set(), strip_comments=True, link_rel=None
    ).strip()


def html_text(value: str) -> str:
    """The visible text of sanitized HTML (for emptiness checks and AI prompts)."""
    text = nh3.clean(re.sub(r"<\s*(br|/p|/li|/h[1-4]|/blockquote)\s*/?>", "\n", value or ""), tags=set())
    return html.unescape(re.sub(r"[ \t]+", " ", text)).strip()
