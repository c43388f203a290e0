"""CSP without inline script on every page, no inline script in the portal's templates, and a
PDF renderer that fetches nothing."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import pytest
from django.test import Client

PORTAL_TEMPLATES = Path(__file__).resolve().parents[2] / "samhand"


def test_every_page_has_a_csp_without_inline_script(db):
    for path in ("/logg-inn/", "/healthz", "/api/v1/docs"):
        csp = Client().get(path)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'" and "unsafe" not in directives["script-src"]
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "style-src 'self';" in Client().get("/logg-inn/")["Content-Security-Policy"]


def test_no_template_served_to_browsers_has_inline_script_or_handlers():
    offenders = []
    for template in PORTAL_TEMPLATES.rglob("templates/**/*.html"):
        if ("monitoring/manual_routine" in str(template) or "/templates/deviations/" in str(template)
                or template.name.endswith("_pdf.html")):
            continue  # rendered to PDF, never served as a page
        text = template.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            if 'type="application/json"' not in match.group(0):
                offenders.append(f"{template}: {match.group(0)}")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{template}: inline event handler")
        if re.search(r"<style\b|\sstyle=", text):
            offenders.append(f"{template}: inline style")
    assert offenders == []


def test_htmx_does_not_inject_styles():
    base = (PORTAL_TEMPLATES / "portal/templates/portal/base.html").read_text()
    assert '"includeIndicatorStyles":false' in base.replace(" ", "")


def test_the_pdf_renderer_fetches_nothing(tmp_path):
    pytest.importorskip("weasyprint")
    from samhand.lib.pdf import html_to_pdf

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        pdf = html_to_pdf(f'<html><head><link rel="stylesheet" href="{url}/a.css">'
                          f'<link rel="stylesheet" href="file://{secret}"></head>'
                          f'<body style="background: url({url}/b.png)"><img src="{url}/c.png">'
                          f'<p>Manuell rutine</p></body></html>')
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF") and hits == []
