"""The outsider: logged in but without an organisation, gets 403 or 404 on every portal page;
an anonymous visitor is sent to the login page (htmx requests with HX-Redirect)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from samhand.portal import urls as portal_urls

POST_ONLY = {"alert_ack", "alert_resolve", "downtime_end", "manual_pdf", "reconciliation_confirm",
             "reconciliation_note", "privacy_review", "privacy_block_lift", "dialogue_reply", "dialogue_phone",
             "message_misdirected", "message_resend"}
OPEN = {"login", "logout", "oidc_login", "oidc_callback"}  # sign-in pages answer anyone


def _every_page(traffic) -> list[tuple[str, str]]:
    """(url name, URL) of every portal page, with real ids where a page needs one."""
    ids = {"pk": traffic["to_tromso"].pk, "name": "trafikk", "fmt": "csv", "ref": "AD-0000000000000000",
           "doc": traffic["to_tromso"].pk}
    pages = []
    for pattern in portal_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in OPEN:
            continue
        kwargs = {k: ids[k] for k in pattern.pattern.converters}
        if pattern.name in ("alert_ack", "alert_resolve"):
            kwargs = {"pk": "00000000-0000-0000-0000-000000000001"}
        elif pattern.name in ("downtime_end", "downtime_edit", "organisation", "reconciliation_confirm",
                              "reconciliation_note", "privacy_review", "privacy_block_lift"):
            kwargs = {"pk": 1}
        pages.append((pattern.name, reverse(f"portal:{pattern.name}", kwargs=kwargs)))
    return pages


def test_every_page_is_listed(traffic):
    assert len(_every_page(traffic)) == len(portal_urls.urlpatterns) - len(OPEN)


def test_outsider_gets_403_or_404_everywhere(traffic, as_user):
    outsider = as_user("outsider")
    for name, url in _every_page(traffic):
        response = outsider.post(url) if name in POST_ONLY else outsider.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert traffic["to_tromso"].msg_id.encode() not in response.content


def test_anonymous_is_sent_to_login(traffic):
    anonymous = Client()
    for name, url in _every_page(traffic):
        response = anonymous.post(url) if name in POST_ONLY else anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/logg-inn/?next="), url
    partial = anonymous.get("/oversikt/trafikk/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 204 and partial["HX-Redirect"].startswith("/logg-inn/")


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_actions_refuse_get(traffic, as_user, name):
    url = dict(_every_page(traffic))[name]
    assert as_user("unn.ma").get(url).status_code == 405
