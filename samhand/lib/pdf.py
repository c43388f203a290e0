"""WeasyPrint without network or file access: the manual-routine PDF is built from message
content (untrusted), so a url() or <img src> in it must never make the node fetch anything."""

from __future__ import annotations


class FetchRefused(ValueError):
    pass


def deny_all_fetcher(url: str, *args, **kwargs):
    """WeasyPrint url_fetcher that refuses every URL (http, file, data alike)."""
    raise FetchRefused(f"the PDF renderer fetches nothing: {url[:100]}")


def _fetcher():
    try:
        from weasyprint.urls import URLFetcher  # WeasyPrint >= 66 wants a URLFetcher object
    except ImportError:
        return deny_all_fetcher

    class DenyAll(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            return deny_all_fetcher(url)

        def __call__(self, url, *args, **kwargs):
            return deny_all_fetcher(url)

    return DenyAll()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: needs Pango (Debian libpango-1.0-0, libpangoft2-1.0-0)

    return HTML(string=html, url_fetcher=_fetcher(), base_url=None).write_pdf()
