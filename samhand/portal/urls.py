from django.urls import path

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
    path("forlop/<uuid:pk>/", episodes.episode_detail, name="episode"),
    path("varsler/", alerts.alert_list, name="alerts"),
    path("varsler/<uuid:pk>/kvitter/", alerts.acknowledge, name="alert_ack"),
    path("varsler/<uuid:pk>/los/", alerts.resolve, name="alert_resolve"),
    path("nedetid/", downtime.downtime_list, name="downtime"),
    path("nedetid/ny/", downtime.downtime_new, name="downtime_new"),
    path("nedetid/<int:pk>/avslutt/", downtime.downtime_end, name="downtime_end"),
    path("nedetid/<int:pk>/endre/", downtime.downtime_edit, name="downtime_edit"),
    path("avstemming/", reconciliation.reconciliation, name="reconciliation"),
    path("avstemming/<int:pk>/bekreft/", reconciliation.confirm, name="reconciliation_confirm"),
    path("avstemming/<int:pk>/notat/", reconciliation.add_note, name="reconciliation_note"),
    path("avstemming/avstemming.<str:fmt>", reconciliation.export, name="reconciliation_export"),
    path("adressebok/", directory.directory, name="directory"),
    path("adressebok/<int:pk>/", directory.organisation, name="organisation"),
    path("logg-inn/", auth.LoginView.as_view(), name="login"),
    path("logg-ut/", auth.LogoutView.as_view(), name="logout"),
]
