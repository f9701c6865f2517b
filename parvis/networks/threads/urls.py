from django.urls import path

from parvis.core.ids import register_converters
from parvis.networks.threads import views

register_converters()  # `<id:…>`: ids past a 64-bit column answer 404, not 500

app_name = "threads"
urlpatterns = [
    path("w/<id:workspace_id>/connect/threads/", views.connect, name="connect"),
    path("connect/threads/callback/", views.callback, name="callback"),
]
