from django.apps import AppConfig


class ChainsConfig(AppConfig):
    name = "samhand.chains"
    verbose_name = "Standard meldingsforløp"

    def ready(self):
        from samhand.access import relations

        from .relations import open_episode

        relations.register("episode", open_episode)
