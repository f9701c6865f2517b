from django.apps import AppConfig


class BlueskyConfig(AppConfig):
    name = "parvis.networks.bluesky"
    label = "network_bluesky"
    verbose_name = "Bluesky"
