from django.urls import path

from parvis.core.ids import register_converters
from parvis.networks.mastodon import views

register_converters()  # `<id:…>`: ids past a 64-bit column answer 404, not 500

app_name = "mastodon"
urlpatterns = [
    path("w/<id:workspace_id>/connect/mastodon/", views.connect, name="connect"),
    path("connect/mastodon/callback/", views.callback, name="callback"),
]
