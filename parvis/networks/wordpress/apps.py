from django.apps import AppConfig


class WordPressConfig(AppConfig):
    name = "parvis.networks.wordpress"
    label = "network_wordpress"
    verbose_name = "WordPress"
