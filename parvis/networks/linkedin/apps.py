from django.apps import AppConfig


class LinkedInConfig(AppConfig):
    name = "parvis.networks.linkedin"
    label = "network_linkedin"
    verbose_name = "LinkedIn"

    def ready(self) -> None:
        from parvis.networks.linkedin.version import log_if_ending

        log_if_ending()
