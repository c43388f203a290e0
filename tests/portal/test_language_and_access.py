"""Language and accessibility: bokmål by default with English available, Norwegian dates and
numbers, labels on every field, table headers with scope, a skip link, and colours that meet
WCAG 2.1 AA contrast."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import lxml.html
import pytest

PORTAL = Path(__file__).resolve().parents[2] / "samhand" / "portal"
LOCALE = PORTAL.parent / "locale"
MAIN_PAGES = ["/", "/meldinger/", "/forlop/", "/varsler/", "/nedetid/", "/nedetid/ny/", "/avstemming/",
              "/adressebok/"]


def _pages(client, traffic):
    from samhand.directory.models import Organisation

    # Ids come from the database (PostgreSQL sequences are not reset between tests).
    tromso = Organisation.objects.get(her_id="8201000")
    return [*MAIN_PAGES, f"/adressebok/{tromso.pk}/", f"/meldinger/{traffic['to_tromso'].pk}/",
            f"/meldinger/{traffic['to_tromso'].pk}/innhold/"]


def _labelled(doc, field) -> bool:
    if field.get("aria-label") or field.get("aria-labelledby"):
        return True
    if any(ancestor.tag == "label" for ancestor in field.iterancestors()):
        return True
    return bool(field.get("id")) and bool(doc.xpath(f'//label[@for="{field.get("id")}"]'))


def test_every_field_has_a_label_and_every_header_a_scope(episodes, as_user):
    client = as_user("tromso.ma")
    for url in _pages(client, episodes):
        response = client.get(url)
        assert response.status_code == 200, url
        doc = lxml.html.fromstring(response.content)
        assert doc.get("lang") == "nb"
        assert doc.xpath('//a[@class="skip" and @href="#innhold"]') and doc.xpath('//main[@id="innhold"]')
        fields = doc.xpath('//input[not(@type="hidden") and not(@type="submit")] | //select | //textarea')
        unlabelled = [lxml.html.tostring(f)[:80] for f in fields if not _labelled(doc, f)]
        assert not unlabelled, (url, unlabelled)
        assert not [th for th in doc.xpath("//th") if th.get("scope") not in ("col", "row")], url
        assert len(doc.xpath("//h1")) == 1, url


def test_bokmal_by_default_and_english_on_request(traffic, as_user):
    client = as_user("tromso.ma")
    nb = client.get("/meldinger/").content.decode()
    assert 'lang="nb"' in nb and ">Meldinger<" in nb
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", nb)  # 26.11.2026 14:05
    client.cookies["django_language"] = "en"
    en = client.get("/meldinger/").content.decode()
    assert 'lang="en"' in en and ">Messages<" in en and "Meldinger<" not in en
    assert re.search(r"\d\d/\d\d/\d{4}", en)
    detail = client.get(f"/meldinger/{traffic['to_balsfjord'].pk}/")
    assert detail.status_code == 404 and "Not found" in detail.content.decode()


def test_language_switch_form(traffic, as_user):
    client = as_user("unn.ma")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/varsler/"})
    assert response.status_code == 302 and response["Location"] == "/varsler/"
    assert "Alerts" in client.get("/varsler/").content.decode()


def test_numbers_use_norwegian_digit_grouping(settings):
    from django.utils import translation

    from samhand.portal.templatetags.portal import tall

    with translation.override("nb"):
        assert tall(1234567) == "1\xa0234\xa0567"
    with translation.override("en"):
        assert tall(1234567) == "1,234,567"


def test_every_template_text_has_an_english_translation():
    catalog = gettext.GNUTranslations((LOCALE / "en" / "LC_MESSAGES" / "django.mo").open("rb"))
    # Apps with their own catalogs (samhand/<app>/locale) translate their texts in portal templates too.
    for app_catalog in sorted(LOCALE.parent.glob("*/locale/en/LC_MESSAGES/django.mo")):
        catalog.add_fallback(gettext.GNUTranslations(app_catalog.open("rb")))
    texts = set()
    for template in (PORTAL / "templates").rglob("*.html"):
        texts |= set(re.findall(r'{%\s*translate\s+"([^"]+)"', template.read_text(encoding="utf-8")))
    assert len(texts) > 100
    missing = sorted(t for t in texts if catalog.gettext(t) == t and t not in {"MsgId", "HER-id", "OK", "Partner", "Parameter", "Per partner",
                                                                               "Status", "Format", "Type", "Start"})
    assert not missing, f"run makemessages and translate: {missing}"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize(("fg", "bg", "minimum"), [
    ("--ink", "--paper", 4.5), ("--muted", "--paper", 4.5), ("--link", "--paper", 4.5), ("--muted", "--soft", 4.5),
    ("--ink", "--soft", 4.5), ("--ok", "--ok-bg", 4.5), ("--warn", "--warn-bg", 4.5), ("--bad", "--bad-bg", 4.5),
    ("--info", "--info-bg", 4.5), ("#ffffff", "--brand", 4.5), ("#ffffff", "#002b44", 4.5),
    ("--focus", "--paper", 3.0), ("--focus-on-dark", "--brand", 3.0), ("--link", "--soft", 4.5),
])
def test_colours_meet_wcag_aa_contrast(fg, bg, minimum):
    css = (PORTAL / "static" / "portal" / "portal.css").read_text(encoding="utf-8")
    palette = dict(re.findall(r"(--[a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    ratio = _contrast(palette.get(fg, fg), palette.get(bg, bg))
    assert ratio >= minimum, f"{fg} on {bg}: {ratio:.2f}"
