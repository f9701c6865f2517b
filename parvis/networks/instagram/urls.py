from django.urls import path

from parvis.core.ids import register_converters
from parvis.networks.instagram import views, webhooks

register_converters()  # `<id:…>`: ids past a 64-bit column answer 404, not 500

app_name = "instagram"
urlpatterns = [
    path("w/<id:workspace_id>/connect/instagram/", views.connect, name="connect"),
    path("connect/instagram/callback/", views.callback, name="callback"),
    path("connect/instagram/choose/", views.choose, name="choose"),
    # Meta's webhook (subscription handshake and mention notifications): no session, signed.
    path("webhooks/instagram/", webhooks.endpoint, name="webhook"),
]
