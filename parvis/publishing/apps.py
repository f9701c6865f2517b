from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "parvis.publishing"
    label = "publishing"
    verbose_name = _("Publishing")

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save
        from PIL import Image

        from parvis.accounts.models import Workspace
        from parvis.publishing.models import ensure_editorial_settings

        post_save.connect(ensure_editorial_settings, sender=Workspace, dispatch_uid="publishing.editorial_settings")

        # Every image this process opens, not only uploads (thumbnails of older files):
        # Pillow warns above this and refuses twice this without decoding.
        Image.MAX_IMAGE_PIXELS = int(settings.PARVIS_MAX_IMAGE_PIXELS)
