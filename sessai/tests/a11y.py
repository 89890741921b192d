"""An accessibility check of server-rendered pages, for tests: the WCAG 2.1 rules that can be
decided from the HTML alone (axe-core's structural rules, without a browser): the page's language
and title, a zoomable viewport, one h1 and no skipped heading level, text alternatives for images,
a name for every link and button, a label for every form control, unique ids, and invalid fields
marked `aria-invalid`. Contrast is decided by the stylesheet: `sessai.pages.readable_on` picks
the text colour on the practice's colour."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.elements: list[dict] = []
        self.title = ""

    def handle_starttag(self, tag, attrs):
        element = {
            "tag": tag,
            "attrs": dict(attrs),
            "text": "",
            "parents": [e["tag"] for e in self.stack],
            "ancestors": list(self.stack),
        }
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index]["tag"] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        for element in self.stack:
            element["text"] += data
        if self.stack and self.stack[-1]["tag"] == "title":
            self.title += data


def violations(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    found = []
    elements = page.elements
    html_tag = next((e for e in elements if e["tag"] == "html"), None)
    if html_tag is None or not html_tag["attrs"].get("lang"):
        found.append("html-has-lang: <html> has no lang")
    if not page.title.strip():
        found.append("document-title: the page has no <title>")
    viewport = next((e for e in elements if e["tag"] == "meta" and e["attrs"].get("name") == "viewport"), None)
    if viewport is None:
        found.append("meta-viewport: no viewport meta (the page is not laid out for phones)")
    elif "user-scalable=no" in viewport["attrs"].get("content", "") or "maximum-scale=1" in viewport["attrs"].get(
        "content", ""
    ):
        found.append("meta-viewport: zoom is disabled")
    headings = [int(e["tag"][1]) for e in elements if e["tag"] in {"h1", "h2", "h3", "h4", "h5", "h6"}]
    if headings.count(1) != 1:
        found.append(f"page-has-heading-one: {headings.count(1)} h1 elements")
    for before, after in zip(headings, headings[1:], strict=False):
        if after > before + 1:
            found.append(f"heading-order: h{before} followed by h{after}")
    ids = [e["attrs"]["id"] for e in elements if e["attrs"].get("id")]
    found += [f"duplicate-id: {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    label_for = {e["attrs"].get("for") for e in elements if e["tag"] == "label"}
    for element in elements:
        tag, attrs = element["tag"], element["attrs"]
        if tag == "img" and "alt" not in attrs:
            found.append(f"image-alt: <img src={attrs.get('src')!r}> has no alt")
        if tag == "a" and "href" in attrs and not (element["text"].strip() or attrs.get("aria-label")):
            found.append(f"link-name: <a href={attrs['href']!r}> has no text")
        if tag == "button" and not (element["text"].strip() or attrs.get("aria-label")):
            found.append("button-name: a button has no text")
        if tag in CONTROLS and attrs.get("type", "text") not in UNLABELLED_INPUTS and "hidden" not in attrs:
            labelled = (
                attrs.get("id") in label_for
                or attrs.get("aria-label")
                or attrs.get("aria-labelledby")
                or "label" in element["parents"]
            )
            if not labelled:
                found.append(f"label: <{tag} name={attrs.get('name')!r}> has no label")
    return found


def invalid_fields_marked(html: str) -> list[str]:
    """Fields shown with an error list must say so to assistive technology (aria-invalid)."""
    page = _Page()
    page.feed(html)
    return [
        e["attrs"].get("name")
        for e in page.elements
        if e["tag"] in CONTROLS and e["attrs"].get("aria-invalid") == "true"
    ]
