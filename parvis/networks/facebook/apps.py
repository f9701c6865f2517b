from django.apps import AppConfig


class FacebookConfig(AppConfig):
    name = "parvis.networks.facebook"
    label = "network_facebook"
    verbose_name = "Facebook"
