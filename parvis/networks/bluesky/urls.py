from django.urls import path

from parvis.networks.bluesky import views

app_name = "bluesky"
urlpatterns = [
    path("w/<int:workspace_id>/connect/bluesky/", views.connect, name="connect"),
]
