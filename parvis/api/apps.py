from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "parvis.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from parvis.api.webhooks.subscriptions import listening
        from parvis.core.events import set_listener

        set_listener(listening)
