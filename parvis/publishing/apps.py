from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "parvis.publishing"
    label = "publishing"
    verbose_name = _("Publishing")

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Every image this process opens, not only uploads (thumbnails of older files):
        # Pillow warns above this and refuses twice this without decoding.
        Image.MAX_IMAGE_PIXELS = int(settings.PARVIS_MAX_IMAGE_PIXELS)
