from django.apps import AppConfig


class InstagramConfig(AppConfig):
    name = "parvis.networks.instagram"
    label = "network_instagram"
    verbose_name = "Instagram"
