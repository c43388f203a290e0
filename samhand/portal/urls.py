from django.urls import path

from .views import alerts, auth, dashboard, directory, downtime, episodes, message, messages, reconciliation
from .views import deviations

app_name = "portal"

urlpatterns = [
    path("", dashboard.dashboard, name="home"),
    path("oversikt/<slug:name>/", dashboard.panel, name="panel"),
    path("sok/", messages.search, name="search"),
    path("meldinger/", messages.message_list, name="messages"),
    path("meldinger/<uuid:pk>/", message.message_detail, name="message"),
    path("meldinger/<uuid:pk>/innhold/", message.message_content, name="message_content"),
    path("meldinger/<uuid:pk>/manuell-rutine.pdf", message.manual_routine_pdf, name="manual_pdf"),
    path("forlop/", episodes.episodes, name="episodes"),
    path("varsler/", alerts.alert_list, name="alerts"),
    path("varsler/<uuid:pk>/kvitter/", alerts.acknowledge, name="alert_ack"),
    path("varsler/<uuid:pk>/los/", alerts.resolve, name="alert_resolve"),
    path("nedetid/", downtime.downtime_list, name="downtime"),
    path("nedetid/ny/", downtime.downtime_new, name="downtime_new"),
    path("nedetid/<int:pk>/avslutt/", downtime.downtime_end, name="downtime_end"),
    path("avstemming/", reconciliation.reconciliation, name="reconciliation"),
    path("avstemming/<int:pk>/bekreft/", reconciliation.confirm, name="reconciliation_confirm"),
    path("adressebok/", directory.directory, name="directory"),
    path("adressebok/<int:pk>/", directory.organisation, name="organisation"),
    path("avvik/", deviations.inbox, name="deviations"),
    path("avvik/ny/", deviations.report, name="deviation_new"),
    path("avvik/rapport/", deviations.quarterly_report, name="deviation_report"),
    path("avvik/rapport.pdf", deviations.quarterly_pdf, name="deviation_report_pdf"),
    path("avvik/rutiner/", deviations.governance, name="deviation_governance"),
    path("avvik/<uuid:pk>/", deviations.case, name="deviation"),
    path("avvik/<uuid:pk>/bekreft/", deviations.confirm, name="deviation_confirm"),
    path("avvik/<uuid:pk>/svar/", deviations.answer, name="deviation_answer"),
    path("avvik/<uuid:pk>/lukk/", deviations.close, name="deviation_close"),
    path("avvik/<uuid:pk>/avvis/", deviations.reject, name="deviation_reject"),
    path("avvik/<uuid:pk>/notat/", deviations.note, name="deviation_note"),
    path("avvik/<uuid:pk>/brudd/", deviations.breach_fields, name="deviation_breach"),
    path("avvik/<uuid:pk>/brudd.pdf", deviations.breach_pdf, name="deviation_breach_pdf"),
    path("avvik/<uuid:pk>/brudd.json", deviations.breach_json, name="deviation_breach_json"),
    path("logg-inn/", auth.LoginView.as_view(), name="login"),
    path("logg-ut/", auth.LogoutView.as_view(), name="logout"),
]
