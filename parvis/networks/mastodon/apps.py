from django.apps import AppConfig


class MastodonConfig(AppConfig):
    name = "parvis.networks.mastodon"
    label = "network_mastodon"
    verbose_name = "Mastodon"
