from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "samhand.simulator"
    verbose_name = "EPJ-simulator"
