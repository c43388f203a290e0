from django.urls import path

from .views import access as access_pages
from .views import alerts, auth, dashboard, directory, downtime, episodes, message, messages, reconciliation

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
    path("tilgang/", access_pages.access_request, name="access_request"),
    path("tilgang/<str:ref>/", access_pages.access_decision, name="access_decision"),
    path("tilgang/<str:ref>/dokument/<uuid:doc>/", access_pages.access_document, name="access_document"),
    path("tilgang/<str:ref>/dokument/<uuid:doc>.pdf", access_pages.access_document_pdf, name="access_document_pdf"),
    path("personvern/", access_pages.privacy_home, name="privacy"),
    path("personvern/kontroll/<int:pk>/", access_pages.privacy_review, name="privacy_review"),
    path("personvern/logg/", access_pages.privacy_log, name="privacy_log"),
    path("personvern/sperringer/", access_pages.privacy_blocks, name="privacy_blocks"),
    path("personvern/sperringer/<int:pk>/opphev/", access_pages.privacy_block_lift, name="privacy_block_lift"),
    path("personvern/innsyn/", access_pages.privacy_report, name="privacy_report"),
    path("logg-inn/", auth.LoginView.as_view(), name="login"),
    path("logg-ut/", auth.LogoutView.as_view(), name="logout"),
]
