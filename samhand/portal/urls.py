from django.urls import path

from .views import alerts, auth, dashboard, directory, downtime, episodes, message, messages, reconciliation
from .views import dialogue

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
    path("dialog/", dialogue.inbox, name="dialogue"),
    path("dialog/ny/", dialogue.compose_question, name="dialogue_new"),
    path("dialog/<uuid:pk>/", dialogue.thread_view, name="dialogue_thread"),
    path("dialog/<uuid:pk>/svar/", dialogue.thread_reply, name="dialogue_reply"),
    path("dialog/<uuid:pk>/telefon/", dialogue.thread_phone, name="dialogue_phone"),
    path("meldinger/<uuid:pk>/feilsendt/", dialogue.message_misdirected, name="message_misdirected"),
    path("meldinger/<uuid:pk>/send-pa-nytt/", dialogue.message_resend, name="message_resend"),
    path("logg-inn/", auth.LoginView.as_view(), name="login"),
    path("logg-ut/", auth.LogoutView.as_view(), name="logout"),
]
