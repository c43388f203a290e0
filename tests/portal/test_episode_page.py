"""Issue 17, item 1 in the portal: a partner column and «venter på …» in the episode list, and an
episode page with the chain drawn as steps (done, waiting on whom, late), messages and deadlines."""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest

from samhand.access.models import AccessLog
from samhand.chains.models import Episode

from portalpeople import TROMSO_PATIENT


def _tromso_episode():
    return Episode.objects.get(patient_id=TROMSO_PATIENT)


def test_list_has_partner_column_who_must_act_and_links_to_the_episode(episodes, as_user):
    page = as_user("tromso.ma").get("/forlop/").content.decode()
    doc = lxml.html.fromstring(page)
    assert "Partner" in [th.text_content().strip() for th in doc.xpath("//section[1]//thead//th")]
    assert "UNN HF" in page or "Universitetssykehuset Nord-Norge" in page
    assert f'href="/forlop/{_tromso_episode().pk}/"' in page
    assert "venter på" in page


def test_episode_page_draws_the_chain_with_who_must_act_and_is_logged(episodes, as_user):
    tromso = as_user("tromso.sb")
    episode = _tromso_episode()
    response = tromso.get(f"/forlop/{episode.pk}/")
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.content)
    steps = doc.xpath('//ol[@class="chain"]/li')
    assert len(steps) == 9
    first = steps[0].text_content()
    assert "Melding om innlagt pasient" in first and "utført" in first
    report = steps[1].text_content()  # Tromsø sent it; UNN has not answered
    assert "Innleggelsesrapport" in report
    waiting = [s.text_content() for s in steps if "venter" in s.get("class", "") or "expected" in s.get("class", "")]
    assert any("Venter på" in w for w in waiting)
    assert any("Medisinsk avdeling, UNN Tromsø" in w for w in waiting)  # helseopplysninger: the hospital
    rows = doc.xpath('//table[@aria-labelledby="h-msgs"]/tbody/tr')
    assert len(rows) == episode.entries.count()
    assert AccessLog.objects.filter(actor="tromso.sb", purpose="portal-episode").exists()


def test_an_overdue_step_says_how_late(episodes, as_user):
    from samhand.chains.models import EpisodeStep

    episode = _tromso_episode()
    step = episode.steps.get(step__key="helseopplysninger")
    from django.utils import timezone

    step.state, step.due_at, step.overdue_at = EpisodeStep.State.OVERDUE, timezone.now() - timedelta(hours=2), \
        timezone.now()
    step.save()
    page = as_user("tromso.ma").get(f"/forlop/{episode.pk}/").content.decode()
    assert "2 timer på overtid" in page and "forsinket" in page


@pytest.mark.parametrize("who", ["balsfjord.ma", "unn.drift"])
def test_others_do_not_see_the_episode(episodes, as_user, who):
    assert as_user(who).get(f"/forlop/{_tromso_episode().pk}/").status_code in (403, 404)
