from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "samhand.video"
    label = "video"
    verbose_name = "Videosamhandling"
