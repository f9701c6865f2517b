from django.urls import path

from parvis.core.ids import register_converters
from parvis.networks.facebook import views

register_converters()  # `<id:…>`: ids past a 64-bit column answer 404, not 500

app_name = "facebook"
urlpatterns = [
    path("w/<id:workspace_id>/connect/facebook/", views.connect, name="connect"),
    path("connect/facebook/callback/", views.callback, name="callback"),
    path("connect/facebook/choose/", views.choose, name="choose"),
]
