from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "parvis.inbox"
    label = "inbox"
    verbose_name = _("Inbox")

    def ready(self) -> None:
        from parvis.inbox import alerts, signals

        signals.items_stored.connect(alerts.on_items_stored, dispatch_uid="inbox-after-store")
