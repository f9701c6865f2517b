from django.urls import path

from parvis.networks.mastodon import views

app_name = "mastodon"
urlpatterns = [
    path("w/<int:workspace_id>/connect/mastodon/", views.connect, name="connect"),
    path("connect/mastodon/callback/", views.callback, name="callback"),
]
