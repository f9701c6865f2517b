from django.urls import path

from parvis.core.ids import register_converters
from parvis.networks.wordpress import views

register_converters()  # `<id:…>`: ids past a 64-bit column answer 404, not 500

app_name = "wordpress"
urlpatterns = [
    path("w/<id:workspace_id>/connect/wordpress/", views.connect, name="connect"),
]
