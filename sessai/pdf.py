"""HTML to PDF with WeasyPrint, for every document the backend prints (reports, record copies)."""


def html_to_pdf(html: str) -> bytes:
    """Our HTML as PDF. Only resources embedded in the document (`data:` URLs) are loaded: a
    `file://` path or an `http://` address (the metadata service, an internal host) named by a
    template or a stored value is never fetched; WeasyPrint skips it and goes on."""
    from weasyprint import HTML  # imported on first use: it loads Pango, which startup does not need  # noqa: PLC0415 (heavy, loaded on first use)
    from weasyprint.urls import URLFetcher  # noqa: PLC0415 (heavy, loaded on first use)

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=5)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
