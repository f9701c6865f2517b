from django.urls import path

from parvis.core.ids import register_converters
from parvis.networks.linkedin import views

register_converters()  # `<id:…>`: ids past a 64-bit column answer 404, not 500

app_name = "linkedin"
urlpatterns = [
    path("w/<id:workspace_id>/connect/linkedin/", views.connect, name="connect"),
    path("w/<id:workspace_id>/connect/linkedin/choose/", views.choose, name="choose"),
    path("connect/linkedin/callback/", views.callback, name="callback"),
]
