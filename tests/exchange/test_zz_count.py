import pytest
from collections import Counter
from django.db import connection
from django.test.utils import CaptureQueriesContext
from samhand.exchange.deliver import dispatch_step
from samhand.exchange.outbox import subscribers_step
from msgfactory import readdress
from personas import TROMSO_NURSING, UNN_MED_TROMSO

N = 10

def test_count(unn, tromso):
    xml = [readdress("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING) for _ in range(N)]
    phases = {}
    def phase(name, fn, show=False):
        with CaptureQueriesContext(connection) as c:
            fn()
        phases[name] = len(c.captured_queries) / N
        if show:
            cnt = Counter(q["sql"][:110] for q in c.captured_queries)
            print("\n==", name)
            for k, v in cnt.most_common(40): print(v, k)
    ids = []
    unn.send(xml[0]); dispatch_step("w")
    xml = xml[1:] + [readdress("Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml", sender=UNN_MED_TROMSO, receiver=TROMSO_NURSING)]
    phase("submit", lambda: [ids.append(unn.send(x).json()["id"]) for x in xml], show=True)
    phase("dispatch", lambda: dispatch_step("w"), show=True)
    inbox = []
    phase("inbox", lambda: inbox.extend(tromso.inbox(TROMSO_NURSING)))
    phase("document", lambda: [tromso.document(e["id"]) for e in inbox], show=True)
    phase("apprec", lambda: [tromso.post(f"/messages/{e['id']}/apprec", {"status": "1"}) for e in inbox], show=True)
    phase("dispatch-apprec", lambda: dispatch_step("w"), show=True)
    phase("subscribers", lambda: [subscribers_step("w") for _ in range(3)], show=True)
    print("\nPHASES", phases, "total", sum(phases.values()))
