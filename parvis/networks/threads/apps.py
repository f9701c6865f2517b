from django.apps import AppConfig


class ThreadsConfig(AppConfig):
    name = "parvis.networks.threads"
    label = "network_threads"
    verbose_name = "Threads"
