from django.urls import path

from .views import alerts, auth, dashboard, directory, downtime, episodes, message, messages, reconciliation
from .views import video

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
    path("video/", video.video_meetings, name="video_meetings"),
    path("video/rom/", video.video_rooms, name="video_rooms"),
    path("video/utstyr/<str:pk>/kontroll/", video.video_check, name="video_check"),
    path("video/tjenester/", video.video_services, name="video_services"),
    path("video/moter/ny/", video.video_book, name="video_book"),
    path("video/moter/<uuid:pk>/", video.video_meeting, name="video_meeting"),
    path("video/moter/<uuid:pk>/avlys/", video.video_cancel, name="video_cancel"),
    path("video/moter/<uuid:pk>/bekreft/", video.video_confirm, name="video_confirm"),
    path("video/moter/<uuid:pk>/foresla/", video.video_propose, name="video_propose"),
    path("video/moter/<uuid:pk>/godta/", video.video_accept, name="video_accept"),
    path("video/moter/<uuid:pk>/utfall/", video.video_outcome, name="video_outcome"),
    path("video/moter/<uuid:pk>/notat/", video.video_note, name="video_note"),
    path("video/planer/", video.video_plans, name="video_plans"),
    path("logg-inn/", auth.LoginView.as_view(), name="login"),
    path("logg-ut/", auth.LogoutView.as_view(), name="logout"),
]
