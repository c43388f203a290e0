from django.apps import AppConfig


class NodeConfig(AppConfig):
    """The node's own processes (the worker), which wire every room together: top of the layers."""

    name = "samhand.node"
    verbose_name = "Noden"
